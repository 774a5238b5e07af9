//! A licence as a document: its sealed, signed PDF, its sealed OFD, its QR code as PNG and
//! SVG, and the QR text (see [`crate::documents`] for how they are made).
//!
//! Who may fetch them, and the audit entry each fetch leaves, is [`crate::reads`]: the
//! issuing department (`licence.read`), an administrator stating a `use_cause`
//! (`licence.read`), another department with the `reuse` scope and a `use_cause`
//! (`licence.reuse`). No document is made for a licence not in force (409). The QR code carries the holder's masked name and the licence's validity, so it is
//! not public either. Answers are `Cache-Control: private, no-store`: the PDF shows the
//! holder in full, and a revoked licence must not be served from a cache.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhengku_store::StoredLicence;

use crate::auth::Principal;
use crate::documents::{self, Format};
use crate::extract::ApiQuery;
use crate::problem::{ApiError, InternalError};
use crate::reads::read_licence;
use crate::request_id::RequestId;
use crate::routes::responses::{LicenceDocumentProblems, NoSealOrLayout};
use crate::state::AppState;
use zhengku_model::LicenceStatus;

/// The query of a licence read (the licence, its PDF or QR code).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    /// 用证事由, 1 to 200 characters, audited: required for administrators and for a
    /// department other than the issuer (with the `reuse` scope); optional for the issuer.
    use_cause: Option<String>,
}

impl DocumentQuery {
    /// The use cause given, if any.
    pub fn use_cause(&self) -> Option<&str> {
        self.use_cause.as_deref()
    }
}

/// The QR text of a licence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QrView {
    /// The licence.
    pub identifier: String,
    /// What the QR code holds: the verification page's URL with the payload in its path.
    pub text: String,
    /// The bare `ZK1:` payload (verifiable offline).
    pub payload: String,
    /// The QR version of the symbol (level Q, alphanumeric mode).
    pub version: u8,
}

/// Loads the licence for whoever may have its documents, auditing the read
/// ([`crate::reads`]), if it is in force.
async fn load_for_document(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    identifier: &str,
    use_cause: Option<&str>,
) -> Result<StoredLicence, ApiError> {
    in_force(read_licence(state, principal, request_id, identifier, use_cause).await?)
}

/// No PDF or QR code is made for a suspended, revoked, cancelled or withdrawn licence: a
/// fresh document would lend it an authority it no longer has (an expired licence's
/// documents say 已过期 when verified, and are still made).
fn in_force(licence: StoredLicence) -> Result<StoredLicence, ApiError> {
    match licence.status {
        LicenceStatus::Valid | LicenceStatus::Expired => Ok(licence),
        s => Err(ApiError::InvalidTransition(format!(
            "licence {} is {} ({}): no PDF or QR code is made for a licence not in force",
            licence.licence.record().identifier,
            s.label_zh(),
            s.as_str()
        ))),
    }
}

fn private(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// The licence as a signed PDF (PAdES B-B, sealed with the issuing department's seal,
/// with the QR code and the signed record embedded).
#[utoipa::path(
    get, path = "/v1/licences/{identifier}/pdf", tag = "licences",
    params(("identifier" = String, Path, description = "证照标识 (GB/T 36904)"), DocumentQuery),
    responses(
        (status = 200, description = "The PDF", body = Vec<u8>, content_type = "application/pdf"),
        LicenceDocumentProblems,
        NoSealOrLayout,
    ),
    security(("bearer" = []))
)]
pub async fn licence_pdf(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(identifier): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    let read = (&principal, request_id.as_str(), identifier.as_str());
    licence_file(&state, read, q.use_cause.as_deref(), Format::Pdf).await
}

/// The licence as a sealed OFD (GB/T 36905 / GB/T 33190): the same face as the PDF, the
/// GB/T 36903 metadata in `DocInfo/CustomDatas`, the signed record attached, sealed with
/// the issuing department's seal (GB/T 38540 SES_Signature, SM2). SM2 departments only: a
/// P-256 department's licence has no OFD (409).
#[utoipa::path(
    get, path = "/v1/licences/{identifier}/ofd", tag = "licences",
    params(("identifier" = String, Path, description = "证照标识 (GB/T 36904)"), DocumentQuery),
    responses(
        (status = 200, description = "The OFD", body = Vec<u8>, content_type = "application/ofd"),
        LicenceDocumentProblems,
        NoSealOrLayout,
    ),
    security(("bearer" = []))
)]
pub async fn licence_ofd(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(identifier): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    let read = (&principal, request_id.as_str(), identifier.as_str());
    licence_file(&state, read, q.use_cause.as_deref(), Format::Ofd).await
}

/// The licence's PDF or OFD for whoever may read it (the read audited), named after the
/// licence, not to be cached.
async fn licence_file(
    state: &AppState,
    (principal, request_id, identifier): (&Principal, &str, &str),
    use_cause: Option<&str>,
    format: Format,
) -> Result<Response, ApiError> {
    let licence = load_for_document(state, principal, request_id, identifier, use_cause).await?;
    let bytes = documents::licence_document(state, &licence, format).await?;
    let (content_type, extension) = match format {
        Format::Pdf => ("application/pdf", "pdf"),
        Format::Ofd => ("application/ofd", "ofd"),
    };
    let id = licence.licence.record().identifier.as_str();
    Ok(private(
        (
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{id}.{extension}\""),
                ),
            ],
            Body::from(bytes),
        )
            .into_response(),
    ))
}

async fn qr_symbol(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    identifier: &str,
    use_cause: Option<&str>,
) -> Result<(StoredLicence, String, String, zhengku_qr::QrSymbol), ApiError> {
    let licence = load_for_document(state, principal, request_id, identifier, use_cause).await?;
    let payload = documents::qr_payload(state, &licence).await?;
    let text = state.documents().qr_url(&payload)?;
    let symbol =
        zhengku_qr::QrSymbol::new(&text).map_err(|e| InternalError::caused("QR symbol", e))?;
    Ok((licence, payload, text, symbol))
}

/// The licence's QR code as PNG (8 pixels a module, quiet zone included).
#[utoipa::path(
    get, path = "/v1/licences/{identifier}/qr.png", tag = "licences",
    params(("identifier" = String, Path, description = "证照标识 (GB/T 36904)"), DocumentQuery),
    responses(
        (status = 200, description = "The QR code", body = Vec<u8>, content_type = "image/png"),
        LicenceDocumentProblems,
    ),
    security(("bearer" = []))
)]
pub async fn licence_qr_png(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(identifier): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    let (_, _, _, symbol) = qr_symbol(
        &state,
        &principal,
        &request_id,
        &identifier,
        q.use_cause.as_deref(),
    )
    .await?;
    let png = symbol
        .to_png(8)
        .map_err(|e| InternalError::caused("QR PNG", e))?;
    Ok(private(
        ([(header::CONTENT_TYPE, "image/png")], Body::from(png)).into_response(),
    ))
}

/// The licence's QR code as SVG (one unit a module, quiet zone included).
#[utoipa::path(
    get, path = "/v1/licences/{identifier}/qr.svg", tag = "licences",
    params(("identifier" = String, Path, description = "证照标识 (GB/T 36904)"), DocumentQuery),
    responses(
        (status = 200, description = "The QR code", body = String, content_type = "image/svg+xml"),
        LicenceDocumentProblems,
    ),
    security(("bearer" = []))
)]
pub async fn licence_qr_svg(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(identifier): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    let (_, _, _, symbol) = qr_symbol(
        &state,
        &principal,
        &request_id,
        &identifier,
        q.use_cause.as_deref(),
    )
    .await?;
    Ok(private(
        (
            [(header::CONTENT_TYPE, "image/svg+xml")],
            Body::from(symbol.to_svg()),
        )
            .into_response(),
    ))
}

/// The licence's QR text: the URL a phone camera opens, and the bare payload in it.
#[utoipa::path(
    get, path = "/v1/licences/{identifier}/qr", tag = "licences",
    params(("identifier" = String, Path, description = "证照标识 (GB/T 36904)"), DocumentQuery),
    responses(
        (status = 200, description = "The QR text", body = QrView),
        LicenceDocumentProblems,
    ),
    security(("bearer" = []))
)]
pub async fn licence_qr(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(request_id): RequestId,
    Path(identifier): Path<String>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    let (licence, payload, text, symbol) = qr_symbol(
        &state,
        &principal,
        &request_id,
        &identifier,
        q.use_cause.as_deref(),
    )
    .await?;
    Ok(private(
        Json(QrView {
            identifier: licence.licence.record().identifier.as_str().to_owned(),
            text,
            payload,
            version: symbol.version(),
        })
        .into_response(),
    ))
}
