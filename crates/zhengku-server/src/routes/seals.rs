//! The seal API (电子印章): making a seal for a department (制章), reading it, its lifecycle
//! and who may use it (用印授权), stamping a document hash (盖章), and public verification of
//! seals and electronic signatures (验章).
//!
//! The service acts as the seal-making authority with the maker key and certificate it is
//! configured with; each seal's holder key stays in the key store, and stamping signs there.
//! A stamp is handed out only after [`Store::record_stamp`](zhengku_store::Store::record_stamp)
//! has checked status and authorisation again and audited it, in one transaction.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use zhengku_crypto::PublicKey;
use zhengku_model::SealStatus;
use zhengku_seal::artwork::{PictureFormat, round_seal_svg};
use zhengku_seal::make::{SealSpec, StampInput, make_seal, stamp};
use zhengku_seal::{CertList, DecodedSeal, Seal, SealTime, decode_seal};
use zhengku_store::{NewSeal, StampRefusal, StoredSeal};

use crate::api::rfc3339;
use crate::auth::Principal;
use crate::extract::JsonBody;
use crate::problem::{ApiError, FieldProblem, Problem};
use crate::request_id::RequestId;
use crate::routes::verify::gather_live;
use crate::state::AppState;

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
    fn of(s: &StoredSeal) -> SealView {
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

fn field(field: &str, code: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }
}

fn invalid(errors: Vec<FieldProblem>) -> ApiError {
    ApiError::Validation {
        detail: format!("{} invalid field(s)", errors.len()),
        errors,
    }
}

fn seal_time(unix: i64) -> Result<SealTime, ApiError> {
    SealTime::from_unix_seconds(unix)
        .map_err(|_| ApiError::Internal(format!("time {unix} cannot be written in a seal")))
}

/// Make a seal (制章) for a department, signed by the configured seal maker.
#[utoipa::path(
    post, path = "/v1/seals", tag = "seals",
    request_body = SealCreate,
    responses(
        (status = 201, description = "Made", body = SealView),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid values; every bad field listed", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No seal maker configured", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_seal(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<SealCreate>,
) -> Result<(StatusCode, Json<SealView>), ApiError> {
    principal.require(principal.scopes.admin, "make seals")?;
    let Some(maker) = state.seal_maker() else {
        return Err(ApiError::Unavailable(
            "no seal maker is configured (seal_maker_label, seal_maker_cert)".into(),
        ));
    };
    let req = body.value;
    let department = state.department(req.department_uscc.trim()).await?;
    let mut errors = Vec::new();
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(field("name", "invalid", "1 to 100 characters"));
    }
    if !(1..=2).contains(&req.seal_type) {
        errors.push(field(
            "seal_type",
            "invalid",
            "1 (unit seal) or 2 (personal seal)",
        ));
    }
    let size = req.size_mm.unwrap_or(42);
    let days = req.valid_days.unwrap_or(365);
    if !(1..=3650).contains(&days) {
        errors.push(field("valid_days", "out_of_range", "1 to 3650"));
    }
    let holder_cert = match pem_rfc7468::decode_vec(req.holder_certificate_pem.trim().as_bytes()) {
        Ok(("CERTIFICATE", der)) => Some(der),
        _ => {
            errors.push(field(
                "holder_certificate_pem",
                "not_pem",
                "not a PEM CERTIFICATE",
            ));
            None
        }
    };
    let picture = match (&req.picture_base64, &req.picture_format) {
        (Some(data), Some(format)) => {
            match (STANDARD.decode(data.trim()), PictureFormat::parse(format)) {
                (Ok(bytes), Ok(f)) => Some((f, bytes)),
                (Err(_), _) => {
                    errors.push(field("picture_base64", "not_base64", "not base64"));
                    None
                }
                (_, Err(e)) => {
                    errors.push(field("picture_format", "unsupported", e.to_string()));
                    None
                }
            }
        }
        (None, None) => match round_seal_svg(&department.name, "证照专用章", size) {
            Ok(svg) => Some((PictureFormat::Svg, svg.into_bytes())),
            Err(e) => {
                errors.push(field("name", "invalid", e.to_string()));
                None
            }
        },
        _ => {
            errors.push(field(
                "picture_format",
                "required",
                "give picture_base64 and picture_format together, or neither",
            ));
            None
        }
    };
    let (Some(holder_cert), Some((picture_format, picture))) = (holder_cert, picture) else {
        return Err(invalid(errors));
    };
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    // The holder's certificate must certify the holder's key in the store.
    let holder = state.signer(&req.holder_key_label).await.map_err(|_| {
        invalid(vec![field(
            "holder_key_label",
            "unknown_key",
            format!("no key {:?} in the key store", req.holder_key_label),
        )])
    })?;
    if holder.algorithm() != zhengku_crypto::Algorithm::Sm2Sm3 && !state.allow_p256_seals() {
        return Err(invalid(vec![field(
            "holder_key_label",
            "algorithm_not_allowed",
            format!(
                "key {:?} is {}; GB/T 38540 seals are SM2 (set allow_p256_seals to allow P-256)",
                req.holder_key_label,
                holder.algorithm()
            ),
        )]));
    }
    let certified = certificate_key(&holder_cert).map_err(|e| {
        invalid(vec![field(
            "holder_certificate_pem",
            "not_certificate",
            e.to_string(),
        )])
    })?;
    if certified.key_id() != holder.public_key().key_id() {
        return Err(invalid(vec![field(
            "holder_certificate_pem",
            "key_mismatch",
            "the certificate does not certify the holder key",
        )]));
    }
    // esID: <area code><2-digit type><8-digit sequence>, the sequence the library's own.
    let area = department.region_code.as_str();
    let sequence = state
        .store()
        .next_sequence(area, &format!("seal-{:02}", req.seal_type), 0)
        .await?;
    let es_id = format!("{area}{:02}{sequence:08}", req.seal_type);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let end = now + i64::from(days) * 86_400;
    let spec = SealSpec {
        es_id: es_id.clone(),
        seal_type: req.seal_type,
        name: name.clone(),
        holder_certs: vec![holder_cert],
        picture_format,
        picture,
        width_mm: size,
        height_mm: size,
        created: seal_time(now)?,
        valid_start: seal_time(now)?,
        valid_end: seal_time(end)?,
    };
    let maker_signer = state.signer(&maker.label).await?;
    let maker_cert = maker.certificate.clone();
    let seal = tokio::task::spawn_blocking(move || make_seal(spec, &maker_cert, &maker_signer))
        .await
        .map_err(|e| ApiError::Internal(format!("seal task: {e}")))?
        .map_err(|e| invalid(vec![field("picture_base64", "invalid", e.to_string())]))?;
    let esl = seal
        .to_der()
        .map_err(|e| ApiError::Internal(format!("seal encoding: {e}")))?;
    let stored = state
        .store()
        .insert_seal(
            &NewSeal {
                esid: es_id,
                department_uscc: department.uscc.as_str().to_owned(),
                name,
                seal_type: i64::from(req.seal_type),
                key_label: req.holder_key_label,
                valid_start: now,
                valid_end: end,
                esl,
            },
            &principal.actor(),
            &request_id,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(SealView::of(&stored))))
}

fn certificate_key(der: &[u8]) -> Result<PublicKey, zhengku_pki::CertError> {
    zhengku_pki::certified_key(der)
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

/// A seal's status, for verifiers (`zhengku verify --online`). Public.
#[utoipa::path(
    get, path = "/v1/seals/{esid}/status", tag = "public",
    params(("esid" = String, Path, description = "印章编码")),
    responses(
        (status = 200, description = "Its status now", body = SealStatusView),
        (status = 404, description = "This library did not make it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn seal_status(
    State(state): State<AppState>,
    Path(esid): Path<String>,
) -> Result<Json<SealStatusView>, ApiError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    match crate::routes::verify::seal_record(&state, &esid, now).await? {
        zhengku_verify::Lookup::Found((s, _)) => Ok(Json(SealStatusView {
            esid,
            status: s.status.as_str().to_owned(),
            valid_start: s.valid_start,
            valid_end: s.valid_end,
            changed_at: s.changed_at,
            key_compromise: s.key_compromise,
            fingerprint: s.fingerprint.map(hex::encode),
            as_of: s.as_of,
        })),
        _ => Err(ApiError::NotFound {
            what: "seal",
            key: esid,
        }),
    }
}

/// Loads a seal for its department (any key of it) or an administrator.
async fn load_own(
    state: &AppState,
    principal: &Principal,
    esid: &str,
    what: &str,
) -> Result<StoredSeal, ApiError> {
    let seal = state.store().get_seal(esid).await?;
    let own = principal
        .department
        .as_ref()
        .is_some_and(|d| d.uscc.as_str() == seal.seal.department_uscc);
    if own || principal.scopes.admin {
        Ok(seal)
    } else {
        Err(ApiError::Forbidden(format!(
            "seal {esid} belongs to another department; only it or an administrator may {what}"
        )))
    }
}

/// A seal: its department or an administrator.
#[utoipa::path(
    get, path = "/v1/seals/{esid}", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    responses(
        (status = 200, description = "The seal", body = SealView),
        (status = 403, description = "Another department's seal", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such seal", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_seal(
    State(state): State<AppState>,
    principal: Principal,
    Path(esid): Path<String>,
) -> Result<Json<SealView>, ApiError> {
    let seal = load_own(&state, &principal, &esid, "read it").await?;
    Ok(Json(SealView::of(&seal)))
}

/// The seal file (`.esl`, DER SESeal), as the maker signed it.
#[utoipa::path(
    get, path = "/v1/seals/{esid}/esl", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    responses(
        (status = 200, description = "DER", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 403, description = "Another department's seal", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such seal", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_esl(
    State(state): State<AppState>,
    principal: Principal,
    Path(esid): Path<String>,
) -> Result<Response, ApiError> {
    let seal = load_own(&state, &principal, &esid, "download it").await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.esl\"", seal.seal.esid),
            ),
        ],
        Body::from(seal.seal.esl),
    )
        .into_response())
}

fn decode_stored(seal: &StoredSeal) -> Result<Seal, ApiError> {
    match decode_seal(&seal.seal.esl) {
        Ok(DecodedSeal::V4(s)) => Ok(s),
        Ok(DecodedSeal::V1(_)) => Err(ApiError::Internal("stored seal is v1".into())),
        Err(e) => Err(ApiError::Internal(format!(
            "stored seal does not decode: {e}"
        ))),
    }
}

/// The seal's picture (印模), public: verification pages show it.
#[utoipa::path(
    get, path = "/v1/seals/{esid}/picture", tag = "public",
    params(("esid" = String, Path, description = "印章编码")),
    responses(
        (status = 200, description = "PNG or SVG", body = Vec<u8>, content_type = "image/svg+xml"),
        (status = 404, description = "No such seal", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_picture(
    State(state): State<AppState>,
    Path(esid): Path<String>,
) -> Result<Response, ApiError> {
    let stored = state.store().get_seal(&esid).await?;
    let seal = decode_stored(&stored)?;
    let picture = seal.seal_info.picture;
    let media = PictureFormat::parse(&picture.picture_type)
        .map(PictureFormat::media_type)
        .unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, media),
            // Even a checked SVG is served inert: no scripts, no outside fetches.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Body::from(picture.data),
    )
        .into_response())
}

/// Who may stamp with a seal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealAuthorise {
    /// The API key's id (of the seal's own department).
    pub api_key_id: String,
}

/// The seal, for a principal that may manage it: its own department's key with the
/// `manage` scope, or an administrator. `what` completes "may not … seals".
async fn load_managed(
    state: &AppState,
    principal: &Principal,
    esid: &str,
    what: &str,
) -> Result<StoredSeal, ApiError> {
    let seal = load_own(state, principal, esid, what).await?;
    principal.require(
        principal.scopes.admin || principal.scopes.manage,
        &format!("{what} seals"),
    )?;
    Ok(seal)
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

/// Let an API key of the seal's department stamp with it (administrator, or the
/// department's `manage` key).
#[utoipa::path(
    post, path = "/v1/seals/{esid}/authorise", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    request_body = SealAuthorise,
    responses(
        (status = 200, description = "Authorised", body = SealAuthorised),
        (status = 403, description = "Not permitted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such seal or key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The key belongs to another department", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn authorise(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(esid): Path<String>,
    body: JsonBody<SealAuthorise>,
) -> Result<Json<SealAuthorised>, ApiError> {
    let seal = load_managed(&state, &principal, &esid, "authorise keys for").await?;
    let key_id = body.value.api_key_id.trim().to_owned();
    let Some(key) = state.api_key(&key_id).await? else {
        return Err(ApiError::NotFound {
            what: "api key",
            key: key_id,
        });
    };
    if key.department_uscc.as_deref() != Some(seal.seal.department_uscc.as_str()) {
        return Err(ApiError::field(
            "api_key_id",
            "other_department",
            "only keys of the seal's own department may stamp with it",
        ));
    }
    let newly_granted = state
        .store()
        .authorise_seal(&esid, &key_id, &principal.actor(), &request_id)
        .await?;
    Ok(Json(SealAuthorised {
        esid,
        api_key_id: key_id,
        newly_granted,
    }))
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

/// Withdraw an API key's authorisation to stamp with the seal (用印授权撤回;
/// administrator, or the department's `manage` key). Its next stamp is refused.
#[utoipa::path(
    post, path = "/v1/seals/{esid}/withdraw", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    request_body = SealAuthorise,
    responses(
        (status = 200, description = "Withdrawn (or was not authorised)", body = SealWithdrawn),
        (status = 403, description = "Not permitted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such seal", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(esid): Path<String>,
    body: JsonBody<SealAuthorise>,
) -> Result<Json<SealWithdrawn>, ApiError> {
    load_managed(&state, &principal, &esid, "withdraw authorisations of").await?;
    let key_id = body.value.api_key_id.trim().to_owned();
    let withdrawn = state
        .store()
        .withdraw_seal_authorisation(&esid, &key_id, &principal.actor(), &request_id)
        .await?;
    Ok(Json(SealWithdrawn {
        esid,
        api_key_id: key_id,
        withdrawn,
    }))
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

/// The one reason code a revocation takes.
const KEY_COMPROMISE: &str = "key_compromise";

async fn change(
    state: AppState,
    principal: Principal,
    request_id: String,
    esid: String,
    body: SealStatusChange,
    to: SealStatus,
    verb: &str,
) -> Result<Json<SealStatusChanged>, ApiError> {
    load_managed(&state, &principal, &esid, verb).await?;
    let compromised = match body.reason_code.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(KEY_COMPROMISE) if to == SealStatus::Revoked => true,
        Some(_) => {
            return Err(ApiError::field(
                "reason_code",
                "unknown",
                "the only reason code is key_compromise, and only when revoking",
            ));
        }
    };
    // A suspension an administrator made is an administrator's to lift: a department's
    // own manage key cannot undo it.
    if to == SealStatus::Active && !principal.scopes.admin {
        let last = state.store().seal_events(&esid).await?.pop();
        if let Some(e) = last.filter(|e| {
            e.to == SealStatus::Suspended && e.actor.starts_with(crate::auth::ADMIN_ACTOR)
        }) {
            return Err(ApiError::Forbidden(format!(
                "seal {esid} was suspended by an administrator ({}): only an administrator \
                 may resume it",
                e.actor
            )));
        }
    }
    let reason = body.reason.trim();
    let actor = principal.actor();
    let event = if compromised {
        state
            .store()
            .revoke_seal_compromised(&esid, reason, &actor, &request_id)
            .await?
    } else {
        state
            .store()
            .change_seal_status(&esid, to, reason, &actor, &request_id)
            .await?
    };
    Ok(Json(SealStatusChanged {
        esid,
        from: event.from.as_str().to_owned(),
        to: event.to.as_str().to_owned(),
        reason: event.reason,
    }))
}

macro_rules! seal_status_route {
    ($name:ident, $path:literal, $to:expr, $verb:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            post, path = $path, tag = "seals",
            params(("esid" = String, Path, description = "印章编码")),
            request_body = SealStatusChange,
            responses(
                (status = 200, description = "Changed", body = SealStatusChanged),
                (status = 403, description = "Not permitted", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such seal", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "The status does not allow this change", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Missing or over-long reason", body = Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        pub async fn $name(
            State(state): State<AppState>,
            principal: Principal,
            RequestId(request_id): RequestId,
            Path(esid): Path<String>,
            body: JsonBody<SealStatusChange>,
        ) -> Result<Json<SealStatusChanged>, ApiError> {
            change(state, principal, request_id, esid, body.value, $to, $verb).await
        }
    };
}

seal_status_route!(
    suspend_seal,
    "/v1/seals/{esid}/suspend",
    SealStatus::Suspended,
    "suspend",
    "Suspend (暂停) a seal: it cannot stamp until resumed."
);
seal_status_route!(
    resume_seal,
    "/v1/seals/{esid}/resume",
    SealStatus::Active,
    "resume",
    "Resume (恢复) a suspended seal."
);
seal_status_route!(
    revoke_seal,
    "/v1/seals/{esid}/revoke",
    SealStatus::Revoked,
    "revoke",
    "Revoke (注销) a seal for good."
);

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

/// Stamp (盖章) a document hash with a seal: an API key the seal is authorised for, an
/// active seal within its validity. Refusals are audited too.
#[utoipa::path(
    post, path = "/v1/seals/{esid}/stamp", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    request_body = StampRequest,
    responses(
        (status = 200, description = "Stamped", body = StampResponse),
        (status = 403, description = "The key is not authorised for this seal (audited)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such seal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The seal is suspended, revoked or expired (audited)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad hash or property info", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn stamp_hash(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(esid): Path<String>,
    body: JsonBody<StampRequest>,
) -> Result<Json<StampResponse>, ApiError> {
    let req = body.value;
    let mut errors = Vec::new();
    let hash: Option<[u8; 32]> = hex::decode(req.data_hash.trim())
        .ok()
        .and_then(|h| h.try_into().ok());
    if hash.is_none() {
        errors.push(field("data_hash", "invalid", "64 hex digits (SM3)"));
    }
    let p = req.property_info.trim();
    if p.is_empty() || p.len() > 1000 || !p.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        errors.push(field(
            "property_info",
            "invalid",
            "1 to 1000 printable ASCII characters",
        ));
    }
    let Some(data_hash) = hash else {
        return Err(invalid(errors));
    };
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let stored = state.store().get_seal(&esid).await?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let actor = principal.actor();
    let refused = |r: StampRefusal| match r {
        StampRefusal::NotAuthorised => ApiError::Forbidden(format!(
            "API key {} is not authorised to stamp with seal {esid}",
            principal.key_id
        )),
        StampRefusal::Status(s) => ApiError::InvalidTransition(format!(
            "seal {esid} is {} ({}): it cannot stamp",
            s.as_str(),
            s.label_zh()
        )),
    };
    // Cheap refusal first (no signing for keys that may not stamp); record_stamp audits it.
    let allowed = state
        .store()
        .seal_authorised(&esid, &principal.key_id)
        .await?
        && stored
            .status
            .at(stored.seal.valid_start, stored.seal.valid_end, now)
            .may_stamp();
    if !allowed {
        let outcome = state
            .store()
            .record_stamp(&esid, &principal.key_id, now, p, &actor, &request_id)
            .await?;
        return Err(refused(
            outcome.err().unwrap_or(StampRefusal::NotAuthorised),
        ));
    }
    let seal = decode_stored(&stored)?;
    let signer = state.signer(&stored.seal.key_label).await?;
    let holder_key = signer.public_key().key_id();
    let CertList::Certificates(certs) = &seal.seal_info.property.cert_list else {
        return Err(ApiError::Internal("stored seal lists digests".into()));
    };
    let holder_cert = certs
        .iter()
        .find(|c| certificate_key(c).is_ok_and(|k| k.key_id() == holder_key))
        .cloned()
        .ok_or_else(|| ApiError::Internal("no holder certificate for the seal key".into()))?;
    let time = seal_time(now)?;
    let input = StampInput {
        time,
        data_hash,
        property_info: p.to_owned(),
    };
    let signature = tokio::task::spawn_blocking(move || stamp(&seal, &holder_cert, input, &signer))
        .await
        .map_err(|e| ApiError::Internal(format!("stamp task: {e}")))?
        .map_err(|e| ApiError::Unavailable(format!("stamping failed: {e}")))?;
    let der = signature
        .to_der()
        .map_err(|e| ApiError::Internal(format!("signature encoding: {e}")))?;
    // The check again, with the audit entry, in one transaction: only then is the stamp out.
    state
        .store()
        .record_stamp(&esid, &principal.key_id, now, p, &actor, &request_id)
        .await?
        .map_err(refused)?;
    // The library's record of this very signature: what later attests when it was made.
    state
        .store()
        .keep_stamp(&esid, &zhengku_crypto::sha256(&der), now, p)
        .await?;
    Ok(Json(StampResponse {
        esid,
        time: rfc3339(now),
        signature: STANDARD.encode(der),
    }))
}

/// What to verify: an electronic signature or a seal, and optionally the document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifySealRequest {
    /// An SES_Signature (v4 or v1), DER, base64. Give this or `seal`.
    #[serde(default)]
    pub signature: Option<String>,
    /// A seal (`.esl`, SESeal v4 or v1), DER, base64.
    #[serde(default)]
    pub seal: Option<String>,
    /// The signed document, base64, to check dataHash.
    #[serde(default)]
    pub document: Option<String>,
}

/// One check of a verification.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckView {
    /// Stable id.
    pub id: String,
    /// What is checked.
    pub label: String,
    /// The same, in Chinese.
    pub label_zh: String,
    /// `passed`, `failed`, `unverifiable` or `skipped`.
    pub outcome: String,
    /// What was found, or why it failed or was skipped.
    pub detail: String,
}

/// A fact read from the input.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FactView {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A verification report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerifyReport {
    /// The verdict is `valid`: every essential check passed, the seal's status included.
    pub valid: bool,
    /// No check was skipped or unverifiable.
    pub complete: bool,
    /// `valid`, `suspended`, `revoked`, `expired`, `invalid` or `unverifiable`.
    pub verdict: String,
    /// 有效, 已暂停, 已撤销, 已过期, 无效 or 无法核验.
    pub verdict_zh: String,
    /// What was verified.
    pub subject: String,
    /// Facts read from it.
    pub facts: Vec<FactView>,
    /// The checks, in order.
    pub checks: Vec<CheckView>,
}

impl VerifyReport {
    fn of(result: &zhengku_verify::LicenceReport) -> VerifyReport {
        let r = &result.report;
        VerifyReport {
            valid: result.verdict == zhengku_verify::Verdict::Valid,
            complete: r.complete(),
            verdict: result.verdict.as_str().to_owned(),
            verdict_zh: result.verdict.label_zh().to_owned(),
            subject: r.subject.clone(),
            facts: r
                .facts
                .iter()
                .map(|(k, v)| FactView {
                    name: (*k).to_owned(),
                    value: v.clone(),
                })
                .collect(),
            checks: r
                .checks
                .iter()
                .map(|c| CheckView {
                    id: c.id.to_owned(),
                    label: c.label.to_owned(),
                    label_zh: c.label_zh.to_owned(),
                    outcome: c.outcome.as_str().to_owned(),
                    detail: c.outcome.detail().to_owned(),
                })
                .collect(),
        }
    }
}

/// Verify (验章) an electronic signature or a seal against the service's trust anchors,
/// check by check. Public: verifiers need no account.
#[utoipa::path(
    post, path = "/v1/verify/seal", tag = "public",
    request_body = VerifySealRequest,
    responses(
        (status = 200, description = "The report (valid or not)", body = VerifyReport),
        (status = 422, description = "Not base64, or not a seal or signature (the DER element and offset named)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    body: JsonBody<VerifySealRequest>,
) -> Result<Json<VerifyReport>, ApiError> {
    let req = body.value;
    let b64 = |name: &str, v: &str| {
        STANDARD
            .decode(v.trim())
            .map_err(|_| ApiError::field(name, "not_base64", "not base64"))
    };
    let document = req
        .document
        .as_deref()
        .map(|d| b64("document", d))
        .transpose()?;
    let now = OffsetDateTime::now_utc();
    let verifier = state.verifier(false).await?;
    // Phase one on the blocking pool, as every verification.
    let examined = match (&req.signature, &req.seal) {
        (Some(sig), None) => {
            let der = b64("signature", sig)?;
            state
                .verify_blocking(move || {
                    zhengku_verify::examine_seal_signature(
                        &der,
                        document.as_deref(),
                        &verifier.context(now),
                    )
                })
                .await?
                .map_err(|e| ApiError::field("signature", "not_ses_signature", e.to_string()))?
        }
        (None, Some(esl)) => {
            let der = b64("seal", esl)?;
            state
                .verify_blocking(move || zhengku_verify::examine_seal(&der, &verifier.context(now)))
                .await?
                .map_err(|e| ApiError::field("seal", "not_seal", e.to_string()))?
        }
        _ => {
            return Err(ApiError::field(
                "signature",
                "one_of",
                "give either signature or seal",
            ));
        }
    };
    let live = gather_live(&state, &examined, now.unix_timestamp()).await?;
    let report = zhengku_verify::conclude(examined, &live, now);
    Ok(Json(VerifyReport::of(&report)))
}
