//! The data model: [`Value`] and the always-sorted [`Map`].
//!
//! Only the CBOR types a signed record needs are representable. Floats, tags, `undefined` and
//! other simple values are left out on purpose: a value that cannot be built cannot be signed
//! by accident, and the decoder rejects them for the same reason.

use std::fmt;

use crate::encode::encode;

/// A CBOR data item of the supported subset.
///
/// Build values with the constructors ([`Value::text`], [`Value::integer`], …) and read them
/// with the accessors ([`Value::as_text`], [`Value::as_u64`], …), which return `None` when the
/// value is of another type.
///
/// `Display` prints RFC 8949 §8 diagnostic notation, e.g. `{"a": 1, "b": [2, 3]}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// Major type 0: an unsigned integer `0..=u64::MAX`.
    Unsigned(u64),
    /// Major type 1: the negative integer `-1 - n`, so `Negative(0)` is -1 and
    /// `Negative(u64::MAX)` is -2^64.
    Negative(u64),
    /// Major type 2: a byte string.
    Bytes(Vec<u8>),
    /// Major type 3: a UTF-8 text string.
    Text(String),
    /// Major type 4: an array.
    Array(Vec<Value>),
    /// Major type 5: a map, kept in canonical key order.
    Map(Map),
    /// Simple values 20 (`false`) and 21 (`true`).
    Bool(bool),
    /// Simple value 22 (`null`).
    Null,
}

impl Value {
    /// A text value.
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(s.into())
    }

    /// A byte-string value.
    pub fn bytes(b: impl Into<Vec<u8>>) -> Self {
        Value::Bytes(b.into())
    }

    /// An unsigned integer value.
    pub fn unsigned(n: u64) -> Self {
        Value::Unsigned(n)
    }

    /// A signed integer value, stored as [`Value::Unsigned`] or [`Value::Negative`].
    pub fn integer(n: i64) -> Self {
        if n >= 0 {
            Value::Unsigned(n.unsigned_abs())
        } else {
            // -1 - m = n  <=>  m = -1 - n = !n for two's complement, always >= 0 here.
            Value::Negative((!n).unsigned_abs())
        }
    }

    /// An array value.
    pub fn array(items: impl Into<Vec<Value>>) -> Self {
        Value::Array(items.into())
    }

    /// The text if this is a text string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes if this is a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The number if this is an unsigned integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Unsigned(n) => Some(*n),
            _ => None,
        }
    }

    /// The number if this is an integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Unsigned(n) => i64::try_from(*n).ok(),
            Value::Negative(n) => i64::try_from(*n).ok().map(|m| -1 - m),
            _ => None,
        }
    }

    /// The boolean if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The map if this is a map.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the value's type ("unsigned", "text", "map", …), for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Unsigned(_) => "unsigned integer",
            Value::Negative(_) => "negative integer",
            Value::Bytes(_) => "byte string",
            Value::Text(_) => "text string",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::Bool(_) => "boolean",
            Value::Null => "null",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Unsigned(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::integer(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unsigned(n) => write!(f, "{n}"),
            Value::Negative(n) => write!(f, "{}", -1 - i128::from(*n)),
            Value::Bytes(b) => {
                f.write_str("h'")?;
                for byte in b {
                    write!(f, "{byte:02x}")?;
                }
                f.write_str("'")
            }
            Value::Text(s) => write_diagnostic_text(f, s),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) => write!(f, "{m}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Null => f.write_str("null"),
        }
    }
}

/// Text in diagnostic notation: JSON-style quoting, so control characters stay visible.
fn write_diagnostic_text(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

/// The error of inserting a key that a [`Map`] already holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("duplicate map key {key}")]
#[non_exhaustive]
pub struct DuplicateKey {
    /// The key, in diagnostic notation.
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Entry {
    /// The key's own encoding, kept so that ordering never re-encodes the key.
    key_bytes: Vec<u8>,
    key: Value,
    value: Value,
}

/// A CBOR map whose entries are always in canonical order: sorted by the bytewise
/// (lexicographic) order of the keys' deterministic encodings (RFC 8949 §4.2.1), with no
/// duplicate keys.
///
/// Because the order is an invariant of the type, encoding a `Map` needs no sorting and two
/// equal maps always encode to the same bytes.
///
/// ```
/// use zhengku_cbor::{Map, Value};
///
/// let mut m = Map::new();
/// m.insert_text("b", Value::unsigned(2))?;
/// m.insert_text("a", Value::unsigned(1))?;
/// assert!(m.insert_text("a", Value::Null).is_err());
/// assert_eq!(m.to_string(), r#"{"a": 1, "b": 2}"#);
/// assert_eq!(m.get_text_key("b").and_then(Value::as_u64), Some(2));
/// # Ok::<(), zhengku_cbor::DuplicateKey>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Map {
    entries: Vec<Entry>,
}

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Map::default()
    }

    /// Builds a map from key–value pairs in any order; fails on the first duplicate key.
    pub fn try_from_pairs(
        pairs: impl IntoIterator<Item = (Value, Value)>,
    ) -> Result<Self, DuplicateKey> {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(k, v)?;
        }
        Ok(m)
    }

    /// Inserts `key` in its canonical place; refuses a key the map already holds.
    pub fn insert(&mut self, key: Value, value: Value) -> Result<(), DuplicateKey> {
        let key_bytes = encode(&key);
        match self.search(&key_bytes) {
            Ok(_) => Err(DuplicateKey {
                key: key.to_string(),
            }),
            Err(at) => {
                self.entries.insert(
                    at,
                    Entry {
                        key_bytes,
                        key,
                        value,
                    },
                );
                Ok(())
            }
        }
    }

    /// Inserts a text key; refuses a key the map already holds.
    pub fn insert_text(&mut self, key: &str, value: impl Into<Value>) -> Result<(), DuplicateKey> {
        self.insert(Value::text(key), value.into())
    }

    /// Builds a map from entries in any order, each with its key's canonical encoding; on a
    /// duplicate key, gives the index (in `entries`) of one of the two. O(n log n), so a
    /// hostile map costs no more than sorting it.
    pub(crate) fn from_unsorted(entries: Vec<(Vec<u8>, Value, Value)>) -> Result<Map, usize> {
        let mut entries: Vec<(usize, Entry)> = entries
            .into_iter()
            .enumerate()
            .map(|(i, (key_bytes, key, value))| {
                (
                    i,
                    Entry {
                        key_bytes,
                        key,
                        value,
                    },
                )
            })
            .collect();
        entries.sort_by(|a, b| a.1.key_bytes.cmp(&b.1.key_bytes));
        if let Some(w) = entries
            .windows(2)
            .find(|w| w[0].1.key_bytes == w[1].1.key_bytes)
        {
            return Err(w[0].0.max(w[1].0));
        }
        Ok(Map {
            entries: entries.into_iter().map(|(_, e)| e).collect(),
        })
    }

    /// Appends an entry whose key the decoder has already checked to sort after every present
    /// key; `key_bytes` is the key's encoding taken from the input.
    pub(crate) fn push_sorted(&mut self, key_bytes: Vec<u8>, key: Value, value: Value) {
        debug_assert!(
            self.entries
                .last()
                .is_none_or(|e| e.key_bytes.as_slice() < key_bytes.as_slice())
        );
        self.entries.push(Entry {
            key_bytes,
            key,
            value,
        });
    }

    /// The encoding of the last (greatest) key, which the decoder compares the next key with.
    pub(crate) fn last_key_bytes(&self) -> Option<&[u8]> {
        self.entries.last().map(|e| e.key_bytes.as_slice())
    }

    fn search(&self, key_bytes: &[u8]) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|e| e.key_bytes.as_slice().cmp(key_bytes))
    }

    /// The value under `key`.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        let key_bytes = encode(key);
        self.search(&key_bytes)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|e| &e.value)
    }

    /// The value under the text key `key`.
    pub fn get_text_key(&self, key: &str) -> Option<&Value> {
        // Linear and allocation-free: maps in signed records are small.
        self.entries
            .iter()
            .find(|e| e.key.as_text() == Some(key))
            .map(|e| &e.value)
    }

    /// Removes and returns the value under `key`.
    pub fn remove(&mut self, key: &Value) -> Option<Value> {
        let key_bytes = encode(key);
        match self.search(&key_bytes) {
            Ok(i) => Some(self.entries.remove(i).value),
            Err(_) => None,
        }
    }

    /// Whether the map holds `key`.
    pub fn contains_key(&self, key: &Value) -> bool {
        self.get(key).is_some()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in canonical order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Value, &Value)> {
        self.entries.iter().map(|e| (&e.key, &e.value))
    }

    /// The keys in canonical order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.entries.iter().map(|e| &e.key)
    }

    /// The entries with each key's canonical encoding, for the encoder.
    pub(crate) fn encoded_entries(&self) -> impl Iterator<Item = (&[u8], &Value)> {
        self.entries
            .iter()
            .map(|e| (e.key_bytes.as_slice(), &e.value))
    }
}

impl IntoIterator for Map {
    type Item = (Value, Value);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter {
            inner: self.entries.into_iter(),
        }
    }
}

/// The owning iterator over a [`Map`]'s entries, in canonical order.
#[derive(Debug)]
pub struct IntoIter {
    inner: std::vec::IntoIter<Entry>,
}

impl Iterator for IntoIter {
    type Item = (Value, Value);

    fn next(&mut self) -> Option<(Value, Value)> {
        self.inner.next().map(|e| (e.key, e.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for IntoIter {}

impl fmt::Display for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}: {v}")?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn sample_pairs() -> Vec<(Value, Value)> {
        vec![
            (Value::text("b"), Value::unsigned(1)),
            (Value::integer(-1), Value::unsigned(2)),
            (Value::text("aa"), Value::unsigned(3)),
            (Value::unsigned(1000), Value::unsigned(4)),
            (Value::unsigned(10), Value::unsigned(5)),
        ]
    }

    #[test]
    fn keys_sort_bytewise_by_encoding_whatever_the_insertion_order() {
        let forward = Map::try_from_pairs(sample_pairs()).unwrap();
        let backward = Map::try_from_pairs(sample_pairs().into_iter().rev()).unwrap();
        assert_eq!(forward, backward);
        // 0x0a < 0x19 03e8 < 0x20 < 0x61 62 < 0x62 6161: bytewise, not length-first.
        let keys: Vec<String> = forward.keys().map(Value::to_string).collect();
        assert_eq!(keys, ["10", "1000", "-1", "\"b\"", "\"aa\""]);
    }

    #[test]
    fn duplicate_keys_are_refused_and_leave_the_map_unchanged() {
        let mut m = Map::try_from_pairs(sample_pairs()).unwrap();
        let err = m.insert(Value::text("aa"), Value::Null).unwrap_err();
        assert_eq!(err.key, "\"aa\"");
        assert_eq!(m.get_text_key("aa"), Some(&Value::unsigned(3)));
        assert_eq!(m.len(), 5);
        // Same number, different major type: distinct keys.
        m.insert(Value::integer(-11), Value::Null).unwrap();
        assert!(m.contains_key(&Value::integer(-11)));
    }

    #[test]
    fn get_and_remove_find_keys_of_any_type() {
        let mut m = Map::try_from_pairs(sample_pairs()).unwrap();
        assert_eq!(m.get(&Value::unsigned(1000)), Some(&Value::unsigned(4)));
        assert_eq!(m.get(&Value::text("a")), None);
        assert_eq!(m.remove(&Value::integer(-1)), Some(Value::unsigned(2)));
        assert_eq!(m.remove(&Value::integer(-1)), None);
        assert_eq!(m.len(), 4);
        let owned: Vec<(Value, Value)> = m.into_iter().collect();
        assert_eq!(
            owned.first(),
            Some(&(Value::unsigned(10), Value::unsigned(5)))
        );
    }

    #[test]
    fn diagnostic_notation_escapes_quotes_and_controls() {
        let v = Value::array(vec![
            Value::text("a\"b\\c\n"),
            Value::bytes(vec![0x00, 0xff]),
            Value::Negative(u64::MAX),
            Value::Null,
        ]);
        assert_eq!(
            v.to_string(),
            r#"["a\"b\\c\u000a", h'00ff', -18446744073709551616, null]"#
        );
    }

    #[test]
    fn accessors_return_none_for_other_types() {
        let t = Value::from("x");
        assert_eq!(t.as_text(), Some("x"));
        assert_eq!(t.as_u64(), None);
        assert_eq!(t.as_bytes(), None);
        assert_eq!(t.type_name(), "text string");
        assert_eq!(Value::from(7u64).as_u64(), Some(7));
        assert_eq!(Value::from(true).as_bool(), Some(true));
        assert!(Value::Null.is_null());
        assert!(Value::from(Map::new()).as_map().is_some_and(Map::is_empty));
    }
}
