//! `zhengku sync --from URL --pin CERT --into DIR`: bring a verifier's trust folder up to
//! date from a library (feature `online`; blocking, on a private current-thread runtime).
//!
//! 1. The snapshot held in `DIR` (if any) is read and checked ([`Synced::read`]).
//! 2. `/trust/list` and `/trust/signers` are fetched and accepted against the pinned
//!    certificate, or a successor the held list announced ([`zhengku_trustlist::accept`]):
//!    a rollback, an equivocation, a broken chain, a stale list or a swapped signer list is
//!    refused, and the folder is left as it was.
//! 3. `/sl/manifest` is fetched; lists whose token is unchanged are kept, the others
//!    fetched; all are checked together ([`zhengku_trustlist::check_statuses`]). A manifest
//!    or a token older than the one held is refused (a replayed status).
//! 4. `/trust/crls` is fetched (each CRL is signed by its CA; the engine checks them).
//! 5. Everything is written as one new snapshot ([`synced::commit`]): killed at any point,
//!    the folder still holds the last good snapshot, and a rerun completes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use zhengku_crypto::Direct;
use zhengku_trustlist::{Held, Succession};

use crate::online::{OnlineError, get};
use crate::synced::{self, CRLS, LIST_SIGNER, MANIFEST, SIGNERS, Synced, TRUST_LIST, list_file};
use crate::{TrustError, der_blocks};

/// Why a sync did not complete. The folder is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The library could not be reached, or answered an error.
    #[error("{0}")]
    Fetch(#[from] OnlineError),
    /// What it offered was refused: the reason (rollback, equivocation, …).
    #[error("refused: {0}")]
    Refused(String),
    /// The folder, or the pinned certificate, could not be read or written.
    #[error("{0}")]
    Folder(#[from] TrustError),
}

fn refused(e: impl ToString) -> SyncError {
    SyncError::Refused(e.to_string())
}

/// What a sync did.
#[derive(Debug, Clone)]
pub struct SyncReport {
    /// The snapshot folder now in force.
    pub folder: PathBuf,
    /// The trust list's region and seq.
    pub region: String,
    /// Its seq.
    pub seq: u64,
    /// How it followed the list held.
    pub succession: Succession,
    /// Whether a successor list signer, announced by the list held, signed it.
    pub by_successor: bool,
    /// Status lists fetched, and kept unchanged.
    pub lists: (usize, usize),
    /// The trust list's `next_update`, Unix seconds.
    pub next_update: u64,
}

/// Largest trust list, signer list or manifest fetched.
const MAX_LIST: usize = zhengku_trustlist::MAX_SIGNER_LIST_LEN;
/// Largest status-list token fetched.
const MAX_TOKEN: usize = zhengku_status::MAX_TOKEN_LEN;
/// Largest CRL file fetched.
const MAX_CRLS: usize = 16 << 20;

/// Syncs `dir` from the library at `base` (module docs), pinning `pin` (a list-signer
/// certificate, DER), judged at `now`.
pub fn sync(
    base: &str,
    pin: &[u8],
    dir: &Path,
    now: OffsetDateTime,
) -> Result<SyncReport, SyncError> {
    let base = base.trim_end_matches('/');
    let pin_key = zhengku_trustlist::list_signer_key(pin, now).map_err(refused)?;
    let held = match synced::snapshot_dir(dir)? {
        Some(folder) => Some(Synced::read(&folder).map_err(|e| {
            SyncError::Refused(format!(
                "the snapshot held cannot be read ({e}); move {} aside to start afresh",
                dir.display()
            ))
        })?),
        None => None,
    };
    let (runtime, client) = crate::online::blocking_client()?;
    let fetch = |path: String, max: usize| {
        let url = format!("{base}{path}");
        let client = &client;
        async move {
            get(client, &url, max).await?.ok_or_else(|| {
                SyncError::Fetch(OnlineError::Status {
                    url,
                    status: reqwest::StatusCode::NOT_FOUND,
                })
            })
        }
    };
    runtime.block_on(async {
        let trust_list = fetch("/trust/list".into(), MAX_LIST).await?;
        let signer_list = fetch("/trust/signers".into(), MAX_LIST).await?;
        let held_list = held.as_ref().map(|h| Held {
            list: h.snapshot.list.clone(),
            sha256: zhengku_crypto::sha256(&h.files[TRUST_LIST]),
        });
        let mut accepted = zhengku_trustlist::accept(
            &pin_key,
            held_list.as_ref(),
            &trust_list,
            &signer_list,
            now,
            &Direct,
        );
        let mut verified_by = pin.to_vec();
        // After a roll-over the key in force is the successor's, no longer the pin's.
        if let (Err(_), Some(h)) = (&accepted, &held)
            && h.list_signer.as_slice() != pin
            && let Ok(key) = zhengku_trustlist::list_signer_key(&h.list_signer, now)
        {
            let again = zhengku_trustlist::accept(
                &key,
                held_list.as_ref(),
                &trust_list,
                &signer_list,
                now,
                &Direct,
            );
            if again.is_ok() {
                accepted = again;
                verified_by = h.list_signer.clone();
            }
        }
        let accepted = accepted.map_err(refused)?;
        let list_signer = accepted.by_successor.clone().unwrap_or(verified_by);

        let manifest_bytes = fetch("/sl/manifest".into(), MAX_LIST).await?;
        let manifest = zhengku_trustlist::open_manifest(&accepted.list, &manifest_bytes, &Direct)
            .map_err(refused)?;
        if let Some(h) = &held
            && manifest.iat < h.snapshot.manifest.iat
        {
            return Err(refused(format!(
                "rollback: the status-list manifest offered (iat {}) is older than the one held \
                 (iat {})",
                manifest.iat, h.snapshot.manifest.iat
            )));
        }
        let mut tokens: HashMap<u64, Vec<u8>> = HashMap::new();
        let (mut fetched, mut kept) = (0, 0);
        for entry in &manifest.lists {
            let held_token = held
                .as_ref()
                .and_then(|h| h.files.get(&list_file(entry.n)))
                .filter(|t| zhengku_crypto::sha256(t) == entry.sha256);
            if let Some(t) = held_token {
                tokens.insert(entry.n, t.clone());
                kept += 1;
                continue;
            }
            let t = fetch(
                format!("{}{}", zhengku_status::LIST_PATH, entry.n),
                MAX_TOKEN,
            )
            .await?;
            tokens.insert(entry.n, t);
            fetched += 1;
        }
        let checked = zhengku_trustlist::check_tokens(
            &accepted.list,
            &manifest,
            |n| tokens.get(&n).map(Vec::as_slice),
            &Direct,
        )
        .map_err(refused)?;
        // No list goes back in time, judged on the verified claims.
        if let Some(h) = &held {
            for (entry, new) in manifest.lists.iter().zip(&checked) {
                let old = h.snapshot.tokens.iter().find(|c| c.sub == entry.uri);
                if let Some(old) = old.filter(|old| new.iat < old.iat) {
                    return Err(refused(format!(
                        "rollback: status list {} offered (iat {}) is older than the one \
                         held (iat {})",
                        entry.n, new.iat, old.iat
                    )));
                }
            }
        }
        let crls = fetch("/trust/crls".into(), MAX_CRLS).await?;
        let blocks = der_blocks(&crls).map_err(|e| refused(format!("/trust/crls: {e}")))?;
        if blocks
            .iter()
            .any(|(label, _)| label.as_deref() != Some("X509 CRL"))
        {
            return Err(refused("/trust/crls holds something other than CRLs"));
        }

        let mut files = vec![
            (TRUST_LIST.to_owned(), trust_list),
            (SIGNERS.to_owned(), signer_list),
            (
                LIST_SIGNER.to_owned(),
                pem_rfc7468::encode_string(
                    "CERTIFICATE",
                    pem_rfc7468::LineEnding::LF,
                    &list_signer,
                )
                .map_err(refused)?
                .into_bytes(),
            ),
            (MANIFEST.to_owned(), manifest_bytes),
            (CRLS.to_owned(), crls),
        ];
        files.extend(tokens.into_iter().map(|(n, t)| (list_file(n), t)));
        // What was written must read back as a snapshot before it is put in force.
        let folder = synced::commit(dir, accepted.list.seq, &files, |f| {
            Synced::read(f).map(|_| ())
        })?;
        Ok(SyncReport {
            folder,
            region: accepted.list.region.clone(),
            seq: accepted.list.seq,
            succession: accepted.succession,
            by_successor: accepted.by_successor.is_some(),
            lists: (fetched, kept),
            next_update: accepted.list.next_update,
        })
    })
}

/// A verifier bundle of the signed artefacts (`zhengku bundle export --from`): a sync into
/// a private folder beside `out`, then the snapshot's files written flat into `out`.
pub fn export(
    base: &str,
    pin: &[u8],
    out: &Path,
    now: OffsetDateTime,
) -> Result<SyncReport, SyncError> {
    let work = out.with_file_name(format!(
        ".{}.sync-{}",
        out.file_name()
            .map_or("bundle".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let result = (|| {
        let report = sync(base, pin, &work, now)?;
        Synced::read(&report.folder)?.write_flat(out)?;
        Ok(report)
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}
