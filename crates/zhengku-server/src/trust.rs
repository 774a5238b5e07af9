//! What the service trusts, loaded at start by the one trust loader (`zhengku_trust`) from
//! `--trust DIR` and read again when a file in it changes (a new CRL) or on SIGHUP: the
//! trust anchors, intermediates and CRLs verification judges chains by. Department
//! certificates are not taken from here: the library's own records say which keys sign
//! its licences.
//!
//! A trust folder holds one subfolder per CA (e.g. `sm2/`, `p256/`, as `zhengku pki`
//! writes them): self-signed CA certificates are anchors, other CA certificates
//! intermediates, every `*.crl` a CRL. Files are PEM (several blocks allowed) or DER.
//!
//! Three types carry trust, each at its own stage:
//!
//! - [`TrustMaterial`] (crate `zhengku-trust`, shared with the CLI): what the loader read
//!   from the folder — parsed certificates and CRLs, and the files' stamps to notice a
//!   change;
//! - [`TrustSnapshot`] (here): one loading of the folder — the material as the engine takes
//!   it ([`EngineTrust`], the same type the CLI verifies with) and the material it came
//!   from; [`TrustSnapshot::as_trust`] lends it to the engine as [`zhengku_verify::Trust`],
//!   the borrowed view (slices and revocation policy) every verification takes;
//! - [`LiveTrust`] (here): the snapshot in force, replaced by a fresh one when the folder
//!   changes. Verifications in flight keep the snapshot they started with.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use zhengku_trust::{EngineTrust, TrustMaterial};
pub use zhengku_trust::{TrustCounts, TrustError};

/// One loading of the trust folder: certificates and CRLs for verification, as DER, and
/// the material they were read from.
#[derive(Debug, Clone, Default)]
pub struct TrustSnapshot {
    /// Anchors, intermediates and CRLs as DER. Its departments stay empty: the library's
    /// records say which keys sign its licences, not the trust folder.
    pub engine: EngineTrust,
    material: TrustMaterial,
}

impl TrustSnapshot {
    /// As the verification engine takes it. Revocation is always required: a chain whose
    /// CRLs are missing or stale is unverifiable, never passed.
    pub fn as_trust(&self) -> zhengku_verify::Trust<'_> {
        self.engine.trust()
    }

    /// What was loaded, for logs and the admin's `/readyz` detail.
    pub fn counts(&self) -> TrustCounts {
        self.material.counts()
    }

    /// Whether a file read has changed, gone or been joined by another since.
    pub fn changed_on_disk(&self) -> bool {
        self.material.changed()
    }
}

/// The trust in force: a [`TrustSnapshot`], replaced when its folder changes
/// ([`LiveTrust::reload`]). The service's state holds one.
#[derive(Debug)]
pub struct LiveTrust {
    current: RwLock<Arc<TrustSnapshot>>,
    /// Where the snapshot was read from; `None`: set once, never reloaded.
    dir: Option<PathBuf>,
}

impl LiveTrust {
    /// Starts with `snapshot`, read from `dir` (read again from there on reload).
    pub fn new(snapshot: TrustSnapshot, dir: Option<PathBuf>) -> LiveTrust {
        LiveTrust {
            current: RwLock::new(Arc::new(snapshot)),
            dir,
        }
    }

    /// The snapshot in force now.
    pub fn current(&self) -> Arc<TrustSnapshot> {
        match self.current.read() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the folder again if a file in it changed (CRLs are replaced daily); `force`
    /// reads it regardless (SIGHUP). The snapshot in force stays when the new one cannot
    /// be read. Returns the new snapshot when there is one.
    pub fn reload(&self, force: bool) -> Result<Option<Arc<TrustSnapshot>>, TrustError> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        if !force && !self.current().changed_on_disk() {
            return Ok(None);
        }
        let fresh = Arc::new(load_trust_dir(dir)?);
        match self.current.write() {
            Ok(mut t) => *t = fresh.clone(),
            Err(poisoned) => *poisoned.into_inner() = fresh.clone(),
        }
        Ok(Some(fresh))
    }

    /// The folder it is read from.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }
}

/// Every DER certificate or CRL in a PEM file (any number of blocks) or the DER file.
pub fn read_pem_or_der(path: &Path) -> Result<Vec<Vec<u8>>, TrustError> {
    let bytes = zhengku_trust::read_bounded(path, zhengku_trust::MAX_FILE_LEN)?;
    zhengku_trust::der_blocks(&bytes)
        .map(|blocks| blocks.into_iter().map(|(_, der)| der).collect())
        .map_err(|detail| TrustError {
            path: path.display().to_string(),
            detail,
        })
}

/// Loads a trust folder; it must hold at least one anchor.
pub fn load_trust_dir(dir: &Path) -> Result<TrustSnapshot, TrustError> {
    let material = TrustMaterial::load(&[dir.to_owned()])?;
    if material.anchors.is_empty() {
        return Err(TrustError {
            path: dir.display().to_string(),
            detail: "no trust anchor (a self-signed CA certificate) found".into(),
        });
    }
    let mut engine = material.engine_trust();
    engine.departments = zhengku_verify::Departments::default();
    Ok(TrustSnapshot { engine, material })
}
