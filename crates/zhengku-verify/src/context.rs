//! What a licence verification is judged by: the time, the trust anchors, the departments'
//! certificates, and where the live status comes from. Every surface (API, web page, CLI)
//! builds one [`Context`] and calls the same functions with it.

use time::OffsetDateTime;
use zhengku_model::LicenceStatus;

use crate::memo::Memo;
use crate::seal::Trust;

/// The live status of a licence, as a library or an offline bundle knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveStatus {
    /// Stored status (valid, suspended, revoked, …); expiry is applied by the engine.
    pub status: LicenceStatus,
    /// Why it last changed, if known.
    pub reason: Option<String>,
    /// When this was known to be the status (the library's "now", or the bundle's export
    /// time), Unix seconds.
    pub as_of: i64,
    /// Where it came from, for reports: `library`, `bundle <time>`, `online <url>`.
    pub source: String,
}

/// Where live statuses come from. The engine never performs I/O: the caller looks statuses
/// up first (e.g. with the identifier from [`crate::identify`]) and hands them over in a
/// map, or implements this over whatever it already holds.
pub trait StatusSource {
    /// The status of the licence with this identifier, if the source knows it.
    fn status(&self, identifier: &str) -> Option<LiveStatus>;
}

/// No status source: the status check is skipped (offline, no bundle).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStatus;

impl StatusSource for NoStatus {
    fn status(&self, _identifier: &str) -> Option<LiveStatus> {
        None
    }
}

impl StatusSource for std::collections::HashMap<String, LiveStatus> {
    fn status(&self, identifier: &str) -> Option<LiveStatus> {
        self.get(identifier).cloned()
    }
}

/// The explicit inputs of a licence verification.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The time to judge by ("now").
    pub at: OffsetDateTime,
    /// Trust anchors, intermediates and CRLs for certificate chains.
    pub trust: Trust<'a>,
    /// Departments' signing certificates (DER): where a QR payload's or record's key id is
    /// looked up, and whose chains are checked to the anchors.
    pub signers: &'a [Vec<u8>],
    /// Live statuses.
    pub status: &'a dyn StatusSource,
    /// What a long-running verifier keeps between verifications ([`Memo`]), made from the
    /// same `trust` and `signers`; `None` computes everything afresh.
    pub memo: Option<&'a Memo>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("at", &self.at)
            .field("trust", &self.trust)
            .field("signers", &self.signers.len())
            .finish_non_exhaustive()
    }
}

/// The verdict people see (有效 / 已暂停 / 已撤销 / 已过期 / 无效).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// 有效: every check passed and the licence is in force.
    Valid,
    /// 已暂停: genuine, but suspended.
    Suspended,
    /// 已撤销: genuine, but revoked, cancelled or withdrawn (已注销 / 已吊销 are shown as such
    /// in the status fact).
    Revoked,
    /// 已过期: genuine, but past its end date.
    Expired,
    /// 无效: a check failed (signature, chain, tampering, unknown key …).
    Invalid,
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
        }
    }

    /// The CLI's exit code: 0 valid, 1 anything else.
    pub fn exit_code(self) -> i32 {
        i32::from(self != Verdict::Valid)
    }
}
