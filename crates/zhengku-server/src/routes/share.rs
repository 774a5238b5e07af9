//! The sharing interface (共享服务接口, after GB/T 36906, whose text is not public; the shape
//! follows deployed licence platforms): what a department in this region or another calls to
//! use a holder's licence, every call with a use cause where personal data is read, every
//! call audited.
//!
//! | call | route | audited as |
//! |---|---|---|
//! | query a licence by identifier | `POST /v1/share/query` | `licence.read` / `licence.reuse` |
//! | list a holder's licences | `POST /v1/share/list` | `licence.reuse`, each licence |
//! | an annotated copy and its link | `POST /v1/share/copies`, `POST /v1/licences/{id}/copies` | `licence.copy`, `copy.link` |
//! | another link to a copy | `POST /v1/copies/{copy_id}/links` | `copy.link` |
//! | download, once | `GET /v1/share/downloads/{token}` | `copy.download` (`…-refused`) |
//! | verify a submitted file or QR text | `POST /v1/share/verify` | `share.verify` |
//! | look a licence up by its QR text | `POST /v1/share/qr` | `share.qr`, then the read |
//!
//! Handlers hold no logic: copies are [`crate::copies`], reads [`crate::reads`], reuse the
//! reuse lookup, verification [`crate::verification`].

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhengku_model::HolderCodeType;

use crate::api::{LicenceView, ReuseResponse};
use crate::auth::Principal;
use crate::copies::{self, CopyOrder, MadeCopy};
use crate::extract::JsonBody;
use crate::problem::{ApiError, InternalError};
use crate::reads::{read_licence, use_cause};
use crate::request_id::RequestId;
use crate::routes::licences::reuse::{ReuseQuery, reuse_lookup};
use crate::routes::responses::{
    InvalidFields, LicenceDocumentProblems, LinkGone, MalformedJson, NoApiKey, NoCopySeal,
    NoSuchLink, NotCopyable, ReuseProblems,
};
use crate::routes::verify::LicenceVerification;

/// The engine's report, owned.
type Verification = LicenceVerification<'static>;
use crate::state::AppState;

/// What a department asks a copy for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyBody {
    /// 用证事由 / 加注件制作事由, 1 to 200 characters.
    pub use_cause: Option<String>,
    /// 办理事项: what the copy may be used for, 1 to 64 characters (printed: 仅供办理…使用).
    pub matter: Option<String>,
    /// The copy's last day of use, `YYYY-MM-DD`: from today to `copy_max_days` (90) days
    /// later, and not after the licence's own last day.
    pub valid_until: Option<String>,
    /// `ofd` (default; SM2 departments' licences), `pdf` or `png` (any licence; a picture
    /// carrying the signed record).
    pub format: Option<String>,
}

/// `POST /v1/share/copies`: a copy of the licence `identifier`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareCopyBody {
    /// 证照标识 (GB/T 36904).
    pub identifier: String,
    /// As [`CopyBody`].
    pub use_cause: Option<String>,
    /// As [`CopyBody`].
    pub matter: Option<String>,
    /// As [`CopyBody`].
    pub valid_until: Option<String>,
    /// As [`CopyBody`].
    pub format: Option<String>,
}

/// A single-use download link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LinkView {
    /// Where to download the copy from, once: a path on this service, the token in it.
    pub path: String,
    /// When the link stops working (RFC 3339).
    pub expires_at: String,
}

/// An annotated copy (加注件) made.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CopyView {
    /// The copy's id (for more links).
    pub copy_id: String,
    /// The licence.
    pub identifier: String,
    /// `ofd`, `pdf` or `png`.
    pub format: String,
    /// 加注件制作时间 (RFC 3339).
    pub made_at: String,
    /// 加注件制作者, as printed.
    pub made_by: String,
    /// 加注件制作事由.
    pub use_cause: String,
    /// 办理事项.
    pub matter: String,
    /// 加注件有效期截止时间: the last day of use.
    pub valid_until: String,
    /// A first download link.
    pub download: LinkView,
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

fn link_view(l: &copies::Link) -> LinkView {
    LinkView {
        path: l.path.clone(),
        expires_at: rfc3339(l.expires_at),
    }
}

async fn copy_and_link(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    identifier: &str,
    order: CopyOrder,
) -> Result<(StatusCode, Json<CopyView>), ApiError> {
    let MadeCopy { copy, made_by } =
        copies::make_copy(state, principal, request_id, identifier, order).await?;
    let link = copies::make_link(state, principal, request_id, &copy.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(CopyView {
            copy_id: copy.id,
            identifier: copy.identifier,
            format: copy.format,
            made_at: rfc3339(copy.made_at),
            made_by,
            use_cause: copy.use_cause,
            matter: copy.matter,
            valid_until: copy.valid_until,
            download: link_view(&link),
        }),
    ))
}

/// An annotated copy (加注件) of a licence, for one use: watermarked 「仅供办理…使用
/// 有效期至…」, carrying the four copy fields, sealed by the library over the issuer's
/// sealed OFD; with a first single-use download link. The issuer, a department with the
/// `reuse` scope, or an administrator; always with a use cause. Audited as `licence.copy`.
#[utoipa::path(
    post, path = "/v1/licences/{identifier}/copies", tag = "sharing",
    params(("identifier" = String, Path, description = "证照标识 (GB/T 36904)")),
    request_body = CopyBody,
    responses(
        (status = 201, description = "The copy, and a link to download it once", body = CopyView),
        LicenceDocumentProblems,
        InvalidFields,
        NotCopyable,
        NoCopySeal,
    ),
    security(("bearer" = []))
)]
pub async fn create_copy(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(identifier): Path<String>,
    body: JsonBody<CopyBody>,
) -> Result<(StatusCode, Json<CopyView>), ApiError> {
    let b = body.value;
    let order = CopyOrder {
        use_cause: b.use_cause,
        matter: b.matter,
        valid_until: b.valid_until,
        format: b.format,
    };
    copy_and_link(&state, &principal, &request_id, &identifier, order).await
}

/// The sharing interface's copy call: as `POST /v1/licences/{identifier}/copies`, the
/// identifier in the body.
#[utoipa::path(
    post, path = "/v1/share/copies", tag = "sharing",
    request_body = ShareCopyBody,
    responses(
        (status = 201, description = "The copy, and a link to download it once", body = CopyView),
        LicenceDocumentProblems,
        InvalidFields,
        NotCopyable,
        NoCopySeal,
    ),
    security(("bearer" = []))
)]
pub async fn share_copy(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<ShareCopyBody>,
) -> Result<(StatusCode, Json<CopyView>), ApiError> {
    let b = body.value;
    let order = CopyOrder {
        use_cause: b.use_cause,
        matter: b.matter,
        valid_until: b.valid_until,
        format: b.format,
    };
    copy_and_link(&state, &principal, &request_id, &b.identifier, order).await
}

/// Another single-use download link to a copy, for the department it was made for (or an
/// administrator). Audited as `copy.link`.
#[utoipa::path(
    post, path = "/v1/copies/{copy_id}/links", tag = "sharing",
    params(("copy_id" = String, Path, description = "The copy's id (32 hex digits)")),
    responses(
        (status = 201, description = "The link", body = LinkView),
        NoApiKey,
    ),
    security(("bearer" = []))
)]
pub async fn create_link(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(copy_id): Path<String>,
) -> Result<(StatusCode, Json<LinkView>), ApiError> {
    let link = copies::make_link(&state, &principal, &request_id, &copy_id).await?;
    Ok((StatusCode::CREATED, Json(link_view(&link))))
}

/// Downloads a copy by its link, once: the token is the credential (no API key), a second
/// request is 410. Audited as `copy.download` (or `copy.download-refused`).
#[utoipa::path(
    get, path = "/v1/share/downloads/{token}", tag = "sharing",
    params(("token" = String, Path, description = "The link's token")),
    responses(
        (status = 200, description = "The copy, in the format it was made in",
         content(
            (Vec<u8> = "application/ofd"),
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "image/png"),
         )),
        NoSuchLink,
        LinkGone,
    )
)]
pub async fn download(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let copy = copies::take_link(&state, &request_id, &token).await?;
    let content_type = copies::CopyFormat::media_type(&copy.format);
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-copy-{}.{}\"",
                    copy.identifier,
                    &copy.id[..8.min(copy.id.len())],
                    copy.format
                ),
            ),
        ],
        Body::from(copy.file),
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// `POST /v1/share/query`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryBody {
    /// 证照标识 (GB/T 36904).
    pub identifier: String,
    /// 用证事由, 1 to 200 characters (optional for the issuer).
    pub use_cause: Option<String>,
}

/// Query a licence by identifier, stating why: its metadata and face. Audited as the read
/// of `GET /v1/licences/{identifier}`.
#[utoipa::path(
    post, path = "/v1/share/query", tag = "sharing",
    request_body = QueryBody,
    responses(
        (status = 200, description = "The licence", body = LicenceView),
        LicenceDocumentProblems,
    ),
    security(("bearer" = []))
)]
pub async fn query(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<QueryBody>,
) -> Result<Json<LicenceView>, ApiError> {
    let b = body.value;
    let licence = read_licence(
        &state,
        &principal,
        &request_id,
        &b.identifier,
        b.use_cause.as_deref(),
    )
    .await?;
    Ok(Json(LicenceView::of(&licence)))
}

/// `POST /v1/share/list`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListBody {
    /// 持证主体代码.
    pub holder_code: String,
    /// 持证主体代码类型: `111` citizen ID number, `001` USCC.
    pub holder_code_type: String,
    /// 证照类型代码, to list one type only.
    pub type_code: Option<String>,
    /// 用证事由, 1 to 200 characters.
    pub use_cause: Option<String>,
}

/// List a holder's licences by holder code, its type and optionally the licence type,
/// stating why. The reuse lookup: every licence returned is audited as used.
#[utoipa::path(
    post, path = "/v1/share/list", tag = "sharing",
    request_body = ListBody,
    responses(
        (status = 200, description = "The holder's licences", body = ReuseResponse),
        ReuseProblems,
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<ListBody>,
) -> Result<Json<ReuseResponse>, ApiError> {
    let b = body.value;
    let kind = HolderCodeType::parse(b.holder_code_type.trim()).ok_or_else(|| {
        ApiError::field(
            "holder_code_type",
            "invalid",
            "111 (citizen ID number) or 001 (USCC)",
        )
    })?;
    let code = b.holder_code.trim();
    let fits = match kind {
        HolderCodeType::CitizenId => zhengku_model::codes::CitizenId::parse(code).is_ok(),
        HolderCodeType::Uscc => zhengku_model::codes::Uscc::parse(code).is_ok(),
    };
    if !fits {
        return Err(ApiError::field(
            "holder_code",
            "invalid",
            format!("not a valid {} (type {})", kind.label_zh(), kind.as_str()),
        ));
    }
    reuse_lookup(
        &state,
        &principal,
        &request_id,
        ReuseQuery::new(code, b.type_code, b.use_cause),
    )
    .await
}

/// `POST /v1/share/verify`: a file or a QR text to verify.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareVerifyBody {
    /// The file (PDF, OFD, signed record, seal, signature), base64.
    pub file_base64: Option<String>,
    /// Or the QR code's text.
    pub payload: Option<String>,
    /// Why, if the caller records one.
    pub use_cause: Option<String>,
}

async fn verified(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    action: &str,
    input: Vec<u8>,
    cause: Option<&str>,
) -> Result<(Verification, zhengku_verify::Verdict), ApiError> {
    let report = crate::verification::verify_bytes(state, input).await?;
    let value = serde_json::to_value(&report).map_err(|e| InternalError::caused("report", e))?;
    let view: Verification =
        serde_json::from_value(value).map_err(|e| InternalError::caused("report", e))?;
    let target = report
        .facts
        .as_ref()
        .map_or_else(|| "(unidentified)".to_owned(), |f| f.identifier.clone());
    state
        .store()
        .record_share_call(&principal.actor(), action, &target, cause, request_id)
        .await?;
    Ok((view, report.verdict))
}

/// Verify a submitted file (base64) or QR text, as `POST /v1/verify` does, for a department:
/// audited as `share.verify` with what it named.
#[utoipa::path(
    post, path = "/v1/share/verify", tag = "sharing",
    request_body = ShareVerifyBody,
    responses(
        (status = 200, description = "The result, whatever the verdict", body = LicenceVerification),
        MalformedJson,
        InvalidFields,
        NoApiKey,
    ),
    security(("bearer" = []))
)]
pub async fn verify(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<ShareVerifyBody>,
) -> Result<Json<Verification>, ApiError> {
    let b = body.value;
    let cause = use_cause(b.use_cause.as_deref(), true)?;
    let input = match (&b.file_base64, &b.payload) {
        (Some(f), None) => base64::engine::general_purpose::STANDARD
            .decode(f.trim())
            .map_err(|e| ApiError::field("file_base64", "invalid", e.to_string()))?,
        (None, Some(p)) if !p.trim().is_empty() => p.trim().as_bytes().to_vec(),
        _ => {
            return Err(ApiError::field(
                "file_base64",
                "required",
                "give exactly one of file_base64 and payload",
            ));
        }
    };
    if input.is_empty() {
        return Err(ApiError::field("file_base64", "required", "empty"));
    }
    let (view, _) = verified(
        &state,
        &principal,
        &request_id,
        "share.verify",
        input,
        cause,
    )
    .await?;
    Ok(Json(view))
}

/// `POST /v1/share/qr`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QrBody {
    /// The QR code's text (`ZK1:…` or the verification URL).
    pub text: String,
    /// 用证事由, 1 to 200 characters.
    pub use_cause: Option<String>,
}

/// What a QR lookup answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QrLookup {
    /// The QR code verified.
    #[schema(value_type = Object)]
    pub verification: Verification,
    /// The licence it names, when the code checked out and the licence is this library's.
    pub licence: Option<LicenceView>,
}

/// Look a licence up by its QR code's text: the code is verified (audited `share.qr`), and
/// when it names a licence of this library and is genuine (not 无效), the licence is read as
/// `POST /v1/share/query` reads it (audited).
#[utoipa::path(
    post, path = "/v1/share/qr", tag = "sharing",
    request_body = QrBody,
    responses(
        (status = 200, description = "The verification and the licence", body = QrLookup),
        MalformedJson,
        InvalidFields,
        NoApiKey,
    ),
    security(("bearer" = []))
)]
pub async fn qr(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    body: JsonBody<QrBody>,
) -> Result<Json<QrLookup>, ApiError> {
    let b = body.value;
    let cause = use_cause(b.use_cause.as_deref(), false)?;
    let text = b.text.trim();
    if text.is_empty() || text.len() > 4096 {
        return Err(ApiError::field("text", "required", "the QR code's text"));
    }
    let (verification, verdict) = verified(
        &state,
        &principal,
        &request_id,
        "share.qr",
        text.as_bytes().to_vec(),
        cause,
    )
    .await?;
    let identifier = verification
        .facts
        .as_ref()
        .filter(|_| verdict != zhengku_verify::Verdict::Invalid)
        .map(|f| f.identifier.clone());
    let licence = match identifier {
        Some(id) => match read_licence(&state, &principal, &request_id, &id, cause).await {
            Ok(l) => Some(LicenceView::of(&l)),
            Err(ApiError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(Json(QrLookup {
        verification,
        licence,
    }))
}
