//! Reading DER: [`Reader`] walks the consecutive TLVs (tag, length, value) of a byte slice and
//! hands out each as a [`Tlv`], keeping every offset relative to the whole input so that an
//! [`Error`] can say where in a producer's file the problem is.
//!
//! Tags are single bytes (tag numbers of 31 and more are refused); lengths are definite,
//! with at most [`MAX_LENGTH_OCTETS`] length octets, and in [`Length::Strict`] mode also in
//! their shortest form. The reader reads one level at a time and never recurses on the
//! input: a caller descends with [`Tlv::reader`], so nesting depth is bounded by the
//! caller's schema, and every element is bounded by the input it sits in.

use std::fmt;

use crate::oid::{Oid, OidError};
use crate::tag;

/// Most length octets a long-form length may have: 4, lengths up to 4 GiB, beyond anything
/// zhengku reads (seals, CMS signatures, certificates).
pub const MAX_LENGTH_OCTETS: usize = 4;

/// Which length encodings the reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Length {
    /// DER (X.690 §10.1): the shortest form only. The short form below 128; the long form
    /// from 128, without leading zero octets. Seals (GB/T 38540, GM/T 0031) are read so.
    Strict,
    /// BER's definite forms too: the long form where the short one would do, and leading
    /// zero length octets. What CMS producers write in PDF signatures. Indefinite lengths
    /// are refused all the same.
    Lenient,
}

/// Why the bytes are not the DER expected: which element, where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{element} at byte {offset}: {kind}")]
pub struct Error {
    offset: usize,
    element: &'static str,
    kind: ErrorKind,
}

impl Error {
    /// An error about `element`, at `offset` in the whole input.
    pub fn new(offset: usize, element: &'static str, kind: ErrorKind) -> Self {
        Error {
            offset,
            element,
            kind,
        }
    }

    /// Byte offset into the whole input of the offending element (its tag byte).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The element being read, as the caller named it (`"SignerInfo.version"`, …).
    pub fn element(&self) -> &'static str {
        self.element
    }

    /// What was wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The element was expected but the input (or its enclosing element) ends.
    Missing,
    /// The input ends inside an element, or an element claims more bytes than remain.
    Truncated {
        /// Bytes the element needs (at least).
        needed: usize,
        /// Bytes left in the enclosing element.
        available: usize,
    },
    /// Length octet 0x80: BER's indefinite length.
    IndefiniteLength,
    /// A long-form length of more than [`MAX_LENGTH_OCTETS`] octets.
    LengthTooLong {
        /// Length octets announced.
        octets: usize,
    },
    /// A length not in its shortest form ([`Length::Strict`] only).
    NonMinimalLength,
    /// A tag number of 31 or more (multi-byte tag).
    HighTagNumber {
        /// The first tag byte.
        tag: u8,
    },
    /// A different element was found where this one was expected.
    UnexpectedTag {
        /// The tag byte expected.
        expected: u8,
        /// The tag byte found.
        found: u8,
    },
    /// Bytes left over after the last element read.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// An INTEGER that is empty, not minimally encoded, negative, or above the caller's
    /// bound.
    BadInteger,
    /// A BOOLEAN whose content is not one octet 0x00 or 0xFF.
    BadBoolean,
    /// A BIT STRING without its unused-bits octet, or with unused bits.
    BadBitString,
    /// A string with bytes outside its type's character set.
    BadString,
    /// A malformed OBJECT IDENTIFIER.
    BadOid(OidError),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            Missing => f.write_str("missing"),
            Truncated { needed, available } => {
                write!(f, "truncated: needs {needed} bytes, {available} left")
            }
            IndefiniteLength => f.write_str("indefinite length (BER) is not supported"),
            LengthTooLong { octets } => write!(f, "a {octets}-byte length is too long"),
            NonMinimalLength => f.write_str("length not in its shortest DER form"),
            HighTagNumber { tag } => write!(f, "multi-byte tag 0x{tag:02X} is not used here"),
            UnexpectedTag { expected, found } => {
                write!(f, "expected tag 0x{expected:02X}, found 0x{found:02X}")
            }
            TrailingBytes { count } => write!(f, "{count} trailing bytes"),
            BadInteger => f.write_str("bad or out-of-range INTEGER"),
            BadBoolean => f.write_str("bad BOOLEAN"),
            BadBitString => f.write_str("BIT STRING not of whole bytes"),
            BadString => f.write_str("characters outside the string type"),
            BadOid(e) => write!(f, "malformed OBJECT IDENTIFIER: {e}"),
        }
    }
}

/// A tag and length as read from the start of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag byte.
    pub tag: u8,
    /// Bytes of tag and length octets.
    pub header_len: usize,
    /// Bytes of content the length announces (not checked against the input).
    pub content_len: usize,
}

impl Header {
    /// Reads the tag and length at the start of `bytes`. The content need not follow; the
    /// error kinds are those of [`Reader::read_any`] except that content beyond the input
    /// is not one.
    pub fn read(bytes: &[u8], length: Length) -> Result<Header, ErrorKind> {
        let (&tag, after_tag) = bytes.split_first().ok_or(ErrorKind::Missing)?;
        if tag & 0x1F == 0x1F {
            return Err(ErrorKind::HighTagNumber { tag });
        }
        let truncated = |needed| ErrorKind::Truncated {
            needed,
            available: bytes.len(),
        };
        let (&first, after_first) = after_tag.split_first().ok_or(truncated(2))?;
        if first < 0x80 {
            return Ok(Header {
                tag,
                header_len: 2,
                content_len: usize::from(first),
            });
        }
        let n = usize::from(first & 0x7F);
        if n == 0 {
            return Err(ErrorKind::IndefiniteLength);
        }
        if n > MAX_LENGTH_OCTETS {
            return Err(ErrorKind::LengthTooLong { octets: n });
        }
        let octets = after_first.get(..n).ok_or(truncated(2 + n))?;
        let content_len = octets
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if length == Length::Strict && (octets[0] == 0 || content_len < 0x80) {
            return Err(ErrorKind::NonMinimalLength);
        }
        Ok(Header {
            tag,
            header_len: 2 + n,
            content_len,
        })
    }

    /// Header and content together; `None` if that overflows.
    pub fn total_len(&self) -> Option<usize> {
        self.header_len.checked_add(self.content_len)
    }
}

/// One element read: its tag, where it is, its content and its whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag byte.
    pub tag: u8,
    /// Offset of the tag byte in the whole input.
    pub offset: usize,
    /// Offset of the first content byte in the whole input.
    pub content_offset: usize,
    /// The content bytes (after tag and length).
    pub content: &'a [u8],
    /// The whole element as received: tag, length and content. What a signer signed when
    /// the element is a signed structure, whatever its length encoding.
    pub raw: &'a [u8],
    length: Length,
}

impl<'a> Tlv<'a> {
    /// A reader over this element's content (a SEQUENCE, SET or EXPLICIT tag), in the same
    /// [`Length`] mode as the reader that read the element.
    pub fn reader(&self) -> Reader<'a> {
        Reader {
            data: self.content,
            base: self.content_offset,
            pos: 0,
            length: self.length,
        }
    }

    /// An error about `element`, located at this element's tag.
    pub fn error(&self, element: &'static str, kind: ErrorKind) -> Error {
        Error::new(self.offset, element, kind)
    }

    /// True when the element is constructed (its content is more TLVs).
    pub fn is_constructed(&self) -> bool {
        tag::is_constructed(self.tag)
    }

    /// A non-negative INTEGER in DER (minimal, not negative) of at most `max`.
    pub fn uint(&self, element: &'static str, max: u64) -> Result<u64, Error> {
        let bad = || self.error(element, ErrorKind::BadInteger);
        let c = self.content;
        let significant = match c {
            [] => return Err(bad()),
            [first, ..] if *first & 0x80 != 0 => return Err(bad()),
            [0, second, ..] if *second & 0x80 == 0 => return Err(bad()),
            [0, rest @ ..] if !rest.is_empty() => rest,
            _ => c,
        };
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

    /// A BOOLEAN in DER: one octet, 0x00 or 0xFF.
    pub fn boolean(&self, element: &'static str) -> Result<bool, Error> {
        match self.content {
            [0x00] => Ok(false),
            [0xFF] => Ok(true),
            _ => Err(self.error(element, ErrorKind::BadBoolean)),
        }
    }

    /// A BIT STRING of whole bytes (unused-bits octet 0): the bytes.
    pub fn bit_string(&self, element: &'static str) -> Result<&'a [u8], Error> {
        match self.content {
            [0, rest @ ..] => Ok(rest),
            _ => Err(self.error(element, ErrorKind::BadBitString)),
        }
    }

    /// The content as an IA5String (ASCII).
    pub fn ia5_string(&self, element: &'static str) -> Result<&'a str, Error> {
        if !is_ia5(self.content) {
            return Err(self.error(element, ErrorKind::BadString));
        }
        self.utf8_string(element)
    }

    /// The content as a PrintableString.
    pub fn printable_string(&self, element: &'static str) -> Result<&'a str, Error> {
        if !is_printable(self.content) {
            return Err(self.error(element, ErrorKind::BadString));
        }
        self.utf8_string(element)
    }

    /// The content as a UTF8String.
    pub fn utf8_string(&self, element: &'static str) -> Result<&'a str, Error> {
        std::str::from_utf8(self.content).map_err(|_| self.error(element, ErrorKind::BadString))
    }

    /// The content as an OBJECT IDENTIFIER (the tag is not checked here; [`Reader::read`]
    /// with [`tag::OID`] does that).
    pub fn oid(&self, element: &'static str) -> Result<Oid, Error> {
        Oid::from_der_content(self.content).map_err(|e| self.error(element, ErrorKind::BadOid(e)))
    }
}

/// True when every byte is in IA5 (ASCII).
pub fn is_ia5(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b < 0x80)
}

/// True when every byte is in PrintableString's set: letters, digits, space and
/// `'()+,-./:=?`.
pub fn is_printable(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

/// Reads consecutive TLVs from a slice, keeping offsets relative to the whole input.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    /// Offset of `data[0]` in the whole input.
    base: usize,
    pos: usize,
    length: Length,
}

impl<'a> Reader<'a> {
    /// A reader over a whole input (offsets count from its first byte).
    pub fn new(data: &'a [u8], length: Length) -> Self {
        Reader {
            data,
            base: 0,
            pos: 0,
            length,
        }
    }

    /// The length rules this reader applies.
    pub fn length(&self) -> Length {
        self.length
    }

    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Offset of the next unread byte in the whole input.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// The tag byte of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads the next element, whatever its tag.
    pub fn read_any(&mut self, element: &'static str) -> Result<Tlv<'a>, Error> {
        let offset = self.offset();
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let err = |kind| Error::new(offset, element, kind);
        let header = Header::read(rest, self.length).map_err(err)?;
        // An overflowing total (only possible where usize is 32 bits) is as truncated as any.
        let total = header.total_len().unwrap_or(usize::MAX);
        if total > rest.len() {
            return Err(err(ErrorKind::Truncated {
                needed: total,
                available: rest.len(),
            }));
        }
        self.pos += total;
        Ok(Tlv {
            tag: header.tag,
            offset,
            content_offset: offset + header.header_len,
            content: &rest[header.header_len..total],
            raw: &rest[..total],
            length: self.length,
        })
    }

    /// Reads the next element, which must have tag `tag`.
    pub fn read(&mut self, tag: u8, element: &'static str) -> Result<Tlv<'a>, Error> {
        match self.peek_tag() {
            Some(found) if found != tag => Err(Error::new(
                self.offset(),
                element,
                ErrorKind::UnexpectedTag {
                    expected: tag,
                    found,
                },
            )),
            _ => self.read_any(element),
        }
    }

    /// Reads the next element if it has tag `tag`; `None` (nothing read) otherwise.
    pub fn optional(&mut self, tag: u8, element: &'static str) -> Result<Option<Tlv<'a>>, Error> {
        if self.peek_tag() == Some(tag) {
            self.read_any(element).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Errors if anything is left: the end of a SEQUENCE or of the input.
    pub fn finish(&self, element: &'static str) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::new(
                self.offset(),
                element,
                ErrorKind::TrailingBytes {
                    count: self.data.len() - self.pos,
                },
            ))
        }
    }

    /// Counts the elements left, without consuming them (to tell layouts apart).
    pub fn count(&self, element: &'static str) -> Result<usize, Error> {
        let mut probe = self.clone();
        let mut n = 0;
        while !probe.is_empty() {
            probe.read_any(element)?;
            n += 1;
        }
        Ok(n)
    }
}
