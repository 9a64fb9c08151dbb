//! [`OrderedF64`]: a `double` that can be a map key or a set element.
//!
//! `f64` is neither `Ord` nor `Hash`, so `set<double>` and `map<double, V>` cannot use it
//! directly. Generated code uses this wrapper only in those positions; everywhere else a
//! `double` is a plain `f64`.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::codec::{ReadThrift, WriteThrift};
use crate::error::Result;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::TType;

/// An `f64` ordered and hashed by [`f64::total_cmp`]: `-0.0 < 0.0`, and NaNs are equal to
/// themselves and sort after the infinities (negative NaNs before everything).
#[derive(Clone, Copy, Debug, Default)]
pub struct OrderedF64(pub f64);

impl PartialEq for OrderedF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for OrderedF64 {}

impl PartialOrd for OrderedF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Hash for OrderedF64 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with `total_cmp`: equal values have equal bits.
        self.0.to_bits().hash(state);
    }
}

impl From<f64> for OrderedF64 {
    fn from(v: f64) -> Self {
        Self(v)
    }
}

impl From<OrderedF64> for f64 {
    fn from(v: OrderedF64) -> Self {
        v.0
    }
}

impl WriteThrift for OrderedF64 {
    const TTYPE: TType = TType::Double;
    #[inline]
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_double(self.0)
    }
}

impl ReadThrift for OrderedF64 {
    const TTYPE: TType = TType::Double;
    #[inline]
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        r.read_double().map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn total_order() {
        let set: BTreeSet<OrderedF64> = [1.5, -0.0, 0.0, f64::NAN, f64::NEG_INFINITY, f64::NAN]
            .into_iter()
            .map(OrderedF64)
            .collect();
        let values: Vec<String> = set.iter().map(|v| v.0.to_string()).collect();
        assert_eq!(values, ["-inf", "-0", "0", "1.5", "NaN"]);
    }
}
