//! Making the next pair of lists, and accepting an offered pair: the rules both the list
//! maker (`zhengku trust-list make`) and a verifier (`zhengku sync`) apply, kept here so
//! that neither edge holds them.
//!
//! A verifier trusts the region's list key by pinning its certificate (handed over out of
//! band). An offered trust list is accepted when it verifies with the pinned key, or with
//! a successor list signer the list it holds announced (a key roll-over); when it follows
//! the one held ([`crate::succession`]: no rollback, no equivocation, no broken chain); when
//! it is current; and when the signer list offered with it is exactly the one it names by
//! hash and verifies with the same key.

use time::OffsetDateTime;
use zhengku_cose::TypedDocument;
use zhengku_crypto::{PublicKey, SignatureVerifier, Signer};
use zhengku_pki::CertView;

use crate::list::{MAX_VALIDITY, Operator, Role, Succession, TrustList, TrustListError, field};
use crate::signers::SignerList;
use zhengku_model::codes::AreaCode;

/// What stays the same from one trust list to the next: the region and its library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionInfo {
    /// ISO 3166-2, e.g. `CN-ZJ`.
    pub region: String,
    /// GB/T 2260 division code.
    pub division: AreaCode,
    /// Who runs the library.
    pub operator: Operator,
    /// The library's base URL.
    pub base_url: String,
}

/// A pair of lists made and signed together.
#[derive(Debug, Clone)]
pub struct Made {
    /// The trust list's content.
    pub list: TrustList,
    /// The signed trust list.
    pub trust_list: Vec<u8>,
    /// The signed signer list it names.
    pub signer_list: Vec<u8>,
    /// How many department certificates the signer list holds.
    pub departments: usize,
}

/// Makes and signs the next trust list and its signer list: `seq` one past `previous`'s
/// (the signed bytes of the list in force, read without verifying: it is the maker's own),
/// or 1 without one; `next_update` `validity` seconds after `issued` (at most 72 h).
pub fn make(
    region: &RegionInfo,
    certs: Vec<(Role, Vec<u8>)>,
    departments: Vec<Vec<u8>>,
    previous: Option<&[u8]>,
    issued: u64,
    validity: u64,
    signer: &dyn Signer,
) -> Result<Made, TrustListError> {
    if validity == 0 || validity > MAX_VALIDITY {
        return Err(field("the validity must be 1 s to 72 hours"));
    }
    let (seq, prev) = match previous {
        None => (1, None),
        Some(bytes) => {
            let held = read_unverified(bytes)?;
            if issued < held.issued {
                return Err(field(format!(
                    "the previous list (seq {}) was issued after now; is the clock right?",
                    held.seq
                )));
            }
            (held.seq + 1, Some(zhengku_crypto::sha256(bytes)))
        }
    };
    let mut certs = certs;
    certs.sort_by_key(|(role, _)| *role);
    let signers = SignerList::new(seq, issued, &region.region, departments);
    let departments = signers.certs.len();
    let signer_list = signers.sign(signer)?;
    let list = TrustList {
        seq,
        prev,
        issued,
        next_update: issued + validity,
        region: region.region.clone(),
        division: region.division.clone(),
        operator: region.operator.clone(),
        base_url: region.base_url.trim_end_matches('/').to_owned(),
        status_list_uri: format!(
            "{}{}{{n}}",
            region.base_url.trim_end_matches('/'),
            zhengku_status::LIST_PATH
        ),
        certs,
        signers: zhengku_crypto::sha256(&signer_list),
    };
    let trust_list = list.sign(signer)?;
    Ok(Made {
        list,
        trust_list,
        signer_list,
        departments,
    })
}

/// A signed trust list's content, its signature not checked (for the maker's own previous
/// list and for `show`).
pub fn read_unverified(bytes: &[u8]) -> Result<TrustList, TrustListError> {
    let envelope = zhengku_cose::Sign1::decode_deterministic(bytes, &crate::list::limits())?;
    if envelope.typ() != Some(crate::TRUST_LIST_TYP) {
        return Err(field("not a trust list (typ)"));
    }
    TrustList::from_cbor(envelope.payload())
}

/// The key of a list-signer certificate, if it is one and valid at `now`.
pub fn list_signer_key(der: &[u8], now: OffsetDateTime) -> Result<PublicKey, TrustListError> {
    let view = CertView::parse(der).map_err(|e| field(format!("list signer certificate: {e}")))?;
    if !view.has_role(zhengku_pki::Purpose::ListSigning) {
        return Err(field(format!(
            "{} is not a trust-list signer certificate (no list-signing policy)",
            view.subject
        )));
    }
    if now < view.not_before || now >= view.not_after {
        return Err(field(format!(
            "the list signer certificate {} is not valid now ({} to {})",
            view.subject, view.not_before, view.not_after
        )));
    }
    view.key
        .ok_or_else(|| field("the list signer certificate holds no SM2 or P-256 key"))
}

/// A trust list held: its content and the SHA-256 of its signed bytes.
#[derive(Debug, Clone)]
pub struct Held {
    /// The list.
    pub list: TrustList,
    /// SHA-256 of its signed bytes.
    pub sha256: [u8; 32],
}

/// An offered pair, accepted.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The trust list.
    pub list: TrustList,
    /// Its signer list.
    pub signers: SignerList,
    /// How it follows the list held (`Later { gap: 0 }` when none was held).
    pub succession: Succession,
    /// The successor certificate (DER) the held list announced whose key verified it;
    /// `None`: the pinned key did.
    pub by_successor: Option<Vec<u8>>,
}

/// Accepts an offered trust list and signer list (module docs), or says why not.
pub fn accept(
    pinned: &PublicKey,
    held: Option<&Held>,
    trust_list: &[u8],
    signer_list: &[u8],
    now: OffsetDateTime,
    verifier: &dyn SignatureVerifier,
) -> Result<Accepted, TrustListError> {
    let (list, key, by_successor) = match TrustList::verify(trust_list, pinned, verifier) {
        Ok(list) => (list, pinned.clone(), None),
        Err(pinned_error) => {
            // A roll-over: a key the list held announced as the signer's successor.
            let successors = held
                .map(|h| {
                    h.list
                        .certs_of(Role::SuccessorListSigner)
                        .filter_map(|der| list_signer_key(der, now).ok().map(|k| (der, k)))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let found = successors.into_iter().find_map(|(der, k)| {
                TrustList::verify(trust_list, &k, verifier)
                    .ok()
                    .map(|l| (l, k, der.to_vec()))
            });
            match found {
                Some((list, key, der)) => (list, key, Some(der)),
                None => return Err(pinned_error),
            }
        }
    };
    let sha256 = zhengku_crypto::sha256(trust_list);
    let succession = match held {
        Some(h) => crate::succession((&h.list, &h.sha256), (&list, &sha256))?,
        None => Succession::Later { gap: 0 },
    };
    let unix = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    if !list.current_at(unix) {
        return Err(field(format!(
            "stale: trust list seq {} is past its next_update ({}) or not yet issued",
            list.seq, list.next_update
        )));
    }
    let signers = crate::signers::named_by(&list, signer_list, &key, verifier)?;
    Ok(Accepted {
        list,
        signers,
        succession,
        by_successor,
    })
}
