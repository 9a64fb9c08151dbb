//! TCP client and listener helpers: connect timeouts, read/write timeouts, `TCP_NODELAY`.
//!
//! These return plain [`std::net::TcpStream`]s; wrap them in
//! [`BufferedReader`](super::BufferedReader) / [`std::io::BufWriter`] or the framed transports.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

/// Options for TCP connections.
///
/// ```
/// use std::time::Duration;
/// let opts = thrift_rt::transport::socket::TcpOptions::default()
///     .connect_timeout(Duration::from_secs(2))
///     .read_timeout(Duration::from_secs(5));
/// # let _ = opts;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TcpOptions {
    /// Give up connecting after this long (per address). `None`: the OS default.
    pub connect_timeout: Option<Duration>,
    /// Reads fail with `TimedOut`/`WouldBlock` after this long. `None`: block forever.
    pub read_timeout: Option<Duration>,
    /// Writes fail after this long. `None`: block forever.
    pub write_timeout: Option<Duration>,
    /// Disable Nagle's algorithm (default `true`: Thrift messages are small and latency-bound).
    pub nodelay: bool,
}

impl Default for TcpOptions {
    fn default() -> Self {
        Self {
            connect_timeout: None,
            read_timeout: None,
            write_timeout: None,
            nodelay: true,
        }
    }
}

impl TcpOptions {
    /// Sets [`TcpOptions::connect_timeout`].
    #[must_use]
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = Some(t);
        self
    }

    /// Sets [`TcpOptions::read_timeout`].
    #[must_use]
    pub fn read_timeout(mut self, t: Duration) -> Self {
        self.read_timeout = Some(t);
        self
    }

    /// Sets [`TcpOptions::write_timeout`].
    #[must_use]
    pub fn write_timeout(mut self, t: Duration) -> Self {
        self.write_timeout = Some(t);
        self
    }

    /// Sets [`TcpOptions::nodelay`].
    #[must_use]
    pub fn nodelay(mut self, on: bool) -> Self {
        self.nodelay = on;
        self
    }

    /// Applies the timeouts and `TCP_NODELAY` to a connected stream (e.g. one from `accept`).
    ///
    /// # Errors
    ///
    /// Errors from `setsockopt`.
    pub fn apply(&self, stream: &TcpStream) -> io::Result<()> {
        stream.set_read_timeout(self.read_timeout)?;
        stream.set_write_timeout(self.write_timeout)?;
        stream.set_nodelay(self.nodelay)
    }
}

/// Connects to the first address of `addr` that accepts, with the given options.
///
/// # Errors
///
/// The last connection error, or `InvalidInput` if `addr` resolves to nothing.
pub fn connect(addr: impl ToSocketAddrs, opts: &TcpOptions) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match connect_one(addr, opts) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing")
    }))
}

fn connect_one(addr: SocketAddr, opts: &TcpOptions) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    match opts.connect_timeout {
        Some(t) => socket.connect_timeout(&addr.into(), t)?,
        None => socket.connect(&addr.into())?,
    }
    let stream: TcpStream = socket.into();
    opts.apply(&stream)?;
    Ok(stream)
}

/// Binds a listener with `SO_REUSEADDR` (so a restarted server can rebind at once) and the
/// given backlog.
///
/// # Errors
///
/// Errors from `socket`, `bind` or `listen`.
pub fn listen(addr: impl ToSocketAddrs, backlog: i32) -> io::Result<TcpListener> {
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        let attempt = (|| {
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
            #[cfg(unix)]
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(backlog)?;
            Ok::<_, io::Error>(TcpListener::from(socket))
        })();
        match attempt {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing")
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryReader, BinaryWriter, ProtocolReader, ProtocolWriter};
    use crate::transport::{BufferedReader, FramedReader, FramedWriter};

    #[test]
    fn framed_messages_over_tcp() {
        let listener = listen("127.0.0.1:0", 16).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            TcpOptions::default().apply(&stream).unwrap();
            let mut r = BinaryReader::new(FramedReader::new(stream.try_clone().unwrap()));
            let mut w = BinaryWriter::new(FramedWriter::new(stream));
            let v = r.read_i64().unwrap();
            w.write_i64(v + 1).unwrap();
            w.flush().unwrap();
        });
        let opts = TcpOptions::default()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(5))
            .write_timeout(Duration::from_secs(5));
        let stream = connect(addr, &opts).unwrap();
        assert!(stream.nodelay().unwrap());
        assert_eq!(stream.read_timeout().unwrap(), Some(Duration::from_secs(5)));
        let mut w = BinaryWriter::new(FramedWriter::new(stream.try_clone().unwrap()));
        w.write_i64(41).unwrap();
        w.flush().unwrap();
        let mut r = BinaryReader::new(FramedReader::new(BufferedReader::new(stream)));
        assert_eq!(r.read_i64().unwrap(), 42);
        server.join().unwrap();
    }

    #[test]
    fn read_timeout_is_a_timed_out_error() {
        let listener = listen("127.0.0.1:0", 16).unwrap();
        let addr = listener.local_addr().unwrap();
        let opts = TcpOptions::default().read_timeout(Duration::from_millis(50));
        let stream = connect(addr, &opts).unwrap();
        let _peer = listener.accept().unwrap();
        let err = BinaryReader::new(BufferedReader::new(stream))
            .read_i32()
            .unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(crate::TransportErrorKind::TimedOut)
        );
    }

    #[test]
    fn connect_to_closed_port_fails() {
        let port = listen("127.0.0.1:0", 1).unwrap().local_addr().unwrap();
        let opts = TcpOptions::default().connect_timeout(Duration::from_secs(2));
        assert!(connect(port, &opts).is_err());
    }
}
