#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! zhengku-trust: the one loader of trust material from files, used by `zhengku serve`
//! (`--trust DIR`), `zhengku verify --trust` and `zhengku seal verify`. The engine
//! (zhengku-verify) reads no files; this crate is the edge that does, so every surface
//! reads the same folders the same way and reports what it loaded the same way
//! ([`TrustCounts`]).
//!
//! What a path holds ([`TrustMaterial::load`]):
//!
//! - in a folder (searched to a depth of [`MAX_DEPTH`]): files under `anchors/`,
//!   `intermediates/`, `crls/` and `signers/` are what those names say (a verifier bundle);
//!   elsewhere a self-signed CA certificate is an anchor, another CA certificate an
//!   intermediate, any other certificate a department's (signer), `*.crl` a CRL, and
//!   `status.json` a status list ([`StatusList`]). So a CA folder as `zhengku pki` writes
//!   it (`sm2/root.crt`, `sm2/issuing.crt`, `sm2/*.crl`, `sm2/issued/*.crt`) and a bundle
//!   as `zhengku bundle export` writes it both load. Certificate files are `*.crt`,
//!   `*.pem`, `*.cer`, `*.der` (PEM with several blocks, or DER); private keys and other
//!   files are passed over;
//! - a file given directly: a CA certificate is trusted directly (an anchor), any other
//!   certificate is a department's, a CRL a CRL, `status.json` a status list.
//!
//! Every file is read with a size bound ([`MAX_FILE_LEN`]); the same certificate found
//! twice is kept once. The files read and their modification times are kept, so a
//! long-running service can tell when to read them again ([`TrustMaterial::changed`]).
//!
//! What comes out: [`TrustMaterial`] (what the files held, with names), turned by
//! [`TrustMaterial::engine_trust`] into an [`EngineTrust`] (the DER the engine borrows as
//! `zhengku_verify::Trust`, and the departments' keys) and by
//! [`TrustMaterial::live_lists`] into the engine's status lists. The bundle's layout and
//! `status.json` format are the engine's (`zhengku_verify::bundle`), so reading here and
//! writing in `zhengku bundle export` cannot drift. [`read_bounded`] is the one bounded
//! file reader and [`der_blocks`] the PEM-or-DER splitter (over `zhengku-der`'s). With the
//! `online` feature, `online` fetches live statuses from a library (`zhengku verify
//! --online`).

#[cfg(feature = "online")]
pub mod online;
#[cfg(feature = "online")]
pub mod sync;
pub mod synced;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;
use zhengku_pki::CertView;
use zhengku_verify::bundle;
use zhengku_verify::{
    Departments, LicenceClaim, LicenceLive, ListSource, LiveLists, LiveSource, Lookup, Revocation,
    SealLive, StampClaim, Trust,
};

/// Largest trust file read (certificates, CRLs, a status list).
pub const MAX_FILE_LEN: u64 = 64 << 20;
/// How deep a folder is searched.
pub const MAX_DEPTH: usize = 4;
/// Why trust material could not be loaded: the file and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct TrustError {
    /// The file or folder.
    pub path: String,
    /// What is wrong.
    pub detail: String,
}

fn err(path: &Path, detail: impl ToString) -> TrustError {
    TrustError {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

pub use zhengku_verify::bundle::{
    Named, STATUS_FILE, STATUS_FORMAT, SealEntry, StatusEntry, StatusList,
};

/// Trust as the verification engine takes it, owned: what [`zhengku_verify::Trust`]
/// borrows, and the departments whose keys sign licences. One per loaded [`TrustMaterial`]
/// (the server keeps one per reload).
///
/// Three names, three jobs: [`TrustMaterial`] is what the files held (with names and
/// modification times), `EngineTrust` is that as the engine's inputs, and
/// [`zhengku_verify::Trust`] is the engine's borrowed view of it for one verification.
#[derive(Debug, Clone, Default)]
pub struct EngineTrust {
    /// Trust anchors, DER.
    pub anchors: Vec<Vec<u8>>,
    /// Intermediate CA certificates, DER.
    pub intermediates: Vec<Vec<u8>>,
    /// CRLs, DER.
    pub crls: Vec<Vec<u8>>,
    /// Department certificates, by key.
    pub departments: Departments,
}

impl EngineTrust {
    /// The engine's view. Revocation is always required: a chain whose CRLs are missing or
    /// stale is unverifiable, never passed.
    pub fn trust(&self) -> Trust<'_> {
        Trust {
            anchors: &self.anchors,
            intermediates: &self.intermediates,
            crls: &self.crls,
            revocation: Revocation::Required,
        }
    }
}

/// Everything the trust paths gave (module docs).
#[derive(Debug, Default, Clone)]
pub struct TrustMaterial {
    /// Trust anchors.
    pub anchors: Vec<Named>,
    /// Intermediate CA certificates.
    pub intermediates: Vec<Named>,
    /// CRLs.
    pub crls: Vec<Named>,
    /// Departments' (and other end entities') certificates.
    pub signers: Vec<Named>,
    /// A bundle's status list.
    pub status: Option<StatusList>,
    /// A trust folder's snapshot (`zhengku sync`): its anchors, department certificates
    /// and CRLs are in the lists above too; its status lists are here.
    pub synced: Option<synced::Synced>,
    /// Every file read, with its modification time when read.
    pub files: Vec<(PathBuf, Option<SystemTime>)>,
    /// The paths loaded, to load again.
    pub paths: Vec<PathBuf>,
}

/// How many of each kind were loaded: what logs, the admin's `/readyz` and `zhengku
/// verify -v` report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TrustCounts {
    /// Trust anchors.
    pub anchors: usize,
    /// Intermediate CA certificates.
    pub intermediates: usize,
    /// CRLs.
    pub crls: usize,
    /// End-entity certificates (departments').
    pub certificates: usize,
    /// Licences in a status list.
    pub licence_statuses: usize,
    /// Seals in a status list.
    pub seal_statuses: usize,
}

impl std::fmt::Display for TrustCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} anchor(s), {} intermediate(s), {} CRL(s), {} department certificate(s), {} \
             licence status(es), {} seal status(es)",
            self.anchors,
            self.intermediates,
            self.crls,
            self.certificates,
            self.licence_statuses,
            self.seal_statuses
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anchor,
    Intermediate,
    Crl,
    Signer,
}

impl TrustMaterial {
    /// Loads every path (module docs).
    pub fn load(paths: &[PathBuf]) -> Result<TrustMaterial, TrustError> {
        let mut t = TrustMaterial {
            paths: paths.to_vec(),
            ..TrustMaterial::default()
        };
        for p in paths {
            if let Some(folder) = p
                .is_dir()
                .then(|| synced::snapshot_dir(p))
                .transpose()?
                .flatten()
            {
                t.load_synced(p, &folder)?;
            } else if p.is_dir() {
                t.load_dir(p, p, 0)?;
            } else {
                t.load_file(p, &file_name(p), None, false)?;
            }
        }
        Ok(t)
    }

    /// What was loaded, counted.
    pub fn counts(&self) -> TrustCounts {
        TrustCounts {
            anchors: self.anchors.len(),
            intermediates: self.intermediates.len(),
            crls: self.crls.len(),
            certificates: self.signers.len(),
            licence_statuses: self.status.as_ref().map_or(0, |s| s.licences.len()),
            seal_statuses: self.status.as_ref().map_or(0, |s| s.seals.len()),
        }
    }

    /// Whether a file read has changed or gone, or a file appeared, since: the paths would
    /// load differently now. Cheap: file metadata only.
    pub fn changed(&self) -> bool {
        let mut now = Vec::new();
        for p in &self.paths {
            if list_files(p, 0, &mut now).is_err() {
                return true;
            }
        }
        // Only the files that were read count (keys and other files are passed over).
        let read: std::collections::HashSet<&PathBuf> = self.files.iter().map(|f| &f.0).collect();
        let now_relevant = now
            .iter()
            .filter(|p| is_trust_file(p) || read.contains(p))
            .count();
        now_relevant != self.files.len()
            || self
                .files
                .iter()
                .any(|(p, m)| !p.exists() || modified(p) != *m)
    }

    /// The DER of each item of `list`.
    pub fn ders(list: &[Named]) -> Vec<Vec<u8>> {
        list.iter().map(|n| n.der.clone()).collect()
    }

    /// The material as the engine takes it ([`EngineTrust`]): anchors, intermediates and
    /// CRLs for chains, and the department certificates as the keys that sign licences.
    pub fn engine_trust(&self) -> EngineTrust {
        EngineTrust {
            anchors: Self::ders(&self.anchors),
            intermediates: Self::ders(&self.intermediates),
            crls: Self::ders(&self.crls),
            departments: Departments::new(self.signers.iter().map(|n| n.der.as_slice())),
        }
    }

    /// Where the engine looks statuses up ([`Statuses`]): a trust folder's signed lists,
    /// judged at `at` (Unix seconds), then a bundle's JSON list (stale after `max_age`
    /// seconds).
    pub fn statuses(&self, max_age: i64, at: i64) -> Result<Statuses, TrustError> {
        Ok(Statuses {
            signed: self.synced.as_ref().map(|s| s.statuses(at)),
            lists: self.live_lists(max_age)?,
        })
    }

    /// The bundle's lists as the engine takes them (stale after `max_age` seconds), or
    /// empty lists (every status unknown) when no status list was loaded.
    pub fn live_lists(&self, max_age: i64) -> Result<LiveLists, TrustError> {
        match &self.status {
            Some(list) => list.live_lists(max_age).map_err(|e| TrustError {
                path: STATUS_FILE.to_owned(),
                detail: e.to_string(),
            }),
            None => Ok(LiveLists {
                max_age,
                ..LiveLists::default()
            }),
        }
    }

    fn load_synced(&mut self, dir: &Path, folder: &Path) -> Result<(), TrustError> {
        if self.synced.is_some() {
            return Err(err(dir, "a second trust folder: give one region's folder"));
        }
        let s = synced::Synced::read(folder)?;
        let (anchors, signers, crls) = s.named();
        for (list, items) in [
            (&mut self.anchors, anchors),
            (&mut self.signers, signers),
            (&mut self.crls, crls),
        ] {
            for n in items {
                if !list.iter().any(|m| m.der == n.der) {
                    list.push(n);
                }
            }
        }
        // A new sync replaces `current` (or, in a flat copy, the trust list).
        let marker = if dir.join(synced::CURRENT).is_file() {
            dir.join(synced::CURRENT)
        } else {
            folder.join(synced::TRUST_LIST)
        };
        self.files.push((marker.clone(), modified(&marker)));
        self.synced = Some(s);
        Ok(())
    }

    fn load_dir(&mut self, root: &Path, dir: &Path, depth: usize) -> Result<(), TrustError> {
        let mut entries = std::fs::read_dir(dir)
            .map_err(|e| err(dir, format!("cannot read the folder: {e}")))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| err(dir, format!("cannot read the folder: {e}")))?;
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if depth < MAX_DEPTH {
                    self.load_dir(root, &path, depth + 1)?;
                }
                continue;
            }
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let name = rel
                .iter()
                .map(|c| c.to_string_lossy())
                .collect::<Vec<_>>()
                .join("-");
            let top = rel
                .iter()
                .next()
                .filter(|_| rel.iter().count() > 1)
                .map(|c| c.to_string_lossy().into_owned());
            let role = match top.as_deref() {
                Some(bundle::ANCHORS_DIR) => Some(Role::Anchor),
                Some(bundle::INTERMEDIATES_DIR) => Some(Role::Intermediate),
                Some(bundle::CRLS_DIR) => Some(Role::Crl),
                Some(bundle::SIGNERS_DIR) => Some(Role::Signer),
                _ => None,
            };
            self.load_file(&path, &name, role, true)?;
        }
        Ok(())
    }

    fn load_file(
        &mut self,
        path: &Path,
        name: &str,
        role: Option<Role>,
        in_dir: bool,
    ) -> Result<(), TrustError> {
        let file = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
        if file.as_deref() == Some(STATUS_FILE) {
            let bytes = read_bounded(path, MAX_FILE_LEN)?;
            let list = StatusList::from_json(&bytes).map_err(|e| err(path, e))?;
            self.status = Some(list);
            self.files.push((path.to_owned(), modified(path)));
            return Ok(());
        }
        let ext = extension(path);
        let is_crl = ext == "crl" || role == Some(Role::Crl);
        if in_dir && !is_trust_file(path) && role != Some(Role::Crl) {
            return Ok(());
        }
        let bytes = read_bounded(path, MAX_FILE_LEN)?;
        let blocks = der_blocks(&bytes).map_err(|e| err(path, e))?;
        self.files.push((path.to_owned(), modified(path)));
        let many = blocks.len() > 1;
        for (i, (label, der)) in blocks.into_iter().enumerate() {
            let name = if many {
                format!(
                    "{}-{}.{}",
                    stem(name),
                    i + 1,
                    if is_crl { "crl" } else { "crt" }
                )
            } else {
                name.to_owned()
            };
            let role = match (role, label.as_deref()) {
                (Some(r), _) => r,
                (None, Some("X509 CRL")) => Role::Crl,
                (None, _) if is_crl => Role::Crl,
                (None, _) => classify(&der, in_dir)
                    .map_err(|e| err(path, format!("not a certificate: {e}")))?,
            };
            let list = match role {
                Role::Anchor => &mut self.anchors,
                Role::Intermediate => &mut self.intermediates,
                Role::Crl => &mut self.crls,
                Role::Signer => &mut self.signers,
            };
            if !list.iter().any(|n| n.der == der) {
                list.push(Named { name, der });
            }
        }
        Ok(())
    }
}

/// The statuses a verification is judged by: a trust folder's signed status lists first
/// (`signed`); what they cannot answer, the other lists (`lists`: a bundle's `status.json`,
/// or what `--online` fetched into them).
#[derive(Debug, Clone)]
pub struct Statuses {
    /// A trust folder's signed lists.
    pub signed: Option<ListSource>,
    /// A bundle's JSON list, or online answers.
    pub lists: LiveLists,
}

impl Statuses {
    /// Whether no source of status was given at all.
    pub fn is_empty(&self) -> bool {
        self.signed.is_none()
            && self.lists.complete.is_none()
            && self.lists.licences.is_empty()
            && self.lists.seals.is_empty()
    }

    /// The first source's answer unless it has none: an unknown answer goes to the other
    /// lists, and so does an unavailable one (which stands if they know nothing either).
    fn first<T>(signed: Option<Lookup<T>>, other: impl FnOnce() -> Lookup<T>) -> Lookup<T> {
        match signed {
            None | Some(Lookup::Unknown) => other(),
            Some(Lookup::Unavailable(why)) => match other() {
                Lookup::Unknown => Lookup::Unavailable(why),
                found => found,
            },
            Some(found) => found,
        }
    }
}

impl LiveSource for Statuses {
    fn licence(&self, claim: &LicenceClaim) -> Lookup<LicenceLive> {
        Self::first(self.signed.as_ref().map(|s| s.licence(claim)), || {
            self.lists.licence(claim)
        })
    }

    fn seal(&self, stamp: &StampClaim) -> Lookup<SealLive> {
        Self::first(self.signed.as_ref().map(|s| s.seal(stamp)), || {
            self.lists.seal(stamp)
        })
    }

    fn max_age(&self) -> i64 {
        self.lists.max_age
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Whether a file in a folder is trust material by its name.
fn is_trust_file(path: &Path) -> bool {
    matches!(
        extension(path).as_str(),
        "crl" | "crt" | "pem" | "cer" | "der"
    ) || path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().to_lowercase() == STATUS_FILE)
}

/// Every file under `path` (itself, if a file), to [`MAX_DEPTH`].
fn list_files(path: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        out.push(path.to_owned());
        return Ok(());
    }
    for e in std::fs::read_dir(path)? {
        let p = e?.path();
        if p.is_dir() {
            if depth < MAX_DEPTH {
                list_files(&p, depth + 1, out)?;
            }
        } else {
            out.push(p);
        }
    }
    Ok(())
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// What a certificate is: a self-signed CA an anchor; another CA an intermediate (in a
/// folder) or an anchor (a file given directly: trusted directly); anything else a signer.
fn classify(der: &[u8], in_dir: bool) -> Result<Role, zhengku_pki::CertError> {
    let cert = CertView::parse(der)?;
    Ok(match (cert.is_ca, cert.self_issued, in_dir) {
        (true, true, _) | (true, false, false) => Role::Anchor,
        (true, false, true) => Role::Intermediate,
        (false, _, _) => Role::Signer,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trust.crt".to_owned())
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// Largest certificate file read by [`certificates_in`].
const MAX_CERT_FILE: u64 = 1 << 20;

/// Every certificate in the file `path` (PEM blocks, or one DER certificate); an error when
/// there is none.
pub fn certificates_in(path: &Path) -> Result<Vec<Vec<u8>>, TrustError> {
    let bytes = read_bounded(path, MAX_CERT_FILE)?;
    let certs: Vec<Vec<u8>> = der_blocks(&bytes)
        .map_err(|e| err(path, e))?
        .into_iter()
        .filter(|(label, _)| label.as_deref() != Some("X509 CRL"))
        .map(|(_, der)| der)
        .collect();
    if certs.is_empty() {
        return Err(err(path, "no certificate"));
    }
    Ok(certs)
}

/// The (first) certificate in the file `path`, e.g. a pinned one.
pub fn cert_file(path: &Path) -> Result<Vec<u8>, TrustError> {
    Ok(certificates_in(path)?.swap_remove(0))
}

/// A PEM block's label (`None` for a DER file) and its DER.
pub type DerBlock = (Option<String>, Vec<u8>);

/// Every `CERTIFICATE` and `X509 CRL` PEM block of `bytes` with its label, or `bytes`
/// itself when it is DER. Other PEM blocks (keys) are passed over. The splitting is
/// `zhengku_der::pem`'s.
pub fn der_blocks(bytes: &[u8]) -> Result<Vec<DerBlock>, String> {
    let blocks =
        zhengku_der::pem::der_blocks(bytes, |label| label == "CERTIFICATE" || label == "X509 CRL")
            .map_err(|e| e.to_string())?;
    if blocks.is_empty() {
        return Err("no CERTIFICATE or X509 CRL block".into());
    }
    Ok(blocks.into_iter().map(|b| (b.label, b.der)).collect())
}

/// Why a file could not be read whole ([`read_bounded`]).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// It could not be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Reading it failed part way.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file (`-` for standard input).
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// It is larger than the bound.
    #[error("{path} is larger than {max} bytes")]
    TooLarge {
        /// The file.
        path: String,
        /// The bound.
        max: u64,
    },
}

impl From<ReadError> for TrustError {
    fn from(e: ReadError) -> TrustError {
        let (path, detail) = match e {
            ReadError::Open { path, source } => (path, format!("cannot open: {source}")),
            ReadError::Read { path, source } => (path, format!("cannot read: {source}")),
            ReadError::TooLarge { path, max } => (path, format!("larger than {max} bytes")),
        };
        TrustError { path, detail }
    }
}

/// Reads a whole file of at most `max` bytes (`-`: standard input): the one bounded reader
/// of the trust loader, the CLI and the service, so a mistaken path to a huge file never
/// fills memory.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let shown = || path.display().to_string();
    let mut buf = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin().lock().take(max + 1).read_to_end(&mut buf)
    } else {
        let file = std::fs::File::open(path).map_err(|source| ReadError::Open {
            path: shown(),
            source,
        })?;
        file.take(max + 1).read_to_end(&mut buf)
    };
    read.map_err(|source| ReadError::Read {
        path: shown(),
        source,
    })?;
    if buf.len() as u64 > max {
        return Err(ReadError::TooLarge { path: shown(), max });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys_dev() -> PathBuf {
        zhengku_testkit::repo_root().join("keys-dev")
    }

    /// The development CA folder: both roots are anchors, both issuing CAs intermediates,
    /// four CRLs, and the issued end-entity certificates departments'.
    #[test]
    fn a_pki_folder_is_classified_by_what_each_certificate_is() {
        let t = TrustMaterial::load(&[keys_dev().join("pki")]).unwrap();
        let c = t.counts();
        assert_eq!((c.anchors, c.intermediates, c.crls), (2, 2, 4), "{c}");
        assert!(c.certificates >= 10, "{c}");
        assert!(t.status.is_none());
        assert!(!t.changed());
        // A root given directly is an anchor; a department certificate a department's.
        let t = TrustMaterial::load(&[
            keys_dev().join("pki/sm2/root.crt"),
            keys_dev().join("dept-xihu-samr-sm2.crt"),
        ])
        .unwrap();
        assert_eq!((t.anchors.len(), t.signers.len()), (1, 1));
    }

    #[test]
    fn a_change_on_disk_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("sm2");
        std::fs::create_dir(&ca).unwrap();
        for f in ["root.crt", "issuing.crt", "issuing.crl"] {
            std::fs::copy(keys_dev().join("pki/sm2").join(f), ca.join(f)).unwrap();
        }
        let t = TrustMaterial::load(&[dir.path().to_owned()]).unwrap();
        assert_eq!(t.counts().crls, 1);
        assert!(!t.changed());
        // A key file is not trust material: adding one changes nothing.
        std::fs::write(ca.join("notes.txt"), "x").unwrap();
        assert!(!t.changed());
        // A new CRL is.
        std::fs::copy(keys_dev().join("pki/sm2/root.crl"), ca.join("root.crl")).unwrap();
        assert!(t.changed());
        let t = TrustMaterial::load(&[dir.path().to_owned()]).unwrap();
        assert_eq!(t.counts().crls, 2);
        // And a removed one.
        std::fs::remove_file(ca.join("issuing.crl")).unwrap();
        assert!(t.changed());
    }

    #[test]
    fn bad_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.crt");
        std::fs::write(&bad, "-----BEGIN CERTIFICATE-----\nnot base64!\n").unwrap();
        let e = TrustMaterial::load(std::slice::from_ref(&bad)).unwrap_err();
        assert!(e.path.ends_with("bad.crt"), "{e}");
        let status = dir.path().join("status.json");
        std::fs::write(
            &status,
            r#"{"format":"other/9","generated_at":"x","licences":[]}"#,
        )
        .unwrap();
        let e = TrustMaterial::load(&[status]).unwrap_err();
        assert!(e.detail.contains("other/9"), "{e}");
        assert!(TrustMaterial::load(&[dir.path().join("missing.crt")]).is_err());
    }
}
