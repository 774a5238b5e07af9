//! The seal API (电子印章): making a seal for a department (制章), reading it and its public
//! status; its lifecycle and who may use it (用印授权) in [`lifecycle`]; stamping a document
//! hash (盖章) in [`stamp`]; what the routes take and answer in [`views`]. Public
//! verification of seals and electronic signatures (验章) is with the other verification
//! routes, [`crate::routes::verify`].
//!
//! The service acts as the seal-making authority with the maker key and certificate it is
//! configured with ([`crate::seal_making`]); each seal's holder key stays in the key store,
//! and stamping signs there ([`crate::stamping`]).

pub mod lifecycle;
pub mod stamp;
pub mod views;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use zhengku_seal::artwork::PictureFormat;
use zhengku_store::StoredSeal;

use self::views::{SealCreate, SealStatusView, SealView};
use crate::auth::Principal;
use crate::extract::JsonBody;
use crate::problem::ApiError;
use crate::request_id::RequestId;
use crate::routes::responses::{
    InvalidFields, NoSealMaker, NoSuchDepartment, NoSuchSeal, NotAdmin, NotMadeHere,
    OwnSealProblems,
};
use crate::seal_making::SealMaking;
use crate::stamping;
use crate::state::AppState;

/// Make a seal (制章) for a department, signed by the configured seal maker.
#[utoipa::path(
    post, path = "/v1/seals", tag = "seals",
    request_body = SealCreate,
    responses(
        (status = 201, description = "Made", body = SealView),
        NotAdmin,
        NoSuchDepartment,
        InvalidFields,
        NoSealMaker,
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
    let making = SealMaking {
        store: state.store(),
        keys: &state,
        maker,
        allow_p256: state.allow_p256_seals(),
        entries: state.seal_status_entries(),
        base_url: state.documents().base_url(),
    };
    let stored = making
        .make(&department, req.order(), &principal.actor(), &request_id)
        .await?;
    Ok((StatusCode::CREATED, Json(SealView::of(&stored))))
}

/// A seal's status, for verifiers (`zhengku verify --online`). Public.
#[utoipa::path(
    get, path = "/v1/seals/{esid}/status", tag = "public",
    params(("esid" = String, Path, description = "印章编码")),
    responses(
        (status = 200, description = "Its status now", body = SealStatusView),
        NotMadeHere,
    )
)]
pub async fn seal_status(
    State(state): State<AppState>,
    Path(esid): Path<String>,
) -> Result<Json<SealStatusView>, ApiError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    match crate::verification::seal_record(&state, &esid, now).await? {
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

/// The seal, for a principal that may manage it: its own department's key with the
/// `manage` scope, or an administrator. `what` completes "may not … seals".
pub(super) async fn load_managed(
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

/// A seal: its department or an administrator.
#[utoipa::path(
    get, path = "/v1/seals/{esid}", tag = "seals",
    params(("esid" = String, Path, description = "印章编码")),
    responses(
        (status = 200, description = "The seal", body = SealView),
        OwnSealProblems,
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
        OwnSealProblems,
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

/// The seal's picture (印模), public: verification pages show it.
#[utoipa::path(
    get, path = "/v1/seals/{esid}/picture", tag = "public",
    params(("esid" = String, Path, description = "印章编码")),
    responses(
        (status = 200, description = "PNG or SVG", body = Vec<u8>, content_type = "image/svg+xml"),
        NoSuchSeal,
    )
)]
pub async fn get_picture(
    State(state): State<AppState>,
    Path(esid): Path<String>,
) -> Result<Response, ApiError> {
    let stored = state.store().get_seal(&esid).await?;
    let seal = stamping::decode_v4(&stored)?;
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
