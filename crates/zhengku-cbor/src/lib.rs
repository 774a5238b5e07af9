#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Strict deterministic CBOR (RFC 8949 §4.2.1, "core deterministic encoding") for signed forms.
//!
//! Everything zhengku signs is first turned into bytes by this crate, so those bytes must be
//! the same every time and on every machine. The codec therefore supports one encoding per
//! value and nothing else:
//!
//! - [`Value`] is the data model (integers, byte and text strings, arrays, maps, booleans,
//!   `null`); [`Map`] keeps its keys in canonical order and refuses duplicates.
//! - [`encode`] / [`encode_into`] write shortest arguments, definite lengths and sorted keys.
//! - [`decode`] accepts only what [`encode`] would write: non-shortest arguments, indefinite
//!   lengths, unsorted or duplicate keys, invalid UTF-8, floats, tags, other simple values and
//!   trailing bytes are all errors ([`DecodeError`], with the byte offset). Its work is bounded
//!   by [`Limits`].
//! - [`decode_lenient`] is for signed data others produced: it also takes map keys in any
//!   order and non-shortest arguments (everything else stays refused).
//!
//! Start with [`Value`] and [`Map`] to build a record, then [`encode`] it; read bytes back with
//! [`decode`]. For every input `decode` accepts, `encode(&decode(x)?) == x`.
//!
//! ```
//! use zhengku_cbor::{decode, encode, Limits, Map, Value};
//!
//! let mut record = Map::new();
//! record.insert_text("v", Value::unsigned(1))?;
//! record.insert_text("name", Value::text("营业执照"))?;
//! let bytes = encode(&Value::Map(record));
//!
//! let back = decode(&bytes, &Limits::default())?;
//! let map = back.as_map().ok_or("not a map")?;
//! assert_eq!(map.get_text_key("name").and_then(Value::as_text), Some("营业执照"));
//! assert_eq!(encode(&back), bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod decode;
mod encode;
mod value;

pub use decode::{DecodeError, DecodeErrorKind, Limits, decode, decode_lenient};
pub use encode::{encode, encode_into};
pub use value::{DuplicateKey, IntoIter, Map, Value};
