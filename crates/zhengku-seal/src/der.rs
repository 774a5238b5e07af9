//! A small hand-written DER reader and writer for the seal structures.
//!
//! Why not the `der` crate's derive: the seal formats need lenient decoding that a derived
//! strict decoder refuses or cannot express — `extDatas` and `timeStamp` both with and without
//! their `[0] EXPLICIT` tag, `critical` FALSE written out although it is the DEFAULT, a CHOICE
//! picked by a sibling INTEGER (certListType), the version told apart by element count, and
//! errors that name the element and its byte offset. Those rules live in the schema code
//! (`seal.rs`, `signature.rs`, `v1.rs`); this module only reads and writes single TLVs.
//!
//! The TLV layer itself is strict DER: single-byte tags, definite lengths in shortest form.
//! The schema code reads a fixed shape, never recursing on the input, so nesting depth is
//! bounded by the schema; list lengths are bounded by [`crate::MAX_LIST_ITEMS`].

use crate::error::{DecodeError, DecodeErrorKind};

pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTF8_STRING: u8 = 0x0C;
pub(crate) const PRINTABLE_STRING: u8 = 0x13;
pub(crate) const IA5_STRING: u8 = 0x16;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const SEQUENCE: u8 = 0x30;
/// `[0]` constructed, context-specific: the EXPLICIT tag of `extDatas` and `timeStamp`.
pub(crate) const CONTEXT_0: u8 = 0xA0;

/// One element: where it starts and its content bytes (the tag was checked by the reader).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// Offset of the tag byte in the whole input.
    pub(crate) offset: usize,
    /// Offset of the first content byte in the whole input.
    content_offset: usize,
    pub(crate) content: &'a [u8],
    /// The whole element as received: tag, length and content. What a signer signed when
    /// this element is a signed structure (see `crate::signed`).
    pub(crate) raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over this element's content (for a SEQUENCE or an EXPLICIT tag).
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader {
            data: self.content,
            base: self.content_offset,
            pos: 0,
        }
    }

    pub(crate) fn err(&self, element: &'static str, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.offset, element, kind)
    }
}

/// Reads consecutive TLVs from a slice, keeping offsets relative to the whole input.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    /// Offset of `data[0]` in the whole input.
    base: usize,
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            base: 0,
            pos: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Offset of the next unread byte in the whole input.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads the next TLV, whatever its tag.
    pub(crate) fn read_any(&mut self, element: &'static str) -> Result<Tlv<'a>, DecodeError> {
        let start = self.pos;
        let offset = self.offset();
        let err = |kind| DecodeError::new(offset, element, kind);
        let rest = &self.data[start..];
        let (&tag, after_tag) = rest.split_first().ok_or(err(DecodeErrorKind::Missing))?;
        if tag & 0x1F == 0x1F {
            return Err(err(DecodeErrorKind::HighTagNumber));
        }
        let truncated =
            |needed: usize, available: usize| err(DecodeErrorKind::Truncated { needed, available });
        let (&first, after_len0) = after_tag.split_first().ok_or(truncated(2, 1))?;
        let (len, header_len) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7F);
            // 0x80 is BER's indefinite length; DER lengths here never need over 4 bytes.
            if n == 0 || n > 4 {
                return Err(err(DecodeErrorKind::BadLength));
            }
            let bytes = after_len0.get(..n).ok_or(truncated(2 + n, rest.len()))?;
            if bytes[0] == 0 {
                return Err(err(DecodeErrorKind::BadLength));
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 {
                return Err(err(DecodeErrorKind::BadLength));
            }
            (len, 2 + n)
        };
        let total = header_len
            .checked_add(len)
            .ok_or(err(DecodeErrorKind::BadLength))?;
        if total > rest.len() {
            return Err(truncated(total, rest.len()));
        }
        self.pos = start + total;
        Ok(Tlv {
            offset,
            content_offset: offset + header_len,
            content: &rest[header_len..total],
            raw: &rest[..total],
        })
    }

    /// Reads the next TLV, which must have tag `tag`.
    pub(crate) fn read(&mut self, tag: u8, element: &'static str) -> Result<Tlv<'a>, DecodeError> {
        if let Some(found) = self.peek_tag()
            && found != tag
        {
            return Err(DecodeError::new(
                self.offset(),
                element,
                DecodeErrorKind::UnexpectedTag {
                    expected: tag,
                    found,
                },
            ));
        }
        self.read_any(element)
    }

    /// Errors if anything is left: the end of a SEQUENCE or of the input.
    pub(crate) fn finish(&self, element: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::new(
                self.offset(),
                element,
                DecodeErrorKind::TrailingBytes {
                    count: self.data.len() - self.pos,
                },
            ))
        }
    }

    /// Counts the TLVs left, without keeping them (to tell layouts apart).
    pub(crate) fn count(&self, element: &'static str) -> Result<usize, DecodeError> {
        let mut probe = self.clone();
        let mut n = 0;
        while !probe.is_empty() {
            probe.read_any(element)?;
            n += 1;
        }
        Ok(n)
    }
}

// ---- Primitive decoders -------------------------------------------------------------------

/// A non-negative INTEGER up to `max`.
pub(crate) fn integer(tlv: &Tlv<'_>, element: &'static str, max: u64) -> Result<u64, DecodeError> {
    let bad = || tlv.err(element, DecodeErrorKind::BadInteger);
    let c = tlv.content;
    match c {
        [] => return Err(bad()),
        [first, ..] if *first & 0x80 != 0 => return Err(bad()),
        [0, second, ..] if *second & 0x80 == 0 => return Err(bad()),
        _ => {}
    }
    let significant = if c[0] == 0 { &c[1..] } else { c };
    if significant.len() > 8 {
        return Err(bad());
    }
    let v = significant
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    if v > max {
        return Err(bad());
    }
    Ok(v)
}

pub(crate) fn boolean(tlv: &Tlv<'_>, element: &'static str) -> Result<bool, DecodeError> {
    match tlv.content {
        [0x00] => Ok(false),
        [0xFF] => Ok(true),
        _ => Err(tlv.err(element, DecodeErrorKind::BadBoolean)),
    }
}

/// A BIT STRING of whole bytes (unused-bits byte 0).
pub(crate) fn bit_string(tlv: &Tlv<'_>, element: &'static str) -> Result<Vec<u8>, DecodeError> {
    match tlv.content {
        [0, rest @ ..] => Ok(rest.to_vec()),
        _ => Err(tlv.err(element, DecodeErrorKind::BadBitString)),
    }
}

pub(crate) fn ia5_string(tlv: &Tlv<'_>, element: &'static str) -> Result<String, DecodeError> {
    if !is_ia5(tlv.content) {
        return Err(tlv.err(element, DecodeErrorKind::BadString));
    }
    utf8_string(tlv, element)
}

pub(crate) fn printable_string(
    tlv: &Tlv<'_>,
    element: &'static str,
) -> Result<String, DecodeError> {
    if !is_printable(tlv.content) {
        return Err(tlv.err(element, DecodeErrorKind::BadString));
    }
    utf8_string(tlv, element)
}

pub(crate) fn utf8_string(tlv: &Tlv<'_>, element: &'static str) -> Result<String, DecodeError> {
    String::from_utf8(tlv.content.to_vec())
        .map_err(|_| tlv.err(element, DecodeErrorKind::BadString))
}

pub(crate) fn is_ia5(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b < 0x80)
}

pub(crate) fn is_printable(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

// ---- Writer -------------------------------------------------------------------------------

/// Appends one TLV with a shortest-form definite length.
pub(crate) fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// One TLV as a new vector.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    write_tlv(&mut out, tag, content);
    out
}

/// A SEQUENCE of already-encoded elements.
pub(crate) fn sequence(elements: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &elements.concat())
}

pub(crate) fn enc_integer(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut content = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[skip..]);
    tlv(INTEGER, &content)
}

pub(crate) fn enc_boolean(v: bool) -> Vec<u8> {
    tlv(BOOLEAN, &[if v { 0xFF } else { 0x00 }])
}

pub(crate) fn enc_bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    tlv(BIT_STRING, &content)
}

pub(crate) fn enc_octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(OCTET_STRING, bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn integers_round_trip_at_the_edges() {
        for v in [0u64, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, u64::MAX] {
            let der = enc_integer(v);
            let mut r = Reader::new(&der);
            let t = r.read(INTEGER, "x").unwrap();
            assert_eq!(integer(&t, "x", u64::MAX).unwrap(), v, "{der:02X?}");
        }
        for bad in [
            &[0x02u8, 0x00][..],
            &[0x02, 0x02, 0x00, 0x01],
            &[0x02, 0x01, 0x80],
        ] {
            let t = Reader::new(bad).read_any("x").unwrap();
            assert!(integer(&t, "x", u64::MAX).is_err(), "{bad:02X?}");
        }
    }

    #[test]
    fn lengths_must_be_shortest_and_definite() {
        let long = tlv(OCTET_STRING, &[7; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2C]);
        assert_eq!(Reader::new(&long).read_any("x").unwrap().content.len(), 300);
        for bad in [
            &[0x04u8, 0x81, 0x05, 1, 2, 3, 4, 5][..],
            &[0x30, 0x80, 0, 0],
            &[0x04, 0x82, 0x00, 0x80],
        ] {
            let e = Reader::new(bad).read_any("x").unwrap_err();
            assert_eq!(e.kind(), &DecodeErrorKind::BadLength, "{bad:02X?}");
        }
    }
}
