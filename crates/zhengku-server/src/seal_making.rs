//! Seal making (制章): from a seal order to a stored, maker-signed seal.
//!
//! One path serves `POST /v1/seals` and development bootstrap's seals for the departments
//! ([`crate::bootstrap::dev_seals`]), with plain inputs ([`SealOrder`]), so both make the
//! same seal from the same order:
//!
//! 1. the order's values are checked, every bad one reported at once ([`SealOrder`] says
//!    which), and the picture drawn when none is given;
//! 2. the holder's key is found by its label ([`Keys`]: the service's signer cache, or the
//!    key store itself at bootstrap), and must be SM2 unless P-256 seals are allowed; the
//!    holder's certificate must certify it;
//! 3. the esID ([`EsId`]) takes the next number of the department's area and seal type;
//! 4. the seal maker (制章者) signs the seal on the blocking pool, and it is stored with its
//!    audit entry.
//!
//! A failure after step 3 leaves a gap in the esID numbers and nothing else.

use std::future::Future;
use std::sync::Arc;

use time::OffsetDateTime;
use zhengku_crypto::{Algorithm, Signer};
use zhengku_model::{EsId, EsIdError};
use zhengku_seal::artwork::{PictureFormat, round_seal_svg};
use zhengku_seal::make::{MakeError, SealSpec};
use zhengku_seal::{Extension, SealTime};
use zhengku_store::{Department, NewSeal, Store, StoreError, StoredSeal};

use crate::problem::{ApiError, FieldProblem, InternalError};
use crate::state::{AppState, SealMaker};
use crate::status_entries::StatusEntries;

/// The text under the name on a drawn seal.
const DRAWN_BOTTOM: &str = "证照专用章";

/// Longest seal name, characters.
const MAX_NAME_CHARS: usize = 100;

/// Longest validity, days (ten years).
const MAX_VALID_DAYS: u32 = 3650;

/// The picture (印模) of a seal to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picture {
    /// Drawn here: the red round development seal with the department's name.
    Drawn,
    /// Given by the caller.
    Given {
        /// PNG or SVG.
        format: PictureFormat,
        /// Its bytes.
        bytes: Vec<u8>,
    },
}

/// A seal to make, in plain values. The certificate and the picture arrive already read
/// from their transport form (PEM, base64): the caller gives what it read, or the problem
/// it met, so every problem of an order is reported together and in one order: name,
/// type, days, certificate, picture.
#[derive(Debug, Clone)]
pub struct SealOrder {
    /// 印章名称, 1 to 100 characters (trimmed).
    pub name: String,
    /// 印章类型: 1 unit seal, 2 personal seal.
    pub seal_type: u32,
    /// The holder's signing key, by label in the key store.
    pub holder_key_label: String,
    /// The holder's seal certificate (DER), which must certify that key.
    pub holder_certificate: Result<Vec<u8>, FieldProblem>,
    /// The picture.
    pub picture: Result<Picture, FieldProblem>,
    /// Printed size, mm.
    pub size_mm: u32,
    /// Days of validity from now, 1 to 3650.
    pub valid_days: u32,
}

/// Where seal making finds signing keys by label.
pub trait Keys: Sync {
    /// Why a key could not be had.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The signer for the key labelled `label`.
    fn signer(
        &self,
        label: &str,
    ) -> impl Future<Output = Result<Arc<dyn Signer>, Self::Error>> + Send;
}

/// The service's keys: its signer cache.
impl Keys for AppState {
    type Error = ApiError;

    fn signer(
        &self,
        label: &str,
    ) -> impl Future<Output = Result<Arc<dyn Signer>, ApiError>> + Send {
        AppState::signer(self, label)
    }
}

/// Why a seal was not made. `E` is the key lookup's error ([`Keys::Error`]).
#[derive(Debug, thiserror::Error)]
pub enum SealMakingError<E: std::error::Error + 'static> {
    /// Values of the order are invalid: every bad one.
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldProblem>),
    /// The holder key could not be had.
    #[error("key {label}: {error}")]
    HolderKey {
        /// Its label.
        label: String,
        /// Why.
        error: E,
    },
    /// A P-256 holder key where only SM2 seals are allowed (GB/T 38540).
    #[error(
        "key {label:?} is {algorithm}; GB/T 38540 seals are SM2 (set allow_p256_seals to allow \
         P-256)"
    )]
    AlgorithmNotAllowed {
        /// Its label.
        label: String,
        /// Its algorithm.
        algorithm: Algorithm,
    },
    /// The holder certificate is not a certificate this service reads.
    #[error("{0}")]
    NotCertificate(zhengku_pki::CertError),
    /// The holder certificate certifies another key.
    #[error("the certificate does not certify key {label}")]
    KeyMismatch {
        /// The holder key's label.
        label: String,
    },
    /// The seal maker's key could not be had.
    #[error("seal maker key {label}: {error}")]
    MakerKey {
        /// Its label.
        label: String,
        /// Why.
        error: E,
    },
    /// The seal could not be made from the order (the picture is refused).
    #[error("{0}")]
    Make(MakeError),
    /// The numbering ran past what an esID holds.
    #[error("{0}")]
    EsId(EsIdError),
    /// A time a seal cannot hold.
    #[error("time {0} cannot be written in a seal")]
    Time(i64),
    /// The made seal could not be encoded.
    #[error("{0}")]
    Encode(zhengku_seal::EncodeError),
    /// The signing task failed.
    #[error("seal task: {0}")]
    Task(tokio::task::JoinError),
    /// The status extension's OID did not parse (a constant: cannot happen).
    #[error("the seal status extension's OID: {0}")]
    StatusExtension(zhengku_seal::OidError),
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn describe(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One bad field.
pub fn field(field: &str, code: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// A validation error listing `errors`.
pub fn invalid(errors: Vec<FieldProblem>) -> ApiError {
    ApiError::Validation {
        detail: format!("{} invalid field(s)", errors.len()),
        errors,
    }
}

/// How `POST /v1/seals` answers each failure.
impl From<SealMakingError<ApiError>> for ApiError {
    fn from(e: SealMakingError<ApiError>) -> ApiError {
        match e {
            SealMakingError::Invalid(errors) => invalid(errors),
            SealMakingError::HolderKey { label, .. } => invalid(vec![field(
                "holder_key_label",
                "unknown_key",
                format!("no key {label:?} in the key store"),
            )]),
            e @ SealMakingError::AlgorithmNotAllowed { .. } => invalid(vec![field(
                "holder_key_label",
                "algorithm_not_allowed",
                e.to_string(),
            )]),
            SealMakingError::NotCertificate(e) => invalid(vec![field(
                "holder_certificate_pem",
                "not_certificate",
                e.to_string(),
            )]),
            SealMakingError::KeyMismatch { .. } => invalid(vec![field(
                "holder_certificate_pem",
                "key_mismatch",
                "the certificate does not certify the holder key",
            )]),
            SealMakingError::MakerKey { error, .. } => error,
            SealMakingError::Make(e) => {
                invalid(vec![field("picture_base64", "invalid", e.to_string())])
            }
            SealMakingError::EsId(e) => InternalError::caused("esID", e).into(),
            SealMakingError::Time(unix) => InternalError::new("time cannot be written in a seal")
                .about(unix)
                .into(),
            SealMakingError::Encode(e) => InternalError::caused("seal encoding", e).into(),
            SealMakingError::Task(e) => InternalError::caused("seal task", e).into(),
            SealMakingError::StatusExtension(e) => {
                InternalError::caused("seal status extension", e).into()
            }
            SealMakingError::Store(e) => e.into(),
        }
    }
}

/// What makes seals: where they are stored, where keys are found, the maker, and whether
/// P-256 seals (outside GB/T 38540) may be made.
pub struct SealMaking<'a, K> {
    /// The library.
    pub store: &'a Store,
    /// The keys.
    pub keys: &'a K,
    /// The seal maker (制章者).
    pub maker: &'a SealMaker,
    /// Whether a P-256 holder key is allowed.
    pub allow_p256: bool,
    /// Where seal status-list entries come from.
    pub entries: &'a StatusEntries,
    /// The base URL status lists are published under (the seal names `<base>/sl/<n>`).
    pub base_url: &'a str,
}

/// An order whose values passed step 1.
struct Checked {
    name: String,
    holder_certificate: Vec<u8>,
    picture_format: PictureFormat,
    picture: Vec<u8>,
}

impl<K: Keys> SealMaking<'_, K> {
    /// Makes and stores a seal for `department` (module docs), audited as `actor` in
    /// `request_id`.
    pub async fn make(
        &self,
        department: &Department,
        order: SealOrder,
        actor: &str,
        request_id: &str,
    ) -> Result<StoredSeal, SealMakingError<K::Error>> {
        // 1. The values.
        let checked = check(department, &order).map_err(SealMakingError::Invalid)?;
        // 2. The holder's key and certificate.
        let label = order.holder_key_label;
        let holder = match self.keys.signer(&label).await {
            Ok(h) => h,
            Err(error) => return Err(SealMakingError::HolderKey { label, error }),
        };
        if holder.algorithm() != Algorithm::Sm2Sm3 && !self.allow_p256 {
            return Err(SealMakingError::AlgorithmNotAllowed {
                algorithm: holder.algorithm(),
                label,
            });
        }
        let certified = zhengku_pki::certified_key(&checked.holder_certificate)
            .map_err(SealMakingError::NotCertificate)?;
        if certified.key_id() != holder.public_key().key_id() {
            return Err(SealMakingError::KeyMismatch { label });
        }
        // 3. The esID: the library's own number for the area and type.
        let area = &department.region_code;
        let sequence = self
            .store
            .next_sequence(area.as_str(), &EsId::sequence_name(order.seal_type), 0)
            .await?;
        let esid = EsId::new(area, order.seal_type, sequence).map_err(SealMakingError::EsId)?;
        // Where its status is published: an entry of a seal list, named inside the seal the
        // maker signs (docs/status-lists.md, "Seals").
        let (list, idx) = self
            .entries
            .take(self.store, 1)
            .await?
            .pop()
            .ok_or_else(|| {
                SealMakingError::Store(zhengku_store::StoreError::Corrupt {
                    what: "status_lists",
                    detail: "no seal entry reserved".into(),
                })
            })?;
        let reference = zhengku_status::Reference::to_list(self.base_url, list, idx);
        let status_extension = Extension {
            oid: zhengku_status::SEAL_STATUS_EXTENSION
                .parse()
                .map_err(SealMakingError::StatusExtension)?,
            critical: false,
            value: reference.to_seal_extension(),
        };
        // 4. Signed by the maker, stored.
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let end = now + i64::from(order.valid_days) * 86_400;
        let spec = SealSpec {
            es_id: esid.to_string(),
            seal_type: order.seal_type,
            name: checked.name.clone(),
            holder_certs: vec![checked.holder_certificate],
            picture_format: checked.picture_format,
            picture: checked.picture,
            width_mm: order.size_mm,
            height_mm: order.size_mm,
            created: seal_time(now)?,
            valid_start: seal_time(now)?,
            valid_end: seal_time(end)?,
            extensions: vec![status_extension],
        };
        let maker_signer = match self.keys.signer(&self.maker.label).await {
            Ok(s) => s,
            Err(error) => {
                return Err(SealMakingError::MakerKey {
                    label: self.maker.label.clone(),
                    error,
                });
            }
        };
        let maker_cert = self.maker.certificate.clone();
        let seal = tokio::task::spawn_blocking(move || {
            zhengku_seal::make::make_seal(spec, &maker_cert, maker_signer.as_ref())
        })
        .await
        .map_err(SealMakingError::Task)?
        .map_err(SealMakingError::Make)?;
        let esl = seal.to_der().map_err(SealMakingError::Encode)?;
        let stored = self
            .store
            .insert_seal(
                &NewSeal {
                    esid: esid.into(),
                    department_uscc: department.uscc.as_str().to_owned(),
                    name: checked.name,
                    seal_type: i64::from(order.seal_type),
                    key_label: label,
                    valid_start: now,
                    valid_end: end,
                    esl,
                    status_entry: Some((
                        i64::try_from(list).unwrap_or(i64::MAX),
                        i64::try_from(idx).unwrap_or(i64::MAX),
                    )),
                },
                actor,
                request_id,
            )
            .await?;
        Ok(stored)
    }
}

/// Step 1: every problem of the order's values, in the order [`SealOrder`] gives.
fn check(department: &Department, order: &SealOrder) -> Result<Checked, Vec<FieldProblem>> {
    let mut errors = Vec::new();
    let name = order.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        errors.push(field("name", "invalid", "1 to 100 characters"));
    }
    if !(1..=2).contains(&order.seal_type) {
        errors.push(field(
            "seal_type",
            "invalid",
            "1 (unit seal) or 2 (personal seal)",
        ));
    }
    if !(1..=MAX_VALID_DAYS).contains(&order.valid_days) {
        errors.push(field("valid_days", "out_of_range", "1 to 3650"));
    }
    let holder_certificate = match &order.holder_certificate {
        Ok(der) => Some(der.clone()),
        Err(p) => {
            errors.push(p.clone());
            None
        }
    };
    let picture = match &order.picture {
        Ok(Picture::Given { format, bytes }) => Some((*format, bytes.clone())),
        Ok(Picture::Drawn) => match round_seal_svg(&department.name, DRAWN_BOTTOM, order.size_mm) {
            Ok(svg) => Some((PictureFormat::Svg, svg.into_bytes())),
            Err(e) => {
                errors.push(field("name", "invalid", e.to_string()));
                None
            }
        },
        Err(p) => {
            errors.push(p.clone());
            None
        }
    };
    match (holder_certificate, picture) {
        (Some(holder_certificate), Some((picture_format, picture))) if errors.is_empty() => {
            Ok(Checked {
                name,
                holder_certificate,
                picture_format,
                picture,
            })
        }
        _ => Err(errors),
    }
}

fn seal_time<E: std::error::Error>(unix: i64) -> Result<SealTime, SealMakingError<E>> {
    SealTime::from_unix_seconds(unix).map_err(|_| SealMakingError::Time(unix))
}
