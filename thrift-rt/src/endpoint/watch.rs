//! [`Watch`]: what an endpoint connection's idle threads wait on: its socket, and a doorbell.
//!
//! Every idle thread of the connection sits in `epoll_wait` on the same `epoll` instance,
//! which the kernel wakes one waiter at a time. The socket is registered one-shot, and only
//! while nobody is reading: a caller that reads its own reply takes it out first, so the
//! reply wakes that caller alone, and the thread that took a call puts it back before
//! running the handler, so one of the threads still waiting (already asleep, not woken for
//! the purpose) picks up whatever comes next. Taken out rather than left registered and
//! disarmed: a registered socket costs every message sent and read on it a visit of the
//! kernel to the `epoll` instance (about 5 % of a round trip over a Unix socket).
//!
//! The doorbell (an `eventfd` counting queued jobs) wakes one idle thread per job, and all
//! of them at once when the connection closes. A timer rings it later, for calls buffered
//! behind one a thread is running (see `connection.rs`).

use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::eventfd::{EfdFlags, EventFd};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use crate::transport::stream::Stream;

const SOCKET: u64 = 0;
const DOORBELL: u64 = 1;
const TIMER: u64 = 2;

/// Where the socket stands in the watch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum SocketWatch {
    /// Registered: bytes wake one waiting thread.
    #[default]
    Armed,
    /// Registered, but its one-shot wake-up is spent.
    Fired,
    /// Not registered (somebody reads it).
    Off,
}

/// What woke a waiting thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Woken {
    /// The socket has bytes (or an error, or the end).
    Socket,
    /// A job was queued, or the connection is closing.
    Doorbell,
    /// The timer went off.
    Timer,
    /// Nothing happened for the whole timeout.
    Timeout,
}

#[derive(Debug)]
pub(crate) struct Watch {
    epoll: Epoll,
    doorbell: EventFd,
    /// Rings the doorbell later, unless stopped first.
    timer: TimerFd,
}

impl Watch {
    /// Watches `socket`, armed.
    pub(crate) fn new(socket: &Stream) -> io::Result<Self> {
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
        let flags = EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_SEMAPHORE;
        let doorbell = EventFd::from_value_and_flags(0, flags)?;
        epoll.add(&doorbell, EpollEvent::new(EpollFlags::EPOLLIN, DOORBELL))?;
        epoll.add(socket.as_fd(), EpollEvent::new(armed(), SOCKET))?;
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_CLOEXEC | TimerFlags::TFD_NONBLOCK,
        )?;
        epoll.add(&timer, EpollEvent::new(EpollFlags::EPOLLIN, TIMER))?;
        Ok(Self {
            epoll,
            doorbell,
            timer,
        })
    }

    /// Lets the next bytes on `socket`, which stands as `stands`, wake one waiting thread.
    pub(crate) fn arm(&self, socket: &Stream, stands: &mut SocketWatch) {
        let mut event = EpollEvent::new(armed(), SOCKET);
        let done = match std::mem::replace(stands, SocketWatch::Armed) {
            SocketWatch::Armed => return,
            SocketWatch::Fired => self.epoll.modify(socket.as_fd(), &mut event),
            SocketWatch::Off => self.epoll.add(socket.as_fd(), event),
        };
        // Fails only if the socket is closed: nothing to watch then.
        if let Err(e) = done {
            tracing::debug!("endpoint: epoll_ctl failed: {e}");
        }
    }

    /// Takes `socket`, which stands as `stands`, out of the watch (somebody reads it).
    pub(crate) fn unwatch(&self, socket: &Stream, stands: &mut SocketWatch) {
        if std::mem::replace(stands, SocketWatch::Off) != SocketWatch::Off {
            if let Err(e) = self.epoll.delete(socket.as_fd()) {
                tracing::debug!("endpoint: epoll_ctl failed: {e}");
            }
        }
    }

    /// Wakes one waiting thread.
    pub(crate) fn ring(&self) {
        let _ = self.doorbell.write(1);
    }

    /// Wakes every waiting thread, now and from now on (the connection is closing).
    pub(crate) fn ring_forever(&self) {
        // Each wake takes one; this many never run out.
        let _ = self.doorbell.write(u64::MAX / 2);
    }

    /// Wakes one waiting thread after `delay` (setting it again moves it).
    pub(crate) fn start_timer(&self, delay: Duration) {
        let delay = TimeSpec::from_duration(delay);
        let _ = self
            .timer
            .set(Expiration::OneShot(delay), TimerSetTimeFlags::empty());
    }

    /// Waits until something wakes this thread, or `timeout`.
    pub(crate) fn wait(&self, timeout: Duration) -> Woken {
        let mut events = [EpollEvent::empty()];
        let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        let timeout = EpollTimeout::try_from(ms).unwrap_or(EpollTimeout::MAX);
        loop {
            match self.epoll.wait(&mut events, timeout) {
                Ok(0) => return Woken::Timeout,
                Ok(_) if events[0].data() == DOORBELL => {
                    // Another thread may have taken the token first; the job queue decides.
                    let _ = self.doorbell.read();
                    return Woken::Doorbell;
                }
                Ok(_) if events[0].data() == TIMER => {
                    let _ = nix::unistd::read(self.timer.as_fd().as_raw_fd(), &mut [0u8; 8]);
                    return Woken::Timer;
                }
                Ok(_) => return Woken::Socket,
                Err(Errno::EINTR) => {}
                Err(e) => {
                    tracing::warn!("endpoint: epoll_wait failed: {e}");
                    return Woken::Timeout;
                }
            }
        }
    }
}

fn armed() -> EpollFlags {
    EpollFlags::EPOLLIN | EpollFlags::EPOLLRDHUP | EpollFlags::EPOLLONESHOT
}
