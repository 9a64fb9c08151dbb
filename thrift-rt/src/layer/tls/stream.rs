//! [`TlsReader`] and [`TlsWriter`]: the two halves of one TLS connection over a read end and
//! a write end.
//!
//! Both halves share the rustls connection (one mutex): a write encrypts with the state the
//! reads advance. The handshake is complete before the halves exist ([`handshake`], called
//! by the layers' `wrap`), so the reader never has to write: what rustls wants to send after
//! it (a key-update reply, an alert) goes out with the writer's next write. The reader never
//! holds the lock while it waits on the socket: it reads ciphertext into a buffer of its own
//! first, then locks to hand it to rustls. So an endpoint's reading thread and its writers do
//! not wait for each other's sockets.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rustls::Connection;
use rustls::pki_types::CertificateDer;

use crate::transport::{ReadEnd, WriteEnd};

/// The ciphertext read from below at a time (a little over one TLS record).
const CIPHERTEXT: usize = 17 * 1024;

/// The peer's certificate chain, end entity first, once the handshake has completed: empty
/// when the peer presented none.
pub type PeerCertificates = Arc<[CertificateDer<'static>]>;

/// Writes every TLS byte rustls has ready (handshake, alerts, encrypted data) to `out`.
fn send_tls(conn: &mut Connection, out: &mut dyn Write) -> io::Result<()> {
    while conn.wants_write() {
        conn.write_tls(out)?;
    }
    Ok(())
}

/// A read end and a write end as one stream, for the handshake.
struct Duplex<'a, R, W>(&'a mut R, &'a mut W);

impl<R: Read, W> Read for Duplex<'_, R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R, W: Write> Write for Duplex<'_, R, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.1.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.1.flush()
    }
}

/// Runs the handshake to its end over `read` and `write`, each read and write bounded by
/// their timeouts (a server's read half also by its message deadline from the first byte).
///
/// # Errors
///
/// The peer's certificate refused, no common parameters, the peer's alert, a timeout, or
/// the connection closed during the handshake.
pub(super) fn handshake<R: Read, W: Write>(
    conn: &mut Connection,
    read: &mut R,
    write: &mut W,
) -> io::Result<()> {
    let mut io = Duplex(read, write);
    while conn.is_handshaking() {
        conn.complete_io(&mut io).map_err(|e| {
            // rustls reports its own errors as `InvalidData` with the error inside.
            if e.kind() == io::ErrorKind::InvalidData {
                io::Error::new(io::ErrorKind::InvalidData, format!("TLS handshake: {e}"))
            } else {
                e
            }
        })?;
    }
    send_tls(conn, io.1)?;
    io.1.flush()
}

fn lock(shared: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves rustls' state as it was between two calls:
    // going on is as sound as giving up, and the connection's reads report what is wrong.
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The TLS error as an I/O error that says what happened.
pub(super) fn tls_error(e: &rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("TLS: {e}"))
}

/// The read half: decrypts what comes from below.
pub struct TlsReader<R> {
    inner: R,
    shared: Arc<Mutex<Connection>>,
    /// Ciphertext read from below, `buf[start..end]` not handed to rustls yet.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Decrypted bytes rustls holds for us (we are the only reader, so this is exact).
    plaintext: usize,
    /// The peer's certificates, set once the handshake completes (shared with handlers).
    peer: Arc<OnceLock<PeerCertificates>>,
}

/// The write half: encrypts and writes below.
pub struct TlsWriter<W> {
    out: W,
    shared: Arc<Mutex<Connection>>,
}

impl<R> std::fmt::Debug for TlsReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsReader")
            .field("plaintext", &self.plaintext)
            .field("ciphertext", &(self.end - self.start))
            .field("peer_certificates", &self.peer.get().map(|c| c.len()))
            .finish_non_exhaustive()
    }
}

impl<W> std::fmt::Debug for TlsWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsWriter").finish_non_exhaustive()
    }
}

/// The two halves over `read` and `write`, sharing `conn`, whose handshake is complete
/// ([`handshake`]); bytes read with the handshake's last ones are in `conn` already.
pub(super) fn halves<R, W>(
    mut conn: Connection,
    read: R,
    write: W,
) -> io::Result<(TlsReader<R>, TlsWriter<W>)> {
    let peer = Arc::new(OnceLock::new());
    let plaintext = conn
        .process_new_packets()
        .map_err(|e| tls_error(&e))?
        .plaintext_bytes_to_read();
    record_peer(&conn, &peer);
    let shared = Arc::new(Mutex::new(conn));
    Ok((
        TlsReader {
            inner: read,
            shared: Arc::clone(&shared),
            buf: Vec::new(),
            start: 0,
            end: 0,
            plaintext,
            peer,
        },
        TlsWriter { out: write, shared },
    ))
}

fn record_peer(conn: &Connection, peer: &OnceLock<PeerCertificates>) {
    if peer.get().is_none() && !conn.is_handshaking() {
        let certs: PeerCertificates = conn.peer_certificates().unwrap_or_default().into();
        let _ = peer.set(certs);
    }
}

impl<R> TlsReader<R> {
    /// The read end below.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The read end below, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The peer's certificate chain, once the handshake has completed.
    pub fn peer_certificates(&self) -> Option<PeerCertificates> {
        self.peer.get().cloned()
    }

    /// What handlers see through [`peer_certificates`](super::peer_certificates).
    pub(super) fn peer_cell(&self) -> &Arc<OnceLock<PeerCertificates>> {
        &self.peer
    }
}

impl<R: Read> Read for TlsReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.plaintext > 0 {
                let mut conn = lock(&self.shared);
                match conn.reader().read(out) {
                    Ok(n) if n > 0 => {
                        self.plaintext = self.plaintext.saturating_sub(n);
                        return Ok(n);
                    }
                    Ok(_) => return Ok(0),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.plaintext = 0,
                    Err(e) => return Err(e),
                }
            }
            if self.start == self.end {
                if self.buf.len() < CIPHERTEXT {
                    self.buf.resize(CIPHERTEXT, 0);
                }
                // Without the lock: a wait here must not stop the writers.
                let n = self.inner.read(&mut self.buf)?;
                if n == 0 {
                    // The peer closed (with or without close_notify): the transport above
                    // reports a message cut short.
                    return Ok(0);
                }
                (self.start, self.end) = (0, n);
            }
            let mut conn = lock(&self.shared);
            let mut ciphertext = &self.buf[self.start..self.end];
            let fed = conn.read_tls(&mut ciphertext)?;
            self.start += fed;
            // An error leaves an alert queued; it goes nowhere, as the connection closes.
            let state = conn.process_new_packets().map_err(|e| tls_error(&e))?;
            record_peer(&conn, &self.peer);
            self.plaintext = state.plaintext_bytes_to_read();
            if self.plaintext == 0 && state.peer_has_closed() {
                return Ok(0);
            }
        }
    }
}

impl<R: ReadEnd> ReadEnd for TlsReader<R> {
    /// Decrypted bytes not handed up, or ciphertext rustls had no room for yet.
    fn holds_bytes(&self) -> bool {
        self.plaintext > 0 || self.start < self.end || self.inner.holds_bytes()
    }

    fn release_idle_buffer(&mut self) {
        if self.start == self.end {
            self.buf = Vec::new();
            (self.start, self.end) = (0, 0);
        }
        self.inner.release_idle_buffer();
    }
}

impl<W: Write> Write for TlsWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut conn = lock(&self.shared);
        let n = conn.writer().write(data)?;
        // Everything goes out now: the transport above writes whole messages and then
        // flushes, and rustls' buffer is bounded.
        send_tls(&mut conn, &mut self.out)?;
        if n == 0 && !data.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "TLS: rustls took no data",
            ));
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        send_tls(&mut lock(&self.shared), &mut self.out)?;
        self.out.flush()
    }
}

// Encrypted bytes cannot carry descriptors: the defaults refuse them.
impl<W: WriteEnd> WriteEnd for TlsWriter<W> {}
