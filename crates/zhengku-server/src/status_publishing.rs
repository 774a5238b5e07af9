//! Publishing status lists (状态列表发布): `GET /sl/{n}` answers list `n` as a signed
//! Token Status List (docs/status-lists.md), made from the licences' own statuses, and
//! `GET /sl/manifest` the signed manifest naming every list's current token.
//!
//! A token is made when asked for, and ahead of requests every half `ttl`
//! ([`publish_ahead`]), and kept for `refresh` seconds ([`Timing`]; defaults [`REFRESH`],
//! [`TTL`], [`EXP`]): an online verifier sees a status change within `refresh`, well within
//! the token's `ttl` (one hour), and a token says it may be relied on until `exp` (72
//! hours), so an offline verifier that syncs daily always holds a current one. Several replicas each sign their own tokens;
//! each is the list as the database held it at its `iat`.
//!
//! Signing runs on the blocking pool (the key store may be a PKCS#11 token, and compressing
//! 2^20 entries takes tens of milliseconds); one list is made by one request at a time,
//! others asking at that moment wait for it.

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;
use zhengku_model::{LicenceStatus, SealStatus};
use zhengku_status::{
    Manifest, ManifestEntry, StatusList, StatusListClaims, TypedDocument, list_uri,
};
use zhengku_store::{KeptToken, StatusListKind};

use crate::problem::{ApiError, InternalError};
use crate::state::AppState;

/// Default seconds a made token is served before a new one is made.
pub const REFRESH: u64 = 300;
/// Default `ttl`: how long a verifier may keep a token before fetching again.
pub const TTL: u64 = 3600;
/// Default lifetime of a token (`exp - iat`).
pub const EXP: u64 = 72 * 3600;

/// How tokens are timed (settings `status_refresh_secs`, `status_ttl_secs`,
/// `status_exp_secs`): `refresh <= ttl < exp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Seconds a made token is served before a new one is made.
    pub refresh: u64,
    /// The tokens' `ttl`.
    pub ttl: u64,
    /// The tokens' `exp - iat`.
    pub exp: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            refresh: REFRESH,
            ttl: TTL,
            exp: EXP,
        }
    }
}

impl Timing {
    /// How often a token is kept for history: daily, or twice per lifetime when that is
    /// shorter, so some kept token is always current.
    fn keep_every(self) -> i64 {
        i64::try_from((self.exp / 2).min(KEEP_EVERY as u64)).unwrap_or(KEEP_EVERY)
    }
}
/// Bits per entry in zhengku's lists.
pub const BITS: u8 = 2;
/// A token is kept for history at least this often (seconds), changed or not.
pub const KEEP_EVERY: i64 = 24 * 3600;

/// A signed token, as served.
#[derive(Debug, Clone)]
pub struct Published {
    /// The COSE_Sign1 bytes.
    pub token: Arc<Vec<u8>>,
    /// Its strong ETag (quoted hex of the first 16 bytes of its SHA-256).
    pub etag: String,
    /// Its `iat`.
    pub iat: u64,
}

/// The manifest made last, with the lists it names.
type MadeManifest = (Vec<(i64, StatusListKind)>, Published);

/// Tokens made, per list, and the manifest made over them.
#[derive(Default)]
pub struct StatusPublisher {
    timing: Timing,
    // A tokio mutex per list would let lists be made in parallel; one lock is enough for a
    // library's handful of lists and keeps two requests from making the same one twice.
    made: tokio::sync::Mutex<HashMap<i64, Published>>,
    manifest: tokio::sync::Mutex<Option<MadeManifest>>,
}

/// The value of a licence's stored status in a list (docs/status-lists.md, "Mapping").
pub fn list_value(status: LicenceStatus) -> u8 {
    match status {
        LicenceStatus::Valid => 0,
        LicenceStatus::Suspended => 2,
        // Revoked, cancelled, withdrawn, and expired by the library (ahead of its date):
        // no longer valid, for good.
        _ => 1,
    }
}

/// The value of a seal's stored status in a seal list (docs/status-lists.md, "Seals"):
/// active 0, revoked 1, suspended 2, revoked for key compromise 3 (every stamp void,
/// whenever made).
pub fn seal_list_value(status: SealStatus, key_compromised: bool) -> u8 {
    match status {
        SealStatus::Active => 0,
        SealStatus::Suspended => 2,
        _ if key_compromised => 3,
        _ => 1,
    }
}

impl StatusPublisher {
    /// Tokens timed by `timing`.
    pub fn new(timing: Timing) -> StatusPublisher {
        StatusPublisher {
            timing,
            ..StatusPublisher::default()
        }
    }

    /// How tokens are timed.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// List `list`'s current token: the one made less than [`REFRESH`] seconds ago, or a
    /// new one.
    pub async fn token(&self, state: &AppState, list: i64) -> Result<Published, ApiError> {
        let now = now();
        let mut made = self.made.lock().await;
        if let Some(p) = made.get(&list)
            && now < p.iat.saturating_add(self.timing.refresh)
        {
            return Ok(p.clone());
        }
        let published = make(state, list, now).await?;
        made.insert(list, published.clone());
        Ok(published)
    }
}

impl StatusPublisher {
    /// The current manifest: every licence list with its current token's `iat` and hash,
    /// signed; made again when older than [`REFRESH`], after each list's token is brought
    /// up to date, so it names exactly the tokens `GET /sl/{n}` serves. Its `exp` is the
    /// tokens' (72 hours).
    pub async fn manifest(&self, state: &AppState) -> Result<Published, ApiError> {
        let now = now();
        let mut manifest = self.manifest.lock().await;
        let mut numbers = Vec::new();
        for kind in [StatusListKind::Licence, StatusListKind::Seal] {
            for list in state.store().status_lists(kind).await? {
                numbers.push((list, kind));
            }
        }
        numbers.sort_unstable_by_key(|(n, _)| *n);
        // A list opened since the last manifest is named at once: a verifier must not miss
        // it for a refresh period.
        if let Some((named, p)) = manifest.as_ref()
            && now < p.iat.saturating_add(self.timing.refresh)
            && *named == numbers
        {
            return Ok(p.clone());
        }
        let mut lists = Vec::new();
        for &(list, kind) in &numbers {
            let token = self.token(state, list).await?;
            let n = u64::try_from(list).map_err(|_| InternalError::new("negative list number"))?;
            lists.push(ManifestEntry {
                n,
                kind: kind.as_str().into(),
                uri: list_uri(state.documents().base_url(), n),
                iat: token.iat,
                sha256: zhengku_crypto::sha256(&token.token),
            });
        }
        let content = Manifest {
            iat: now,
            exp: now + self.timing.exp,
            lists,
        };
        let signer = status_signer(state).await?;
        let bytes = tokio::task::spawn_blocking(move || content.sign(signer.as_ref()))
            .await
            .map_err(|e| InternalError::caused("manifest task", e))?
            .map_err(|e| InternalError::caused("signing the manifest", e))?;
        let published = published(bytes, now);
        *manifest = Some((numbers, published.clone()));
        Ok(published)
    }
}

/// Brings every list's token and the manifest up to date, as a request would (what the
/// service does every half `ttl`, [`publish_ahead`]). Nothing to do without a status signer.
pub async fn publish_once(state: &AppState) -> Result<(), ApiError> {
    if state.status_signer().is_none() {
        return Ok(());
    }
    state.status_publisher().manifest(state).await.map(|_| ())
}

/// Makes tokens ahead of requests, every half `ttl`, for as long as the service runs: a
/// list nobody asked for still has a current token, and history keeps one at least daily.
pub async fn publish_ahead(state: AppState) {
    let every = std::time::Duration::from_secs((state.status_publisher().timing().ttl / 2).max(1));
    loop {
        if let Err(e) = publish_once(&state).await {
            tracing::warn!(error = %e, "status lists could not be made ahead; requests will try again");
        }
        tokio::time::sleep(every).await;
    }
}

async fn status_signer(state: &AppState) -> Result<Arc<dyn zhengku_crypto::Signer>, ApiError> {
    let label = state.status_signer().ok_or_else(|| {
        ApiError::Unavailable("this service has no status-list signer (status_signer_label)".into())
    })?;
    state.signer(label).await
}

/// Bytes as served, with their ETag.
pub(crate) fn published(token: Vec<u8>, iat: u64) -> Published {
    let h = zhengku_crypto::sha256(&token);
    Published {
        etag: format!("\"{}\"", hex::encode(&h[..16])),
        token: Arc::new(token),
        iat,
    }
}

async fn make(state: &AppState, list: i64, now: u64) -> Result<Published, ApiError> {
    let (kind, bits) = state.store().status_list(list).await?;
    let signer = status_signer(state).await?;
    let entries: Vec<(u64, u8)> = match kind {
        StatusListKind::Licence => state
            .store()
            .licence_list_entries(list)
            .await?
            .into_iter()
            .map(|(idx, s)| (idx, list_value(s)))
            .collect(),
        StatusListKind::Seal => state
            .store()
            .seal_list_entries(list)
            .await?
            .into_iter()
            .map(|(idx, s, compromised)| (idx, seal_list_value(s, compromised)))
            .collect(),
    };
    let n = u64::try_from(list).map_err(|_| InternalError::new("negative list number"))?;
    let sub = list_uri(state.documents().base_url(), n);
    let timing = state.status_publisher().timing();
    let (token, bits_sha256) =
        tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, [u8; 32]), InternalError> {
            let mut l = StatusList::new(BITS, 1u64 << bits)
                .map_err(|e| InternalError::caused("status list", e))?;
            for (idx, value) in entries {
                l.set(idx, value)
                    .map_err(|e| InternalError::caused("status list entry", e))?;
            }
            let bits_sha256 = zhengku_crypto::sha256(l.as_bytes());
            let claims = StatusListClaims {
                sub,
                iat: now,
                exp: Some(now + timing.exp),
                ttl: Some(timing.ttl),
                list: l,
            };
            let token = claims
                .sign(signer.as_ref())
                .map_err(|e| InternalError::caused("signing a status list", e))?;
            Ok((token, bits_sha256))
        })
        .await
        .map_err(|e| InternalError::caused("status list task", e))??;
    keep(state, list, now, bits_sha256, &token, timing).await?;
    Ok(published(token, now))
}

/// Keeps the token for history when the list changed since the last token kept, or that
/// one is a day old: so for every time the service ran, some kept token was current.
async fn keep(
    state: &AppState,
    list: i64,
    iat: u64,
    bits_sha256: [u8; 32],
    token: &[u8],
    timing: Timing,
) -> Result<(), ApiError> {
    let last = state.store().last_kept_status_token(list).await?;
    let iat = i64::try_from(iat).map_err(|_| InternalError::new("time past 2262"))?;
    let stale = last
        .as_ref()
        .is_none_or(|k| k.bits_sha256 != bits_sha256 || iat >= k.iat + timing.keep_every());
    if stale {
        let exp = iat + i64::try_from(timing.exp).map_err(|_| InternalError::new("exp"))?;
        state
            .store()
            .keep_status_token(
                list,
                &KeptToken {
                    iat,
                    exp,
                    bits_sha256,
                    token: token.to_vec(),
                },
            )
            .await?;
    }
    Ok(())
}

/// The token kept for list `list` that was current at `at` (Unix seconds), for
/// `GET /sl/{n}?time=`; `NotFound` when none was.
pub async fn token_at(state: &AppState, list: i64, at: i64) -> Result<Published, ApiError> {
    state.store().status_list(list).await?;
    let kept = state
        .store()
        .status_token_at(list, at)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "status list token at that time",
            key: format!("{list} at {at}"),
        })?;
    let iat = u64::try_from(kept.iat).map_err(|_| InternalError::new("negative iat"))?;
    Ok(published(kept.token, iat))
}

fn now() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}
