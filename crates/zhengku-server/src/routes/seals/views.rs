//! What the seal API takes and answers (电子印章): the request bodies and views of
//! [`super`]'s routes, with their OpenAPI schemas.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use zhengku_seal::artwork::PictureFormat;
use zhengku_store::StoredSeal;

use crate::api::rfc3339;
use crate::seal_making::{Picture, SealOrder, field};

/// A seal to make.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealCreate {
    /// The department the seal is for (统一社会信用代码).
    pub department_uscc: String,
    /// 印章名称, e.g. 杭州市西湖区市场监督管理局证照专用章.
    pub name: String,
    /// 印章类型: 1 unit seal (default), 2 personal seal.
    #[serde(default = "default_seal_type")]
    pub seal_type: u32,
    /// The seal holder's signing key, by label in the key store.
    pub holder_key_label: String,
    /// The holder's seal certificate (PEM); must certify that key.
    pub holder_certificate_pem: String,
    /// The picture, base64; omit to draw the red round development seal (development mode).
    #[serde(default)]
    pub picture_base64: Option<String>,
    /// `png` or `svg` (with `picture_base64`).
    #[serde(default)]
    pub picture_format: Option<String>,
    /// Printed size, mm (default 42).
    #[serde(default)]
    pub size_mm: Option<u32>,
    /// Days of validity from now (default 365, at most 3650).
    #[serde(default)]
    pub valid_days: Option<u32>,
}

fn default_seal_type() -> u32 {
    1
}

/// A seal as the library holds it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SealView {
    /// 印章编码.
    pub esid: String,
    /// The owning department.
    pub department_uscc: String,
    /// 印章名称.
    pub name: String,
    /// 印章类型 (1 unit, 2 personal).
    pub seal_type: i64,
    /// Stored status: `active`, `suspended`, `revoked`.
    pub status: String,
    /// Status now: as stored, or `expired` outside the validity window.
    pub effective_status: String,
    /// Validity start.
    pub valid_start: String,
    /// Validity end.
    pub valid_end: String,
    /// The holder key's label in the key store.
    pub holder_key_label: String,
    /// When made.
    pub created_at: String,
}

impl SealView {
    /// The view of a stored seal, its effective status as of now.
    pub fn of(s: &StoredSeal) -> SealView {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        SealView {
            esid: s.seal.esid.clone(),
            department_uscc: s.seal.department_uscc.clone(),
            name: s.seal.name.clone(),
            seal_type: s.seal.seal_type,
            status: s.status.as_str().to_owned(),
            effective_status: s
                .status
                .at(s.seal.valid_start, s.seal.valid_end, now)
                .as_str()
                .to_owned(),
            valid_start: rfc3339(s.seal.valid_start),
            valid_end: rfc3339(s.seal.valid_end),
            holder_key_label: s.seal.key_label.clone(),
            created_at: rfc3339(s.created_at),
        }
    }
}

/// A seal's public status: what an online verifier needs to judge a stamp made with it
/// (no personal data; the seal itself is printed on every document it sealed).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SealStatusView {
    /// 印章编码.
    pub esid: String,
    /// Stored status: `active`, `suspended`, `revoked` (the window applies on top).
    pub status: String,
    /// Validity window start, Unix seconds.
    pub valid_start: i64,
    /// Validity window end, Unix seconds.
    pub valid_end: i64,
    /// When the status last changed, Unix seconds.
    pub changed_at: Option<i64>,
    /// Revoked because its key was compromised: every stamp made with it is invalid.
    pub key_compromise: bool,
    /// The seal's fingerprint (hex SHA-256 of SEQUENCE { sealInfo, cert, signAlg }).
    pub fingerprint: Option<String>,
    /// When this was the status (now), Unix seconds.
    pub as_of: i64,
}

/// Who may stamp with a seal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealAuthorise {
    /// The API key's id (of the seal's own department).
    pub api_key_id: String,
}

/// The answer to an authorisation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SealAuthorised {
    /// The seal.
    pub esid: String,
    /// The key.
    pub api_key_id: String,
    /// False when the key already could.
    pub newly_granted: bool,
}

/// The answer to a withdrawal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SealWithdrawn {
    /// The seal.
    pub esid: String,
    /// The key.
    pub api_key_id: String,
    /// False when the key could not stamp with the seal anyway.
    pub withdrawn: bool,
}

/// The body of suspend, resume and revoke.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealStatusChange {
    /// Why. 1 to 500 characters.
    pub reason: String,
    /// For revoke only: `key_compromise` when the seal's key was compromised (密钥泄露).
    /// Then every stamp made with the seal is invalid, whenever it was made; otherwise
    /// stamps the library made before the revocation keep their force.
    #[serde(default)]
    pub reason_code: Option<String>,
}

/// The answer to a status change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SealStatusChanged {
    /// The seal.
    pub esid: String,
    /// Status before.
    pub from: String,
    /// Status now.
    pub to: String,
    /// Why.
    pub reason: String,
}

/// A stamp request: the SM3 hash of the document, and what it is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StampRequest {
    /// SM3 of the document, 64 hex digits.
    pub data_hash: String,
    /// 原文属性: what is stamped (a file name, a licence identifier), printable ASCII.
    pub property_info: String,
}

/// A stamp: the SES_Signature.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StampResponse {
    /// The seal used.
    pub esid: String,
    /// 签章时间.
    pub time: String,
    /// The SES_Signature (GB/T 38540 v4), DER, base64.
    pub signature: String,
}

/// Printed size of a seal when none is asked for, mm.
const DEFAULT_SIZE_MM: u32 = 42;

/// Days of validity when none are asked for.
const DEFAULT_VALID_DAYS: u32 = 365;

impl SealCreate {
    /// The order for seal making: the certificate read from its PEM and the picture from
    /// its base64 here, at the edge, each as what was read or the problem met.
    pub fn order(self) -> SealOrder {
        let holder_certificate =
            match pem_rfc7468::decode_vec(self.holder_certificate_pem.trim().as_bytes()) {
                Ok(("CERTIFICATE", der)) => Ok(der),
                _ => Err(field(
                    "holder_certificate_pem",
                    "not_pem",
                    "not a PEM CERTIFICATE",
                )),
            };
        let picture = match (&self.picture_base64, &self.picture_format) {
            (Some(data), Some(format)) => {
                match (STANDARD.decode(data.trim()), PictureFormat::parse(format)) {
                    (Ok(bytes), Ok(format)) => Ok(Picture::Given { format, bytes }),
                    (Err(_), _) => Err(field("picture_base64", "not_base64", "not base64")),
                    (_, Err(e)) => Err(field("picture_format", "unsupported", e.to_string())),
                }
            }
            (None, None) => Ok(Picture::Drawn),
            _ => Err(field(
                "picture_format",
                "required",
                "give picture_base64 and picture_format together, or neither",
            )),
        };
        SealOrder {
            name: self.name,
            seal_type: self.seal_type,
            holder_key_label: self.holder_key_label,
            holder_certificate,
            picture,
            size_mm: self.size_mm.unwrap_or(DEFAULT_SIZE_MM),
            valid_days: self.valid_days.unwrap_or(DEFAULT_VALID_DAYS),
        }
    }
}
