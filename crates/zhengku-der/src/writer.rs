//! Writing DER: every function here writes one element with a definite length in its
//! shortest form, so what [`crate::Reader`] reads in [`crate::Length::Strict`] mode and
//! writes back through [`tlv`] is the same bytes. Constructed values are built from their
//! already-encoded elements ([`sequence`], [`set_of`]).

use crate::oid::Oid;
use crate::tag;

/// Appends the tag and the shortest definite length of `len` content bytes.
pub fn write_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        // Fits in 7 bits: the short form.
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        // At most 8 length octets, so 0x80 | n is a valid long-form initial octet.
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Appends one element: tag, shortest definite length, content.
pub fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    write_header(out, tag, content.len());
    out.extend_from_slice(content);
}

/// One element as a new vector.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    write_tlv(&mut out, tag, content);
    out
}

/// A SEQUENCE of already-encoded elements, in the order given.
pub fn sequence(elements: &[&[u8]]) -> Vec<u8> {
    let len = elements.iter().map(|e| e.len()).sum();
    let mut out = Vec::with_capacity(len + 6);
    write_header(&mut out, tag::SEQUENCE, len);
    for e in elements {
        out.extend_from_slice(e);
    }
    out
}

/// A DER SET OF already-encoded elements: sorted in ascending order of their encodings
/// (X.690 §11.6), the shorter of two padded with zero octets for the comparison.
pub fn set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    sort_set_of(&mut elements);
    tlv(tag::SET, &elements.concat())
}

/// Sorts encodings into DER SET OF order (X.690 §11.6). The sort is stable, so elements
/// that compare equal keep their order.
pub fn sort_set_of(elements: &mut [Vec<u8>]) {
    elements.sort_by(|a, b| {
        let n = a.len().max(b.len());
        let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
        (0..n)
            .map(|i| at(a, i).cmp(&at(b, i)))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

/// A non-negative INTEGER, minimal (a leading zero octet only before a set top bit).
pub fn integer(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut content = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[skip..]);
    tlv(tag::INTEGER, &content)
}

/// A BOOLEAN (TRUE is 0xFF in DER).
pub fn boolean(v: bool) -> Vec<u8> {
    tlv(tag::BOOLEAN, &[if v { 0xFF } else { 0x00 }])
}

/// A BIT STRING of whole bytes (unused-bits octet 0).
pub fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 7);
    write_header(&mut out, tag::BIT_STRING, bytes.len() + 1);
    out.push(0);
    out.extend_from_slice(bytes);
    out
}

/// An OCTET STRING.
pub fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, bytes)
}

/// An OBJECT IDENTIFIER.
pub fn oid(oid: &Oid) -> Vec<u8> {
    tlv(tag::OID, oid.as_der_content())
}
