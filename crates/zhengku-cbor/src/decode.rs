//! The strict decoder: accepts exactly the bytes [`encode`](crate::encode) produces.
//!
//! A signed form must have one encoding only, or two parties could disagree about what was
//! signed. So anything that is valid CBOR but not deterministic (a longer-than-needed
//! argument, an indefinite length, keys out of order) is an error here, as is anything outside
//! the supported subset (floats, tags, `undefined`, other simple values).
//!
//! Work on hostile input is bounded by [`Limits`]: total size, nesting depth and item count are
//! checked as the decoder goes, and a length that claims more than the remaining input is
//! rejected before anything is allocated for it.

use std::fmt;

use crate::encode::major;
use crate::value::{Map, Value};

/// Bounds on the work one [`decode`] call may do.
///
/// The decoder recurses once per nesting level, so `max_depth` is also its stack depth; keep
/// it modest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_input_len: usize,
    /// Most arrays and maps open at once; 0 allows only scalars.
    pub max_depth: usize,
    /// Most data items in total, counting every array element, map key and map value.
    pub max_items: usize,
}

impl Limits {
    /// Limits with the given values.
    pub const fn new(max_input_len: usize, max_depth: usize, max_items: usize) -> Self {
        Limits {
            max_input_len,
            max_depth,
            max_items,
        }
    }
}

impl Default for Limits {
    /// 1 MiB of input, 16 levels of nesting, 65 536 items: far above any licence record, far
    /// below anything that could hurt a server.
    fn default() -> Self {
        Limits::new(1 << 20, 16, 1 << 16)
    }
}

/// Why the decoder stopped, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid deterministic CBOR at byte {offset}: {kind}")]
pub struct DecodeError {
    offset: usize,
    kind: DecodeErrorKind,
}

impl DecodeError {
    fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        DecodeError { offset, kind }
    }

    /// Byte offset into the input of the offending item (or of the first byte past a limit).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input is longer than [`Limits::max_input_len`].
    InputTooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input ends inside an item, or an item claims more bytes than remain.
    Truncated {
        /// Bytes the item needs (at least).
        needed: u64,
        /// Bytes left in the input.
        available: usize,
    },
    /// An integer, length or tag argument is not in its shortest form.
    NonShortestArgument {
        /// The argument's value.
        value: u64,
        /// The number of bytes it was written in.
        width: usize,
    },
    /// An indefinite-length string, array or map.
    IndefiniteLength {
        /// The major type's name.
        major: &'static str,
    },
    /// Additional information 28–30 (reserved), or 31 where no indefinite form exists.
    Malformed {
        /// The initial byte.
        initial_byte: u8,
    },
    /// A "break" stop code outside an indefinite-length item.
    UnexpectedBreak,
    /// A floating-point number (half, single or double).
    Float,
    /// A tag (major type 6).
    Tag {
        /// The tag number.
        tag: u64,
    },
    /// A simple value other than `false`, `true` and `null` (e.g. 23, `undefined`).
    UnsupportedSimple {
        /// The simple value.
        value: u8,
    },
    /// A text string that is not valid UTF-8.
    InvalidUtf8,
    /// A map key that sorts before the previous key's encoding.
    KeysOutOfOrder,
    /// A map key equal to the previous key.
    DuplicateKey,
    /// Bytes after the single top-level item.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// More arrays and maps nested than [`Limits::max_depth`].
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// More data items than [`Limits::max_items`].
    TooManyItems {
        /// The limit.
        max: usize,
    },
}

impl DecodeErrorKind {
    /// A stable snake_case name for the kind, for logs, tests and machine-readable reports.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeErrorKind::InputTooLarge { .. } => "input_too_large",
            DecodeErrorKind::Truncated { .. } => "truncated",
            DecodeErrorKind::NonShortestArgument { .. } => "non_shortest",
            DecodeErrorKind::IndefiniteLength { .. } => "indefinite_length",
            DecodeErrorKind::Malformed { .. } => "malformed",
            DecodeErrorKind::UnexpectedBreak => "unexpected_break",
            DecodeErrorKind::Float => "float",
            DecodeErrorKind::Tag { .. } => "tag",
            DecodeErrorKind::UnsupportedSimple { .. } => "unsupported_simple",
            DecodeErrorKind::InvalidUtf8 => "invalid_utf8",
            DecodeErrorKind::KeysOutOfOrder => "keys_out_of_order",
            DecodeErrorKind::DuplicateKey => "duplicate_key",
            DecodeErrorKind::TrailingBytes { .. } => "trailing_bytes",
            DecodeErrorKind::TooDeep { .. } => "too_deep",
            DecodeErrorKind::TooManyItems { .. } => "too_many_items",
        }
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::InputTooLarge { len, max } => {
                write!(f, "input is {len} bytes, more than the limit of {max}")
            }
            DecodeErrorKind::Truncated { needed, available } => {
                write!(f, "truncated: item needs {needed} bytes, {available} left")
            }
            DecodeErrorKind::NonShortestArgument { value, width } => write!(
                f,
                "argument {value} written in {width} bytes; deterministic encoding needs the shortest form"
            ),
            DecodeErrorKind::IndefiniteLength { major } => {
                write!(
                    f,
                    "indefinite-length {major}; only definite lengths are allowed"
                )
            }
            DecodeErrorKind::Malformed { initial_byte } => {
                write!(f, "malformed initial byte 0x{initial_byte:02x}")
            }
            DecodeErrorKind::UnexpectedBreak => f.write_str("unexpected break stop code 0xff"),
            DecodeErrorKind::Float => f.write_str("floating-point numbers are not supported"),
            DecodeErrorKind::Tag { tag } => write!(f, "tag {tag}: tags are not supported"),
            DecodeErrorKind::UnsupportedSimple { value } => write!(
                f,
                "simple value {value} is not supported (only false, true, null)"
            ),
            DecodeErrorKind::InvalidUtf8 => f.write_str("text string is not valid UTF-8"),
            DecodeErrorKind::KeysOutOfOrder => f.write_str(
                "map key out of canonical order (keys must sort bytewise by their encodings)",
            ),
            DecodeErrorKind::DuplicateKey => f.write_str("duplicate map key"),
            DecodeErrorKind::TrailingBytes { count } => {
                write!(f, "{count} trailing bytes after the top-level item")
            }
            DecodeErrorKind::TooDeep { max } => write!(f, "nesting deeper than {max} levels"),
            DecodeErrorKind::TooManyItems { max } => write!(f, "more than {max} data items"),
        }
    }
}

/// Decodes exactly one data item that fills `bytes`, accepting only deterministic encodings
/// of the supported subset.
///
/// For every input this accepts, [`encode`](crate::encode) of the result gives back the same
/// bytes.
///
/// ```
/// use zhengku_cbor::{decode, DecodeErrorKind, Limits, Value};
///
/// let v = decode(&[0x19, 0x03, 0xe8], &Limits::default())?;
/// assert_eq!(v, Value::unsigned(1000));
///
/// // 10 written in two bytes is valid CBOR, but not deterministic.
/// let err = decode(&[0x18, 0x0a], &Limits::default()).unwrap_err();
/// assert_eq!(err.kind().code(), "non_shortest");
/// assert_eq!(err.offset(), 0);
/// # Ok::<(), zhengku_cbor::DecodeError>(())
/// ```
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Value, DecodeError> {
    decode_with(bytes, limits, false)
}

/// Decodes exactly one data item that fills `bytes`, as [`decode`] but accepting two things
/// other producers write that deterministic encoding forbids: map keys in any order (still
/// no duplicates, compared by their canonical encodings) and arguments not in their
/// shortest form. Everything else [`decode`] refuses is still refused. For signed data read
/// from others: the signature is checked over the bytes received, never over a re-encoding
/// (which [`encode`](crate::encode) of the result would be).
///
/// ```
/// use zhengku_cbor::{decode, decode_lenient, Limits, Value};
///
/// // {2: 0, 1: 0}: keys out of order.
/// let bytes = [0xa2, 0x02, 0x00, 0x01, 0x00];
/// assert!(decode(&bytes, &Limits::default()).is_err());
/// let v = decode_lenient(&bytes, &Limits::default())?;
/// assert_eq!(v.as_map().map(|m| m.len()), Some(2));
/// // {1: 0, 1: 0} is refused by both.
/// assert!(decode_lenient(&[0xa2, 0x01, 0x00, 0x01, 0x00], &Limits::default()).is_err());
/// # Ok::<(), zhengku_cbor::DecodeError>(())
/// ```
pub fn decode_lenient(bytes: &[u8], limits: &Limits) -> Result<Value, DecodeError> {
    decode_with(bytes, limits, true)
}

fn decode_with(bytes: &[u8], limits: &Limits, lenient: bool) -> Result<Value, DecodeError> {
    if bytes.len() > limits.max_input_len {
        return Err(DecodeError::new(
            limits.max_input_len,
            DecodeErrorKind::InputTooLarge {
                len: bytes.len(),
                max: limits.max_input_len,
            },
        ));
    }
    let mut d = Decoder {
        input: bytes,
        pos: 0,
        items: 0,
        limits,
        lenient,
    };
    let value = d.item(0)?;
    if d.pos != bytes.len() {
        return Err(DecodeError::new(
            d.pos,
            DecodeErrorKind::TrailingBytes {
                count: bytes.len() - d.pos,
            },
        ));
    }
    Ok(value)
}

struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    items: usize,
    limits: &'a Limits,
    /// [`decode_lenient`]: map keys in any order, non-shortest arguments.
    lenient: bool,
}

const ADDITIONAL_MASK: u8 = 0x1f;
const INDEFINITE: u8 = 31;

fn major_name(major: u8) -> &'static str {
    match major {
        major::BYTES => "byte string",
        major::TEXT => "text string",
        major::ARRAY => "array",
        _ => "map",
    }
}

impl Decoder<'_> {
    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    fn truncated(&self, at: usize, needed: u64) -> DecodeError {
        DecodeError::new(
            at,
            DecodeErrorKind::Truncated {
                needed,
                available: self.input.len() - at,
            },
        )
    }

    /// Takes `n` bytes; `at` is the start of the item they belong to, for the error.
    fn take(&mut self, n: usize, at: usize) -> Result<&[u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.truncated(at, ((self.pos - at) as u64).saturating_add(n as u64)));
        }
        let slice = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    /// Counts `n` more items against the budget before they are decoded or allocated.
    fn reserve_items(&mut self, n: u64, at: usize) -> Result<(), DecodeError> {
        let budget = self.limits.max_items.saturating_sub(self.items) as u64;
        if n > budget {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::TooManyItems {
                    max: self.limits.max_items,
                },
            ));
        }
        // n <= budget <= usize::MAX, so the cast is lossless.
        self.items += n as usize;
        Ok(())
    }

    /// Reads the argument that follows an initial byte with additional information 24–27 and
    /// insists on the shortest form.
    fn argument(&mut self, additional: u8, start: usize) -> Result<u64, DecodeError> {
        if additional < 24 {
            return Ok(u64::from(additional));
        }
        let width: usize = match additional {
            24 => 1,
            25 => 2,
            26 => 4,
            _ => 8,
        };
        let raw = self.take(width, start)?;
        let value = raw.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let shortest_floor: u64 = match width {
            1 => 24,
            2 => 0x100,
            4 => 0x1_0000,
            _ => 0x1_0000_0000,
        };
        if value < shortest_floor && !self.lenient {
            return Err(DecodeError::new(
                start,
                DecodeErrorKind::NonShortestArgument { value, width },
            ));
        }
        Ok(value)
    }

    /// A length that must fit in the remaining input, `min_bytes_each` bytes per unit at least.
    fn length(&self, len: u64, min_bytes_each: u64, start: usize) -> Result<usize, DecodeError> {
        let needed = len.saturating_mul(min_bytes_each);
        if needed > self.remaining() as u64 {
            return Err(self.truncated(start, ((self.pos - start) as u64).saturating_add(needed)));
        }
        // needed <= remaining, so len fits a usize.
        Ok(len as usize)
    }

    fn item(&mut self, depth: usize) -> Result<Value, DecodeError> {
        let start = self.pos;
        let Some(&initial) = self.input.get(self.pos) else {
            return Err(self.truncated(start, 1));
        };
        self.reserve_items(1, start)?;
        self.pos += 1;
        let major = initial >> 5;
        let additional = initial & ADDITIONAL_MASK;

        if major == major::SIMPLE {
            return self.simple(initial, additional, start);
        }
        match additional {
            0..=27 => {}
            INDEFINITE if matches!(major, major::BYTES..=major::MAP) => {
                return Err(DecodeError::new(
                    start,
                    DecodeErrorKind::IndefiniteLength {
                        major: major_name(major),
                    },
                ));
            }
            _ => {
                return Err(DecodeError::new(
                    start,
                    DecodeErrorKind::Malformed {
                        initial_byte: initial,
                    },
                ));
            }
        }
        let arg = self.argument(additional, start)?;

        match major {
            major::UNSIGNED => Ok(Value::Unsigned(arg)),
            major::NEGATIVE => Ok(Value::Negative(arg)),
            major::BYTES => {
                let len = self.length(arg, 1, start)?;
                Ok(Value::Bytes(self.take(len, start)?.to_vec()))
            }
            major::TEXT => {
                let len = self.length(arg, 1, start)?;
                let content_at = self.pos;
                let raw = self.take(len, start)?;
                match std::str::from_utf8(raw) {
                    Ok(s) => Ok(Value::Text(s.to_owned())),
                    Err(e) => Err(DecodeError::new(
                        content_at + e.valid_up_to(),
                        DecodeErrorKind::InvalidUtf8,
                    )),
                }
            }
            major::ARRAY => {
                self.enter(depth, start)?;
                let len = self.length(arg, 1, start)?;
                self.reserve_items(arg, start)?;
                // Undo the reservation: each element counts itself when decoded. It was made
                // only to refuse the allocation below before doing it.
                self.items -= len;
                let mut items = Vec::with_capacity(len);
                for _ in 0..len {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            major::MAP if self.lenient => {
                self.enter(depth, start)?;
                let len = self.length(arg, 2, start)?;
                let mut entries = Vec::with_capacity(len);
                let mut key_offsets = Vec::with_capacity(len);
                for _ in 0..len {
                    key_offsets.push(self.pos);
                    let key = self.item(depth + 1)?;
                    let value = self.item(depth + 1)?;
                    entries.push((crate::encode(&key), key, value));
                }
                Map::from_unsorted(entries).map(Value::Map).map_err(|i| {
                    DecodeError::new(
                        key_offsets.get(i).copied().unwrap_or(start),
                        DecodeErrorKind::DuplicateKey,
                    )
                })
            }
            major::MAP => {
                self.enter(depth, start)?;
                let len = self.length(arg, 2, start)?;
                let mut map = Map::new();
                for _ in 0..len {
                    let key_at = self.pos;
                    let key = self.item(depth + 1)?;
                    let key_bytes = &self.input[key_at..self.pos];
                    if let Some(prev) = map.last_key_bytes() {
                        match prev.cmp(key_bytes) {
                            std::cmp::Ordering::Less => {}
                            std::cmp::Ordering::Equal => {
                                return Err(DecodeError::new(
                                    key_at,
                                    DecodeErrorKind::DuplicateKey,
                                ));
                            }
                            std::cmp::Ordering::Greater => {
                                return Err(DecodeError::new(
                                    key_at,
                                    DecodeErrorKind::KeysOutOfOrder,
                                ));
                            }
                        }
                    }
                    let key_bytes = key_bytes.to_vec();
                    let value = self.item(depth + 1)?;
                    map.push_sorted(key_bytes, key, value);
                }
                Ok(Value::Map(map))
            }
            major::TAG => Err(DecodeError::new(start, DecodeErrorKind::Tag { tag: arg })),
            // Major type 7 was handled above; three bits leave no other value.
            _ => Err(DecodeError::new(
                start,
                DecodeErrorKind::Malformed {
                    initial_byte: initial,
                },
            )),
        }
    }

    fn enter(&self, depth: usize, start: usize) -> Result<(), DecodeError> {
        if depth >= self.limits.max_depth {
            return Err(DecodeError::new(
                start,
                DecodeErrorKind::TooDeep {
                    max: self.limits.max_depth,
                },
            ));
        }
        Ok(())
    }

    /// Major type 7: only `false`, `true` and `null` are accepted.
    fn simple(&mut self, initial: u8, additional: u8, start: usize) -> Result<Value, DecodeError> {
        match additional {
            20 => Ok(Value::Bool(false)),
            21 => Ok(Value::Bool(true)),
            22 => Ok(Value::Null),
            0..=19 | 23 => Err(DecodeError::new(
                start,
                DecodeErrorKind::UnsupportedSimple { value: additional },
            )),
            24 => {
                let value = self.take(1, start)?[0];
                Err(DecodeError::new(
                    start,
                    DecodeErrorKind::UnsupportedSimple { value },
                ))
            }
            25..=27 => Err(DecodeError::new(start, DecodeErrorKind::Float)),
            INDEFINITE => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedBreak)),
            _ => Err(DecodeError::new(
                start,
                DecodeErrorKind::Malformed {
                    initial_byte: initial,
                },
            )),
        }
    }
}
