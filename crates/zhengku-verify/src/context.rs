//! What a verification is judged by in its first phase: the time, the trust anchors, CRLs
//! and revocation policy, and the departments' certificates. Every surface (API, web page,
//! CLI) builds one [`Context`] and calls the same functions with it. What the library knows
//! now (statuses, stored records, seals) is the second phase's input ([`crate::live`]).

use std::collections::HashMap;

use time::OffsetDateTime;
use zhengku_crypto::KeyId;
use zhengku_pki::{CertView, Revocation};

use crate::memo::Memo;

/// Certificates and CRLs to judge chains by, and how strictly revocation is checked.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    /// Trusted roots (or CAs trusted directly), DER. Empty: no chain can be established, so
    /// nothing verifies as 有效 (every chain check is unverifiable).
    pub anchors: &'a [Vec<u8>],
    /// Certificates that may complete a path, DER.
    pub intermediates: &'a [Vec<u8>],
    /// CRLs, DER; the newest current one from each issuer is consulted.
    pub crls: &'a [Vec<u8>],
    /// [`Revocation::Required`]: every certificate below an anchor needs a CRL current at
    /// the verification time, else its chain is unverifiable. [`Revocation::IfAvailable`]:
    /// current CRLs are consulted, missing or stale ones are not an error.
    pub revocation: Revocation,
}

impl Default for Trust<'_> {
    /// No anchors, revocation required.
    fn default() -> Self {
        Trust {
            anchors: &[],
            intermediates: &[],
            crls: &[],
            revocation: Revocation::Required,
        }
    }
}

/// The departments' licence-signing certificates, read once and found by key id (the
/// `kid` of a QR payload or signed record) or by USCC.
#[derive(Debug, Clone, Default)]
pub struct Departments {
    certs: Vec<CertView>,
    by_key: HashMap<KeyId, usize>,
    unreadable: usize,
}

impl Departments {
    /// Reads certificates (DER); unreadable ones and those with keys zhengku does not use
    /// are counted ([`Departments::unreadable`]) and passed over. The first certificate of
    /// a key wins.
    pub fn new<'a>(ders: impl IntoIterator<Item = &'a [u8]>) -> Departments {
        let mut d = Departments::default();
        for der in ders {
            match CertView::parse(der) {
                Ok(view) if view.key.is_some() => d.push(view),
                _ => d.unreadable += 1,
            }
        }
        d
    }

    /// Adds a certificate already read.
    pub fn push(&mut self, view: CertView) {
        if let Some(kid) = view.key_id() {
            self.by_key.entry(kid).or_insert(self.certs.len());
        }
        self.certs.push(view);
    }

    /// The certificate holding the key with this id.
    pub fn by_key(&self, kid: KeyId) -> Option<&CertView> {
        self.by_key.get(&kid).and_then(|&i| self.certs.get(i))
    }

    /// Whether any certificate names this USCC.
    pub fn has_uscc(&self, uscc: &str) -> bool {
        self.certs
            .iter()
            .any(|c| c.uscc.as_ref().is_some_and(|u| u.as_str() == uscc))
    }

    /// How many certificates were read.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// How many inputs were not usable certificates.
    pub fn unreadable(&self) -> usize {
        self.unreadable
    }

    /// Every certificate, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &CertView> {
        self.certs.iter()
    }
}

/// The explicit inputs of the first phase of a verification.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The time to judge by ("now"): validity, revocation and CRL currency.
    pub at: OffsetDateTime,
    /// Trust anchors, intermediates, CRLs and the revocation policy.
    pub trust: Trust<'a>,
    /// Departments' signing certificates: where a QR payload's or record's key id is looked
    /// up; their chains are checked to the anchors like any other.
    pub departments: &'a Departments,
    /// What a long-running verifier keeps between verifications ([`Memo`]), made from the
    /// same `trust`; `None` computes everything afresh.
    pub memo: Option<&'a Memo>,
}

impl Context<'_> {
    /// Who checks signatures: the memo's prepared keys when there is a memo (keys met
    /// before verify with their own tables), else each key directly.
    pub fn signatures(&self) -> &dyn zhengku_crypto::SignatureVerifier {
        crate::memo::signatures_of(self.memo)
    }
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("at", &self.at)
            .field("trust", &self.trust)
            .field("departments", &self.departments.len())
            .finish_non_exhaustive()
    }
}

/// The verdict people see (有效 / 已暂停 / 已撤销 / 已过期 / 无效 / 无法核验). The rule that
/// gives it is in [`crate::verdict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// 有效: every check that makes it true passed, and the licence is in force.
    Valid,
    /// 已暂停: genuine, but suspended.
    Suspended,
    /// 已撤销: genuine, but revoked, cancelled or withdrawn (已注销 / 已吊销 are shown as such
    /// in the status fact).
    Revoked,
    /// 已过期: genuine, but past its end date.
    Expired,
    /// 无效: a check failed (signature, chain, role, issuer, tampering, a revoked seal …).
    Invalid,
    /// 无法核验: nothing failed, but something essential could not be established (no trust
    /// anchor, status unknown or stale, not issued by this library, a claimed time nothing
    /// attests, an unsupported element).
    Unverifiable,
}

impl Verdict {
    /// The Chinese word shown on the page.
    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Valid => "有效",
            Verdict::Suspended => "已暂停",
            Verdict::Revoked => "已撤销",
            Verdict::Expired => "已过期",
            Verdict::Invalid => "无效",
            Verdict::Unverifiable => "无法核验",
        }
    }

    /// The lowercase English name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Suspended => "suspended",
            Verdict::Revoked => "revoked",
            Verdict::Expired => "expired",
            Verdict::Invalid => "invalid",
            Verdict::Unverifiable => "unverifiable",
        }
    }

    /// The CLI's exit code: 0 valid, 2 unverifiable, 1 anything else (invalid, or genuine
    /// with a status that is not in force).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            Verdict::Unverifiable => 2,
            _ => 1,
        }
    }

    /// Whether the verdict says the input is genuine (its signatures and chains checked
    /// out): valid, suspended, revoked or expired.
    pub fn genuine(self) -> bool {
        !matches!(self, Verdict::Invalid | Verdict::Unverifiable)
    }
}
