//! Doubles as JSON numbers: written like C's `%.17g`, read back only in JSON number syntax.

use std::fmt::{self, Write as _};

/// The longest `%.17g` text of a finite double: `-1.2345678901234567e-308`.
const MAX_LEN: usize = 24;

/// A few bytes of text built on the stack.
#[derive(Debug)]
pub(super) struct StackText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackText<N> {
    fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    /// Appends `s`; the caller sizes `N` so that this never overflows.
    fn push(&mut self, s: &[u8]) {
        self.bytes[self.len..self.len + s.len()].copy_from_slice(s);
        self.len += s.len();
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl<const N: usize> fmt::Write for StackText<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > N {
            return Err(fmt::Error);
        }
        self.push(s.as_bytes());
        Ok(())
    }
}

/// Formats a finite double like C's `%.17g` (what Apache's C++ and Python libraries write),
/// without allocating.
pub(super) fn format_double(v: f64) -> StackText<MAX_LEN> {
    debug_assert!(v.is_finite());
    let (digits, exp) = exact_digits(v.abs()).unwrap_or_else(|| rounded_digits(v.abs()));
    let digits = {
        let mut text = [b'0'; 17];
        let mut rest = digits;
        for d in text.iter_mut().rev() {
            *d = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        text
    };
    // %g drops trailing zeros of the fraction; at least one digit stays.
    let significant = digits.iter().rposition(|&d| d != b'0').map_or(1, |i| i + 1);

    let mut out = StackText::new();
    if v.is_sign_negative() {
        out.push(b"-");
    }
    if !(-4..17).contains(&exp) {
        out.push(&digits[..1]);
        if significant > 1 {
            out.push(b".");
            out.push(&digits[1..significant]);
        }
        out.push(if exp < 0 { b"e-" } else { b"e+" });
        let e = exp.unsigned_abs();
        if e >= 100 {
            out.push(&[b'0' + (e / 100) as u8]);
        }
        out.push(&[b'0' + (e / 10 % 10) as u8, b'0' + (e % 10) as u8]);
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.push(&digits[..int_len]);
        if significant > int_len {
            out.push(b".");
            out.push(&digits[int_len..significant]);
        }
    } else {
        out.push(b"0.");
        out.push(&b"000"[..(-exp - 1) as usize]);
        out.push(&digits[..significant]);
    }
    out
}

/// 10^17: one more than the largest 17-digit number.
const TEN_POW_17: u64 = 100_000_000_000_000_000;

/// The 17 significant digits of `v` (finite, not negative), rounded half to even as printf
/// rounds, as an integer in `10^16..10^17` (0 for zero), and the decimal exponent of the first.
///
/// Exact integer arithmetic, for the values whose decimal expansion fits in a `u128`: `v` is
/// `m * 2^e`, which is the integer `m << e` when `e >= 0` and `m * 5^-e / 10^-e` otherwise.
/// That covers integers below about 2^127 and values with at most 32 binary fraction digits
/// (such as 1.5 or 0.25), for which `{:.16e}` is slowest (about 400 ns, against 200 ns for
/// other values).
fn exact_digits(v: f64) -> Option<(u64, i32)> {
    let bits = v.to_bits();
    let biased_exp = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mut m, mut e) = if biased_exp == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased_exp - 1075)
    };
    if m == 0 {
        return Some((0, 0));
    }
    let zeros = m.trailing_zeros();
    m >>= zeros;
    e += zeros as i32;
    // v = decimal * 10^-shift, exactly; m < 2^53 keeps `decimal` below 2^127.
    let (decimal, shift) = if e >= 0 {
        if e > 74 {
            return None;
        }
        (u128::from(m) << e, 0)
    } else {
        if e < -32 {
            return None;
        }
        (u128::from(m) * 5u128.pow(e.unsigned_abs()), -e)
    };
    let len = decimal.ilog10() + 1;
    let exp = len as i32 - 1 - shift;
    if len <= 17 {
        let digits = decimal * 10u128.pow(17 - len);
        return Some((digits as u64, exp));
    }
    let unit = 10u128.pow(len - 17);
    let (mut digits, rest) = ((decimal / unit) as u64, decimal % unit);
    let half = unit / 2;
    if rest > half || (rest == half && digits % 2 == 1) {
        digits += 1;
    }
    if digits == TEN_POW_17 {
        return Some((TEN_POW_17 / 10, exp + 1));
    }
    Some((digits, exp))
}

/// [`exact_digits`] for every other value, through `{:.16e}` (correctly rounded).
fn rounded_digits(v: f64) -> (u64, i32) {
    let mut sci = StackText::<32>::new();
    write!(sci, "{v:.16e}").expect("{:.16e} of an f64 fits in 32 bytes");
    // `d.dddddddddddddddde[-]x`
    let sci = sci.as_bytes();
    let number = |digits: &[u8]| {
        digits
            .iter()
            .filter(|d| d.is_ascii_digit())
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'))
    };
    let exp = match &sci[19..] {
        [b'-', e @ ..] => -(number(e) as i32),
        e => number(e) as i32,
    };
    (number(&sci[..18]), exp)
}

/// Parses a JSON number as a double; rejects Rust-only spellings such as `inf`.
pub(super) fn parse_double(s: &str) -> Option<f64> {
    if s.bytes()
        .all(|c| matches!(c, b'+' | b'-' | b'.' | b'0'..=b'9' | b'E' | b'e'))
    {
        s.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: f64) -> String {
        String::from_utf8(format_double(v).as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn doubles_match_printf_g17() {
        assert_eq!(g(0.0), "0");
        assert_eq!(g(-0.0), "-0");
        assert_eq!(g(1.0), "1");
        assert_eq!(g(0.1), "0.10000000000000001");
        assert_eq!(g(1.5), "1.5");
        assert_eq!(g(-2.25e-5), "-2.2500000000000001e-05");
        assert_eq!(g(1e100), "1e+100");
        assert_eq!(g(1e16), "10000000000000000");
        assert_eq!(g(1e17), "1e+17");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(5e-324), "4.9406564584124654e-324");
        assert_eq!(g(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(g(123456.789), "123456.789");
    }

    proptest::proptest! {
        #[test]
        fn every_finite_double_round_trips(bits in proptest::num::u64::ANY) {
            let v = f64::from_bits(bits);
            proptest::prop_assume!(v.is_finite());
            let text = std::str::from_utf8(format_double(v).as_bytes()).unwrap().to_owned();
            proptest::prop_assert_eq!(parse_double(&text).map(f64::to_bits), Some(bits), "{}", text);
        }

        /// The exact path agrees with `{:.16e}`, which rounds ties to even like printf.
        #[test]
        fn exact_digits_agree_with_std(m in 0u64..(1 << 53), e in -40i32..80) {
            let v = m as f64 * 2f64.powi(e);
            if let Some(exact) = exact_digits(v) {
                proptest::prop_assert_eq!(exact, rounded_digits(v), "{:e}", v);
            }
        }
    }

    #[test]
    fn ties_round_to_even() {
        // Exact values with 18 significant digits ending in 5, halfway between two 17-digit
        // numbers: 1125899906842624.25 and .75, 123456789012345.625 and .875.
        let quarter = |odd: f64| (2f64.powi(52) + odd) / 4.0;
        assert_eq!(g(quarter(1.0)), "1125899906842624.2");
        assert_eq!(g(quarter(3.0)), "1125899906842624.8");
        let eighth = |odd: f64| (123_456_789_012_345.0 * 8.0 + odd) / 8.0;
        assert_eq!(g(eighth(5.0)), "123456789012345.62");
        assert_eq!(g(eighth(7.0)), "123456789012345.88");
    }
}
