//! The status bit array (draft §4.1) and its CBOR form (§4.3).

use zhengku_cbor::{Map, Value};

use crate::StatusError;

/// The most bytes an inflated `lst` may take: 4 MiB, a list of 2^24 entries at 2 bits (or
/// 2^22 at 8). zhengku's own lists are 2^20 entries at 2 bits, 256 KiB.
pub const MAX_LIST_BYTES: usize = 4 << 20;

/// A status value (draft §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 0x00 VALID: 有效.
    Valid,
    /// 0x01 INVALID: revoked or annulled (撤销、注销), for good.
    Invalid,
    /// 0x02 SUSPENDED: 暂停, may become valid again.
    Suspended,
    /// Any other value (0x03 and 0x0C–0x0F are application-specific, the rest reserved):
    /// a verifier cannot tell what it means.
    Other(u8),
}

impl Status {
    /// The value in the list.
    pub fn value(self) -> u8 {
        match self {
            Status::Valid => 0,
            Status::Invalid => 1,
            Status::Suspended => 2,
            Status::Other(v) => v,
        }
    }

    /// The status a value stands for.
    pub fn from_value(v: u8) -> Status {
        match v {
            0 => Status::Valid,
            1 => Status::Invalid,
            2 => Status::Suspended,
            v => Status::Other(v),
        }
    }
}

/// A status list: `len` entries of `bits` bits each (module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    bytes: Vec<u8>,
}

fn check_bits(bits: u64) -> Result<u8, StatusError> {
    match bits {
        1 | 2 | 4 | 8 => Ok(bits as u8),
        other => Err(StatusError::Bits(other)),
    }
}

impl StatusList {
    /// A list of `len` entries, all [`Status::Valid`]. `len` is rounded up to fill whole
    /// bytes (the draft recommends lists that do).
    pub fn new(bits: u8, len: u64) -> Result<StatusList, StatusError> {
        let bits = check_bits(u64::from(bits))?;
        let total_bits = len.saturating_mul(u64::from(bits));
        let bytes = total_bits.div_ceil(8);
        if bytes > MAX_LIST_BYTES as u64 {
            return Err(StatusError::Index {
                idx: len,
                len: (MAX_LIST_BYTES as u64) * 8 / u64::from(bits),
            });
        }
        // bytes <= MAX_LIST_BYTES, so the cast is lossless.
        Ok(StatusList {
            bits,
            bytes: vec![0; bytes as usize],
        })
    }

    /// A list over an uncompressed byte array.
    pub fn from_bytes(bits: u8, bytes: Vec<u8>) -> Result<StatusList, StatusError> {
        let bits = check_bits(u64::from(bits))?;
        if bytes.len() > MAX_LIST_BYTES {
            return Err(StatusError::Zlib(format!(
                "{} bytes, more than {MAX_LIST_BYTES}",
                bytes.len()
            )));
        }
        Ok(StatusList { bits, bytes })
    }

    /// Bits per entry.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8 / u64::from(self.bits)
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The uncompressed byte array.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Where entry `idx` sits: its byte and the shift within it.
    fn position(&self, idx: u64) -> Result<(usize, u32), StatusError> {
        if idx >= self.len() {
            return Err(StatusError::Index {
                idx,
                len: self.len(),
            });
        }
        let bit = idx * u64::from(self.bits);
        // idx < len, so bit / 8 < bytes.len() and fits a usize.
        Ok(((bit / 8) as usize, (bit % 8) as u32))
    }

    fn mask(&self) -> u8 {
        // bits is 1, 2, 4 or 8: 0x01, 0x03, 0x0f, 0xff.
        (((1u16) << self.bits) - 1) as u8
    }

    /// The status value of entry `idx` (draft §8.3 step 6: an index out of bounds is an
    /// error, never a status).
    pub fn get(&self, idx: u64) -> Result<u8, StatusError> {
        let (byte, shift) = self.position(idx)?;
        Ok((self.bytes[byte] >> shift) & self.mask())
    }

    /// The [`Status`] of entry `idx`.
    pub fn status(&self, idx: u64) -> Result<Status, StatusError> {
        self.get(idx).map(Status::from_value)
    }

    /// Sets entry `idx` to `value`.
    pub fn set(&mut self, idx: u64, value: u8) -> Result<(), StatusError> {
        let mask = self.mask();
        if value & !mask != 0 {
            return Err(StatusError::Value {
                value,
                bits: self.bits,
            });
        }
        let (byte, shift) = self.position(idx)?;
        let b = &mut self.bytes[byte];
        *b = (*b & !(mask << shift)) | (value << shift);
        Ok(())
    }

    /// The `lst` bytes: the array compressed with DEFLATE in the ZLIB format, level 9, by
    /// zlib's algorithm (zlib-rs): on a list of 2^20 entries with 1 % revoked at random it
    /// writes about 7 % less than miniz_oxide.
    pub fn compressed(&self) -> Vec<u8> {
        let mut out = vec![0u8; zlib_rs::compress_bound(self.bytes.len())];
        let (written, rc) =
            zlib_rs::compress_slice(&mut out, &self.bytes, zlib_rs::DeflateConfig::new(9));
        if rc != zlib_rs::ReturnCode::Ok {
            // compress_bound leaves room for any input, so this is not expected; miniz
            // writes a valid (larger) stream all the same.
            return miniz_oxide::deflate::compress_to_vec_zlib(&self.bytes, 9);
        }
        let n = written.len();
        out.truncate(n);
        out
    }

    /// A list from its `bits` and `lst`, inflating at most [`MAX_LIST_BYTES`].
    pub fn from_compressed(bits: u64, lst: &[u8]) -> Result<StatusList, StatusError> {
        let bits = check_bits(bits)?;
        let bytes = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(lst, MAX_LIST_BYTES)
            .map_err(|e| StatusError::Zlib(format!("{:?}", e.status)))?;
        Ok(StatusList { bits, bytes })
    }

    /// The CBOR StatusList `{"bits": n, "lst": zlib(array)}`.
    pub fn to_cbor(&self) -> Value {
        let mut m = Map::new();
        // Two distinct keys: insert cannot fail.
        let _ = m.insert_text("bits", Value::unsigned(u64::from(self.bits)));
        let _ = m.insert_text("lst", Value::bytes(self.compressed()));
        Value::Map(m)
    }

    /// Reads a CBOR StatusList. `aggregation_uri` and entries the draft may add later are
    /// ignored; `bits` and `lst` are required.
    pub fn from_cbor(v: &Value) -> Result<StatusList, StatusError> {
        let m = v
            .as_map()
            .ok_or(StatusError::Field("StatusList is not a map"))?;
        let bits = m
            .get_text_key("bits")
            .and_then(Value::as_u64)
            .ok_or(StatusError::Field(
                "StatusList bits missing or not an integer",
            ))?;
        let lst = m
            .get_text_key("lst")
            .and_then(Value::as_bytes)
            .ok_or(StatusError::Field("StatusList lst missing or not bytes"))?;
        StatusList::from_compressed(bits, lst)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn entries_pack_from_the_least_significant_bit() {
        let mut l = StatusList::new(2, 8).unwrap();
        l.set(0, 1).unwrap();
        l.set(3, 2).unwrap();
        l.set(4, 3).unwrap();
        assert_eq!(l.as_bytes(), [0b1000_0001, 0b0000_0011]);
        assert_eq!(
            (0..8).map(|i| l.get(i).unwrap()).collect::<Vec<_>>(),
            [1, 0, 0, 2, 3, 0, 0, 0]
        );
        // Setting back clears only that entry.
        l.set(0, 0).unwrap();
        assert_eq!(l.as_bytes(), [0b1000_0000, 0b0000_0011]);
        assert!(matches!(l.set(1, 4), Err(StatusError::Value { .. })));
        assert!(matches!(l.get(8), Err(StatusError::Index { .. })));
        assert!(matches!(StatusList::new(3, 8), Err(StatusError::Bits(3))));
    }

    #[test]
    fn a_zlib_bomb_is_refused() {
        let big = vec![0u8; MAX_LIST_BYTES + 1];
        let lst = miniz_oxide::deflate::compress_to_vec_zlib(&big, 9);
        assert!(lst.len() < 8 * 1024, "{}", lst.len());
        assert!(matches!(
            StatusList::from_compressed(2, &lst),
            Err(StatusError::Zlib(_))
        ));
        assert!(StatusList::from_compressed(2, b"not zlib").is_err());
    }
}
