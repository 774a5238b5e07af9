//! The state every handler shares, passed explicitly ([`AppState`]): the store, the key store,
//! the licence type catalogue, the metrics, and the limits.
//!
//! Departments and signers are cached in memory: a department row never changes once
//! created (there is no update), and opening a signer may mean a PKCS#11 object search.
//! API keys are not cached, so a revocation takes effect on every replica at once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use zhengku_crypto::Signer;
use zhengku_hsm::KeyStore;
use zhengku_model::Catalogue;
use zhengku_store::{ApiKeyRecord, Department, Store};

use crate::documents::Documents;
use crate::group_commit::GroupCommit;
use crate::metrics::Metrics;
use crate::problem::{ApiError, InternalError};
use crate::sequences::Sequences;
use crate::status_entries::StatusEntries;
use crate::status_publishing::StatusPublisher;
use crate::trust::{LiveTrust, TrustSnapshot};
use crate::trust_publishing::TrustPublisher;

/// The largest input verified on the async thread that received it
/// ([`AppState::verify_sized`]): QR payloads (at most 8 KiB of text) and signed records.
/// Its work is bounded by the decoders' limits: one payload, one record, a few signatures.
pub const INLINE_VERIFY_MAX: usize = 16 * 1024;

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    keystore: Arc<dyn KeyStore>,
    catalogue: Catalogue,
    metrics: Metrics,
    body_limit: usize,
    max_batch: usize,
    departments: RwLock<HashMap<String, Department>>,
    signers: RwLock<HashMap<String, Arc<dyn Signer>>>,
    sequences: Sequences,
    status_entries: StatusEntries,
    seal_status_entries: StatusEntries,
    status_signer: Option<String>,
    status_publisher: StatusPublisher,
    trust_publisher: TrustPublisher,
    group_commit: GroupCommit,
    seal_maker: Option<SealMaker>,
    trust: LiveTrust,
    allow_p256_seals: bool,
    copies: CopySettings,
    documents: Arc<Documents>,
    verifier: RwLock<Option<Arc<VerifierSet>>>,
    /// Held while the departments are read again, so that a burst of unknown keys causes
    /// one reload, not one per request.
    verifier_reload: tokio::sync::Mutex<()>,
    /// Verification work on the blocking pool at once: one per core.
    verify_workers: Arc<tokio::sync::Semaphore>,
    /// Large uploads (PDFs) being verified at once: a quarter of the verification limit.
    verify_heavy: Arc<tokio::sync::Semaphore>,
    verify_limits: (usize, Duration),
    /// Prepared verifying keys, kept across verifier reloads (they depend on the keys only).
    prepared_keys: Arc<zhengku_crypto::PreparedKeys>,
}

/// The departments' certificates and what verification keeps between requests
/// ([`zhengku_verify::Memo`]): loaded from the store, reloaded after [`VERIFIER_TTL`] or when
/// a verification meets a key it does not know (a department registered on another replica).
pub struct VerifierSet {
    /// The trust the memo was made from (the engine uses a memo only with the very slices
    /// it was made from).
    pub trust: Arc<TrustSnapshot>,
    /// The departments' licence-signing certificates, from the library's own records.
    pub departments: zhengku_verify::Departments,
    /// Made from `trust`.
    pub memo: zhengku_verify::Memo,
    loaded: Instant,
}

impl VerifierSet {
    /// The engine's context at `at`.
    pub fn context(&self, at: time::OffsetDateTime) -> zhengku_verify::Context<'_> {
        zhengku_verify::Context {
            at,
            trust: self.trust.as_trust(),
            departments: &self.departments,
            memo: Some(&self.memo),
        }
    }
}

/// Bodies larger than this (PDFs) are admitted through [`AppState::admit_upload`].
pub const HEAVY_INPUT: usize = 64 * 1024;

/// How long a large upload may wait for a verification slot before it is refused.
pub const HEAVY_WAIT: Duration = Duration::from_millis(25);

/// How long the department certificates are kept before they are read again.
pub const VERIFIER_TTL: Duration = Duration::from_secs(60);

/// The seal-making authority (制章者) this service acts as.
#[derive(Debug, Clone)]
pub struct SealMaker {
    /// Its key's label in the key store.
    pub label: String,
    /// Its certificate, DER.
    pub certificate: Vec<u8>,
}

/// How annotated copies (加注件) are made: by whose seal, for how long, and how long a
/// download link works.
#[derive(Debug, Clone)]
pub struct CopySettings {
    /// The department (USCC) whose active seal seals copies; none: no copies (503).
    pub sealer: Option<String>,
    /// The longest a copy may be used, days from its making.
    pub max_days: u32,
    /// How long a download link works, seconds.
    pub link_secs: u64,
}

impl Default for CopySettings {
    fn default() -> Self {
        CopySettings {
            sealer: None,
            max_days: crate::config::DEFAULT_COPY_MAX_DAYS,
            link_secs: crate::config::DEFAULT_COPY_LINK_SECS,
        }
    }
}

/// Seal making and verification settings, for [`AppState::new`].
#[derive(Debug, Clone, Default)]
pub struct SealSetup {
    /// The seal maker, if this service makes seals.
    pub maker: Option<SealMaker>,
    /// What verification trusts.
    pub trust: TrustSnapshot,
    /// Where it was read from, to read it again when its files change.
    pub trust_dir: Option<std::path::PathBuf>,
    /// Whether P-256 seals may be made (outside GB/T 38540).
    pub allow_p256: bool,
    /// Verification requests served at once, and the longest one may take.
    pub verify_limits: (usize, Duration),
    /// Memory for prepared verifying keys, bytes.
    pub verify_key_budget: usize,
    /// The status-list signer's key label, if this service publishes status lists.
    pub status_signer: Option<String>,
    /// The folder of the trust list and signer list it publishes, if any.
    pub trust_lists_dir: Option<std::path::PathBuf>,
    /// How status-list tokens are timed.
    pub status_timing: crate::status_publishing::Timing,
    /// How annotated copies are made.
    pub copies: CopySettings,
}

impl AppState {
    /// Builds the state, and starts the group-commit task (so it must be called on a
    /// tokio runtime).
    pub fn new(
        store: Store,
        keystore: Arc<dyn KeyStore>,
        catalogue: Catalogue,
        body_limit: usize,
        max_batch: usize,
        seals: SealSetup,
        documents: Arc<Documents>,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                group_commit: GroupCommit::spawn(store.clone()),
                sequences: Sequences::default(),
                status_entries: StatusEntries::default(),
                seal_status_entries: StatusEntries::new(
                    zhengku_store::StatusListKind::Seal,
                    crate::status_entries::SEAL_RUN,
                ),
                seal_maker: seals.maker,
                status_signer: seals.status_signer,
                status_publisher: StatusPublisher::new(seals.status_timing),
                trust_publisher: TrustPublisher::new(seals.trust_lists_dir),
                trust: LiveTrust::new(seals.trust, seals.trust_dir),
                verifier_reload: tokio::sync::Mutex::new(()),
                verify_workers: Arc::new(tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
                )),
                verify_heavy: Arc::new(tokio::sync::Semaphore::new(
                    (seals.verify_limits.0 / 4).max(1),
                )),
                verify_limits: seals.verify_limits,
                prepared_keys: Arc::new(zhengku_crypto::PreparedKeys::new(seals.verify_key_budget)),
                allow_p256_seals: seals.allow_p256,
                copies: seals.copies,
                documents,
                verifier: RwLock::new(None),
                store,
                keystore,
                catalogue,
                metrics: Metrics::default(),
                body_limit,
                max_batch,
                departments: RwLock::default(),
                signers: RwLock::default(),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The key store.
    pub fn keystore(&self) -> &Arc<dyn KeyStore> {
        &self.inner.keystore
    }

    /// The licence types.
    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    /// Serial numbers, reserved in blocks.
    pub fn sequences(&self) -> &Sequences {
        &self.inner.sequences
    }

    /// Status-list entries for new licences.
    pub fn status_entries(&self) -> &StatusEntries {
        &self.inner.status_entries
    }

    /// Status-list entries for new seals.
    pub fn seal_status_entries(&self) -> &StatusEntries {
        &self.inner.seal_status_entries
    }

    /// The status-list signer's key label, if this service publishes status lists.
    pub fn status_signer(&self) -> Option<&str> {
        self.inner.status_signer.as_deref()
    }

    /// Signed status-list tokens, made and kept.
    pub fn status_publisher(&self) -> &StatusPublisher {
        &self.inner.status_publisher
    }

    /// The trust list, signer list and CRLs published for verifiers.
    pub fn trust_publisher(&self) -> &TrustPublisher {
        &self.inner.trust_publisher
    }

    /// Group commit for issued licences.
    pub fn group_commit(&self) -> &GroupCommit {
        &self.inner.group_commit
    }

    /// The seal maker, if configured.
    pub fn seal_maker(&self) -> Option<&SealMaker> {
        self.inner.seal_maker.as_ref()
    }

    /// How annotated copies are made.
    pub fn copy_settings(&self) -> &CopySettings {
        &self.inner.copies
    }

    /// Whether P-256 seals may be made.
    pub fn allow_p256_seals(&self) -> bool {
        self.inner.allow_p256_seals
    }

    /// Verification requests served at once, and the longest one may take.
    pub fn verify_limits(&self) -> (usize, Duration) {
        self.inner.verify_limits
    }

    /// Admits a request whose body is large (over [`HEAVY_INPUT`] bytes by its
    /// `Content-Length`, or of unknown length) for verification, before the body is read;
    /// or refuses it (503) when a quarter of the verification limit has been busy with such
    /// for [`HEAVY_WAIT`]: a flood of large hostile files then costs each sender one quick
    /// refusal, and small inputs (QR codes) are never stuck behind them. `None`: a small
    /// body.
    pub async fn admit_upload(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, ApiError> {
        let len = headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if len.is_some_and(|n| n <= HEAVY_INPUT) {
            return Ok(None);
        }
        // A short wait smooths a burst of honest uploads; a flood is refused after it.
        match tokio::time::timeout(HEAVY_WAIT, self.inner.verify_heavy.clone().acquire_owned())
            .await
        {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(ApiError::Overloaded(
                "too many large files are being verified; try again in a moment".into(),
            )),
        }
    }

    /// Runs verification work `f` on the blocking pool, at most one job per core at once:
    /// CPU-bound work must not hold the async threads, and a flood of it must not grow the
    /// blocking pool. The permit travels with the job, so a request that timed out still
    /// counts until its work is done.
    pub async fn verify_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = self
            .inner
            .verify_workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| InternalError::caused("verification workers closed", e))?;
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(|e| InternalError::caused("verify task", e).into())
    }

    /// Runs verification work `f` on the calling async thread when `input_len` is at most
    /// [`INLINE_VERIFY_MAX`] (a QR payload or a record: tens of microseconds of work,
    /// less than the two thread hand-offs of the blocking pool would cost), otherwise as
    /// [`verify_blocking`](Self::verify_blocking).
    pub async fn verify_sized<T: Send + 'static>(
        &self,
        input_len: usize,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if input_len <= INLINE_VERIFY_MAX {
            Ok(f())
        } else {
            self.verify_blocking(f).await
        }
    }

    /// What verification trusts now.
    pub fn trust(&self) -> Arc<TrustSnapshot> {
        self.inner.trust.current()
    }

    /// Reads the trust folder again if a file in it changed, or regardless when `force`
    /// ([`LiveTrust::reload`]). Returns whether it changed.
    pub fn reload_trust(&self, force: bool) -> Result<bool, crate::trust::TrustError> {
        let Some(fresh) = self.inner.trust.reload(force)? else {
            return Ok(false);
        };
        // The memo belongs to the old trust: make the next verification build anew.
        if let Ok(mut v) = self.inner.verifier.write() {
            *v = None;
        }
        let dir = self.inner.trust.dir().unwrap_or(std::path::Path::new(""));
        tracing::info!(loaded = %fresh.counts(), dir = %dir.display(), "trust reloaded");
        Ok(true)
    }

    /// The departments' certificates, the trust and the verification memo; the
    /// departments are read again when older than [`VERIFIER_TTL`], or when `stale` (a key
    /// was not found) and older than a second. Concurrent reloads wait for one.
    pub async fn verifier(&self, stale: bool) -> Result<Arc<VerifierSet>, ApiError> {
        let fresh_enough = |v: &Option<Arc<VerifierSet>>| {
            v.as_ref().is_some_and(|v| {
                let age = v.loaded.elapsed();
                age < VERIFIER_TTL && !(stale && age > Duration::from_secs(1))
            })
        };
        let current = self.current_verifier()?;
        if fresh_enough(&current) {
            return current.ok_or_else(|| InternalError::new("verifier vanished").into());
        }
        let _one = self.inner.verifier_reload.lock().await;
        // Another request may have reloaded while this one waited.
        let current = self.current_verifier()?;
        if let Some(v) = current.filter(|v| v.loaded.elapsed() < Duration::from_secs(1)) {
            return Ok(v);
        }
        let certs: Vec<Vec<u8>> = self
            .store()
            .list_departments()
            .await?
            .into_iter()
            .filter_map(|d| d.certificate_der)
            .collect();
        let trust = self.trust();
        let departments = zhengku_verify::Departments::new(certs.iter().map(Vec::as_slice));
        let memo =
            zhengku_verify::Memo::with_keys(trust.as_trust(), self.inner.prepared_keys.clone());
        let fresh = Arc::new(VerifierSet {
            trust,
            departments,
            memo,
            loaded: Instant::now(),
        });
        *self
            .inner
            .verifier
            .write()
            .map_err(|_| InternalError::new("verifier lock poisoned"))? = Some(fresh.clone());
        Ok(fresh)
    }

    fn current_verifier(&self) -> Result<Option<Arc<VerifierSet>>, ApiError> {
        Ok(self
            .inner
            .verifier
            .read()
            .map_err(|_| InternalError::new("verifier lock poisoned"))?
            .clone())
    }

    /// Licence documents: font, layouts, the public base URL.
    pub fn documents(&self) -> &Documents {
        &self.inner.documents
    }

    /// The same, shared, for work on the blocking pool.
    pub fn documents_arc(&self) -> Arc<Documents> {
        self.inner.documents.clone()
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Largest request body, bytes.
    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// Most licences per batch.
    pub fn max_batch(&self) -> usize {
        self.inner.max_batch
    }

    /// The API key with this id.
    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, ApiError> {
        Ok(self.inner.store.api_key(id).await?)
    }

    /// The department with this USCC (cached: departments do not change).
    pub async fn department(&self, uscc: &str) -> Result<Department, ApiError> {
        if let Ok(cache) = self.inner.departments.read()
            && let Some(d) = cache.get(uscc)
        {
            return Ok(d.clone());
        }
        let d = self.inner.store.get_department(uscc).await?;
        if let Ok(mut cache) = self.inner.departments.write() {
            cache.insert(uscc.to_owned(), d.clone());
        }
        Ok(d)
    }

    /// The signer for a key label (cached). Opening it may block (a token search), so it
    /// runs on the blocking pool.
    pub async fn signer(&self, label: &str) -> Result<Arc<dyn Signer>, ApiError> {
        if let Ok(cache) = self.inner.signers.read()
            && let Some(s) = cache.get(label)
        {
            return Ok(s.clone());
        }
        let keystore = self.inner.keystore.clone();
        let owned = label.to_owned();
        let signer = tokio::task::spawn_blocking(move || keystore.signer(&owned))
            .await
            .map_err(|e| InternalError::caused("key store task", e))?
            .map_err(|e| ApiError::Unavailable(format!("signing key {label}: {e}")))?;
        if let Ok(mut cache) = self.inner.signers.write() {
            cache.insert(label.to_owned(), signer.clone());
        }
        Ok(signer)
    }
}
