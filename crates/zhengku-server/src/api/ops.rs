//! The audit log, health and readiness.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhengku_store::AuditEntry;

/// One audit log entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// Position, from 1, without gaps.
    pub seq: u64,
    /// When (Unix seconds, as hashed).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What (`licence.issue`, `licence.reuse`, `licence.status.revoked`, …).
    pub action: String,
    /// On what.
    pub target: String,
    /// 用证事由, for reuse.
    pub use_cause: Option<String>,
    /// The request.
    pub request_id: String,
    /// The previous entry's hash, hex.
    pub prev_hash: String,
    /// This entry's hash, hex.
    pub hash: String,
}

impl AuditEntryView {
    /// The view of an entry.
    pub fn of(e: &AuditEntry) -> AuditEntryView {
        AuditEntryView {
            seq: e.seq,
            at: e.at,
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            use_cause: e.use_cause.clone(),
            request_id: e.request_id.clone(),
            prev_hash: hex::encode(e.prev_hash),
            hash: hex::encode(e.hash),
        }
    }
}

/// A page of the audit log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    /// Entries in order.
    pub entries: Vec<AuditEntryView>,
    /// Pass as `after_seq` for the next page; null when this page is the end.
    pub next_after_seq: Option<u64>,
}

/// A health or readiness answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Per dependency: `ok` or `unavailable` (readiness only; what is wrong is in the log,
    /// and in `detail` for an administrator).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, String>,
    /// For an administrator's key only: the errors behind `unavailable`, and the trust
    /// material loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<ReadyDetail>,
}

/// What only an administrator sees of readiness.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReadyDetail {
    /// Per dependency that is not `ok`: the error.
    pub errors: BTreeMap<String, String>,
    /// Trust material in force: anchors, intermediates, CRLs.
    pub trust: TrustView,
}

/// Counts of the trust material in force.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrustView {
    /// Trust anchors.
    pub anchors: usize,
    /// Intermediate CA certificates.
    pub intermediates: usize,
    /// CRLs.
    pub crls: usize,
}
