//! Errors: one type for reading seals and signatures ([`DecodeError`]), one for writing them
//! ([`EncodeError`]).
//!
//! A decode error names the ASN.1 element the decoder was reading (`"SES_SealInfo.property"`,
//! …) and the byte offset in the input where that element, or the offending byte, starts, so
//! a producer's broken seal can be located with a hex dump.

use std::fmt;

/// Why a seal or signature could not be decoded, which element, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {element} at byte {offset}: {kind}")]
pub struct DecodeError {
    pub(crate) offset: usize,
    pub(crate) element: &'static str,
    pub(crate) kind: DecodeErrorKind,
}

impl DecodeError {
    pub(crate) fn new(offset: usize, element: &'static str, kind: DecodeErrorKind) -> Self {
        DecodeError {
            offset,
            element,
            kind,
        }
    }

    /// An error about `element`, located at the tag of `tlv`.
    pub(crate) fn at(
        tlv: &zhengku_der::Tlv<'_>,
        element: &'static str,
        kind: DecodeErrorKind,
    ) -> Self {
        DecodeError::new(tlv.offset, element, kind)
    }

    /// Byte offset into the input of the offending element (its tag byte) or byte.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The ASN.1 element being read, as `Type.field` in the standard's names.
    pub fn element(&self) -> &'static str {
        self.element
    }

    /// What was wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }
}

/// The DER layer's errors in this crate's kinds: every length the DER layer refuses is a
/// [`DecodeErrorKind::BadLength`] here.
impl From<zhengku_der::Error> for DecodeError {
    fn from(e: zhengku_der::Error) -> Self {
        use zhengku_der::ErrorKind as D;
        let kind = match *e.kind() {
            D::Missing => DecodeErrorKind::Missing,
            D::Truncated { needed, available } => DecodeErrorKind::Truncated { needed, available },
            D::HighTagNumber { .. } => DecodeErrorKind::HighTagNumber,
            D::UnexpectedTag { expected, found } => {
                DecodeErrorKind::UnexpectedTag { expected, found }
            }
            D::TrailingBytes { count } => DecodeErrorKind::TrailingBytes { count },
            D::BadInteger => DecodeErrorKind::BadInteger,
            D::BadBoolean => DecodeErrorKind::BadBoolean,
            D::BadBitString => DecodeErrorKind::BadBitString,
            D::BadString => DecodeErrorKind::BadString,
            D::BadOid(_) => DecodeErrorKind::BadOid,
            // IndefiniteLength, LengthTooLong, NonMinimalLength and any later length rule.
            _ => DecodeErrorKind::BadLength,
        };
        DecodeError::new(e.offset(), e.element(), kind)
    }
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input is longer than the limit for its kind ([`crate::MAX_SEAL_LEN`],
    /// [`crate::MAX_SIGNATURE_LEN`]).
    InputTooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input ends inside an element, or an element claims more bytes than remain.
    Truncated {
        /// Bytes the element needs (at least).
        needed: usize,
        /// Bytes left in the enclosing element.
        available: usize,
    },
    /// Indefinite length (BER), or a length not in its shortest DER form.
    BadLength,
    /// A tag number of 31 or more (multi-byte tag); nothing in these structures uses one.
    HighTagNumber,
    /// A different element was found where this one was expected.
    UnexpectedTag {
        /// The tag byte expected (the first, if several would do).
        expected: u8,
        /// The tag byte found.
        found: u8,
    },
    /// A required element is missing at the end of its SEQUENCE.
    Missing,
    /// Bytes left over after the last element of a SEQUENCE, or after the outer SEQUENCE.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The outer SEQUENCE has a number of elements no version of the standard uses.
    UnknownLayout {
        /// Elements found.
        elements: usize,
    },
    /// A SEQUENCE OF has more items than [`crate::MAX_LIST_ITEMS`].
    TooManyItems {
        /// The limit.
        max: usize,
    },
    /// An INTEGER that is empty, not minimally encoded, negative, or too large for its field.
    BadInteger,
    /// A BOOLEAN whose content is not one byte 0x00 or 0xFF.
    BadBoolean,
    /// A BIT STRING without its unused-bits byte, or with unused bits (these hold whole
    /// bytes).
    BadBitString,
    /// A malformed OBJECT IDENTIFIER.
    BadOid,
    /// A string with bytes outside its type's character set (IA5, Printable, UTF-8).
    BadString,
    /// A time that is not `YYYYMMDDHHMMSSZ` (GeneralizedTime), `YYMMDDHHMMSSZ` (UTCTime) or
    /// `yyyy-MM-dd HH:mm:ss` (v1 timeInfo text), or not a real date and time.
    BadTime,
    /// The seal header's id (标识) is not `"ES"`.
    WrongHeaderId {
        /// The id found.
        found: String,
    },
    /// The seal header's version is not 1 to 4.
    UnsupportedHeaderVersion {
        /// The version found.
        found: u64,
    },
    /// certListType is neither 1 (certificates) nor 2 (certificate digests).
    UnknownCertListType {
        /// The value found.
        found: u64,
    },
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DecodeErrorKind::*;
        match self {
            InputTooLarge { len, max } => write!(f, "input of {len} bytes exceeds {max}"),
            Truncated { needed, available } => {
                write!(f, "truncated: needs {needed} bytes, {available} left")
            }
            BadLength => f.write_str("length not in shortest definite DER form"),
            HighTagNumber => f.write_str("multi-byte tag number"),
            UnexpectedTag { expected, found } => {
                write!(f, "expected tag 0x{expected:02X}, found 0x{found:02X}")
            }
            Missing => f.write_str("missing"),
            TrailingBytes { count } => write!(f, "{count} trailing bytes"),
            UnknownLayout { elements } => {
                write!(f, "{elements} elements fit neither v4 nor v1")
            }
            TooManyItems { max } => write!(f, "more than {max} items"),
            BadInteger => f.write_str("bad or out-of-range INTEGER"),
            BadBoolean => f.write_str("bad BOOLEAN"),
            BadBitString => f.write_str("BIT STRING not of whole bytes"),
            BadOid => f.write_str("bad OBJECT IDENTIFIER"),
            BadString => f.write_str("characters outside the string type"),
            BadTime => f.write_str("bad time"),
            WrongHeaderId { found } => write!(f, "header id {found:?} is not \"ES\""),
            UnsupportedHeaderVersion { found } => {
                write!(f, "header version {found} is not 1 to 4")
            }
            UnknownCertListType { found } => {
                write!(f, "certListType {found} is neither 1 nor 2")
            }
        }
    }
}

/// Why a value could not be written as DER: a field holds something its ASN.1 type cannot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string field has characters its type (IA5String, PrintableString) cannot hold.
    #[error("{element}: characters outside {string_type}")]
    BadString {
        /// The field.
        element: &'static str,
        /// The ASN.1 string type.
        string_type: &'static str,
    },
    /// The header id is not "ES" or the version is not 1 to 4.
    #[error("header: {0}")]
    Header(&'static str),
    /// A time outside what the field's type can hold (UTCTime: 1950 to 2049).
    #[error("{element}: year {year} cannot be written as {time_type}")]
    TimeOutOfRange {
        /// The field.
        element: &'static str,
        /// The year.
        year: u16,
        /// The ASN.1 time type.
        time_type: &'static str,
    },
    /// v1 (GM/T 0031-2014) has no certificate-digest list.
    #[error("v1 seals can only list certificates, not certificate digests")]
    DigestsInV1,
    /// A list has more items than a decoder accepts ([`crate::MAX_LIST_ITEMS`]).
    #[error("{0}: more than {max} items", max = crate::MAX_LIST_ITEMS)]
    TooManyItems(&'static str),
}
