//! Entry points for outside bytes: [`decode_seal`] and [`decode_signature`] tell version 4
//! (GB/T 38540-2020) from version 1 (GM/T 0031-2014) by the outer SEQUENCE's element count,
//! enforce the size limits, and refuse trailing bytes.
//!
//! Decoding is lenient where producers in the field differ (see the crate documentation);
//! encoding is strict, so `to_der()` of a decoded value equals the input exactly when the
//! input was already in the strict form.
//!
//! # The bytes that were signed
//!
//! A signature covers the bytes the producer wrote, which for a lenient input are not the
//! strict re-encoding. [`decode_seal_with_signed_bytes`] and
//! [`decode_signature_with_signed_bytes`] decode exactly as [`decode_seal`] and
//! [`decode_signature`] do and also return, as slices of the input, the signed structures
//! as received: [`SealSignedBytes`] (the maker's: SES_SealInfo, and the
//! SEQUENCE { sealInfo, cert, signatureAlgorithm } form built from the received elements)
//! and [`SignatureSignedBytes`] (the signer's TBS_Sign, and the stamped seal's maker bytes).
//! Verifiers should check signatures over these; the `to_der` forms are for values built in
//! memory.

use zhengku_der::{Length, Reader, Tlv, tag, writer as enc};

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
    /// The signer's certificate (DER), wherever the layout keeps it.
    pub fn signer_certificate(&self) -> &[u8] {
        match self {
            DecodedSignature::V4(s) => &s.cert,
            DecodedSignature::V1(s) => &s.to_sign.cert,
        }
    }

    /// Strict DER in the signature's own layout.
    pub fn to_der(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            DecodedSignature::V4(s) => s.to_der(),
            DecodedSignature::V1(s) => s.to_der(),
        }
    }
}

/// What a seal maker (制章者) signed, exactly as received: slices of the decoded input.
///
/// GB/T 38540 (v4) has the maker sign DER(SES_SealInfo), [`SealSignedBytes::seal_info`];
/// GM/T 0031 (v1), and some v4 producers, sign SEQUENCE { sealInfo, cert,
/// signatureAlgorithm }, [`SealSignedBytes::triple`]. For input in the strict form these
/// equal [`SealInfo::to_der`](crate::SealInfo::to_der) and
/// [`Seal::maker_tbs_alternative`] / [`SealV1::maker_tbs`]; for a lenient input (an
/// explicit `critical` FALSE, an untagged `extDatas`) they are what the maker really signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealSignedBytes<'a> {
    seal_info: &'a [u8],
    cert: &'a [u8],
    sign_alg: &'a [u8],
}

impl<'a> SealSignedBytes<'a> {
    pub(crate) fn new(seal_info: &'a [u8], cert: &'a [u8], sign_alg: &'a [u8]) -> Self {
        SealSignedBytes {
            seal_info,
            cert,
            sign_alg,
        }
    }

    /// The SES_SealInfo element (tag, length, content) as received: what a v4 maker signs.
    pub fn seal_info(&self) -> &'a [u8] {
        self.seal_info
    }

    /// The maker's certificate element (the OCTET STRING TLV) as received.
    pub fn cert(&self) -> &'a [u8] {
        self.cert
    }

    /// The maker's signature algorithm element (the OBJECT IDENTIFIER TLV) as received.
    pub fn sign_alg(&self) -> &'a [u8] {
        self.sign_alg
    }

    /// SEQUENCE { sealInfo, cert, signatureAlgorithm } around the three elements as
    /// received: what a v1 maker signs, and the form some v4 producers sign. Only the outer
    /// SEQUENCE header is made here (DER length).
    pub fn triple(&self) -> Vec<u8> {
        enc::sequence(&[self.seal_info, self.cert, self.sign_alg])
    }
}

/// What the parties to an electronic signature signed, exactly as received: the signer's
/// TBS_Sign and the stamped seal's maker bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureSignedBytes<'a> {
    tbs_sign: &'a [u8],
    seal: SealSignedBytes<'a>,
}

impl<'a> SignatureSignedBytes<'a> {
    pub(crate) fn new(tbs_sign: &'a [u8], seal: SealSignedBytes<'a>) -> Self {
        SignatureSignedBytes { tbs_sign, seal }
    }

    /// The TBS_Sign element (tag, length, content) as received: what the signer (签章者)
    /// signed, v4 and v1.
    pub fn tbs_sign(&self) -> &'a [u8] {
        self.tbs_sign
    }

    /// What the maker of the seal inside TBS_Sign signed, as received.
    pub fn seal(&self) -> SealSignedBytes<'a> {
        self.seal
    }
}

/// Decodes an SESeal of version 4 or 1.
pub fn decode_seal(input: &[u8]) -> Result<DecodedSeal, DecodeError> {
    decode_seal_with_signed_bytes(input).map(|(seal, _)| seal)
}

/// Decodes an SESeal of version 4 or 1, and returns with it the bytes its maker signed as
/// received ([`SealSignedBytes`]).
pub fn decode_seal_with_signed_bytes(
    input: &[u8],
) -> Result<(DecodedSeal, SealSignedBytes<'_>), DecodeError> {
    let (outer, elements) = outer_sequence(input, MAX_SEAL_LEN, "SESeal")?;
    match elements {
        4 => Seal::decode_from(&outer).map(|(s, b)| (DecodedSeal::V4(s), b)),
        2 => SealV1::decode_from(&outer).map(|(s, b)| (DecodedSeal::V1(s), b)),
        _ => Err(DecodeError::at(
            &outer,
            "SESeal",
            DecodeErrorKind::UnknownLayout { elements },
        )),
    }
}

/// Decodes an SES_Signature of version 4 or 1.
pub fn decode_signature(input: &[u8]) -> Result<DecodedSignature, DecodeError> {
    decode_signature_with_signed_bytes(input).map(|(sig, _)| sig)
}

/// Decodes an SES_Signature of version 4 or 1, and returns with it the bytes its signer and
/// its seal's maker signed as received ([`SignatureSignedBytes`]).
pub fn decode_signature_with_signed_bytes(
    input: &[u8],
) -> Result<(DecodedSignature, SignatureSignedBytes<'_>), DecodeError> {
    let (outer, elements) = outer_sequence(input, MAX_SIGNATURE_LEN, "SES_Signature")?;
    match elements {
        4 | 5 => SesSignature::decode_from(&outer).map(|(s, b)| (DecodedSignature::V4(s), b)),
        2 => SesSignatureV1::decode_from(&outer).map(|(s, b)| (DecodedSignature::V1(s), b)),
        _ => Err(DecodeError::at(
            &outer,
            "SES_Signature",
            DecodeErrorKind::UnknownLayout { elements },
        )),
    }
}

/// The outer SEQUENCE (nothing after it) and how many elements it holds.
fn outer_sequence<'a>(
    input: &'a [u8],
    max: usize,
    element: &'static str,
) -> Result<(Tlv<'a>, usize), DecodeError> {
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
    let mut r = Reader::new(input, Length::Strict);
    let outer = r.read(tag::SEQUENCE, element)?;
    r.finish(element)?;
    let elements = outer.reader().count(element)?;
    Ok((outer, elements))
}
