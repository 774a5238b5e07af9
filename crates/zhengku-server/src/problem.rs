//! Every error the API returns, and the one place where errors become responses: RFC 9457
//! `application/problem+json` with a stable `type` per kind of error.
//!
//! Handlers return [`ApiError`]; store, key-store and extractor errors convert into it here,
//! so a status code or a problem type is decided once. Internal errors are logged with the
//! request id and answered with a generic text: database messages, key labels and paths
//! never reach a client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use zhengku_model::FieldError;
use zhengku_store::StoreError;

use crate::request_id;

/// The prefix of every problem `type`. A URN rather than a URL: the types are stable names,
/// and a URL would promise a page that an offline deployment cannot serve.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:zhengku:problem:";

/// One bad field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field: a JSON member name (`holder_code`, `face.注册资本`).
    pub field: String,
    /// A stable machine code (`required`, `invalid_check_char`, `too_long`, …).
    pub code: String,
    /// A message for people.
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(e: &FieldError) -> Self {
        FieldProblem {
            field: e.field.clone(),
            code: e.code.to_owned(),
            message: e.message.clone(),
        }
    }
}

/// The outcome of one item of a batch that was not issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BatchItemProblem {
    /// Position in the request's `requests` array, from 0.
    pub index: usize,
    /// `invalid` (this item has errors) or `not_issued` (it was valid, but the batch is
    /// all-or-nothing and another item was invalid).
    pub outcome: String,
    /// This item's problems (empty for `not_issued`).
    pub errors: Vec<FieldProblem>,
}

/// An RFC 9457 problem document, as every error response carries it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A stable URN naming the kind of problem, e.g. `urn:zhengku:problem:validation`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem; the same for every problem of the type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// The request id (also in the `X-Request-Id` header), for support and the audit log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `validation`: every bad field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For a failed batch: every item's outcome.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<BatchItemProblem>,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or malformed credentials, or an unknown or revoked key (401).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The key is valid but may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such resource (404).
    #[error("{what} {key} not found")]
    NotFound {
        /// Kind of thing.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// No such route (404).
    #[error("no route {0}")]
    NoRoute(String),
    /// The route exists, the method does not (405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request is well-formed but its values are not (422), every bad field listed.
    #[error("{detail}")]
    Validation {
        /// Summary.
        detail: String,
        /// Every bad field.
        errors: Vec<FieldProblem>,
    },
    /// A batch with invalid items (422); nothing was issued.
    #[error("{detail}")]
    BatchInvalid {
        /// Summary.
        detail: String,
        /// Every item's outcome.
        items: Vec<BatchItemProblem>,
    },
    /// The body is not the JSON expected, or a header or query parameter is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// The body is not `application/json` (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body is over the limit (413).
    #[error("request body over the {limit}-byte limit")]
    PayloadTooLarge {
        /// The limit, bytes.
        limit: usize,
    },
    /// The resource exists already (409).
    #[error("{0}")]
    Conflict(String),
    /// The same `Idempotency-Key` was used with a different request (409).
    #[error("Idempotency-Key {0:?} was used before with a different request")]
    IdempotencyMismatch(String),
    /// The licence's status does not allow this change (409).
    #[error("{0}")]
    InvalidTransition(String),
    /// What was asked for existed and is no more (410): a used or expired download link.
    #[error("{0}")]
    Gone(String),
    /// What was asked for is not made for this resource, by design (409): an OFD for a
    /// licence sealed with a P-256 key, say.
    #[error("{0}")]
    NotOffered(String),
    /// A dependency (database, key store) is not available (503).
    #[error("{0}")]
    Unavailable(String),
    /// Too many requests of this kind are being served (503, with `Retry-After`).
    #[error("{0}")]
    Overloaded(String),
    /// The request took longer than allowed (504).
    #[error("{0}")]
    Timeout(String),
    /// Anything else (500). What failed is logged, not sent.
    #[error(transparent)]
    Internal(#[from] InternalError),
}

/// A failure inside the service (500): what was being done, what it was about, and the
/// error underneath. [`ApiError::into_response`](IntoResponse::into_response) logs all of
/// it with the request id; the client gets only a generic text and the request id to quote,
/// so database messages, key labels and paths never leave the service.
#[derive(Debug)]
pub struct InternalError {
    /// What was being done: a fixed text (`seal task`, `stored seal does not decode`).
    context: &'static str,
    /// The value it was about (a key id, a licence type code), when it helps a reader.
    subject: Option<String>,
    /// The error underneath, if one was raised.
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl InternalError {
    /// A broken expectation with no error underneath (`sequence block missing`).
    pub fn new(context: &'static str) -> InternalError {
        InternalError {
            context,
            subject: None,
            source: None,
        }
    }

    /// `context` failed because of `source`.
    pub fn caused<E>(context: &'static str, source: E) -> InternalError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        InternalError::boxed(context, Box::new(source))
    }

    /// As [`InternalError::caused`], with an error already boxed (tower's `BoxError`).
    pub fn boxed(
        context: &'static str,
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    ) -> InternalError {
        InternalError {
            context,
            subject: None,
            source: Some(source),
        }
    }

    /// The same, naming the value it was about.
    pub fn about(mut self, subject: impl std::fmt::Display) -> InternalError {
        self.subject = Some(subject.to_string());
        self
    }

    /// What was being done.
    pub fn context(&self) -> &'static str {
        self.context
    }

    /// Everything known, for the log: `context (subject): cause: its cause…`.
    pub fn detail(&self) -> String {
        use std::fmt::Write;
        let mut out = self.to_string();
        let mut next = std::error::Error::source(self);
        while let Some(e) = next {
            let _ = write!(out, ": {e}");
            next = e.source();
        }
        out
    }
}

impl std::fmt::Display for InternalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.context)?;
        if let Some(s) = &self.subject {
            write!(f, " ({s})")?;
        }
        Ok(())
    }
}

impl std::error::Error for InternalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl ApiError {
    /// Status code, problem type slug and title.
    fn kind(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not permitted"),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::NoRoute(_) => (StatusCode::NOT_FOUND, "no-route", "No such endpoint"),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            ApiError::Validation { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "The request has invalid values",
            ),
            ApiError::BatchInvalid { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "batch-invalid",
                "Some batch items are invalid; nothing was issued",
            ),
            ApiError::BadRequest(_) => {
                (StatusCode::BAD_REQUEST, "bad-request", "Malformed request")
            }
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The body must be application/json",
            ),
            ApiError::PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Request body too large",
            ),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Already exists"),
            ApiError::IdempotencyMismatch(_) => (
                StatusCode::CONFLICT,
                "idempotency-key-reused",
                "Idempotency-Key reused with a different request",
            ),
            ApiError::InvalidTransition(_) => (
                StatusCode::CONFLICT,
                "invalid-status-transition",
                "The licence's status does not allow this change",
            ),
            ApiError::Gone(_) => (StatusCode::GONE, "gone", "No longer available"),
            ApiError::NotOffered(_) => (
                StatusCode::CONFLICT,
                "not-offered",
                "Not made for this resource",
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            ApiError::Overloaded(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "Too many requests of this kind at once",
            ),
            ApiError::Timeout(_) => (
                StatusCode::GATEWAY_TIMEOUT,
                "timeout",
                "The request took too long",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }

    /// The problem document for this error.
    pub fn to_problem(&self) -> Problem {
        let (status, slug, title) = self.kind();
        let detail = match self {
            // The cause is logged; the client gets the request id to quote.
            ApiError::Internal(_) => "an internal error occurred; quote the request id".to_owned(),
            other => other.to_string(),
        };
        let (errors, items) = match self {
            ApiError::Validation { errors, .. } => (errors.clone(), Vec::new()),
            ApiError::BatchInvalid { items, .. } => (Vec::new(), items.clone()),
            _ => (Vec::new(), Vec::new()),
        };
        Problem {
            type_: format!("{PROBLEM_TYPE_PREFIX}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            request_id: request_id::current(),
            errors,
            items,
        }
    }

    /// A validation error for one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::Validation {
            detail: format!("{field}: {message}"),
            errors: vec![FieldProblem {
                field: field.to_owned(),
                code: code.to_owned(),
                message,
            }],
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.to_problem();
        match &self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause.detail(), "request failed");
            }
            ApiError::Unavailable(cause) => {
                tracing::error!(error = %cause, "request failed");
            }
            _ => {}
        }
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, ApiError::Overloaded(_)) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"zhengku\""),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what, key } => ApiError::NotFound { what, key },
            StoreError::Conflict { what, key } => {
                ApiError::Conflict(format!("{what} {key} already exists"))
            }
            StoreError::InvalidTransition { .. } | StoreError::InvalidSealTransition { .. } => {
                ApiError::InvalidTransition(e.to_string())
            }
            StoreError::InvalidInput { field, reason } => ApiError::field(field, "invalid", reason),
            StoreError::SequenceExhausted { .. } => ApiError::Conflict(e.to_string()),
            StoreError::Connect { .. } => ApiError::Unavailable(e.to_string()),
            other => InternalError::caused("store", other).into(),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::BadRequest(format!("query string: {}", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An internal failure's detail goes to the log, never to the client.
    #[test]
    fn internal_detail_is_logged_not_sent() {
        let cause = std::io::Error::other("disk /var/lib/zhengku full");
        let e: ApiError = InternalError::caused("seal task", cause)
            .about("3301060100000001")
            .into();
        let ApiError::Internal(internal) = &e else {
            panic!("not internal: {e:?}");
        };
        assert_eq!(internal.context(), "seal task");
        assert_eq!(
            internal.detail(),
            "seal task (3301060100000001): disk /var/lib/zhengku full"
        );
        let problem = e.to_problem();
        assert_eq!(problem.status, 500);
        assert_eq!(
            problem.detail,
            "an internal error occurred; quote the request id"
        );
        assert_eq!(
            InternalError::new("sequence block missing").detail(),
            "sequence block missing"
        );
    }
}
