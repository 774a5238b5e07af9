//! Reading the audit log for auditors: the recorded head and the log in pages, so an export
//! or a verification of any length runs in bounded memory.
//!
//! A child module of [`store`](super) so it runs its statements through the same `on_pool!`
//! macro (one body, both backends) without widening the store's private items.

use super::{Pool, Store, corrupt};
use crate::audit::{AuditEntry, ChainHead, Hash, MAX_AUDIT_PAGE};
use crate::error::StoreError;

/// One `audit_log` row as both drivers decode it.
type AuditRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Vec<u8>,
    Vec<u8>,
);

impl Store {
    /// The recorded audit head: the seq and hash the last committed audited transaction
    /// wrote, kept apart from the log so that entries cut from its end are noticed. An
    /// export made from entries up to this head can be checked against it.
    pub async fn audit_head_recorded(&self) -> Result<ChainHead, StoreError> {
        self.audit_head().await
    }

    /// Up to `limit` audit entries with seq greater than `after_seq`, in seq order: pass the
    /// last seq of one page to get the next (0 for the first). `limit` is capped at
    /// [`MAX_AUDIT_PAGE`]; an empty page means there is nothing after `after_seq`.
    ///
    /// Not audited: reading the log is the auditor's job, and auditing it would grow the log
    /// being read.
    pub async fn audit_page(
        &self,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_range(after_seq, u64::MAX, limit.min(MAX_AUDIT_PAGE))
            .await
    }

    /// Up to `limit` entries with `after < seq <= up_to`, in seq order.
    pub(super) async fn audit_range(
        &self,
        after: u64,
        up_to: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Seqs are stored as signed 64-bit integers: nothing is stored after i64::MAX. (A
        // caller's out-of-range cursor is not a corrupt database.)
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        // Above the largest stored seq means "no upper bound".
        let up_to = i64::try_from(up_to).unwrap_or(i64::MAX);
        let rows: Vec<AuditRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT seq, at, actor, action, target, use_cause, request_id, prev_hash, hash \
                 FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
            )
            .bind(after)
            .bind(up_to)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("select audit log"))?
        });
        rows.into_iter().map(entry_from_row).collect()
    }
}

fn entry_from_row(row: AuditRow) -> Result<AuditEntry, StoreError> {
    let (seq, at, actor, action, target, use_cause, request_id, prev, hash) = row;
    let seq = u64::try_from(seq).map_err(|_| corrupt("audit_log.seq")(seq.to_string()))?;
    let to_hash = |what, v: Vec<u8>| -> Result<Hash, StoreError> {
        Hash::try_from(v.as_slice())
            .map_err(|_| corrupt(what)(format!("seq {seq}: {} bytes", v.len())))
    };
    Ok(AuditEntry {
        seq,
        at,
        actor,
        action,
        target,
        use_cause,
        request_id,
        prev_hash: to_hash("audit_log.prev_hash", prev)?,
        hash: to_hash("audit_log.hash", hash)?,
    })
}
