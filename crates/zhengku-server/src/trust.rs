//! What the service trusts, loaded at start by the one trust loader (`zhengku_trust`) from
//! `--trust DIR` and read again when a file in it changes (a new CRL) or on SIGHUP: the
//! trust anchors, intermediates and CRLs verification judges chains by. Department
//! certificates are not taken from here: the library's own records say which keys sign
//! its licences.
//!
//! A trust folder holds one subfolder per CA (e.g. `sm2/`, `p256/`, as `zhengku pki`
//! writes them): self-signed CA certificates are anchors, other CA certificates
//! intermediates, every `*.crl` a CRL. Files are PEM (several blocks allowed) or DER.

use std::path::Path;

use zhengku_trust::TrustMaterial;
pub use zhengku_trust::{TrustCounts, TrustError};

/// Certificates and CRLs for verification, and where they came from.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// Trust anchors, DER.
    pub anchors: Vec<Vec<u8>>,
    /// Intermediates, DER.
    pub intermediates: Vec<Vec<u8>>,
    /// CRLs, DER.
    pub crls: Vec<Vec<u8>>,
    material: TrustMaterial,
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
        self.material.counts()
    }

    /// Whether a file read has changed, gone or been joined by another since.
    pub fn changed_on_disk(&self) -> bool {
        self.material.changed()
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
pub fn load_trust_dir(dir: &Path) -> Result<TrustStore, TrustError> {
    let material = TrustMaterial::load(&[dir.to_owned()])?;
    if material.anchors.is_empty() {
        return Err(TrustError {
            path: dir.display().to_string(),
            detail: "no trust anchor (a self-signed CA certificate) found".into(),
        });
    }
    Ok(TrustStore {
        anchors: TrustMaterial::ders(&material.anchors),
        intermediates: TrustMaterial::ders(&material.intermediates),
        crls: TrustMaterial::ders(&material.crls),
        material,
    })
}
