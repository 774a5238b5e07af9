//! Status changes with a history, for licences and seals alike: one audited transaction
//! that reads the current status, checks the transition, writes the event row, updates the
//! status and appends `<what>.status.<to>` to the audit log; and the history read back.
//!
//! The two kinds differ only in table names and in their status type, which [`Lifecycle`]
//! names; the SQL and the transaction are written once here.

use std::str::FromStr;

use sqlx::Row;
use zhengku_model::{LicenceStatus, SealStatus};

use super::{AuditCursor, MAX_TEXT_CHARS, Pool, Store, check_text, corrupt, to_i64};
use crate::audit::AuditEntry;
use crate::error::StoreError;

/// A status kept in a `status` column, with an events table beside it.
pub(crate) trait Lifecycle: Copy + FromStr {
    /// What is changed, for errors and audit actions (`licence`, `seal`).
    const WHAT: &'static str;
    /// The table holding the status.
    const TABLE: &'static str;
    /// Its key column.
    const KEY: &'static str;
    /// The events table.
    const EVENTS: &'static str;
    /// The status column, as named in corruption errors.
    const STATUS_COLUMN: &'static str;
    /// The stable name stored.
    fn name(self) -> &'static str;
    /// Whether the rules allow `self` → `to`.
    fn allows(self, to: Self) -> bool;
    /// The error for a refused transition.
    fn refused(key: &str, from: Self, to: Self) -> StoreError;
}

impl Lifecycle for LicenceStatus {
    const WHAT: &'static str = "licence";
    const TABLE: &'static str = "licences";
    const KEY: &'static str = "identifier";
    const EVENTS: &'static str = "licence_events";
    const STATUS_COLUMN: &'static str = "licences.status";
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn allows(self, to: Self) -> bool {
        self.can_transition_to(to)
    }
    fn refused(key: &str, from: Self, to: Self) -> StoreError {
        StoreError::InvalidTransition {
            identifier: key.to_owned(),
            from,
            to,
        }
    }
}

impl Lifecycle for SealStatus {
    const WHAT: &'static str = "seal";
    const TABLE: &'static str = "seals";
    const KEY: &'static str = "esid";
    const EVENTS: &'static str = "seal_events";
    const STATUS_COLUMN: &'static str = "seals.status";
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn allows(self, to: Self) -> bool {
        self.can_transition_to(to)
    }
    fn refused(key: &str, from: Self, to: Self) -> StoreError {
        StoreError::InvalidSealTransition {
            esid: key.to_owned(),
            from,
            to,
        }
    }
}

/// One history row: from, to, reason, actor, at.
pub(crate) type Change<S> = (S, S, String, String, i64);

impl Store {
    /// Moves `key` to `to` if the rules allow it; returns the status it came from and when.
    pub(crate) async fn transition<S: Lifecycle>(
        &self,
        key: &str,
        to: S,
        reason: &str,
        actor: &str,
        request_id: &str,
    ) -> Result<(S, i64), StoreError> {
        self.transition_with(key, to, reason, actor, request_id, None)
            .await
    }

    /// [`Store::transition`], running `extra` (an UPDATE with `$1` the time and `$2` the
    /// key) in the same transaction.
    pub(crate) async fn transition_with<S: Lifecycle>(
        &self,
        key: &str,
        to: S,
        reason: &str,
        actor: &str,
        request_id: &str,
        extra: Option<&'static str>,
    ) -> Result<(S, i64), StoreError> {
        check_text("reason", reason, MAX_TEXT_CHARS)?;
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        let action = format!("{}.status.{}", S::WHAT, to.name());
        let select = format!("SELECT status FROM {} WHERE {} = $1", S::TABLE, S::KEY);
        let insert = format!(
            "INSERT INTO {} ({}, from_status, to_status, reason, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            S::EVENTS,
            S::KEY
        );
        let update = format!(
            "UPDATE {} SET status = $1, updated_at = $2 WHERE {} = $3",
            S::TABLE,
            S::KEY
        );
        on_pool!(self, |pool| {
            // The audit head lock taken first also serialises concurrent status changes, so
            // the status read below cannot be stale when it is written.
            let (mut tx, mut cursor) = begin_audited!(pool);
            let row = sqlx::query(&select)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::db("select status"))?;
            let Some(row) = row else {
                return Err(StoreError::NotFound {
                    what: S::WHAT,
                    key: key.to_owned(),
                });
            };
            let from: String = row
                .try_get("status")
                .map_err(StoreError::db("read status"))?;
            let from = S::from_str(&from).map_err(|_| corrupt(S::STATUS_COLUMN)(from))?;
            if !from.allows(to) {
                return Err(S::refused(key, from, to));
            }
            sqlx::query(&insert)
                .bind(key)
                .bind(from.name())
                .bind(to.name())
                .bind(reason)
                .bind(actor)
                .bind(cursor.at)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::db("insert status event"))?;
            sqlx::query(&update)
                .bind(to.name())
                .bind(cursor.at)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::db("update status"))?;
            if let Some(sql) = extra {
                sqlx::query(sql)
                    .bind(cursor.at)
                    .bind(key)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("update with status"))?;
            }
            insert_audit!(tx, cursor.next(actor, &action, key, None, request_id));
            let at = cursor.at;
            commit_audited!(tx, cursor);
            Ok((from, at))
        })
    }

    /// The status history of `key`, oldest first.
    pub(crate) async fn history<S: Lifecycle>(
        &self,
        key: &str,
    ) -> Result<Vec<Change<S>>, StoreError> {
        let sql = format!(
            "SELECT from_status, to_status, reason, actor, at FROM {} WHERE {} = $1 ORDER BY id",
            S::EVENTS,
            S::KEY
        );
        let rows: Vec<(String, String, String, String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(key)
                .fetch_all(pool)
                .await
                .map_err(StoreError::db("select status events"))?
        });
        rows.into_iter()
            .map(|(from, to, reason, actor, at)| {
                let parse = |v: String, column: &'static str| {
                    S::from_str(&v).map_err(|_| StoreError::Corrupt {
                        what: column,
                        detail: format!("{}: {v}", S::EVENTS),
                    })
                };
                Ok((
                    parse(from, "from_status")?,
                    parse(to, "to_status")?,
                    reason,
                    actor,
                    at,
                ))
            })
            .collect()
    }
}
