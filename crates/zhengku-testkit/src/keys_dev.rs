//! The development keys and certificates in `keys-dev/` (made by
//! `scripts/make-dev-pki.sh`), loaded the same way by every test and bench.
//!
//! Test support: a file that is missing or malformed is a broken checkout, so these panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use zhengku_crypto::PrivateKey;

/// `keys-dev/` in the repository.
pub fn dir() -> PathBuf {
    crate::repo_root().join("keys-dev")
}

/// The DER of the (first) PEM block in `keys-dev/<name>`: a certificate or a CRL.
///
/// # Panics
/// When the file is missing or not PEM.
pub fn der(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    pem_rfc7468::decode_vec(pem.as_bytes())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .1
}

/// The private key `keys-dev/keys/<label>.key` of the development file key store.
///
/// # Panics
/// When the file is missing or not a key.
pub fn key(label: &str) -> PrivateKey {
    let path = dir().join(format!("keys/{label}.key"));
    let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    PrivateKey::from_pem(&pem).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The development PKI of one algorithm (`sm2` or `p256`, `keys-dev/pki/<alg>/`): its
/// root as the anchor, its issuing CA, and both CRLs, DER.
#[derive(Debug, Clone)]
pub struct DevPki {
    /// `root.crt`.
    pub anchors: Vec<Vec<u8>>,
    /// `issuing.crt`.
    pub intermediates: Vec<Vec<u8>>,
    /// `issuing.crl`, `root.crl`.
    pub crls: Vec<Vec<u8>>,
}

/// [`DevPki`] for `alg`.
///
/// # Panics
/// When a file is missing.
pub fn pki(alg: &str) -> DevPki {
    DevPki {
        anchors: vec![der(&format!("pki/{alg}/root.crt"))],
        intermediates: vec![der(&format!("pki/{alg}/issuing.crt"))],
        crls: vec![
            der(&format!("pki/{alg}/issuing.crl")),
            der(&format!("pki/{alg}/root.crl")),
        ],
    }
}
