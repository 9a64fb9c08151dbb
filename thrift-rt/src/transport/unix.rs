//! Unix-domain stream sockets: client and listener helpers.
//!
//! [`bind`] replaces a stale socket file only after checking that nothing listens on it, and can
//! set the file's mode; [`bind_abstract`] / [`connect_abstract`] use Linux abstract names, which
//! have no file at all. For passing file descriptors along with messages see
//! [`fd`](super::fd).

use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;

/// Options for [`bind`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenOptions {
    /// File mode for the socket file (e.g. `0o660`); `None` keeps what the umask gives.
    pub mode: Option<u32>,
}

impl ListenOptions {
    /// Sets [`ListenOptions::mode`].
    #[must_use]
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }
}

/// Connects to the socket at `path`, with optional read/write timeouts.
///
/// # Errors
///
/// Errors from `connect` or `setsockopt`.
pub fn connect(path: impl AsRef<Path>, timeout: Option<Duration>) -> io::Result<UnixStream> {
    let stream = UnixStream::connect(path)?;
    stream.set_read_timeout(timeout)?;
    stream.set_write_timeout(timeout)?;
    Ok(stream)
}

/// Binds a listener at `path`.
///
/// If a socket file already exists there, it is removed only when connecting to it is refused
/// (nobody listens: a leftover from a crashed server). A live socket gives `AddrInUse`; a path
/// that is not a socket is never removed and gives `AlreadyExists`.
///
/// # Errors
///
/// As above, plus errors from `bind` and `chmod`.
pub fn bind(path: impl AsRef<Path>, opts: &ListenOptions) -> io::Result<UnixListener> {
    let path = path.as_ref();
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => match UnixStream::connect(path) {
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("{} is in use by a running server", path.display()),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                tracing::debug!("removing stale socket {}", path.display());
                fs::remove_file(path)?;
            }
            Err(e) => return Err(e),
        },
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = UnixListener::bind(path)?;
    if let Some(mode) = opts.mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(listener)
}

/// Binds a listener to a Linux abstract socket name (no file; `name` without the leading NUL).
///
/// # Errors
///
/// Errors from `bind`, e.g. `AddrInUse`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn bind_abstract(name: &[u8]) -> io::Result<UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    UnixListener::bind_addr(&addr)
}

/// Connects to a Linux abstract socket name.
///
/// # Errors
///
/// Errors from `connect`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn connect_abstract(name: &[u8]) -> io::Result<UnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    UnixStream::connect_addr(&addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn temp_path(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("thrift-rt-unix-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn stale_socket_is_replaced_live_one_is_not() {
        let path = temp_path("stale.sock");
        let _ = fs::remove_file(&path);
        let first = bind(&path, &ListenOptions::default().mode(0o600)).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Someone listens: refuse.
        let err = bind(&path, &ListenOptions::default()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        // The server died, leaving the file: replace it.
        drop(first);
        assert!(path.exists());
        let second = bind(&path, &ListenOptions::default()).unwrap();
        let mut client = connect(&path, Some(Duration::from_secs(5))).unwrap();
        let (mut conn, _) = second.accept().unwrap();
        client.write_all(b"hi").unwrap();
        let mut buf = [0; 2];
        conn.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn regular_files_are_never_removed() {
        let path = temp_path("not-a-socket");
        fs::write(&path, b"data").unwrap();
        let err = bind(&path, &ListenOptions::default()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"data");
        fs::remove_file(&path).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn abstract_names() {
        let name = format!("thrift-rt-test-{}", std::process::id());
        let listener = bind_abstract(name.as_bytes()).unwrap();
        assert_eq!(
            bind_abstract(name.as_bytes()).unwrap_err().kind(),
            io::ErrorKind::AddrInUse
        );
        let mut client = connect_abstract(name.as_bytes()).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        client.write_all(b"x").unwrap();
        let mut buf = [0; 1];
        conn.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"x");
    }
}
