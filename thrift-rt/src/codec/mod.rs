//! [`ReadThrift`] and [`WriteThrift`]: how a Rust type maps to Thrift values.
//!
//! Generated structs, unions, exceptions and enums implement both traits; this module implements
//! them for the base types and containers, so generated code can read and write any field with
//! one call. Each type knows its wire [`TType`] as an associated constant.
//!
//! | Rust | Thrift |
//! |---|---|
//! | `bool`, `i8`, `i16`, `i32`, `i64`, `f64` | `bool`, `i8`, `i16`, `i32`, `i64`, `double` |
//! | `String`, `BytesStr` | `string` |
//! | `Vec<u8>`, `[u8]` (write only), `bytes::Bytes` | `binary` |
//! | `[u8; 16]` | `uuid` |
//! | `Vec<T>` | `list<T>` |
//! | `BTreeSet<T>`, `HashSet<T>` | `set<T>` |
//! | `BTreeMap<K, V>`, `HashMap<K, V>` | `map<K, V>` |
//! | `Box<T>` | `T` |
//! | `OwnedFd`, [`FdSet`] (Unix) | `fd`, `set<fd>` (see [`fds`]) |
//!
//! Besides the traits: [`OrderedF64`], a `double` usable as a map key or set element;
//! [`BytesStr`], a string sharing the message's buffer; [`fds`], the IDL type `fd`.

mod bytes_str;
#[cfg(unix)]
pub mod fds;
mod float;
pub(crate) mod unknown;

pub use bytes_str::BytesStr;
#[cfg(unix)]
pub use fds::FdSet;
pub use float::OrderedF64;
pub use unknown::{UnknownField, UnknownFields};

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use bytes::Bytes;

use crate::error::{ProtocolErrorKind, Result, protocol_err};
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{FieldHeader, ListHeader, MapHeader, TType};

/// A value that can be written with any [`ProtocolWriter`].
pub trait WriteThrift {
    /// The wire type of this value.
    const TTYPE: TType;

    /// Writes the value (for structs: `write_struct_begin` through `write_struct_end`).
    ///
    /// # Errors
    ///
    /// Whatever the protocol or transport reports.
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()>;

    /// Writes the elements of a list or set of this type. Scalar types override this with the
    /// protocol's bulk paths.
    ///
    /// # Errors
    ///
    /// Whatever the protocol or transport reports.
    #[inline]
    fn write_slice<W: ProtocolWriter + ?Sized>(items: &[Self], w: &mut W) -> Result<()>
    where
        Self: Sized,
    {
        items.iter().try_for_each(|item| item.write(w))
    }

    /// Writes the value as field `id`: header, value, end. Scalars override this with
    /// [`ProtocolWriter::write_scalar_field`], which the binary protocol does in one write.
    ///
    /// # Errors
    ///
    /// Whatever the protocol or transport reports.
    #[inline]
    fn write_as_field<W: ProtocolWriter + ?Sized>(&self, w: &mut W, id: i16) -> Result<()> {
        w.write_field_begin(FieldHeader::new(Self::TTYPE, id))?;
        self.write(w)?;
        w.write_field_end()
    }
}

/// A value that can be read with any [`ProtocolReader`].
pub trait ReadThrift: Sized {
    /// The wire type of this value.
    const TTYPE: TType;

    /// Reads a value.
    ///
    /// # Errors
    ///
    /// Whatever the protocol or transport reports.
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self>;

    /// Reads `len` list elements and appends them to `out`. Scalar types override this with the
    /// protocol's bulk paths.
    ///
    /// # Errors
    ///
    /// Whatever the protocol or transport reports.
    // (Generic, so inlined where used without a hint.)
    fn read_list<R: ProtocolReader + ?Sized>(
        r: &mut R,
        len: usize,
        out: &mut Vec<Self>,
    ) -> Result<()> {
        for _ in 0..len {
            out.push(Self::read(r)?);
        }
        Ok(())
    }
}

/// How many elements to reserve up front. Readers have already checked `len` against the bytes
/// that remain, so this only caps the amplification from wire size to Rust size; the vector
/// still grows to `len` as elements actually decode.
#[inline]
pub(crate) fn prealloc<T>(len: usize) -> usize {
    const MAX_BYTES: usize = 1 << 20;
    len.min(MAX_BYTES / std::mem::size_of::<T>().max(1))
}

#[cold]
#[inline(never)]
fn unexpected(what: &str, expected: TType, got: TType) -> crate::Error {
    protocol_err(
        ProtocolErrorKind::UnexpectedType,
        format!("{what} of {got:?}, expected {expected:?}"),
    )
}

#[inline]
pub(crate) fn check_elem(what: &str, expected: TType, got: TType, len: usize) -> Result<()> {
    if got != expected && len > 0 {
        Err(unexpected(what, expected, got))
    } else {
        Ok(())
    }
}

/// `WriteThrift`/`ReadThrift` for a scalar type; `bulk:` names the protocol methods that write
/// and read whole lists of it.
macro_rules! scalar {
    ($ty:ty, $ttype:expr, $scalar:ident, $write:ident, $read:ident $(, bulk: $write_slice:ident, $read_list:ident)?) => {
        impl WriteThrift for $ty {
            const TTYPE: TType = $ttype;
            #[inline]
            fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
                w.$write(*self)
            }
            #[inline]
            fn write_as_field<W: ProtocolWriter + ?Sized>(&self, w: &mut W, id: i16) -> Result<()> {
                w.write_scalar_field(id, crate::protocol::Scalar::$scalar(*self))
            }
            $(
                #[inline]
                fn write_slice<W: ProtocolWriter + ?Sized>(items: &[Self], w: &mut W) -> Result<()> {
                    w.$write_slice(items)
                }
            )?
        }
        impl ReadThrift for $ty {
            const TTYPE: TType = $ttype;
            #[inline]
            fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
                r.$read()
            }
            $(
                #[inline]
                fn read_list<R: ProtocolReader + ?Sized>(
                    r: &mut R,
                    len: usize,
                    out: &mut Vec<Self>,
                ) -> Result<()> {
                    r.$read_list(len, out)
                }
            )?
        }
    };
}

scalar!(bool, TType::Bool, Bool, write_bool, read_bool);
scalar!(i8, TType::I8, I8, write_i8, read_i8);
scalar!(i16, TType::I16, I16, write_i16, read_i16);
scalar!(i32, TType::I32, I32, write_i32, read_i32, bulk: write_i32_slice, read_i32_list);
scalar!(i64, TType::I64, I64, write_i64, read_i64, bulk: write_i64_slice, read_i64_list);
scalar!(f64, TType::Double, Double, write_double, read_double, bulk: write_double_slice, read_double_list);

/// Strings and binaries (wire type `string`): written with `$write`, read with `$read`.
macro_rules! string_like {
    (write $write:ident: $($ty:ty),*) => {$(
        impl WriteThrift for $ty {
            const TTYPE: TType = TType::String;
            #[inline]
            fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
                w.$write(self)
            }
        }
    )*};
    (read $read:ident: $ty:ty) => {
        impl ReadThrift for $ty {
            const TTYPE: TType = TType::String;
            #[inline]
            fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
                r.$read()
            }
        }
    };
}

string_like!(write write_string: String, str);
string_like!(write write_binary: Vec<u8>, [u8]);
// Shared: a large one is sent from where it is, by transports that send whole messages.
string_like!(write write_bytes_str: crate::BytesStr);
string_like!(write write_bytes: Bytes);
string_like!(read read_string: String);
string_like!(read read_binary: Vec<u8>);
string_like!(read read_bytes: Bytes);
string_like!(read read_bytes_str: crate::BytesStr);

impl WriteThrift for [u8; 16] {
    const TTYPE: TType = TType::Uuid;
    #[inline]
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_uuid(self)
    }
}

impl ReadThrift for [u8; 16] {
    const TTYPE: TType = TType::Uuid;
    #[inline]
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        r.read_uuid()
    }
}

impl<T: WriteThrift + ?Sized> WriteThrift for Box<T> {
    const TTYPE: TType = T::TTYPE;
    #[inline]
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        (**self).write(w)
    }
    #[inline]
    fn write_as_field<W: ProtocolWriter + ?Sized>(&self, w: &mut W, id: i16) -> Result<()> {
        (**self).write_as_field(w, id)
    }
}

impl<T: ReadThrift> ReadThrift for Box<T> {
    const TTYPE: TType = T::TTYPE;
    #[inline]
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        T::read(r).map(Box::new)
    }
}

impl<T: WriteThrift> WriteThrift for Vec<T> {
    const TTYPE: TType = TType::List;
    #[inline]
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        crate::__private::write_list(w, self)
    }
}

impl<T: WriteThrift> WriteThrift for [T] {
    const TTYPE: TType = TType::List;
    #[inline]
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        crate::__private::write_list(w, self)
    }
}

impl<T: ReadThrift> ReadThrift for Vec<T> {
    const TTYPE: TType = TType::List;
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let header = r.read_list_begin()?;
        check_elem("list", T::TTYPE, header.elem, header.len)?;
        let mut out = Vec::with_capacity(prealloc::<T>(header.len));
        T::read_list(r, header.len, &mut out)?;
        r.read_list_end()?;
        Ok(out)
    }
}

impl<T: WriteThrift + Ord> WriteThrift for BTreeSet<T> {
    const TTYPE: TType = TType::Set;
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        write_set(w, self.len(), self)
    }
}

impl<T: ReadThrift + Ord> ReadThrift for BTreeSet<T> {
    const TTYPE: TType = TType::Set;
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        read_set(r, |_| BTreeSet::new(), |set, v| set.insert(v))
    }
}

impl<T: WriteThrift + Eq + Hash, S: BuildHasher> WriteThrift for HashSet<T, S> {
    const TTYPE: TType = TType::Set;
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        write_set(w, self.len(), self)
    }
}

impl<T: ReadThrift + Eq + Hash, S: BuildHasher + Default> ReadThrift for HashSet<T, S> {
    const TTYPE: TType = TType::Set;
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let new = |len| HashSet::with_capacity_and_hasher(prealloc::<T>(len), S::default());
        read_set(r, new, |set, v| set.insert(v))
    }
}

impl<K: WriteThrift + Ord, V: WriteThrift> WriteThrift for BTreeMap<K, V> {
    const TTYPE: TType = TType::Map;
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        write_map(w, self.len(), self)
    }
}

impl<K: ReadThrift + Ord, V: ReadThrift> ReadThrift for BTreeMap<K, V> {
    const TTYPE: TType = TType::Map;
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        read_map(r, |_| BTreeMap::new(), |map, k, v| map.insert(k, v))
    }
}

impl<K: WriteThrift + Eq + Hash, V: WriteThrift, S: BuildHasher> WriteThrift for HashMap<K, V, S> {
    const TTYPE: TType = TType::Map;
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        write_map(w, self.len(), self)
    }
}

impl<K: ReadThrift + Eq + Hash, V: ReadThrift, S: BuildHasher + Default> ReadThrift
    for HashMap<K, V, S>
{
    const TTYPE: TType = TType::Map;
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let new = |len| HashMap::with_capacity_and_hasher(prealloc::<(K, V)>(len), S::default());
        read_map(r, new, |map, k, v| map.insert(k, v))
    }
}

/// Writes a set of `len` elements.
#[inline]
fn write_set<'a, W, T>(w: &mut W, len: usize, elems: impl IntoIterator<Item = &'a T>) -> Result<()>
where
    W: ProtocolWriter + ?Sized,
    T: WriteThrift + 'a,
{
    w.write_set_begin(ListHeader::new(T::TTYPE, len))?;
    elems.into_iter().try_for_each(|v| v.write(w))?;
    w.write_set_end()
}

/// Reads a set into the collection `new` makes for its length, adding each element with
/// `insert` (whose answer, whether the element was new, is ignored as Apache does).
#[inline]
fn read_set<R, T, C, B>(
    r: &mut R,
    new: impl FnOnce(usize) -> C,
    insert: impl Fn(&mut C, T) -> B,
) -> Result<C>
where
    R: ProtocolReader + ?Sized,
    T: ReadThrift,
{
    let header = r.read_set_begin()?;
    check_elem("set", T::TTYPE, header.elem, header.len)?;
    let mut out = new(header.len);
    for _ in 0..header.len {
        insert(&mut out, T::read(r)?);
    }
    r.read_set_end()?;
    Ok(out)
}

/// Writes a map of `len` entries.
#[inline]
fn write_map<'a, W, K, V>(
    w: &mut W,
    len: usize,
    entries: impl IntoIterator<Item = (&'a K, &'a V)>,
) -> Result<()>
where
    W: ProtocolWriter + ?Sized,
    K: WriteThrift + 'a,
    V: WriteThrift + 'a,
{
    w.write_map_begin(MapHeader::new(K::TTYPE, V::TTYPE, len))?;
    for (k, v) in entries {
        k.write(w)?;
        v.write(w)?;
    }
    w.write_map_end()
}

/// Reads a map into the collection `new` makes for its length, adding each entry with
/// `insert` (a repeated key: the last value wins, as in Apache's libraries).
#[inline]
fn read_map<R, K, V, C, B>(
    r: &mut R,
    new: impl FnOnce(usize) -> C,
    insert: impl Fn(&mut C, K, V) -> B,
) -> Result<C>
where
    R: ProtocolReader + ?Sized,
    K: ReadThrift,
    V: ReadThrift,
{
    let header = r.read_map_begin()?;
    check_elem("map key", K::TTYPE, header.key, header.len)?;
    check_elem("map value", V::TTYPE, header.value, header.len)?;
    let mut out = new(header.len);
    for _ in 0..header.len {
        let k = K::read(r)?;
        let v = V::read(r)?;
        insert(&mut out, k, v);
    }
    r.read_map_end()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryReader, BinaryWriter, CompactReader, CompactWriter};

    fn roundtrip_both<T: WriteThrift + ReadThrift + PartialEq + std::fmt::Debug>(v: &T) {
        let mut w = BinaryWriter::new(Vec::new());
        v.write(&mut w).unwrap();
        let bytes = w.into_inner();
        assert_eq!(&T::read(&mut BinaryReader::new(&bytes[..])).unwrap(), v);
        let mut w = CompactWriter::new(Vec::new());
        v.write(&mut w).unwrap();
        let bytes = w.into_inner();
        assert_eq!(&T::read(&mut CompactReader::new(&bytes[..])).unwrap(), v);
    }

    #[test]
    fn containers_roundtrip() {
        roundtrip_both(&vec![1i64, -2, 3]);
        roundtrip_both(&vec![vec![true, false], vec![]]);
        roundtrip_both(&BTreeMap::from([
            (1i32, "a".to_string()),
            (2, "b".to_string()),
        ]));
        roundtrip_both(&HashSet::<i16>::from([1, 2, 3]));
        roundtrip_both(&Box::new(vec![1.5f64, -0.0]));
        roundtrip_both(&BTreeMap::<String, Vec<u8>>::new());
    }

    #[test]
    fn wrong_element_type_is_an_error() {
        let mut w = BinaryWriter::new(Vec::new());
        vec![1i32, 2].write(&mut w).unwrap();
        let bytes = w.into_inner();
        let err = Vec::<i64>::read(&mut BinaryReader::new(&bytes[..])).unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::UnexpectedType));
    }

    #[test]
    fn dyn_dispatch_works() {
        let mut w = BinaryWriter::new(Vec::new());
        let dw: &mut dyn ProtocolWriter = &mut w;
        crate::__private::write_field(dw, 3, &vec!["x".to_string()]).unwrap();
        let bytes = w.into_inner();
        let mut r = BinaryReader::new(&bytes[..]);
        let dr: &mut dyn ProtocolReader = &mut r;
        let field = dr.read_field_begin().unwrap().unwrap();
        assert_eq!(field, FieldHeader::new(TType::List, 3));
        let v: Option<Vec<String>> = crate::__private::read_field_value(dr, field).unwrap();
        assert_eq!(v, Some(vec!["x".to_string()]));
    }
}
