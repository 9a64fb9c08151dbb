//! The combinations every case runs against: protocol × transport × socket.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Proto {
    Binary,
    Compact,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    Buffered,
    Framed,
    /// `--transport=zlib` (zlib over buffered): only the cases of `zlib.rs`.
    Zlib,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sock {
    Tcp,
    Unix,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Combo {
    pub(crate) proto: Proto,
    pub(crate) framing: Framing,
    pub(crate) sock: Sock,
}

impl fmt::Display for Combo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = match self.proto {
            Proto::Binary => "binary",
            Proto::Compact => "compact",
            Proto::Json => "json",
        };
        let t = match self.framing {
            Framing::Buffered => "buffered",
            Framing::Framed => "framed",
            Framing::Zlib => "zlib",
        };
        let s = match self.sock {
            Sock::Tcp => "tcp",
            Sock::Unix => "unix",
        };
        write!(f, "{p}/{t}/{s}")
    }
}

pub(crate) fn combos() -> Vec<Combo> {
    let mut out = Vec::new();
    for proto in [Proto::Binary, Proto::Compact, Proto::Json] {
        for framing in [Framing::Buffered, Framing::Framed] {
            for sock in [Sock::Tcp, Sock::Unix] {
                out.push(Combo {
                    proto,
                    framing,
                    sock,
                });
            }
        }
    }
    out
}
