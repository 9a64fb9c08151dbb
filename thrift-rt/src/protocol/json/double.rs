//! Doubles as JSON numbers: written like C's `%.17g`, read back only in JSON number syntax.

/// Formats a finite double like C's `%.17g` (what Apache's C++ and Python libraries write).
pub(super) fn format_double(v: f64, out: &mut Vec<u8>) {
    let sci = format!("{v:.16e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    if neg {
        out.push(b'-');
    }
    if !(-4..17).contains(&exp) {
        let mut end = digits.len();
        while end > 1 && digits[end - 1] == b'0' {
            end -= 1;
        }
        out.push(digits[0]);
        if end > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..end]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(e.to_string().as_bytes());
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.extend_from_slice(&digits[..int_len]);
        let mut end = digits.len();
        while end > int_len && digits[end - 1] == b'0' {
            end -= 1;
        }
        if end > int_len {
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..end]);
        }
    } else {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        let mut end = digits.len();
        while end > 1 && digits[end - 1] == b'0' {
            end -= 1;
        }
        out.extend_from_slice(&digits[..end]);
    }
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
        let mut out = Vec::new();
        format_double(v, &mut out);
        String::from_utf8(out).unwrap()
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
}
