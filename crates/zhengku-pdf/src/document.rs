//! A licence document end to end: render the page, stamp it with the department's seal
//! (GB/T 38540 `SES_Signature`) and sign it (PAdES B-B), in one call. The server, the
//! benchmarks and the tests all make their PDFs here, so there is one way to make one.

use time::OffsetDateTime;
use zhengku_crypto::Signer;
use zhengku_model::{LicenceType, SignedLicence};
use zhengku_seal::artwork::PictureFormat;
use zhengku_seal::make::{StampInput, stamp};
use zhengku_seal::{Seal, SealTime};

use crate::font::CjkFont;
use crate::layout::Layout;
use crate::pades::{self, PadesError, SignRequest};
use crate::render::{self, RenderError, RenderInput, SealPicture, SignatureFields};

/// Everything a sealed licence PDF is made from.
pub struct LicenceDocument<'a> {
    /// The signed licence.
    pub licence: &'a SignedLicence,
    /// Its type.
    pub licence_type: &'a LicenceType,
    /// The type's page layout.
    pub layout: &'a Layout,
    /// The CJK font.
    pub font: &'a CjkFont,
    /// The QR code's text (the URL form of the licence's payload).
    pub qr_text: &'a str,
    /// The issuing department's seal (v4): its picture is the impression, and it is inside
    /// the `SES_Signature`.
    pub seal: &'a Seal,
    /// The seal holder's key, in the key store: signs the CMS and the `SES_Signature`.
    pub signer: &'a dyn Signer,
    /// The holder's certificate chain, DER, holder's certificate first (it must be one of
    /// the seal's holder certificates). Every certificate goes into the CMS.
    pub chain: &'a [Vec<u8>],
    /// The signing time: `/M` and the seal's 签章时间. Fixed per licence, the page is too.
    pub signing_time: OffsetDateTime,
    /// The issuing department's licence-signing certificate (DER), which signed the record:
    /// carried among the CMS certificates so that a verifier holding only trust anchors (in
    /// another region, say) can still check the embedded record's signature and chain. It
    /// signs nothing in the CMS.
    pub issuer_certificate: Option<&'a [u8]>,
}

impl<'a> LicenceDocument<'a> {
    /// What the licence's face is laid out from (every format lays out the same face).
    pub fn face_input(&self) -> crate::face::FaceInput<'a> {
        crate::face::FaceInput {
            licence: self.licence,
            licence_type: self.licence_type,
            layout: self.layout,
            font: self.font,
            qr_text: self.qr_text,
            issuer_name: &self.licence.record().issuer_name,
        }
    }
}

impl std::fmt::Debug for LicenceDocument<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LicenceDocument")
            .field("identifier", &self.licence.record().identifier.as_str())
            .field("signing_time", &self.signing_time)
            .finish_non_exhaustive()
    }
}

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The chain is empty.
    #[error("no signing certificate: the chain is empty")]
    NoCertificate,
    /// The signing time cannot be a seal time (before 1950 or after 2049 and so on).
    #[error("signing time {0} cannot be written as a seal time")]
    SigningTime(OffsetDateTime),
    /// The seal cannot be encoded (to size the signature room).
    #[error("seal: {0}")]
    Seal(String),
    /// Rendering failed.
    #[error("rendering: {0}")]
    Render(#[from] RenderError),
    /// Signing failed.
    #[error("signing: {0}")]
    Sign(#[from] PadesError),
}

/// The signing time of a licence's documents: its issue time, or the seal's validity start
/// when the seal was made after the licence (both Unix seconds). Fixed per licence and seal,
/// so the page and the QR code never change between requests, and within the seal's
/// validity as a stamp must be.
pub fn signing_time(issued_at: i64, seal_valid_start: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(issued_at.max(seal_valid_start)).ok()
}

/// The `SES_Signature`'s 原文属性 (property info) for a licence: its identifier.
fn property_info(licence: &SignedLicence) -> String {
    licence.record().identifier.as_str().to_owned()
}

fn seal_time(t: OffsetDateTime) -> Option<SealTime> {
    SealTime::from_unix_seconds(t.unix_timestamp()).ok()
}

/// Renders, seals and signs one licence PDF.
pub fn sealed_licence_pdf(doc: &LicenceDocument<'_>) -> Result<Vec<u8>, DocumentError> {
    let holder_cert = doc.chain.first().ok_or(DocumentError::NoCertificate)?;
    let time = seal_time(doc.signing_time).ok_or(DocumentError::SigningTime(doc.signing_time))?;
    let seal_der = doc
        .seal
        .to_der()
        .map_err(|e| DocumentError::Seal(e.to_string()))?;
    let ses_estimate = pades::ses_len_estimate(seal_der.len(), holder_cert.len());
    let picture = &doc.seal.seal_info.picture;
    let record = doc.licence.record();
    let prepared = render::render(&RenderInput {
        licence: doc.licence,
        licence_type: doc.licence_type,
        layout: doc.layout,
        font: doc.font,
        qr_text: doc.qr_text,
        seal: PictureFormat::parse(&picture.picture_type)
            .ok()
            .map(|format| SealPicture {
                format,
                bytes: &picture.data,
            }),
        issuer_name: &record.issuer_name,
        signature: SignatureFields {
            name: &doc.seal.seal_info.property.name,
            reason: "电子证照签章",
            location: &record.issuer_name,
            signing_time: doc.signing_time,
            contents_len: pades::contents_len_for(doc.chain, ses_estimate)
                + doc.issuer_certificate.map_or(0, <[u8]>::len),
        },
    })?;
    let property_info = property_info(doc.licence);
    let ses = |data_hash: &[u8; 32]| -> Result<Vec<u8>, String> {
        let input = StampInput {
            time,
            data_hash: *data_hash,
            property_info: property_info.clone(),
        };
        stamp(doc.seal, holder_cert, input, doc.signer)
            .map_err(|e| e.to_string())?
            .to_der()
            .map_err(|e| e.to_string())
    };
    let mut certificates = doc.chain.to_vec();
    if let Some(issuer) = doc.issuer_certificate
        && !certificates.iter().any(|c| c == issuer)
    {
        certificates.push(issuer.to_vec());
    }
    Ok(pades::sign(
        prepared,
        &SignRequest {
            signer: doc.signer,
            chain: &certificates,
            ses: Some(&ses),
        },
    )?)
}
