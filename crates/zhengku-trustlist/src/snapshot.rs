//! A verifier's snapshot of a region: the trust list and signer list, the status-list
//! manifest and the status-list tokens it names, checked together. `zhengku sync` checks a
//! snapshot before it keeps it, and `zhengku verify --trust DIR` checks the one it holds
//! again when it reads it, with the same function.
//!
//! The status side: the manifest verifies with a status signer the trust list names; every
//! list the manifest names is present, verifies with a status signer, has as `sub` the URI
//! the trust list's template gives for its number (and the manifest names), and is no older
//! than the manifest says (a token made after the manifest is fine: the service refreshes
//! tokens on its own schedule). So nothing the library publishes can be withheld or swapped
//! for another region's list without the snapshot being refused.

use zhengku_cose::TypedDocument;
use zhengku_crypto::{PublicKey, SignatureVerifier};
use zhengku_status::{Manifest, SignedStatusList, StatusListClaims};

use crate::list::{Role, TrustList, TrustListError, field};
use crate::signers::SignerList;

/// A snapshot's parts, each checked (module docs).
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The trust list.
    pub list: TrustList,
    /// Its signer list.
    pub signers: SignerList,
    /// The status-list manifest.
    pub manifest: Manifest,
    /// Every list the manifest names, in its order.
    pub tokens: Vec<StatusListClaims>,
}

/// The status signers' keys a trust list names.
fn status_keys(list: &TrustList) -> Vec<PublicKey> {
    list.certs_of(Role::StatusSigner)
        .filter_map(|der| zhengku_pki::certified_key(der).ok())
        .collect()
}

/// Checks the status side against a trust list already accepted (module docs): `manifest`
/// the signed manifest, `token(n)` the signed token of list `n` (`None`: not present).
pub fn check_statuses<'a>(
    list: &TrustList,
    manifest: &[u8],
    token: impl Fn(u64) -> Option<&'a [u8]>,
    verifier: &dyn SignatureVerifier,
) -> Result<(Manifest, Vec<StatusListClaims>), TrustListError> {
    let manifest = open_manifest(list, manifest, verifier)?;
    let tokens = check_tokens(list, &manifest, token, verifier)?;
    Ok((manifest, tokens))
}

/// The signed manifest, verified with a status signer the trust list names.
pub fn open_manifest(
    list: &TrustList,
    manifest: &[u8],
    verifier: &dyn SignatureVerifier,
) -> Result<Manifest, TrustListError> {
    let keys = status_keys(list);
    if keys.is_empty() {
        return Err(field("the trust list names no status signer"));
    }
    keys.iter()
        .find_map(|k| Manifest::verify(manifest, k, verifier).ok())
        .ok_or_else(|| {
            field(
                "the status-list manifest does not verify with the status signer the trust \
                 list names",
            )
        })
}

/// Every list a verified `manifest` names, checked (module docs); their claims, in the
/// manifest's order.
pub fn check_tokens<'a>(
    list: &TrustList,
    manifest: &Manifest,
    token: impl Fn(u64) -> Option<&'a [u8]>,
    verifier: &dyn SignatureVerifier,
) -> Result<Vec<StatusListClaims>, TrustListError> {
    let keys = status_keys(list);
    let mut tokens = Vec::with_capacity(manifest.lists.len());
    for entry in &manifest.lists {
        let expected = list.status_list_uri.replace("{n}", &entry.n.to_string());
        if entry.uri != expected {
            return Err(field(format!(
                "the manifest names list {} at {}, not at {expected} as the trust list says",
                entry.n, entry.uri
            )));
        }
        let bytes =
            token(entry.n).ok_or_else(|| field(format!("status list {} is missing", entry.n)))?;
        let signed = SignedStatusList::decode(bytes)
            .map_err(|e| field(format!("status list {}: {e}", entry.n)))?;
        let claims = keys
            .iter()
            .find_map(|k| signed.verify(k, verifier).ok())
            .ok_or_else(|| {
                field(format!(
                    "status list {} does not verify with the status signer",
                    entry.n
                ))
            })?;
        if claims.sub != expected {
            return Err(field(format!(
                "status list {} says it is {}, not {expected}",
                entry.n, claims.sub
            )));
        }
        if claims.iat < entry.iat {
            return Err(field(format!(
                "status list {} is older (iat {}) than the manifest says ({})",
                entry.n, claims.iat, entry.iat
            )));
        }
        tokens.push(claims.clone());
    }
    Ok(tokens)
}

/// Checks a whole snapshot held: the trust list with the key that verified it when it was
/// accepted, the signer list it names, and the status side.
pub fn open_snapshot<'a>(
    list_key: &PublicKey,
    trust_list: &[u8],
    signer_list: &[u8],
    manifest: &[u8],
    token: impl Fn(u64) -> Option<&'a [u8]>,
    verifier: &dyn SignatureVerifier,
) -> Result<Snapshot, TrustListError> {
    let list = TrustList::verify(trust_list, list_key, verifier)?;
    let signers = crate::signers::named_by(&list, signer_list, list_key, verifier)?;
    let (manifest, tokens) = check_statuses(&list, manifest, token, verifier)?;
    Ok(Snapshot {
        list,
        signers,
        manifest,
        tokens,
    })
}
