//! Work a verifier may keep between verifications, so that checking one more QR code costs
//! little more than its signature: certificate-chain results remembered for the span of
//! time over which they cannot change. (The departments' certificates are read once into
//! [`Departments`](crate::Departments), which indexes them by key id.)
//!
//! A chain's validation depends on the time only through comparisons with times written in
//! the certificates and CRLs (validity bounds, CRL this/next update, revocation dates). Those
//! are the *breakpoints*; between two neighbouring breakpoints every comparison comes out the
//! same, so a result found at one time holds at any other strictly between the same two.
//! Only successes are kept (a failure's message names the time it was judged at), and a time
//! that is itself a breakpoint is never answered from memory.
//!
//! Only validations at the verification time itself are remembered (the time validity and
//! revocation are both judged at), and only for paths built from the trust inputs alone.
//!
//! A [`Memo`] belongs to the trust inputs it was made from; [`Context`] users pass the same
//! slices and revocation policy, and the engine checks that they are (by address and
//! length) before using it, falling back to the full computation otherwise. Verification
//! stays a function of its explicit inputs: the memo only saves recomputing it.
//!
//! It also keeps prepared verifying keys ([`Memo::keys`]): a key met a second time gets
//! its own table (`zhengku_crypto::PreparedKey`, about 150 KiB) and its signatures verify
//! several times faster, within a memory budget (64 MiB by default, least recently used
//! dropped).
//!
//! [`Context`]: crate::Context

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;
use zhengku_crypto::PreparedKeys;
use zhengku_pki::Revocation;

use crate::context::Trust;

/// The most chain results kept; past this the memory is cleared and starts again.
const MAX_ENTRIES: usize = 4096;

/// One remembered chain result: valid strictly between `after` and `before`.
#[derive(Debug, Clone)]
struct Span {
    after: Option<OffsetDateTime>,
    before: Option<OffsetDateTime>,
    summary: String,
}

/// Who checks signatures for a verification: the memo's prepared keys when there is a
/// memo, else each key directly (one definition for the engine's every signature check).
pub(crate) fn signatures_of(memo: Option<&Memo>) -> &dyn zhengku_crypto::SignatureVerifier {
    static DIRECT: zhengku_crypto::Direct = zhengku_crypto::Direct;
    match memo {
        Some(m) => m.keys(),
        None => &DIRECT,
    }
}

/// What a verifier keeps between verifications (module docs).
#[derive(Debug)]
pub struct Memo {
    trust_id: [(usize, usize); 3],
    revocation: Revocation,
    breakpoints: Vec<OffsetDateTime>,
    chains: Mutex<HashMap<Vec<u8>, Vec<Span>>>,
    /// Keys met more than once, prepared for fast verification within a memory budget;
    /// shared, so a service that remakes its memo (new trust, new departments) keeps them.
    keys: Arc<PreparedKeys>,
}

fn slice_id(s: &[Vec<u8>]) -> (usize, usize) {
    (s.as_ptr() as usize, s.len())
}

fn unix(t: x509_parser::time::ASN1Time) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).ok()
}

fn cert_times(der: &[u8], out: &mut Vec<OffsetDateTime>) {
    if let Ok((_, c)) = X509Certificate::from_der(der) {
        out.extend(unix(c.validity().not_before));
        out.extend(unix(c.validity().not_after));
    }
}

impl Memo {
    /// The prepared keys this verifier keeps (department, seal and CA keys it met before).
    pub fn keys(&self) -> &PreparedKeys {
        &self.keys
    }

    /// A memo for these trust inputs: the same slices must be given in every
    /// [`Context`](crate::Context) it is used with.
    pub fn new(trust: Trust<'_>) -> Memo {
        Memo::with_key_budget(trust, PreparedKeys::DEFAULT_BUDGET)
    }

    /// [`Memo::new`], with at most `key_budget` bytes of prepared-key tables (each
    /// [`zhengku_crypto::PreparedKey::TABLE_BYTES`]; 0: none).
    pub fn with_key_budget(trust: Trust<'_>, key_budget: usize) -> Memo {
        Memo::with_keys(trust, Arc::new(PreparedKeys::new(key_budget)))
    }

    /// [`Memo::new`], with prepared keys shared with other memos (they depend on the keys
    /// only, not on the trust inputs).
    pub fn with_keys(trust: Trust<'_>, keys: Arc<PreparedKeys>) -> Memo {
        let mut breakpoints = Vec::new();
        for der in trust.anchors.iter().chain(trust.intermediates) {
            cert_times(der, &mut breakpoints);
        }
        for der in trust.crls {
            if let Ok((_, crl)) = CertificateRevocationList::from_der(der) {
                breakpoints.extend(unix(crl.last_update()));
                breakpoints.extend(crl.next_update().and_then(unix));
                for r in crl.iter_revoked_certificates() {
                    breakpoints.extend(unix(r.revocation_date));
                }
            }
        }
        breakpoints.sort();
        breakpoints.dedup();
        Memo {
            trust_id: [
                slice_id(trust.anchors),
                slice_id(trust.intermediates),
                slice_id(trust.crls),
            ],
            revocation: trust.revocation,
            breakpoints,
            chains: Mutex::new(HashMap::new()),
            keys,
        }
    }

    /// Whether this memo was made from exactly these trust inputs.
    pub(crate) fn serves_trust(&self, trust: &Trust<'_>) -> bool {
        self.revocation == trust.revocation
            && self.trust_id
                == [
                    slice_id(trust.anchors),
                    slice_id(trust.intermediates),
                    slice_id(trust.crls),
                ]
    }

    /// A remembered chain result for `leaf` at `at`.
    pub(crate) fn chain(&self, leaf: &[u8], at: OffsetDateTime) -> Option<String> {
        let chains = self.chains.lock().ok()?;
        chains.get(leaf)?.iter().find_map(|s| {
            let after = s.after.is_none_or(|a| a < at);
            let before = s.before.is_none_or(|b| at < b);
            (after && before).then(|| s.summary.clone())
        })
    }

    /// Remembers that `leaf`'s chain validated at `at`, with `summary`.
    pub(crate) fn remember_chain(&self, leaf: &[u8], at: OffsetDateTime, summary: &str) {
        let mut points = self.breakpoints.clone();
        cert_times(leaf, &mut points);
        if points.contains(&at) {
            return;
        }
        let after = points.iter().filter(|&&p| p < at).max().copied();
        let before = points.iter().filter(|&&p| p > at).min().copied();
        let Ok(mut chains) = self.chains.lock() else {
            return;
        };
        if chains.len() >= MAX_ENTRIES {
            chains.clear();
        }
        chains.entry(leaf.to_vec()).or_default().push(Span {
            after,
            before,
            summary: summary.to_owned(),
        });
    }
}
