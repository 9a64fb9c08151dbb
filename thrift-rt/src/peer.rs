//! Who is calling: the peer's credentials on a Unix-socket connection, as the kernel saw them,
//! available to handlers through [`current`].
//!
//! When a server accepts a Unix-socket connection (or an endpoint connects or accepts one),
//! it asks the kernel for the peer's process id, user id and group id (`SO_PEERCRED`, the
//! values the peer had when it called `connect` or `socketpair`; the peer cannot forge
//! them) and, where the kernel offers one (Linux 6.5 and later), a pidfd for the peer
//! process (`SO_PEERPIDFD`). Handlers read them with [`current`] while they handle a call:
//!
//! ```no_run
//! # fn demo() -> Result<(), String> {
//! let caller = thrift_rt::peer::current().ok_or("not a Unix-socket call")?;
//! if caller.uid() != 0 {
//!     return Err(format!("uid {} may not do this", caller.uid()));
//! }
//! # Ok(()) }
//! ```
//!
//! # Why a thread-local and not a handler parameter
//!
//! Handler traits stay exactly what the IDL says, so handlers that do not care pay nothing
//! and change nothing; the credentials are set on the thread that runs the handler for as
//! long as it serves the connection (the whole connection on the simple and threaded servers;
//! each turn on a thread-pool worker, since a pool connection moves between workers when it
//! goes idle) or once per call (endpoint workers), and cleared when it is done.
//! Code that does not run on that thread (work the handler sends elsewhere) must take them
//! along: `current()` returns an `Arc`.
//!
//! # PID reuse
//!
//! A pid names a process only while that process lives: once it exits, the kernel may give
//! the number to a new, unrelated process. Acting on the pid later (signalling it, reading
//! `/proc/<pid>`) can therefore hit the wrong process. The uid and gid do not have this
//! problem (they are the peer's at connect time, whatever happens later), so base access
//! decisions on them. The pidfd fixes the rest: it refers to the peer process itself, never
//! to a successor, so `pidfd_send_signal` on it reaches the right process or fails, and
//! polling it tells when the peer has exited.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::Arc;

use nix::libc;
use nix::sys::socket::{getsockopt, sockopt};

/// `SO_PEERPIDFD` (not exported by the `libc` crate for every target yet).
#[cfg(any(target_arch = "sparc", target_arch = "sparc64"))]
const SO_PEERPIDFD: libc::c_int = 0x56;
#[cfg(not(any(target_arch = "sparc", target_arch = "sparc64")))]
const SO_PEERPIDFD: libc::c_int = 77;

/// The credentials of the process at the other end of a Unix socket.
#[derive(Debug)]
pub struct PeerCredentials {
    pid: i32,
    uid: u32,
    gid: u32,
    pidfd: Option<OwnedFd>,
}

impl PeerCredentials {
    /// Asks the kernel about the peer of a connected Unix stream socket.
    ///
    /// # Errors
    ///
    /// Errors from `getsockopt(SO_PEERCRED)` (for example on a socket that is not a Unix
    /// socket). A kernel without `SO_PEERPIDFD` is not an error: [`pidfd`](Self::pidfd) is
    /// then `None`.
    pub fn of(socket: impl AsFd) -> io::Result<Self> {
        let socket = socket.as_fd();
        let cred = getsockopt(&socket, sockopt::PeerCredentials).map_err(io::Error::from)?;
        Ok(Self {
            pid: cred.pid(),
            uid: cred.uid(),
            gid: cred.gid(),
            pidfd: peer_pidfd(socket),
        })
    }

    /// The peer's process id when it connected (see the module documentation on reuse).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The peer's effective user id when it connected.
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The peer's effective group id when it connected.
    pub fn gid(&self) -> u32 {
        self.gid
    }

    /// A pidfd for the peer process, where the kernel offers `SO_PEERPIDFD`.
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        self.pidfd.as_ref().map(AsFd::as_fd)
    }
}

/// `getsockopt(SO_PEERPIDFD)`; `None` where the kernel does not offer it.
fn peer_pidfd(socket: BorrowedFd<'_>) -> Option<OwnedFd> {
    let mut fd: libc::c_int = -1;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `fd` and `len` are valid for writes of the sizes given; the kernel writes at
    // most `len` bytes into `fd`.
    let r = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_PEERPIDFD,
            (&raw mut fd).cast(),
            &mut len,
        )
    };
    if r != 0 || fd < 0 {
        return None;
    }
    // SAFETY: on success the kernel installed a new descriptor for us (with O_CLOEXEC);
    // nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<PeerCredentials>>> = const { RefCell::new(None) };
}

/// The credentials of the peer whose call this thread is handling; `None` outside a handler,
/// and for connections that are not over a Unix socket.
pub fn current() -> Option<Arc<PeerCredentials>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Makes `peer` what [`current`] returns on this thread until the guard is dropped.
pub(crate) fn enter(peer: Option<Arc<PeerCredentials>>) -> PeerGuard {
    let previous = CURRENT.with(|c| c.replace(peer));
    PeerGuard { previous }
}

/// Restores the previous credentials (of an enclosing call, if any) when dropped.
pub(crate) struct PeerGuard {
    previous: Option<Arc<PeerCredentials>>,
}

impl Drop for PeerGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The credentials of a connection's peer, when it is a Unix socket.
pub(crate) fn of_stream(stream: &crate::transport::stream::Stream) -> Option<Arc<PeerCredentials>> {
    match stream {
        crate::transport::stream::Stream::Unix(s) => match PeerCredentials::of(s) {
            Ok(creds) => Some(Arc::new(creds)),
            Err(e) => {
                tracing::warn!("cannot read the peer's credentials: {e}");
                None
            }
        },
        crate::transport::stream::Stream::Tcp(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_socketpair_peer_is_this_process() {
        let (a, _b) = UnixStream::pair().unwrap();
        let creds = PeerCredentials::of(&a).unwrap();
        assert_eq!(creds.pid(), std::process::id() as i32);
        assert_eq!(creds.uid(), nix::unistd::geteuid().as_raw());
        assert_eq!(creds.gid(), nix::unistd::getegid().as_raw());
    }

    /// The kernel release as (major, minor), from `uname`.
    fn kernel() -> (u32, u32) {
        let release = nix::sys::utsname::uname().unwrap();
        let release = release.release().to_string_lossy().into_owned();
        let mut parts = release.split(|c: char| !c.is_ascii_digit());
        let major = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        (major, minor)
    }

    #[test]
    fn the_pidfd_refers_to_the_peer_process_where_the_kernel_has_one() {
        let (a, _b) = UnixStream::pair().unwrap();
        let creds = PeerCredentials::of(&a).unwrap();
        if kernel() < (6, 5) {
            eprintln!(
                "kernel {:?} has no SO_PEERPIDFD; pidfd not checked",
                kernel()
            );
            return;
        }
        let pidfd = creds.pidfd().expect("Linux 6.5+ offers SO_PEERPIDFD");
        // /proc/self/fdinfo/<pidfd> names the process the pidfd refers to.
        let info =
            std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd())).unwrap();
        let pid_line = info.lines().find(|l| l.starts_with("Pid:")).unwrap();
        assert_eq!(
            pid_line.split_whitespace().nth(1),
            Some(std::process::id().to_string().as_str())
        );
    }

    #[test]
    fn current_is_scoped() {
        assert!(current().is_none());
        let (a, _b) = UnixStream::pair().unwrap();
        let creds = Arc::new(PeerCredentials::of(&a).unwrap());
        {
            let _outer = enter(Some(Arc::clone(&creds)));
            assert_eq!(current().unwrap().pid(), creds.pid());
            {
                let _inner = enter(None);
                assert!(current().is_none());
            }
            assert!(current().is_some(), "the outer call's peer is back");
        }
        assert!(current().is_none());
    }
}
