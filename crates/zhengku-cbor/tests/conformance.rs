//! Conformance tests: RFC 8949 vectors, deterministic-encoding counter-examples, limits, and
//! the round-trip property `encode(decode(x)) == x` on generated and mutated inputs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhengku_cbor::{DecodeErrorKind, Limits, Map, Value, decode, encode};

const VECTORS: &str = include_str!("vectors/rfc8949.txt");

enum Vector {
    Accept { hex: String, diagnostic: String },
    Reject { hex: String, code: String },
}

fn vectors() -> Vec<(usize, Vector)> {
    let mut out = Vec::new();
    for (i, line) in VECTORS.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("! ") {
            let rest = rest.split('#').next().unwrap();
            let mut parts = rest.split_whitespace();
            let hex = parts.next().expect("hex");
            let code = parts.next().expect("error code");
            assert!(parts.next().is_none(), "line {line_no}: extra fields");
            let hex = if hex == "-" {
                String::new()
            } else {
                hex.to_owned()
            };
            out.push((
                line_no,
                Vector::Reject {
                    hex,
                    code: code.to_owned(),
                },
            ));
        } else {
            let (hex, diagnostic) = line.split_once(' ').expect("hex and diagnostic");
            out.push((
                line_no,
                Vector::Accept {
                    hex: hex.to_owned(),
                    diagnostic: diagnostic.trim().to_owned(),
                },
            ));
        }
    }
    out
}

#[test]
fn rfc8949_vectors_decode_print_and_reencode() {
    let mut accepted = 0;
    for (line, v) in vectors() {
        if let Vector::Accept { hex, diagnostic } = v {
            let bytes = hex::decode(&hex).unwrap();
            let value = decode(&bytes, &Limits::default())
                .unwrap_or_else(|e| panic!("line {line}: {hex} rejected: {e}"));
            assert_eq!(value.to_string(), diagnostic, "line {line}: {hex}");
            assert_eq!(hex::encode(encode(&value)), hex, "line {line}: re-encoding");
            accepted += 1;
        }
    }
    // Guards against a vector file that silently lost its content.
    assert_eq!(accepted, 37);
}

#[test]
fn rejected_vectors_fail_with_the_listed_error() {
    let mut rejected = 0;
    for (line, v) in vectors() {
        if let Vector::Reject { hex, code } = v {
            let bytes = hex::decode(&hex).unwrap();
            let err = decode(&bytes, &Limits::default())
                .map(|v| panic!("line {line}: {hex} accepted as {v}"))
                .unwrap_err();
            assert_eq!(
                err.kind().code(),
                code,
                "line {line}: {hex} gave {err} instead"
            );
            rejected += 1;
        }
    }
    assert_eq!(rejected, 67);
}

#[test]
fn errors_report_the_offset_of_the_offending_item() {
    let limits = Limits::default();
    // [1, 24 written in two bytes]: the bad head starts at byte 2.
    let err = decode(
        &hex::decode("82011900 18".replace(' ', "")).unwrap(),
        &limits,
    );
    let err = err.unwrap_err();
    assert_eq!(err.kind().code(), "non_shortest");
    assert_eq!(err.offset(), 2);
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::NonShortestArgument {
            value: 24,
            width: 2
        }
    );

    // {"a": 1, "a": 2}: the second key starts at byte 4.
    let err = decode(&hex::decode("a2616101616102").unwrap(), &limits).unwrap_err();
    assert_eq!((err.kind().code(), err.offset()), ("duplicate_key", 4));

    // Invalid UTF-8 is reported at the first bad byte inside the string.
    let err = decode(
        &hex::decode("8163 61 c3 28".replace(' ', "")).unwrap(),
        &limits,
    )
    .unwrap_err();
    assert_eq!((err.kind().code(), err.offset()), ("invalid_utf8", 3));

    // Trailing bytes are reported where they start, with their count.
    let err = decode(&[0x01, 0x02, 0x03], &limits).unwrap_err();
    assert_eq!(err.offset(), 1);
    assert_eq!(err.kind(), &DecodeErrorKind::TrailingBytes { count: 2 });

    // The message names both what and where.
    let text = err.to_string();
    assert!(
        text.contains("byte 1") && text.contains("2 trailing bytes"),
        "{text}"
    );
}

fn nested_arrays(levels: usize) -> Vec<u8> {
    let mut bytes = vec![0x81; levels];
    bytes.push(0x00);
    bytes
}

#[test]
fn depth_limit_allows_exactly_max_depth_levels() {
    let limits = Limits::default();
    assert_eq!(limits.max_depth, 16);
    assert!(decode(&nested_arrays(16), &limits).is_ok());
    let err = decode(&nested_arrays(17), &limits).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::TooDeep { max: 16 });
    assert_eq!(err.offset(), 16);

    // Maps count as levels too.
    let scalar_only = Limits {
        max_depth: 0,
        ..Limits::default()
    };
    assert!(decode(&[0x05], &scalar_only).is_ok());
    assert_eq!(
        decode(&[0xa0], &scalar_only).unwrap_err().kind().code(),
        "too_deep"
    );
}

#[test]
fn item_limit_counts_every_element_key_and_value() {
    // [1, 2, 3] is four items; {1: 2} is three.
    let array = hex::decode("83010203").unwrap();
    let map = hex::decode("a10102").unwrap();
    assert!(
        decode(
            &array,
            &Limits {
                max_items: 4,
                ..Limits::default()
            }
        )
        .is_ok()
    );
    let err = decode(
        &array,
        &Limits {
            max_items: 3,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert_eq!((err.kind().code(), err.offset()), ("too_many_items", 0));
    assert!(
        decode(
            &map,
            &Limits {
                max_items: 3,
                ..Limits::default()
            }
        )
        .is_ok()
    );
    assert_eq!(
        decode(
            &map,
            &Limits {
                max_items: 2,
                ..Limits::default()
            }
        )
        .unwrap_err()
        .kind()
        .code(),
        "too_many_items"
    );
}

#[test]
fn input_size_limit_is_checked_before_decoding() {
    let limits = Limits {
        max_input_len: 8,
        ..Limits::default()
    };
    // Nine bytes that would otherwise decode fine.
    let ok = hex::decode("4701020304050607").unwrap();
    let long = hex::decode("480102030405060708").unwrap();
    assert!(decode(&ok, &limits).is_ok());
    let err = decode(&long, &limits).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::InputTooLarge { len: 9, max: 8 }
    );
}

#[test]
fn huge_claimed_lengths_are_refused_without_allocating() {
    // An array claiming 2^63-1 elements would exhaust memory if the decoder trusted the
    // length; it reports the shortfall instead, before allocating anything for it.
    let err = decode(
        &hex::decode("9b7fffffffffffffff00").unwrap(),
        &Limits::default(),
    )
    .unwrap_err();
    match err.kind() {
        DecodeErrorKind::Truncated { needed, available } => {
            assert_eq!(*needed, 9 + 0x7fff_ffff_ffff_ffff);
            assert_eq!(*available, 10);
        }
        other => panic!("unexpected {other:?}"),
    }
    // A claim that fits the input but not the item budget is refused too.
    let mut many = vec![0x99, 0x01, 0x00];
    many.extend(std::iter::repeat_n(0x00, 256));
    let err = decode(
        &many,
        &Limits {
            max_items: 100,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.kind().code(), "too_many_items");
}

/// Every one-byte input: exactly the 55 single-byte items of the subset are accepted
/// (0..=23, -1..=-24, h'', "", [], {}, false, true, null), and they re-encode to themselves.
#[test]
fn every_one_byte_input() {
    let mut accepted = 0;
    for b in 0..=u8::MAX {
        if let Ok(v) = decode(&[b], &Limits::default()) {
            assert_eq!(encode(&v), [b]);
            accepted += 1;
        }
    }
    assert_eq!(accepted, 55);
}

/// Every two-byte input: whatever is accepted re-encodes to the same two bytes.
#[test]
fn every_two_byte_input_round_trips_if_accepted() {
    let mut accepted = 0;
    for a in 0..=u8::MAX {
        for b in 0..=u8::MAX {
            let input = [a, b];
            if let Ok(v) = decode(&input, &Limits::default()) {
                assert_eq!(encode(&v), input, "{v}");
                accepted += 1;
            }
        }
    }
    // 24..=255 as 0x18 xx and -25..=-256 as 0x38 xx (232 each), one-byte strings (256 byte
    // strings, 128 ASCII texts) and one-element arrays of the 55 one-byte items.
    assert_eq!(accepted, 232 + 232 + 256 + 128 + 55);
}

/// A small deterministic generator (xorshift64*), so failures reproduce without a seed file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Integers near every width boundary, where encoders go wrong.
const INTERESTING: [u64; 12] = [
    0,
    1,
    23,
    24,
    255,
    256,
    65_535,
    65_536,
    0xffff_ffff,
    0x1_0000_0000,
    u64::MAX - 1,
    u64::MAX,
];

const CHARS: [char; 10] = ['a', 'z', '0', '"', '\\', '\u{0}', 'é', '证', '库', '😀'];

fn gen_integer(rng: &mut Rng) -> u64 {
    if rng.below(2) == 0 {
        *rng.pick(&INTERESTING)
    } else {
        rng.next() >> rng.below(64)
    }
}

fn gen_value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth >= 4 { 6 } else { 8 };
    match rng.below(kinds) {
        0 => Value::Unsigned(gen_integer(rng)),
        1 => Value::Negative(gen_integer(rng)),
        2 => Value::Bytes((0..rng.below(30)).map(|_| rng.next() as u8).collect()),
        3 => Value::Text((0..rng.below(30)).map(|_| *rng.pick(&CHARS)).collect()),
        4 => Value::Bool(rng.below(2) == 0),
        5 => Value::Null,
        6 => Value::Array(
            (0..rng.below(6))
                .map(|_| gen_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.below(6) {
                let key = gen_value(rng, 4);
                let value = gen_value(rng, depth + 1);
                // A generated duplicate is simply skipped; refusing it is Map's job.
                let _ = m.insert(key, value);
            }
            Value::Map(m)
        }
    }
}

#[test]
fn generated_values_round_trip() {
    let mut rng = Rng(0x5a5a_1234_dead_beef);
    for i in 0..3000 {
        let v = gen_value(&mut rng, 0);
        let bytes = encode(&v);
        let back = decode(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("value {i} ({v}) rejected: {e}"));
        assert_eq!(back, v, "value {i}");
        assert_eq!(encode(&back), bytes, "value {i}");
    }
}

/// Mutated encodings: whatever the decoder still accepts must re-encode byte for byte, so no
/// second encoding of any value slips through.
#[test]
fn mutated_encodings_round_trip_if_accepted() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..3000 {
        let mut bytes = encode(&gen_value(&mut rng, 0));
        for _ in 0..=rng.below(3) {
            let at = rng.below(bytes.len() as u64 + 1) as usize;
            match rng.below(4) {
                0 if at < bytes.len() => bytes[at] = rng.next() as u8,
                1 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, rng.next() as u8),
            }
        }
        match decode(&bytes, &Limits::default()) {
            Ok(v) => {
                assert_eq!(encode(&v), bytes, "accepted {} as {v}", hex::encode(&bytes));
                accepted += 1;
            }
            Err(_) => rejected += 1,
        }
    }
    // Both branches must have been exercised for the property to mean anything.
    assert!(
        accepted > 100 && rejected > 100,
        "{accepted} accepted, {rejected} rejected"
    );
}
