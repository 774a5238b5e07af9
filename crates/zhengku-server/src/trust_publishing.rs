//! Publishing what a verifier syncs besides the status lists: the region's trust list and
//! signer list, made and signed offline by `zhengku trust-list make` into the folder
//! `trust_lists_dir` (the service holds no list key and signs nothing here), and the CRLs
//! the service itself judges chains by. Verifiers check every byte against their pinned
//! certificate; the service only hands the files out.
//!
//! Each file is read again only when its modification time or length changes, so a public
//! route polled by many verifiers costs a `stat`, not a read.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::problem::ApiError;
use crate::problem::InternalError;
use crate::status_publishing::{Published, published};

/// The trust list's file in `trust_lists_dir`.
pub const TRUST_LIST_FILE: &str = zhengku_trust::synced::TRUST_LIST;
/// The signer list's file.
pub const SIGNERS_FILE: &str = zhengku_trust::synced::SIGNERS;
/// Largest file published (a signer list of thousands of certificates).
const MAX_LEN: u64 = zhengku_trustlist::MAX_SIGNER_LIST_LEN as u64;

type Stamp = (Option<SystemTime>, u64);

/// The published files, each cached with the stamp it was read at.
#[derive(Debug, Default)]
pub struct TrustPublisher {
    dir: Option<PathBuf>,
    cache: Mutex<Vec<(&'static str, Stamp, Published)>>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok(), m.len()))
}

impl TrustPublisher {
    /// Publishes the lists in `dir` (none: `/trust/list` and `/trust/signers` answer 404).
    pub fn new(dir: Option<PathBuf>) -> TrustPublisher {
        TrustPublisher {
            dir,
            cache: Mutex::default(),
        }
    }

    /// The file `name` as published now (blocking: call off the async threads).
    pub fn file(&self, name: &'static str) -> Result<Published, ApiError> {
        let missing = || ApiError::NotFound {
            what: "trust list",
            key: name.to_owned(),
        };
        let path = self.dir.as_ref().ok_or_else(missing)?.join(name);
        let now = stamp(&path).ok_or_else(missing)?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, _, p)) = cache.iter().find(|(n, s, _)| *n == name && *s == now) {
            return Ok(p.clone());
        }
        let bytes = zhengku_trust::read_bounded(&path, MAX_LEN)
            .map_err(|e| ApiError::Internal(InternalError::caused("trust list", e)))?;
        let published = published(bytes, 0);
        cache.retain(|(n, _, _)| *n != name);
        cache.push((name, now, published.clone()));
        Ok(published)
    }
}

/// The CRLs of a trust snapshot, as one PEM file.
pub fn crls_pem(crls: &[Vec<u8>]) -> Result<Published, ApiError> {
    let mut pem = String::new();
    for der in crls {
        pem.push_str(
            &pem_rfc7468::encode_string("X509 CRL", pem_rfc7468::LineEnding::LF, der)
                .map_err(|e| ApiError::Internal(InternalError::caused("CRL", e)))?,
        );
    }
    Ok(published(pem.into_bytes(), 0))
}
