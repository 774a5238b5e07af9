//! Licence documents: the signed PDF and the sealed OFD (电子证照版式文件, the OFD for SM2
//! departments only) and the QR code, made on request from the stored licence. Both files
//! are laid out from one display list (`zhengku_pdf::face`), so their faces match.
//!
//! What a document is made of, and the choices behind it:
//!
//! - **Layouts and font** are loaded once at start-up ([`Documents::load`]): each licence
//!   type's `templates/<type>/layout.toml` beside its `type.toml`, and the CJK font from the
//!   `font` setting or the system's fonts. No font is a start-up error, in development as in
//!   production, naming the files tried; a type without a layout only loses its PDF.
//! - **The QR text** is the URL form (`<public_base_url>/V/<payload>`) of a `ZK1:` payload
//!   signed with the issuing department's licence key. The payload is made at the first
//!   document of a licence and kept in the library (`licence_qr_payloads`): ECDSA and SM2
//!   signatures are randomised, and the QR code on every PDF, the `qr.png` / `qr.svg`
//!   images and what a verifier reads back must be the same text. The base URL is not kept,
//!   so moving the site changes the URL but not the payload.
//! - **The seal** is the issuing department's active seal at the time of the request (the
//!   most recently made one if there are several); its picture is the impression, its
//!   holder key signs the PDF through the key store, and the chain is the holder's
//!   certificate (from the seal) and the intermediates of the trust folder that issued it.
//!   Without an active seal there is no PDF (503): a licence document is sealed or not made.
//! - **The signing time** (`/M` and the SES_Signature's 签章时间) is the licence's issue
//!   time, or the seal's validity start when the seal was made after the licence: fixed per
//!   licence and seal, so the page content and the QR code of a licence's PDF never change
//!   between requests. The signature bytes still differ (randomised signatures); nothing is
//!   cached.
//! - **The SES_Signature** over the same bytes (dataHash = SM3 of the ByteRange content) is
//!   made with [`zhengku_seal::make::stamp`] and embedded by [`zhengku_pdf::pades::sign`];
//!   its 原文属性 is the licence identifier.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use time::OffsetDateTime;
use zhengku_crypto::Algorithm;
use zhengku_crypto::{PublicKey, Signer};
use zhengku_model::{Catalogue, LicenceType, SignedLicence};
use zhengku_pdf::document::LicenceDocument;
use zhengku_pdf::font::CjkFont;
use zhengku_pdf::layout::Layout;
use zhengku_seal::Seal;
use zhengku_store::StoredLicence;

use crate::problem::{ApiError, InternalError};
use crate::stamping;
use crate::state::AppState;

/// Why the document machinery could not start.
#[derive(Debug, thiserror::Error)]
pub enum DocumentsError {
    /// No usable CJK font.
    #[error("licence PDFs need a CJK font: {0} (install fonts-noto-cjk or set `font`)")]
    Font(String),
    /// A layout file is unreadable or invalid.
    #[error("{path}: {detail}")]
    Layout {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The public base URL cannot carry a QR payload.
    #[error("public_base_url: {0}")]
    BaseUrl(String),
}

/// What documents are made with: the font, each type's layout, the verification site's
/// base URL. Loaded once at start-up, shared by every request.
pub struct Documents {
    font: CjkFont,
    layouts: HashMap<String, Layout>,
    base_url: String,
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut types: Vec<_> = self.layouts.keys().collect();
        types.sort();
        f.debug_struct("Documents")
            .field("layouts", &types)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Documents {
    /// Loads the font (`font`, else the system's) and the layout of every licence type of
    /// `catalogue` found in `templates_dir/*/layout.toml`.
    pub fn load(
        templates_dir: &Path,
        catalogue: &Catalogue,
        font: Option<&Path>,
        base_url: &str,
    ) -> Result<Documents, DocumentsError> {
        zhengku_qr::payload_url(base_url, zhengku_qr::PREFIX)
            .map_err(|e| DocumentsError::BaseUrl(e.to_string()))?;
        let font =
            zhengku_pdf::font::load(font).map_err(|e| DocumentsError::Font(e.to_string()))?;
        let layouts = load_layouts(templates_dir, catalogue)?;
        for t in catalogue.iter() {
            if !layouts.contains_key(t.code().as_str()) {
                tracing::warn!(
                    type_code = t.code().as_str(),
                    "licence type {} has no layout.toml: its licences get no PDF",
                    t.name()
                );
            }
        }
        Ok(Documents {
            font,
            layouts,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The verification site's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The QR text (URL form) for a payload.
    pub fn qr_url(&self, payload: &str) -> Result<String, ApiError> {
        zhengku_qr::payload_url(&self.base_url, payload)
            .map_err(|e| InternalError::caused("QR URL", e).into())
    }

    /// The CJK font.
    pub fn font(&self) -> &CjkFont {
        &self.font
    }

    /// Whether licences of this type have a layout.
    pub fn has_layout(&self, type_code: &str) -> bool {
        self.layouts.contains_key(type_code)
    }
}

fn load_layouts(
    templates_dir: &Path,
    catalogue: &Catalogue,
) -> Result<HashMap<String, Layout>, DocumentsError> {
    zhengku_pdf::layout::load_dir(templates_dir, catalogue).map_err(|e| DocumentsError::Layout {
        path: e.path,
        detail: e.detail,
    })
}

/// The licence's QR payload (`ZK1:`): the stored one, or made now with the issuing
/// department's key and stored (the first stored wins if two requests race).
pub async fn qr_payload(state: &AppState, licence: &StoredLicence) -> Result<String, ApiError> {
    let record = licence.licence.record();
    let id = record.identifier.as_str();
    if let Some(p) = state.store().qr_payload(id).await? {
        return Ok(p);
    }
    let department = state.department(record.issuer_code.as_str()).await?;
    let signer = state.signer(&department.key_label).await?;
    let signed = licence.licence.clone();
    let payload =
        tokio::task::spawn_blocking(move || zhengku_qr::make_payload(&signed, signer.as_ref()))
            .await
            .map_err(|e| InternalError::caused("QR task", e))?
            .map_err(|e| ApiError::Unavailable(format!("QR payload signing failed: {e}")))?;
    Ok(state.store().keep_qr_payload(id, &payload).await?)
}

/// The licence's QR text: the URL form of its payload under the public base URL.
pub async fn qr_text(state: &AppState, licence: &StoredLicence) -> Result<String, ApiError> {
    let payload = qr_payload(state, licence).await?;
    state.documents().qr_url(&payload)
}

/// Which file a licence document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The signed PDF (PAdES, with the seal signature inside).
    Pdf,
    /// The sealed OFD (GB/T 36905; SM2 departments only).
    Ofd,
}

impl Format {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::Ofd => "OFD",
        }
    }
}

/// The licence's sealed OFD. A licence of a P-256 department has none (409): the OFD seal
/// signature is SM2 only.
pub async fn licence_ofd(state: &AppState, licence: &StoredLicence) -> Result<Vec<u8>, ApiError> {
    licence_document(state, licence, Format::Ofd).await
}

/// The licence's PDF or OFD, sealed now (module docs).
pub async fn licence_document(
    state: &AppState,
    licence: &StoredLicence,
    format: Format,
) -> Result<Vec<u8>, ApiError> {
    let (job, esid) = sign_job(state, licence, format.name()).await?;
    let record = licence.licence.record();
    if format == Format::Ofd && job.signer.algorithm() != Algorithm::Sm2Sm3 {
        return Err(ApiError::NotOffered(format!(
            "licence {} is sealed by department {} with a {} key: OFD licences are \
             sealed with SM2 only (GB/T 38540 has no P-256 profile); fetch the PDF instead",
            record.identifier,
            record.issuer_code,
            job.signer.algorithm()
        )));
    }
    let bytes = tokio::task::spawn_blocking(move || job.run(format))
        .await
        .map_err(|e| InternalError::caused("document task", e))??;
    // The library's record of the seal signature it just made, with its own clock: the
    // signature's 签章时间 is the licence's issue time (a claim), this is when it happened.
    let digest = ses_digest(format, &bytes)?;
    state
        .store()
        .keep_stamp(
            &esid,
            &digest,
            OffsetDateTime::now_utc().unix_timestamp(),
            &format!("licence {} {}", format.name(), record.identifier),
        )
        .await?;
    Ok(bytes)
}

/// Gathers what the licence's face and its issuer's seal need (module docs), for a document
/// named `what` (in the errors): the layout, the type, the issuing department's active seal
/// and its key, the QR text, the chain, the signing time and the issuer's licence-signing
/// certificate. Returns the job and the seal's esID.
pub(crate) async fn sign_job(
    state: &AppState,
    licence: &StoredLicence,
    what: &str,
) -> Result<(SignJob, String), ApiError> {
    let record = licence.licence.record();
    let type_code = record.type_code.as_str().to_owned();
    if !state.documents().has_layout(&type_code) {
        return Err(ApiError::Unavailable(format!(
            "licence type {type_code} has no layout (templates/<type>/layout.toml): no {what}"
        )));
    }
    let licence_type = state
        .catalogue()
        .get(&record.type_code)
        .cloned()
        .ok_or_else(|| InternalError::new("licence type not loaded").about(&type_code))?;
    let issuer = record.issuer_code.as_str().to_owned();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let stored_seal = state
        .store()
        .active_seal_for_department(&issuer, now)
        .await?
        .ok_or_else(|| {
            ApiError::Unavailable(format!(
                "department {issuer} has no active seal: make one (POST /v1/seals) before \
                 licence documents can be sealed"
            ))
        })?;
    let seal = stamping::decode_v4(&stored_seal)?;
    let signer = state.signer(&stored_seal.seal.key_label).await?;
    let qr_text = qr_text(state, licence).await?;
    let holder_cert = stamping::holder_certificate(&seal, signer.as_ref())?;
    let chain = chain_for(state, holder_cert);
    let issued_at = i64::try_from(record.issued_at.unix_seconds()).unwrap_or(i64::MAX);
    let signing_time = zhengku_pdf::document::signing_time(issued_at, stored_seal.seal.valid_start)
        .ok_or_else(|| InternalError::new("signing time out of range"))?;
    // The department's licence-signing certificate rides along in the CMS (anchors alone
    // then verify the PDF offline), when it certifies the key that signed this record.
    let issuer_certificate = state
        .department(&issuer)
        .await?
        .certificate_der
        .filter(|der| certificate_key(der).is_ok_and(|k| k.key_id() == licence.licence.key_id()));
    let job = SignJob {
        documents: state.documents_arc(),
        licence: licence.licence.clone(),
        licence_type,
        seal,
        signer,
        chain,
        issuer_certificate,
        qr_text,
        signing_time,
    };
    Ok((job, stored_seal.seal.esid))
}

/// SHA-256 of the seal signature this library just made in a PDF or OFD (an OFD's last
/// signature): the library's own record of it.
pub(crate) fn ses_digest(format: Format, bytes: &[u8]) -> Result<[u8; 32], ApiError> {
    match format {
        Format::Pdf => pdf_ses_digest(bytes),
        Format::Ofd => ofd_ses_digest(bytes),
    }
}

/// SHA-256 of the seal signature inside a PDF this library just signed.
fn pdf_ses_digest(pdf: &[u8]) -> Result<[u8; 32], ApiError> {
    let parsed = zhengku_pdf::parse::parse_signed(pdf)
        .map_err(|e| InternalError::caused("reading back the signed PDF", e))?;
    let sd = zhengku_pdf::cms::decode(&parsed.cms)
        .map_err(|e| InternalError::caused("reading back the PDF's CMS", e))?;
    match sd.signer.ses_signature() {
        Ok(Some(ses)) => Ok(zhengku_crypto::sha256(&ses)),
        Ok(None) => Err(InternalError::new("the signed PDF has no seal signature").into()),
        // zhengku-pdf reports this one as text.
        Err(e) => Err(InternalError::new("the PDF's seal signature")
            .about(e)
            .into()),
    }
}

/// SHA-256 of the seal signature of the OFD this library just sealed (its last signature).
fn ofd_ses_digest(ofd: &[u8]) -> Result<[u8; 32], ApiError> {
    let read = zhengku_ofd::Ofd::read(ofd, &zhengku_ofd::Limits::default())
        .map_err(|e| InternalError::caused("reading back the sealed OFD", e))?;
    let ses = read
        .signatures
        .last()
        .and_then(|s| s.as_ref().ok())
        .and_then(|s| read.package().file(&s.signed_value))
        .ok_or_else(|| InternalError::new("the sealed OFD has no seal signature"))?;
    Ok(zhengku_crypto::sha256(ses))
}

/// Everything rendering and signing needs, owned, for the blocking pool.
pub(crate) struct SignJob {
    documents: Arc<Documents>,
    licence: SignedLicence,
    licence_type: LicenceType,
    seal: Seal,
    signer: Arc<dyn Signer>,
    chain: Vec<Vec<u8>>,
    issuer_certificate: Option<Vec<u8>>,
    qr_text: String,
    signing_time: OffsetDateTime,
}

impl SignJob {
    /// The job as the document writers take it.
    pub(crate) fn document(&self) -> Result<LicenceDocument<'_>, ApiError> {
        let layout = self
            .documents
            .layouts
            .get(self.licence.record().type_code.as_str())
            .ok_or_else(|| InternalError::new("layout vanished"))?;
        Ok(LicenceDocument {
            licence: &self.licence,
            licence_type: &self.licence_type,
            layout,
            font: &self.documents.font,
            qr_text: &self.qr_text,
            seal: &self.seal,
            signer: self.signer.as_ref(),
            chain: &self.chain,
            signing_time: self.signing_time,
            issuer_certificate: self.issuer_certificate.as_deref(),
        })
    }

    fn run(self, format: Format) -> Result<Vec<u8>, ApiError> {
        let doc = self.document()?;
        match format {
            Format::Pdf => zhengku_pdf::document::sealed_licence_pdf(&doc)
                .map_err(|e| ApiError::Unavailable(format!("PDF signing failed: {e}"))),
            Format::Ofd => zhengku_ofd::document::sealed_licence_ofd(&doc)
                .map_err(|e| ApiError::Unavailable(format!("OFD sealing failed: {e}"))),
        }
    }
}

fn certificate_key(der: &[u8]) -> Result<PublicKey, zhengku_pki::CertError> {
    zhengku_pki::certified_key(der)
}

/// The holder's certificate followed by the trust folder's intermediates up its issuer
/// line (anchors are not sent: the verifier has them).
pub(crate) fn chain_for(state: &AppState, leaf: Vec<u8>) -> Vec<Vec<u8>> {
    let mut chain = vec![leaf];
    let trust = state.trust();
    // A short walk: each step must find the current certificate's issuer among the
    // intermediates, and the bound stops a loop of cross-certificates.
    for _ in 0..4 {
        let Some(last) = chain.last() else { break };
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(last) else {
            break;
        };
        let issuer = cert.issuer().as_raw().to_vec();
        if cert.subject().as_raw() == issuer.as_slice() {
            break;
        }
        let next = trust.engine.intermediates.iter().find(|i| {
            x509_parser::parse_x509_certificate(i)
                .is_ok_and(|(_, c)| c.subject().as_raw() == issuer.as_slice())
        });
        match next {
            Some(i) if !chain.contains(i) => chain.push(i.clone()),
            _ => break,
        }
    }
    chain
}
