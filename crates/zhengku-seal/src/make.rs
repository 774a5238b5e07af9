//! Making seals (制章) and stamping with them (盖章): the two signing operations, as pure
//! functions over a [`Signer`] (a key in the key store, an HSM, a key file in tests).
//!
//! - [`make_seal`]: the seal-making authority (制章者) signs DER(SES_SealInfo) with its key;
//!   its certificate goes into the seal.
//! - [`stamp`]: a seal holder (签章者) signs DER(TBS_Sign) — the seal, the time, the SM3
//!   hash of the document and what was stamped — with its seal key; its certificate goes
//!   into the SES_Signature.
//!
//! Signature values are DER `SEQUENCE { r, s }` in the BIT STRING, as GB/T 38540 (through
//! GB/T 35276) says for SM2. SM2-with-SM3 is the national standard's algorithm; ECDSA
//! P-256 with SHA-256 is written with its own OID (1.2.840.10045.4.3.2) and is outside the
//! standard: use it only where a deployment configures it.
//!
//! # esID
//!
//! zhengku makes esIDs as `<6-digit area code><2-digit seal type><8-digit sequence>` (16
//! digits, e.g. `3301060100000001`): unique per area and type when the sequence is the
//! library's. Seals from elsewhere may carry any IA5 text of 1 to 64 characters; that is
//! accepted on input.

use zhengku_crypto::Signer;

use crate::artwork::{PictureError, PictureFormat, check_picture};
use crate::seal::{CertList, Header, Picture, Property, Seal, SealInfo};
use crate::signature::{SesSignature, TbsSign};
use crate::time::SealTime;

pub use crate::alg::{algorithm_of, ecdsa_with_sha256, signature_oid};

/// The vid (厂商标识) zhengku writes into seal headers.
pub const VENDOR_ID: &str = "zhengku";

/// What a seal is to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealSpec {
    /// 印章编码 (esID).
    pub es_id: String,
    /// 印章类型: 1 unit seal (单位印章, e.g. 证照专用章), 2 personal seal.
    pub seal_type: u32,
    /// 印章名称.
    pub name: String,
    /// The seal holders' signing certificates (DER), at least one.
    pub holder_certs: Vec<Vec<u8>>,
    /// The picture: PNG or SVG, with its printed size.
    pub picture_format: PictureFormat,
    /// The picture's bytes.
    pub picture: Vec<u8>,
    /// Printed width, mm.
    pub width_mm: u32,
    /// Printed height, mm.
    pub height_mm: u32,
    /// 制作日期.
    pub created: SealTime,
    /// 有效起始日期.
    pub valid_start: SealTime,
    /// 有效终止日期.
    pub valid_end: SealTime,
    /// extDatas (自定义数据) of the seal information, e.g. where its status is published;
    /// none written when empty.
    pub extensions: Vec<crate::Extension>,
}

/// Why a seal could not be made or a stamp not be applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MakeError {
    /// The esID is empty, too long or not IA5.
    #[error("esID must be 1 to 64 printable ASCII characters")]
    EsId,
    /// The name is empty or too long.
    #[error("seal name must be 1 to 100 characters")]
    Name,
    /// The seal type is not 1 or 2.
    #[error("seal type {0} (expected 1 unit seal or 2 personal seal)")]
    SealType(u32),
    /// No holder certificate.
    #[error("a seal needs at least one holder certificate")]
    NoHolder,
    /// The validity window is empty.
    #[error("valid_end must be after valid_start")]
    Validity,
    /// The picture is refused.
    #[error(transparent)]
    Picture(#[from] PictureError),
    /// The time is outside the seal's validity.
    #[error("stamp time is outside the seal's validity window")]
    OutsideValidity,
    /// The property info is empty or too long.
    #[error("propertyInfo must be 1 to 1000 printable ASCII characters")]
    PropertyInfo,
    /// The signer's certificate is not one of the seal's holder certificates.
    #[error("the signing certificate is not in the seal's certificate list")]
    NotHolder,
    /// Encoding failed.
    #[error(transparent)]
    Encode(#[from] crate::error::EncodeError),
    /// The key refused to sign.
    #[error("signing failed: {0}")]
    Sign(#[from] zhengku_crypto::SignError),
}

/// Makes a v4 seal: checks the spec, encodes SES_SealInfo and signs it with the maker's key.
pub fn make_seal(spec: SealSpec, maker_cert: &[u8], maker: &dyn Signer) -> Result<Seal, MakeError> {
    if spec.es_id.is_empty()
        || spec.es_id.len() > 64
        || !spec.es_id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(MakeError::EsId);
    }
    let name_len = spec.name.trim().chars().count();
    if name_len == 0 || name_len > 100 {
        return Err(MakeError::Name);
    }
    if !(1..=2).contains(&spec.seal_type) {
        return Err(MakeError::SealType(spec.seal_type));
    }
    if spec.holder_certs.is_empty() {
        return Err(MakeError::NoHolder);
    }
    if spec.valid_end <= spec.valid_start {
        return Err(MakeError::Validity);
    }
    check_picture(
        spec.picture_format,
        &spec.picture,
        spec.width_mm,
        spec.height_mm,
    )?;
    let seal_info = SealInfo {
        header: Header::v4(VENDOR_ID),
        es_id: spec.es_id,
        property: Property {
            seal_type: spec.seal_type,
            name: spec.name.trim().to_owned(),
            cert_list: CertList::Certificates(spec.holder_certs),
            create_date: spec.created,
            valid_start: spec.valid_start,
            valid_end: spec.valid_end,
        },
        picture: Picture {
            picture_type: spec.picture_format.as_str().to_owned(),
            data: spec.picture,
            width_mm: spec.width_mm,
            height_mm: spec.height_mm,
        },
        ext_datas: (!spec.extensions.is_empty()).then_some(spec.extensions),
    };
    let tbs = seal_info.to_der()?;
    let signature = maker.sign(&tbs)?;
    Ok(Seal {
        seal_info,
        maker_cert: maker_cert.to_vec(),
        sign_alg: signature_oid(maker.algorithm()),
        signed_value: signature.to_der(),
    })
}

/// What a stamp is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampInput {
    /// 签章时间.
    pub time: SealTime,
    /// SM3 of the document (原文杂凑值).
    pub data_hash: [u8; 32],
    /// 原文属性: what was stamped (a file name, a licence identifier), printable ASCII.
    pub property_info: String,
}

/// Stamps: signs DER(TBS_Sign v4) with the holder's seal key. `holder_cert` must be one of
/// the seal's holder certificates, and the time within the seal's validity window.
pub fn stamp(
    seal: &Seal,
    holder_cert: &[u8],
    input: StampInput,
    holder: &dyn Signer,
) -> Result<SesSignature, MakeError> {
    let p = &input.property_info;
    if p.is_empty() || p.len() > 1000 || !p.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(MakeError::PropertyInfo);
    }
    let prop = &seal.seal_info.property;
    if input.time < prop.valid_start || input.time > prop.valid_end {
        return Err(MakeError::OutsideValidity);
    }
    match &prop.cert_list {
        CertList::Certificates(certs) if certs.iter().any(|c| c == holder_cert) => {}
        CertList::Digests(digests)
            if digests
                .iter()
                .any(|d| d.value == zhengku_crypto::sm3(holder_cert)) => {}
        _ => return Err(MakeError::NotHolder),
    }
    let to_sign = TbsSign {
        version: 4,
        seal: seal.clone(),
        time_info: input.time,
        data_hash: input.data_hash.to_vec(),
        property_info: input.property_info,
        ext_datas: None,
    };
    let tbs = to_sign.to_der()?;
    let signature = holder.sign(&tbs)?;
    Ok(SesSignature {
        to_sign,
        cert: holder_cert.to_vec(),
        signature_alg: signature_oid(holder.algorithm()),
        signature: signature.to_der(),
        time_stamp: None,
    })
}
