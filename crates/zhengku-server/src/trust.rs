//! What the service trusts and signs seals with, loaded at start: the trust anchors,
//! intermediates and CRLs verification judges chains by, and the seal-making authority's
//! certificate.
//!
//! A trust folder holds one subfolder per CA (e.g. `sm2/`, `p256/`, as `zhengku pki`
//! writes them): `root.crt` is an anchor, `issuing.crt` an intermediate, and every `*.crl`
//! a CRL. Files are PEM (several blocks allowed) or DER.

use std::path::Path;

/// Certificates and CRLs for verification.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// Trust anchors, DER.
    pub anchors: Vec<Vec<u8>>,
    /// Intermediates, DER.
    pub intermediates: Vec<Vec<u8>>,
    /// CRLs, DER.
    pub crls: Vec<Vec<u8>>,
    /// The files read and their modification times, to tell when to read them again.
    pub files: Vec<(std::path::PathBuf, Option<std::time::SystemTime>)>,
}

impl TrustStore {
    /// As the verification engine takes it. Revocation is always required: a chain whose
    /// CRLs are missing or stale is unverifiable, never passed.
    pub fn as_trust(&self) -> zhengku_verify::Trust<'_> {
        zhengku_verify::Trust {
            anchors: &self.anchors,
            intermediates: &self.intermediates,
            crls: &self.crls,
            revocation: zhengku_verify::Revocation::Required,
        }
    }

    /// What was loaded, for logs and the admin's `/readyz` detail.
    pub fn counts(&self) -> TrustCounts {
        TrustCounts {
            anchors: self.anchors.len(),
            intermediates: self.intermediates.len(),
            crls: self.crls.len(),
        }
    }

    /// Whether any file read has changed (or gone, or a new `*.crl` appeared) since.
    pub fn changed_on_disk(&self, dir: &Path) -> bool {
        let now_files = match trust_files(dir) {
            Ok(f) => f,
            Err(_) => return true,
        };
        now_files.len() != self.files.len()
            || now_files
                .iter()
                .zip(&self.files)
                .any(|(a, b)| a.0 != b.0 || modified(&a.0) != b.1)
    }
}

/// How many of each kind of trust material is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TrustCounts {
    /// Trust anchors.
    pub anchors: usize,
    /// Intermediate CA certificates.
    pub intermediates: usize,
    /// CRLs.
    pub crls: usize,
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The trust files of `dir`, sorted, each with its role: (path, role).
fn trust_files(dir: &Path) -> Result<Vec<(std::path::PathBuf, Role)>, TrustError> {
    let mut out = Vec::new();
    let mut subdirs: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| err(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        let root = sub.join("root.crt");
        if root.is_file() {
            out.push((root, Role::Anchor));
        }
        let issuing = sub.join("issuing.crt");
        if issuing.is_file() {
            out.push((issuing, Role::Intermediate));
        }
        let mut crls: Vec<_> = std::fs::read_dir(&sub)
            .map_err(|e| err(&sub, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "crl"))
            .collect();
        crls.sort();
        out.extend(crls.into_iter().map(|c| (c, Role::Crl)));
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anchor,
    Intermediate,
    Crl,
}

/// Why trust material could not be loaded.
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

/// Every DER object in a PEM file (any number of blocks) or the DER file itself.
pub fn read_pem_or_der(path: &Path) -> Result<Vec<Vec<u8>>, TrustError> {
    let bytes = std::fs::read(path).map_err(|e| err(path, e))?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(vec![bytes]);
    };
    if !text.contains("-----BEGIN ") {
        return Ok(vec![bytes]);
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(end_marker) = block.find("-----END ") else {
            return Err(err(path, "PEM block without END line"));
        };
        let end = block[end_marker..]
            .find('\n')
            .map_or(block.len(), |i| end_marker + i + 1);
        let (_, der) =
            pem_rfc7468::decode_vec(&block.as_bytes()[..end]).map_err(|e| err(path, e))?;
        out.push(der);
        rest = &block[end..];
    }
    Ok(out)
}

/// Loads a trust folder.
pub fn load_trust_dir(dir: &Path) -> Result<TrustStore, TrustError> {
    let mut trust = TrustStore::default();
    for (path, role) in trust_files(dir)? {
        let ders = read_pem_or_der(&path)?;
        match role {
            Role::Anchor => trust.anchors.extend(ders),
            Role::Intermediate => trust.intermediates.extend(ders),
            Role::Crl => trust.crls.extend(ders),
        }
        let m = modified(&path);
        trust.files.push((path, m));
    }
    if trust.anchors.is_empty() {
        return Err(err(dir, "no */root.crt trust anchor found"));
    }
    Ok(trust)
}
