//! A licence OFD end to end (feature `render`): lay the face out, write it as an OFD, seal
//! it with the issuing department's seal, in one call, from the same inputs as the PDF
//! (`zhengku_pdf::document::LicenceDocument`). The server, the CLI, the benchmarks and the
//! tests make their OFDs here.
//!
//! OFD licences are for SM2 departments only: the OFD signature is a GB/T 38540
//! `SES_Signature`, SM2 with SM3, and there is no P-256 profile for it. A P-256 seal is
//! refused with [`OfdDocumentError::NotSm2`].

use time::OffsetDateTime;
use zhengku_crypto::Algorithm;
use zhengku_model::SignedLicence;
use zhengku_pdf::document::LicenceDocument;
use zhengku_pdf::face::{PT_PER_MM, lay_out};
use zhengku_pdf::render::RenderError;
use zhengku_seal::SealTime;
use zhengku_seal::make::{StampInput, stamp};

use crate::face::{ANNOTATIONS, Metadata, PAGE_ID, write};
use crate::sign::{SignError, Stamp, seal};

/// Why a licence OFD could not be made.
#[derive(Debug, thiserror::Error)]
pub enum OfdDocumentError {
    /// The seal's key is not SM2.
    #[error("OFD licences are sealed with SM2 only (GB/T 38540); this seal's key is {0:?}")]
    NotSm2(Algorithm),
    /// The chain is empty.
    #[error("no signing certificate: the chain is empty")]
    NoCertificate,
    /// The signing time cannot be a seal time.
    #[error("signing time {0} cannot be written as a seal time")]
    SigningTime(OffsetDateTime),
    /// The seal cannot be encoded.
    #[error("seal: {0}")]
    Seal(String),
    /// Laying out or writing the face failed.
    #[error("rendering: {0}")]
    Render(#[from] RenderError),
    /// Sealing failed.
    #[error("sealing: {0}")]
    Sign(String),
}

/// The GB/T 36903 metadata of a licence, by the Chinese names other implementations read
/// from `DocInfo/CustomDatas` (docs/ofd.md lists them).
pub fn metadata(licence: &SignedLicence, issuer_name: &str) -> Vec<(String, String)> {
    let r = licence.record();
    let iso = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    [
        ("证照名称", r.name.clone()),
        ("证照类型名称", r.type_name.clone()),
        ("证照类型代码", r.type_code.to_string()),
        ("证照编号", r.licence_number.clone()),
        ("证照标识", r.identifier.to_string()),
        ("证照颁发机构", issuer_name.to_owned()),
        ("证照颁发机构代码", r.issuer_code.as_str().to_owned()),
        ("证照颁发日期", iso(r.issue_date)),
        ("持证主体", r.holder_name.clone()),
        ("持证主体代码", r.holder_code.as_str().to_owned()),
        ("持证主体代码类型", r.holder_code_type().as_str().to_owned()),
        ("证照有效期起始日期", iso(r.valid_from)),
        (
            "证照有效期截止日期",
            r.valid_until.map_or_else(|| "长期".to_owned(), iso),
        ),
        ("证照所属管辖属地编码", r.jurisdiction.as_str().to_owned()),
        ("证照定义机构", r.defining_authority.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A time as OFD writers commonly give `SignatureDateTime` and as annotated copies print
/// theirs: China Standard Time, `YYYY-MM-DD HH:MM:SS`.
pub fn china_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::macros::offset!(+8));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Renders, seals and returns one licence OFD (the ZIP bytes).
pub fn sealed_licence_ofd(doc: &LicenceDocument<'_>) -> Result<Vec<u8>, OfdDocumentError> {
    let algorithm = doc.signer.algorithm();
    if algorithm != Algorithm::Sm2Sm3 {
        return Err(OfdDocumentError::NotSm2(algorithm));
    }
    let holder_cert = doc.chain.first().ok_or(OfdDocumentError::NoCertificate)?;
    let time = SealTime::from_unix_seconds(doc.signing_time.unix_timestamp())
        .map_err(|_| OfdDocumentError::SigningTime(doc.signing_time))?;
    let seal_der = doc
        .seal
        .to_der()
        .map_err(|e| OfdDocumentError::Seal(e.to_string()))?;
    let record = doc.licence.record();
    let face = lay_out(&doc.face_input())?;
    let meta = Metadata {
        doc_id: record.identifier.to_string(),
        title: format!("{}（{}）", doc.licence_type.name(), record.holder_name),
        author: record.issuer_name.clone(),
        creation_date: china_time(doc.signing_time)
            .split_once(' ')
            .map(|(d, _)| d.to_owned())
            .unwrap_or_default(),
        custom: metadata(doc.licence, &record.issuer_name),
        record: doc.licence.to_bytes(),
        issuer_certificate: doc.issuer_certificate.map(<[u8]>::to_vec),
    };
    let package = write(&face, doc.font, &meta)?;
    let (x, y) = face.mm((face.seal.x, face.seal.top));
    let side = face.seal.size / PT_PER_MM;
    let boundary = format!("{x:.3} {y:.3} {side:.3} {side:.3}");
    let when = china_time(doc.signing_time);
    let sealed = seal(
        &package,
        &Stamp {
            seal: &seal_der,
            page_ref: PAGE_ID,
            boundary: &boundary,
            date_time: &when,
            provider: "zhengku",
            reserved: &[ANNOTATIONS],
        },
        |xml, path| {
            stamp(
                doc.seal,
                holder_cert,
                StampInput {
                    time,
                    data_hash: zhengku_crypto::sm3(xml),
                    property_info: path.to_owned(),
                },
                doc.signer,
            )
            .map_err(|e| e.to_string())?
            .to_der()
            .map_err(|e| e.to_string())
        },
    )
    .map_err(|e| match e {
        SignError::Seal(s) => OfdDocumentError::Sign(s),
        other => OfdDocumentError::Sign(other.to_string()),
    })?;
    Ok(sealed.to_zip())
}
