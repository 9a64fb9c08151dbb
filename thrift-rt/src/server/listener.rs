//! [`Listener`]: where a server accepts connections, and how its accept loop is woken.
//!
//! `accept` blocks, so stopping a server needs a way to wake the thread sitting in it. Each
//! listener owns a socket pair: the accept loop waits in `poll` for the listening socket *or*
//! the pair's read end, and [`Waker::wake`] writes a byte to the other end. That works
//! whatever became of the listening address (a Unix socket file deleted by a temporary
//! directory's cleanup, a TCP address no longer reachable) and costs nothing while the server
//! runs: no polling interval, one `poll` per accepted connection. (Waking by connecting to
//! our own address, as this did before, hung shutdown forever once the socket file was gone.)

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener};
#[cfg(unix)]
use std::os::fd::AsFd;
#[cfg(unix)]
use std::os::unix::net::{UnixListener, UnixStream};
#[cfg(unix)]
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::transport::socket;
use crate::transport::stream::Stream;

/// A listening socket: TCP or Unix.
#[derive(Debug)]
pub struct Listener {
    kind: Kind,
    /// The read end of the wake-up pair; the write end is in every [`Waker`].
    wake_rx: UnixStream,
    wake_tx: Arc<UnixStream>,
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

/// Wakes the accept loop of a [`Listener`] (see the module documentation).
#[derive(Clone, Debug)]
pub(crate) struct Waker(Arc<UnixStream>);

impl Waker {
    /// Makes the listener's `accept` return an error at once (and every later one); the loop
    /// then sees that the server is stopping.
    pub(crate) fn wake(&self) {
        // Non-blocking: a full pair means a wake-up is already pending.
        if let Err(e) = (&*self.0).write(&[1]) {
            if e.kind() != io::ErrorKind::WouldBlock {
                tracing::warn!("cannot wake the accept loop: {e}");
            }
        }
    }
}

impl Listener {
    /// Binds a TCP listener (with `SO_REUSEADDR` and a backlog of 128).
    ///
    /// # Errors
    ///
    /// Errors from `bind` or `listen`.
    pub fn tcp(addr: impl std::net::ToSocketAddrs) -> io::Result<Self> {
        Self::new(Kind::Tcp(socket::listen(addr, 128)?))
    }

    fn new(kind: Kind) -> io::Result<Self> {
        let (wake_rx, wake_tx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        match &kind {
            Kind::Tcp(l) => l.set_nonblocking(true)?,
            Kind::Unix { listener, .. } => listener.set_nonblocking(true)?,
        }
        Ok(Self {
            kind,
            wake_rx,
            wake_tx: Arc::new(wake_tx),
        })
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
        Self::new(Kind::Unix {
            listener,
            owned_path: Some(path.to_owned()),
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

    /// Waits for a connection or a wake-up: a connection is returned blocking (with
    /// `TCP_NODELAY` on TCP); a wake-up is an error, as is every call after it.
    pub(crate) fn accept(&self) -> io::Result<Stream> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        loop {
            let listening = match &self.kind {
                Kind::Tcp(l) => l.as_fd(),
                Kind::Unix { listener, .. } => listener.as_fd(),
            };
            let mut fds = [
                PollFd::new(listening, PollFlags::POLLIN),
                PollFd::new(self.wake_rx.as_fd(), PollFlags::POLLIN),
            ];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
            if fds[1].revents().is_some_and(|r| !r.is_empty()) {
                return Err(io::Error::other("the accept loop was woken to stop"));
            }
            match self.accept_ready() {
                // Readiness can be stale (the peer gave up before we accepted).
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
        }
    }

    /// Accepts a connection the listener has ready, without blocking.
    fn accept_ready(&self) -> io::Result<Stream> {
        match &self.kind {
            Kind::Tcp(l) => {
                let (stream, _) = l.accept()?;
                // Some systems pass the listener's non-blocking mode on; connections block.
                stream.set_nonblocking(false)?;
                // Replies go out in one write each; without TCP_NODELAY, Nagle's algorithm
                // holds back the tail of a reply larger than a segment until the client's
                // delayed ACK (tens of milliseconds).
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!("cannot set TCP_NODELAY on an accepted connection: {e}");
                }
                Ok(Stream::Tcp(stream))
            }
            Kind::Unix { listener, .. } => {
                let (stream, _) = listener.accept()?;
                stream.set_nonblocking(false)?;
                Ok(Stream::Unix(stream))
            }
        }
    }

    /// A handle that wakes this listener's accept loop.
    pub(crate) fn waker(&self) -> Waker {
        Waker(Arc::clone(&self.wake_tx))
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

impl TryFrom<TcpListener> for Listener {
    type Error = io::Error;

    /// An existing TCP listener (made non-blocking: the accept loop waits in `poll`).
    fn try_from(l: TcpListener) -> io::Result<Self> {
        Self::new(Kind::Tcp(l))
    }
}

/// An existing Unix listener; its socket file is left in place when the server stops.
impl TryFrom<UnixListener> for Listener {
    type Error = io::Error;

    fn try_from(listener: UnixListener) -> io::Result<Self> {
        Self::new(Kind::Unix {
            listener,
            owned_path: None,
        })
    }
}
