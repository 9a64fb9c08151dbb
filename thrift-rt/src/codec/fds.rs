//! File descriptors as Thrift values: the IDL type `fd`.
//!
//! An `fd` is an [`OwnedFd`] in Rust and an `i32` on the wire: the index of the descriptor
//! in the list that travels with the message as `SCM_RIGHTS` ancillary data (see
//! [`transport::fd`](crate::transport::fd) and ARCHITECTURE.md). Writing one attaches a
//! duplicate to the message being written ([`ProtocolWriter::write_fd`]); the value written
//! keeps its own descriptor, and generated clients take values by ownership, so it is closed
//! once the call is sent. Reading one takes the received descriptor out of the message
//! ([`ProtocolReader::read_fd`]).
//!
//! `set<fd>` is an [`FdSet`]: descriptors have no meaningful order or equality (two
//! duplicates of one file are different descriptors), so it is a list with a set's wire type.

use std::ops::{Deref, DerefMut};
use std::os::fd::{AsFd, OwnedFd};

use crate::codec::{ReadThrift, WriteThrift};
use crate::error::Result;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{ListHeader, TType};

impl WriteThrift for OwnedFd {
    const TTYPE: TType = TType::I32;

    #[inline]
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_fd(self.as_fd())
    }
}

impl ReadThrift for OwnedFd {
    const TTYPE: TType = TType::I32;

    #[inline]
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        r.read_fd()
    }
}

/// The Rust type of `set<fd>`: descriptors in the order they were written or received,
/// encoded with a set's wire type. It dereferences to the `Vec`.
#[derive(Debug, Default)]
pub struct FdSet(pub Vec<OwnedFd>);

impl Deref for FdSet {
    type Target = Vec<OwnedFd>;

    fn deref(&self) -> &Vec<OwnedFd> {
        &self.0
    }
}

impl DerefMut for FdSet {
    fn deref_mut(&mut self) -> &mut Vec<OwnedFd> {
        &mut self.0
    }
}

impl From<Vec<OwnedFd>> for FdSet {
    fn from(fds: Vec<OwnedFd>) -> Self {
        Self(fds)
    }
}

impl From<FdSet> for Vec<OwnedFd> {
    fn from(set: FdSet) -> Self {
        set.0
    }
}

impl FromIterator<OwnedFd> for FdSet {
    fn from_iter<I: IntoIterator<Item = OwnedFd>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl IntoIterator for FdSet {
    type Item = OwnedFd;
    type IntoIter = std::vec::IntoIter<OwnedFd>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl WriteThrift for FdSet {
    const TTYPE: TType = TType::Set;

    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_set_begin(ListHeader::new(TType::I32, self.0.len()))?;
        self.0.iter().try_for_each(|fd| fd.write(w))?;
        w.write_set_end()
    }
}

impl ReadThrift for FdSet {
    const TTYPE: TType = TType::Set;

    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let header = r.read_set_begin()?;
        crate::codec::check_elem("set", TType::I32, header.elem, header.len)?;
        // Every descriptor needs an index in the message, so the count is bounded by the
        // descriptors received; no preallocation from the header.
        let mut out = Vec::new();
        for _ in 0..header.len {
            out.push(r.read_fd()?);
        }
        r.read_set_end()?;
        Ok(Self(out))
    }
}
