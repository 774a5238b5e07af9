//! Live status from a library's public routes, for `zhengku verify --online URL`: the
//! statuses of the licences and seals a verification names, fetched from
//! `GET /v1/licences/{id}/status` and `GET /v1/seals/{esid}/status` and put into the
//! engine's [`LiveLists`] (the answers' format is `zhengku_verify::bundle`). Feature
//! `online`; blocking (a private current-thread runtime), as the CLI is.
//!
//! What the library does not know (404) is left out, so its status stays unknown (the
//! engine says 无法核验), and returned as a note; any other failure is an error.

use std::time::Duration;

use zhengku_verify::LiveLists;
use zhengku_verify::bundle::{licence_status_answer, seal_status_answer};

/// How long one request may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Why the statuses could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    /// No runtime or HTTP client could be made.
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    /// The library could not be reached.
    #[error("cannot reach {url}: {source}")]
    Unreachable {
        /// The URL.
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// It answered with an error status.
    #[error("{url} answered {status}")]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: reqwest::StatusCode,
    },
    /// It answered more than a sane answer holds.
    #[error("{url} answered more than {max} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        max: usize,
    },
    /// It answered something that is not a status.
    #[error("--online: {url} did not answer a status: {source}")]
    Answer {
        /// The URL.
        url: String,
        /// What is wrong with the answer.
        source: zhengku_verify::bundle::BundleError,
    },
}

/// Fetches the statuses of the licences `ids` and seals `esids` from the library at
/// `base` into `lists`; returns a note for each one the library does not know.
pub fn fetch_statuses(
    base: &str,
    ids: &[String],
    esids: &[String],
    lists: &mut LiveLists,
) -> Result<Vec<String>, OnlineError> {
    let base = base.trim_end_matches('/');
    let source = format!("online {base}");
    let (runtime, client) = blocking_client()?;
    let mut notes = Vec::new();
    let not_known = |what: String| format!("the library at {base} does not know {what}");
    runtime.block_on(async {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        for id in ids {
            let url = format!("{base}/v1/licences/{id}/status");
            let Some(body) = get(&client, &url, MAX_ANSWER).await? else {
                notes.push(not_known(format!("licence {id}")));
                continue;
            };
            let live = licence_status_answer(&body, &source, now)
                .map_err(|source| OnlineError::Answer { url, source })?;
            lists.licences.insert(id.clone(), live);
        }
        for esid in esids {
            let url = format!("{base}/v1/seals/{esid}/status");
            let Some(body) = get(&client, &url, MAX_ANSWER).await? else {
                notes.push(not_known(format!("seal {esid}")));
                continue;
            };
            let live = seal_status_answer(&body, esid, &source)
                .map_err(|source| OnlineError::Answer { url, source })?;
            lists.seals.insert(esid.clone(), live);
        }
        Ok::<(), OnlineError>(())
    })?;
    Ok(notes)
}

/// A private current-thread runtime and an HTTP client with [`TIMEOUT`]: the CLI is
/// blocking, and so are these calls.
pub(crate) fn blocking_client() -> Result<(tokio::runtime::Runtime, reqwest::Client), OnlineError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| OnlineError::Client(e.to_string()))?;
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| OnlineError::Client(e.to_string()))?;
    Ok((runtime, client))
}

/// Largest status answer read.
const MAX_ANSWER: usize = 64 << 10;

/// The body of a 2xx answer, at most `max` bytes; `None` for 404.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &str,
    max: usize,
) -> Result<Option<Vec<u8>>, OnlineError> {
    let unreachable = |source| OnlineError::Unreachable {
        url: url.to_owned(),
        source,
    };
    let resp = client.get(url).send().await.map_err(unreachable)?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !resp.status().is_success() {
        return Err(OnlineError::Status {
            url: url.to_owned(),
            status: resp.status(),
        });
    }
    let mut resp = resp;
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > max {
            return Err(OnlineError::TooLarge {
                url: url.to_owned(),
                max,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}
