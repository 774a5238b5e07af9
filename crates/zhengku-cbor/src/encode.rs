//! The encoder: one deterministic byte string per [`Value`].
//!
//! RFC 8949 §4.2.1 core deterministic encoding: every argument (integer, length) in its
//! shortest form, definite lengths only, map keys sorted bytewise by their encodings. The
//! sorting is already done by [`Map`](crate::Map), so encoding is a single pass.

use crate::value::Value;

/// CBOR major types (RFC 8949 §3.1), the top three bits of an item's initial byte.
pub(crate) mod major {
    pub(crate) const UNSIGNED: u8 = 0;
    pub(crate) const NEGATIVE: u8 = 1;
    pub(crate) const BYTES: u8 = 2;
    pub(crate) const TEXT: u8 = 3;
    pub(crate) const ARRAY: u8 = 4;
    pub(crate) const MAP: u8 = 5;
    pub(crate) const TAG: u8 = 6;
    pub(crate) const SIMPLE: u8 = 7;
}

/// Initial bytes of the simple values this crate supports.
pub(crate) mod simple {
    pub(crate) const FALSE: u8 = 0xf4;
    pub(crate) const TRUE: u8 = 0xf5;
    pub(crate) const NULL: u8 = 0xf6;
}

/// Encodes `value` in deterministic form.
///
/// ```
/// use zhengku_cbor::{encode, Value};
///
/// assert_eq!(encode(&Value::unsigned(1000)), [0x19, 0x03, 0xe8]);
/// assert_eq!(encode(&Value::text("IETF")), b"\x64IETF");
/// ```
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

/// Appends the deterministic encoding of `value` to `out`.
pub fn encode_into(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Unsigned(n) => write_head(out, major::UNSIGNED, *n),
        Value::Negative(n) => write_head(out, major::NEGATIVE, *n),
        Value::Bytes(b) => {
            write_head(out, major::BYTES, len_arg(b.len()));
            out.extend_from_slice(b);
        }
        Value::Text(s) => {
            write_head(out, major::TEXT, len_arg(s.len()));
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            write_head(out, major::ARRAY, len_arg(items.len()));
            for item in items {
                encode_into(item, out);
            }
        }
        Value::Map(m) => {
            write_head(out, major::MAP, len_arg(m.len()));
            for (key_bytes, v) in m.encoded_entries() {
                out.extend_from_slice(key_bytes);
                encode_into(v, out);
            }
        }
        Value::Bool(false) => out.push(simple::FALSE),
        Value::Bool(true) => out.push(simple::TRUE),
        Value::Null => out.push(simple::NULL),
    }
}

/// Lengths are `usize`; CBOR arguments are `u64`, which is at least as wide on every target
/// Rust supports today.
fn len_arg(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

/// Writes an item head with the argument in its shortest form.
fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if let Ok(small) = u8::try_from(arg) {
        if small < 24 {
            out.push(m | small);
        } else {
            out.push(m | 24);
            out.push(small);
        }
    } else if let Ok(a) = u16::try_from(arg) {
        out.push(m | 25);
        out.extend_from_slice(&a.to_be_bytes());
    } else if let Ok(a) = u32::try_from(arg) {
        out.push(m | 26);
        out.extend_from_slice(&a.to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_switch_width_exactly_at_the_boundaries() {
        let cases: [(u64, &[u8]); 9] = [
            (23, &[0x17]),
            (24, &[0x18, 24]),
            (255, &[0x18, 0xff]),
            (256, &[0x19, 0x01, 0x00]),
            (65_535, &[0x19, 0xff, 0xff]),
            (65_536, &[0x1a, 0, 1, 0, 0]),
            (u64::from(u32::MAX), &[0x1a, 0xff, 0xff, 0xff, 0xff]),
            (u64::from(u32::MAX) + 1, &[0x1b, 0, 0, 0, 1, 0, 0, 0, 0]),
            (
                u64::MAX,
                &[0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
        ];
        for (n, want) in cases {
            assert_eq!(encode(&Value::Unsigned(n)), want, "argument {n}");
        }
    }

    #[test]
    fn integer_constructor_maps_signs_to_major_types() {
        assert_eq!(Value::integer(0), Value::Unsigned(0));
        assert_eq!(Value::integer(-1), Value::Negative(0));
        assert_eq!(
            Value::integer(i64::MIN),
            Value::Negative(i64::MAX.unsigned_abs())
        );
        assert_eq!(Value::integer(i64::MIN).as_i64(), Some(i64::MIN));
        assert_eq!(Value::Negative(u64::MAX).as_i64(), None);
    }
}
