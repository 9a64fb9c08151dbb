//! [`BytesStr`]: a UTF-8 string that shares a [`Bytes`] buffer, the zero-copy choice for
//! the IDL type `string` (`thrift_build::StringType::BytesStr`).
//!
//! Decoding a `String` allocates and copies every string of a message; on a message of many
//! short strings the allocator is most of the decoding time. A reader over a `Bytes` buffer
//! ([`BytesSource`](crate::transport::BytesSource)) instead hands out slices of that buffer:
//! each `BytesStr` is a reference count and a range, checked to be UTF-8 once, when decoded.
//! The message's buffer stays alive as long as any string taken from it does.
//!
//! The invariant, that the bytes are UTF-8, is established by every constructor
//! ([`from_utf8`](BytesStr::from_utf8) checks; the others start from a `str` or a `String`)
//! and nothing hands out the bytes mutably, which is what makes [`as_str`](BytesStr::as_str)
//! sound without checking again.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;

/// An immutable UTF-8 string backed by [`Bytes`]: clones share the buffer.
///
/// A string decoded from a message keeps that message's whole buffer alive; convert it
/// (`String::from`) before storing it for long if the messages are large. It dereferences to
/// `str`, and compares, orders and hashes as its `str` does, so a
/// `HashMap<BytesStr, V>` can be looked up with a `&str`.
///
/// ```
/// use thrift_rt::BytesStr;
///
/// let s = BytesStr::from_static("hello");
/// assert_eq!(s, "hello");
/// assert_eq!(s.len(), 5);
/// let owned: BytesStr = String::from("world").into();
/// assert!(owned.starts_with('w'));
/// assert!(BytesStr::from_utf8(thrift_rt::bytes::Bytes::from_static(b"\xff")).is_err());
/// ```
#[derive(Clone, Default)]
pub struct BytesStr(Bytes);

impl BytesStr {
    /// An empty string.
    pub const fn new() -> Self {
        Self(Bytes::new())
    }

    /// A string of a `&'static str`, without copying it.
    pub const fn from_static(s: &'static str) -> Self {
        Self(Bytes::from_static(s.as_bytes()))
    }

    /// Checks that `bytes` are UTF-8 and wraps them, without copying.
    ///
    /// # Errors
    ///
    /// The UTF-8 error, if they are not.
    #[inline]
    pub fn from_utf8(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        // ASCII is UTF-8, and `is_ascii` is an inlined word-at-a-time loop: for the short
        // strings most messages carry, this halves the check's cost against `from_utf8`
        // (an out-of-line call with more set-up).
        if !bytes.is_ascii() {
            std::str::from_utf8(&bytes)?;
        }
        Ok(Self(bytes))
    }

    /// The string.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor either checked the bytes (`from_utf8`) or took them from
        // a `str`/`String`; `Bytes` never changes its contents and `self.0` is private.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The bytes of the string, sharing the buffer.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Gives up the UTF-8 guarantee and returns the buffer.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for BytesStr {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for BytesStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for BytesStr {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<str> for BytesStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for BytesStr {
    /// Takes over the `String`'s allocation.
    fn from(s: String) -> Self {
        Self(Bytes::from(s))
    }
}

impl From<&str> for BytesStr {
    /// Copies the string into a new buffer (use [`BytesStr::from_static`] for literals).
    fn from(s: &str) -> Self {
        Self(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<BytesStr> for String {
    fn from(s: BytesStr) -> Self {
        s.as_str().to_owned()
    }
}

impl From<BytesStr> for Bytes {
    fn from(s: BytesStr) -> Self {
        s.0
    }
}

impl fmt::Debug for BytesStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for BytesStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

// Equality, order and hash are the `str`'s, as `Borrow<str>` requires.
impl PartialEq for BytesStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for BytesStr {}

impl PartialOrd for BytesStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BytesStr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for BytesStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for BytesStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for BytesStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for BytesStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<BytesStr> for str {
    fn eq(&self, other: &BytesStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<BytesStr> for &str {
    fn eq(&self, other: &BytesStr) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<BytesStr> for String {
    fn eq(&self, other: &BytesStr) -> bool {
        self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::*;

    #[test]
    fn every_constructor_keeps_utf8() {
        let text = "grüße, 世界";
        let from_utf8 = BytesStr::from_utf8(Bytes::copy_from_slice(text.as_bytes())).unwrap();
        for s in [
            BytesStr::from_static(text),
            BytesStr::from(text.to_owned()),
            BytesStr::from(text),
            from_utf8,
        ] {
            assert_eq!(s.as_str(), text);
            assert_eq!(s.as_bytes().as_ref(), text.as_bytes());
        }
        assert_eq!(BytesStr::new().as_str(), "");
        assert_eq!(BytesStr::default(), "");
    }

    #[test]
    fn rejects_invalid_utf8_anywhere() {
        for bad in [&b"\xff"[..], b"ok\xc3", b"\xe4\xb8", b"a\xed\xa0\x80b"] {
            assert!(
                BytesStr::from_utf8(Bytes::copy_from_slice(bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn shares_the_buffer() {
        let buf = Bytes::from_static(b"prefix:value");
        let s = BytesStr::from_utf8(buf.slice(7..)).unwrap();
        assert_eq!(s, "value");
        assert_eq!(s.as_ptr(), buf[7..].as_ptr());
        let copy = s.clone();
        assert_eq!(copy.as_ptr(), s.as_ptr());
    }

    #[test]
    fn looks_up_by_str_in_maps() {
        let mut hashed = HashMap::new();
        hashed.insert(BytesStr::from("key"), 1);
        assert_eq!(hashed.get("key"), Some(&1));
        let mut ordered = BTreeMap::new();
        ordered.insert(BytesStr::from("b"), 2);
        ordered.insert(BytesStr::from("a"), 1);
        assert_eq!(ordered.get("a"), Some(&1));
        assert_eq!(
            ordered.keys().map(BytesStr::as_str).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn formats_as_its_str() {
        let s = BytesStr::from("quote\"d");
        assert_eq!(format!("{s}"), "quote\"d");
        assert_eq!(format!("{s:?}"), "\"quote\\\"d\"");
    }
}
