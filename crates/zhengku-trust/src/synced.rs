//! A verifier's trust folder (`zhengku sync --into DIR`): the region's signed artefacts as
//! one snapshot, replaced as a whole, so a verifier never reads half of one sync and half
//! of the next, and a sync killed at any point leaves the last good snapshot in force.
//!
//! ```text
//! DIR/current                 the name of the snapshot folder in force (one line)
//! DIR/<snapshot>/trust-list.cwt   the region's trust list
//! DIR/<snapshot>/signers.cwt      its signer list
//! DIR/<snapshot>/list-signer.crt  the certificate whose key verified them (the pinned
//!                                 one, or a successor the previous list announced)
//! DIR/<snapshot>/manifest.cwt     the status-list manifest
//! DIR/<snapshot>/sl/<n>.cwt       every status list it names
//! DIR/<snapshot>/crls.pem         the CRLs of the region's CAs
//! ```
//!
//! A snapshot is written under a temporary name, every file and the folder synced to disk,
//! then renamed into place; `current` is then replaced by rename (atomic on POSIX
//! filesystems) and synced. Folders no longer named by `current` are removed afterwards,
//! and again by the next sync if that was interrupted. A folder holding the same files
//! directly, without `current` (a copy for a USB stick), reads the same way.
//!
//! Reading checks the snapshot again ([`zhengku_trustlist::open_snapshot`]): files changed
//! after the sync are refused, not believed.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use zhengku_crypto::Direct;
use zhengku_trustlist::{Role, Snapshot};
use zhengku_verify::ListSource;

use crate::{MAX_FILE_LEN, Named, TrustError, der_blocks, err, read_bounded};

/// The file naming the snapshot in force.
pub const CURRENT: &str = "current";
/// The trust list.
pub const TRUST_LIST: &str = "trust-list.cwt";
/// The signer list.
pub const SIGNERS: &str = "signers.cwt";
/// The certificate that verified the lists.
pub const LIST_SIGNER: &str = "list-signer.crt";
/// The status-list manifest.
pub const MANIFEST: &str = "manifest.cwt";
/// The folder of status lists.
pub const LISTS_DIR: &str = "sl";
/// The CRLs.
pub const CRLS: &str = "crls.pem";
/// Most status lists a snapshot holds.
const MAX_LISTS: usize = 1 << 16;

/// The folder of the snapshot in force under `dir`, if `dir` is a trust folder: the one
/// `current` names, or `dir` itself when it holds a trust list directly.
pub fn snapshot_dir(dir: &Path) -> Result<Option<PathBuf>, TrustError> {
    let current = dir.join(CURRENT);
    if current.is_file() {
        let name = read_bounded(&current, 256)?;
        let name = String::from_utf8(name)
            .ok()
            .map(|n| n.trim().to_owned())
            .filter(|n| is_snapshot_name(n))
            .ok_or_else(|| err(&current, "does not name a snapshot folder"))?;
        return Ok(Some(dir.join(name)));
    }
    Ok(dir.join(TRUST_LIST).is_file().then(|| dir.to_owned()))
}

/// Snapshot folders are named `s<seq>-<unique>`: nothing else is taken for one (or removed).
fn is_snapshot_name(n: &str) -> bool {
    n.len() <= 64
        && n.starts_with('s')
        && n[1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A snapshot as read from a folder, checked.
#[derive(Debug, Clone)]
pub struct Synced {
    /// The folder read.
    pub folder: PathBuf,
    /// The checked parts.
    pub snapshot: Snapshot,
    /// The certificate that verified the lists (DER).
    pub list_signer: Vec<u8>,
    /// The CRLs (DER).
    pub crls: Vec<Vec<u8>>,
    /// The files as read, by name relative to the folder (to copy them unchanged).
    pub files: HashMap<String, Vec<u8>>,
}

impl Synced {
    /// Reads and checks the snapshot in `folder` (see [`snapshot_dir`]).
    pub fn read(folder: &Path) -> Result<Synced, TrustError> {
        let mut files = HashMap::new();
        for name in [TRUST_LIST, SIGNERS, LIST_SIGNER, MANIFEST] {
            let path = folder.join(name);
            files.insert(name.to_owned(), read_bounded(&path, MAX_FILE_LEN)?);
        }
        let crls_path = folder.join(CRLS);
        let crls = if crls_path.is_file() {
            let bytes = read_bounded(&crls_path, MAX_FILE_LEN)?;
            let blocks = der_blocks(&bytes).map_err(|e| err(&crls_path, e))?;
            files.insert(CRLS.to_owned(), bytes);
            blocks.into_iter().map(|(_, der)| der).collect()
        } else {
            Vec::new()
        };
        let lists = folder.join(LISTS_DIR);
        if lists.is_dir() {
            let entries = fs::read_dir(&lists).map_err(|e| err(&lists, e))?;
            for (i, e) in entries.enumerate() {
                if i >= MAX_LISTS {
                    return Err(err(&lists, format!("more than {MAX_LISTS} files")));
                }
                let path = e.map_err(|e| err(&lists, e))?.path();
                let Some(n) = list_number(&path) else {
                    continue;
                };
                files.insert(list_file(n), read_bounded(&path, MAX_FILE_LEN)?);
            }
        }
        let signer_der = der_blocks(&files[LIST_SIGNER])
            .ok()
            .and_then(|b| b.into_iter().next())
            .map(|(_, der)| der)
            .ok_or_else(|| err(&folder.join(LIST_SIGNER), "not a certificate"))?;
        let key = zhengku_pki::certified_key(&signer_der)
            .map_err(|e| err(&folder.join(LIST_SIGNER), e))?;
        let snapshot = zhengku_trustlist::open_snapshot(
            &key,
            &files[TRUST_LIST],
            &files[SIGNERS],
            &files[MANIFEST],
            |n| files.get(&list_file(n)).map(Vec::as_slice),
            &Direct,
        )
        .map_err(|e| err(folder, e))?;
        Ok(Synced {
            folder: folder.to_owned(),
            snapshot,
            list_signer: signer_der,
            crls,
            files,
        })
    }

    /// Writes this snapshot's files straight into `out` (no `current`): a copy to hand over
    /// on a USB stick, read by `zhengku verify --trust` as it is.
    pub fn write_flat(&self, out: &Path) -> Result<(), TrustError> {
        fs::create_dir_all(out.join(LISTS_DIR)).map_err(|e| err(out, e))?;
        let mut names: Vec<&String> = self.files.keys().collect();
        names.sort();
        for name in names {
            write_synced(&out.join(name), &self.files[name])?;
        }
        sync_dir(&out.join(LISTS_DIR));
        sync_dir(out);
        Ok(())
    }

    /// The statuses, judged at `at` (Unix seconds): every list; and, when the trust list is
    /// past its `next_update`, no answer at all (无法核验) until the next sync.
    pub fn statuses(&self, at: i64) -> ListSource {
        let mut s = ListSource::new(at);
        for t in &self.snapshot.tokens {
            s.add(t.clone());
        }
        let list = &self.snapshot.list;
        if !list.current_at(u64::try_from(at).unwrap_or(0)) {
            s.block(format!(
                "the trust list held (seq {}, from {}) is past its next_update ({}): run \
                 zhengku sync",
                list.seq,
                self.folder.display(),
                list.next_update
            ));
        }
        s
    }

    /// The certificates a verifier trusts, by kind: anchors (the licence CAs), the
    /// departments' (the signer list), and the CRLs.
    pub fn named(&self) -> (Vec<Named>, Vec<Named>, Vec<Named>) {
        let list = &self.snapshot.list;
        let anchors = [Role::LicenceCaSm2, Role::LicenceCaP256]
            .into_iter()
            .flat_map(|r| list.certs_of(r).map(move |d| (r, d)))
            .enumerate()
            .map(|(i, (r, der))| Named {
                name: format!("trust-list-{}-{}.crt", r.as_str(), i + 1),
                der: der.to_vec(),
            })
            .collect();
        let signers = self
            .snapshot
            .signers
            .certs
            .iter()
            .enumerate()
            .map(|(i, der)| Named {
                name: format!("signer-list-{}.crt", i + 1),
                der: der.clone(),
            })
            .collect();
        let crls = self
            .crls
            .iter()
            .enumerate()
            .map(|(i, der)| Named {
                name: format!("crls-{}.crl", i + 1),
                der: der.clone(),
            })
            .collect();
        (anchors, signers, crls)
    }
}

/// `sl/<n>.cwt`.
pub fn list_file(n: u64) -> String {
    format!("{LISTS_DIR}/{n}.cwt")
}

fn list_number(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let n = name.strip_suffix(".cwt")?;
    // Plain decimal only, as the service names them.
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'))
        .then(|| n.parse().ok())
        .flatten()
}

/// Writes a snapshot (`files`: name relative to the snapshot folder, bytes) as the one in
/// force under `dir` (module docs), once `check` passes on the folder written, and removes
/// the ones it replaces. Returns its folder.
pub fn commit(
    dir: &Path,
    seq: u64,
    files: &[(String, Vec<u8>)],
    check: impl Fn(&Path) -> Result<(), TrustError>,
) -> Result<PathBuf, TrustError> {
    fs::create_dir_all(dir).map_err(|e| err(dir, format!("cannot create: {e}")))?;
    let unique = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let name = format!("s{seq}-{unique}");
    let tmp = dir.join(format!(".tmp-{name}"));
    fs::create_dir(&tmp).map_err(|e| err(&tmp, format!("cannot create: {e}")))?;
    let result = (|| -> Result<PathBuf, TrustError> {
        for (rel, bytes) in files {
            let path = tmp.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
            }
            write_synced(&path, bytes)?;
        }
        sync_dir(&tmp.join(LISTS_DIR));
        sync_dir(&tmp);
        check(&tmp)?;
        let done = dir.join(&name);
        fs::rename(&tmp, &done).map_err(|e| err(&done, e))?;
        let current_tmp = dir.join(format!(".current-{unique}"));
        write_synced(&current_tmp, format!("{name}\n").as_bytes())?;
        fs::rename(&current_tmp, dir.join(CURRENT)).map_err(|e| err(&dir.join(CURRENT), e))?;
        sync_dir(dir);
        Ok(done)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    let done = result?;
    collect_garbage(dir, &name);
    Ok(done)
}

/// Removes snapshot folders and temporary files other than `keep` (what an earlier sync,
/// interrupted, or replaced, left).
pub fn collect_garbage(dir: &Path, keep: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let stale_snapshot = is_snapshot_name(&name) && name != keep;
        let stale_tmp = name.starts_with(".tmp-s") || name.starts_with(".current-");
        if stale_snapshot || stale_tmp {
            let p = e.path();
            let _ = if p.is_dir() {
                fs::remove_dir_all(&p)
            } else {
                fs::remove_file(&p)
            };
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), TrustError> {
    let mut f = fs::File::create(path).map_err(|e| err(path, format!("cannot create: {e}")))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| err(path, format!("cannot write: {e}")))
}

/// Flushes a folder's entries to disk (best effort: not every filesystem allows it).
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
