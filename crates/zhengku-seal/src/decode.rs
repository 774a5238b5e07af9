//! Entry points for outside bytes: [`decode_seal`] and [`decode_signature`] tell version 4
//! (GB/T 38540-2020) from version 1 (GM/T 0031-2014) by the outer SEQUENCE's element count,
//! enforce the size limits, and refuse trailing bytes.
//!
//! Decoding is lenient where producers in the field differ (see the crate documentation);
//! encoding is strict, so `to_der()` of a decoded value equals the input exactly when the
//! input was already in the strict form.

use crate::der::{self, Reader};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::seal::Seal;
use crate::signature::SesSignature;
use crate::v1::{SealV1, SesSignatureV1};

/// Largest seal accepted by [`decode_seal`]: 4 MiB. A seal is a picture (tens of KiB) and a
/// few certificates; anything near this is not a seal.
pub const MAX_SEAL_LEN: usize = 4 << 20;

/// Largest signature accepted by [`decode_signature`]: 8 MiB, a seal plus certificates and a
/// time stamp.
pub const MAX_SIGNATURE_LEN: usize = 8 << 20;

/// Most items in any SEQUENCE OF (certificate lists, extension lists).
pub const MAX_LIST_ITEMS: usize = 1024;

/// A decoded seal, in the version its layout says.
#[derive(Debug, Clone, PartialEq, Eq)]
// Not non_exhaustive: a new version must break verifiers at compile time, not slip
// past them.
pub enum DecodedSeal {
    /// GB/T 38540-2020 layout (4 elements).
    V4(Seal),
    /// GM/T 0031-2014 layout (2 elements).
    V1(SealV1),
}

impl DecodedSeal {
    /// The version in the seal's header (SES_Header.version), 1 to 4. It need not match the
    /// layout: header version 2 seals in the v4 layout exist in the field.
    pub fn header_version(&self) -> u32 {
        match self {
            DecodedSeal::V4(s) => s.seal_info.header.version,
            DecodedSeal::V1(s) => s.seal_info.header.version,
        }
    }

    /// Strict DER in the seal's own layout.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            DecodedSeal::V4(s) => s.to_der(),
            DecodedSeal::V1(s) => s.to_der(),
        }
    }
}

/// A decoded electronic signature, in the version its layout says.
#[derive(Debug, Clone, PartialEq, Eq)]
// Not non_exhaustive: a new version must break verifiers at compile time, not slip
// past them.
pub enum DecodedSignature {
    /// GB/T 38540-2020 layout (4 or 5 elements).
    V4(SesSignature),
    /// GM/T 0031-2014 layout (2 elements).
    V1(SesSignatureV1),
}

impl DecodedSignature {
    /// Strict DER in the signature's own layout.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            DecodedSignature::V4(s) => s.to_der(),
            DecodedSignature::V1(s) => s.to_der(),
        }
    }
}

/// Decodes an SESeal of version 4 or 1.
pub fn decode_seal(input: &[u8]) -> Result<DecodedSeal, DecodeError> {
    let (outer, elements) = outer_sequence(input, MAX_SEAL_LEN, "SESeal")?;
    match elements {
        4 => Ok(DecodedSeal::V4(Seal::decode_from(&outer)?)),
        2 => Ok(DecodedSeal::V1(SealV1::decode_from(&outer)?)),
        _ => Err(outer.err("SESeal", DecodeErrorKind::UnknownLayout { elements })),
    }
}

/// Decodes an SES_Signature of version 4 or 1.
pub fn decode_signature(input: &[u8]) -> Result<DecodedSignature, DecodeError> {
    let (outer, elements) = outer_sequence(input, MAX_SIGNATURE_LEN, "SES_Signature")?;
    match elements {
        4 | 5 => Ok(DecodedSignature::V4(SesSignature::decode_from(&outer)?)),
        2 => Ok(DecodedSignature::V1(SesSignatureV1::decode_from(&outer)?)),
        _ => Err(outer.err("SES_Signature", DecodeErrorKind::UnknownLayout { elements })),
    }
}

/// The outer SEQUENCE (nothing after it) and how many elements it holds.
fn outer_sequence<'a>(
    input: &'a [u8],
    max: usize,
    element: &'static str,
) -> Result<(der::Tlv<'a>, usize), DecodeError> {
    if input.len() > max {
        return Err(DecodeError::new(
            0,
            element,
            DecodeErrorKind::InputTooLarge {
                len: input.len(),
                max,
            },
        ));
    }
    let mut r = Reader::new(input);
    let outer = r.read(der::SEQUENCE, element)?;
    r.finish(element)?;
    let elements = outer.reader().count(element)?;
    Ok((outer, elements))
}
