//! [`Listener`]: where a server accepts connections, and how its accept loop is woken.
//!
//! `accept` blocks, so stopping a server needs a way to wake the thread sitting in it. We
//! connect to the listener ourselves (the "wake-up connection"): `accept` returns it, the loop
//! sees that the server is stopping and drops it. This works the same on every platform and
//! for both socket kinds, and costs nothing while the server runs (no polling interval). The
//! address to connect to is taken from the listener when the server starts; a TCP listener
//! bound to the unspecified address (`0.0.0.0`, `::`) is reached through loopback.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
#[cfg(unix)]
use std::os::unix::net::{UnixListener, UnixStream};
#[cfg(unix)]
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::transport::socket;
use crate::transport::stream::Stream;

/// A listening socket: TCP or Unix.
#[derive(Debug)]
pub struct Listener {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix {
        listener: UnixListener,
        /// The socket file, removed when the server stops, if we created it.
        owned_path: Option<PathBuf>,
    },
}

/// Where to connect to wake an accept loop.
#[derive(Clone, Debug)]
pub(crate) enum WakeAddr {
    Tcp(SocketAddr),
    #[cfg(unix)]
    Unix(PathBuf),
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Abstract(Vec<u8>),
    None,
}

impl Listener {
    /// Binds a TCP listener (with `SO_REUSEADDR` and a backlog of 128).
    ///
    /// # Errors
    ///
    /// Errors from `bind` or `listen`.
    pub fn tcp(addr: impl std::net::ToSocketAddrs) -> io::Result<Self> {
        Ok(socket::listen(addr, 128)?.into())
    }

    /// Binds a Unix socket at `path` (replacing a stale socket file, see
    /// [`transport::unix::bind`](crate::transport::unix::bind)); the file is removed when the
    /// server stops.
    ///
    /// # Errors
    ///
    /// As for [`transport::unix::bind`](crate::transport::unix::bind).
    #[cfg(unix)]
    pub fn unix(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref();
        let listener = crate::transport::unix::bind(path, &Default::default())?;
        Ok(Self {
            kind: Kind::Unix {
                listener,
                owned_path: Some(path.to_owned()),
            },
        })
    }

    /// The TCP address this listener is bound to; `None` for Unix sockets.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.kind {
            Kind::Tcp(l) => l.local_addr().ok(),
            #[cfg(unix)]
            Kind::Unix { .. } => None,
        }
    }

    /// A description for logs.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            Kind::Tcp(l) => l
                .local_addr()
                .map_or_else(|_| "tcp".to_owned(), |a| a.to_string()),
            #[cfg(unix)]
            Kind::Unix { listener, .. } => match listener.local_addr() {
                Ok(a) => match a.as_pathname() {
                    Some(p) => format!("unix:{}", p.display()),
                    None => "unix socket".to_owned(),
                },
                Err(_) => "unix socket".to_owned(),
            },
        }
    }

    pub(crate) fn accept(&self) -> io::Result<Stream> {
        match &self.kind {
            Kind::Tcp(l) => {
                let (stream, _) = l.accept()?;
                // Replies go out in one write each; without TCP_NODELAY, Nagle's algorithm
                // holds back the tail of a reply larger than a segment until the client's
                // delayed ACK (tens of milliseconds).
                if let Err(e) = stream.set_nodelay(true) {
                    log::debug!("cannot set TCP_NODELAY on an accepted connection: {e}");
                }
                Ok(Stream::Tcp(stream))
            }
            #[cfg(unix)]
            Kind::Unix { listener, .. } => listener.accept().map(|(s, _)| Stream::Unix(s)),
        }
    }

    pub(crate) fn wake_addr(&self) -> WakeAddr {
        match &self.kind {
            Kind::Tcp(l) => match l.local_addr() {
                Ok(mut a) => {
                    if a.ip().is_unspecified() {
                        a.set_ip(match a.ip() {
                            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
                        });
                    }
                    WakeAddr::Tcp(a)
                }
                Err(_) => WakeAddr::None,
            },
            #[cfg(unix)]
            Kind::Unix { listener, .. } => {
                let Ok(addr) = listener.local_addr() else {
                    return WakeAddr::None;
                };
                if let Some(p) = addr.as_pathname() {
                    return WakeAddr::Unix(p.to_owned());
                }
                #[cfg(any(target_os = "linux", target_os = "android"))]
                {
                    use std::os::linux::net::SocketAddrExt;
                    if let Some(name) = addr.as_abstract_name() {
                        return WakeAddr::Abstract(name.to_owned());
                    }
                }
                WakeAddr::None
            }
        }
    }
}

impl WakeAddr {
    /// Connects once to wake the accept loop; the connection is dropped at once.
    pub(crate) fn wake(&self) {
        let timeout = Duration::from_secs(1);
        let result = match self {
            Self::Tcp(a) => TcpStream::connect_timeout(a, timeout).map(drop),
            #[cfg(unix)]
            Self::Unix(p) => UnixStream::connect(p).map(drop),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Self::Abstract(name) => crate::transport::unix::connect_abstract(name).map(drop),
            Self::None => Err(io::Error::other("no address to connect to")),
        };
        if let Err(e) = result {
            log::warn!("cannot wake the accept loop: {e}");
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Kind::Unix {
            owned_path: Some(path),
            ..
        } = &self.kind
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl From<TcpListener> for Listener {
    fn from(l: TcpListener) -> Self {
        Self { kind: Kind::Tcp(l) }
    }
}

/// An existing Unix listener; its socket file is left in place when the server stops.
#[cfg(unix)]
impl From<UnixListener> for Listener {
    fn from(listener: UnixListener) -> Self {
        Self {
            kind: Kind::Unix {
                listener,
                owned_path: None,
            },
        }
    }
}
