//! Request ids: every request gets one (the caller's `X-Request-Id` when it is sane, else a
//! fresh random one). It is echoed in the response header, put on every log line of the
//! request, written into each audit entry the request causes, and quoted in problem
//! documents, so a complaint, a log line and an audit entry can be joined.

use axum::extract::Request;
use axum::http::HeaderValue;

tokio::task_local! {
    static CURRENT: String;
}

/// The header carrying the id.
pub const HEADER: &str = "x-request-id";

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: std::future::Future>(id: String, fut: F) -> F::Output {
    CURRENT.scope(id, fut).await
}

/// The caller's id if it is 1 to 64 characters of `[A-Za-z0-9._:-]` (anything else could
/// forge log lines or bloat the audit log), else a new one.
pub fn from_request(req: &Request) -> String {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
        })
        .map_or_else(new_id, str::to_owned)
}

/// 16 random bytes as 32 hex characters. Random rather than a counter: ids from several
/// replicas must not collide.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    // A failing system RNG leaves zeros; the id is for joining logs, not a secret, and the
    // request must still be served.
    let _ = zhengku_crypto::fill_random(&mut bytes);
    hex::encode(bytes)
}

/// The id as a header value.
pub fn header_value(id: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(id).ok()
}

/// The current request's id, as an extractor (the middleware puts it in the request's
/// extensions).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(new_id())))
    }
}
