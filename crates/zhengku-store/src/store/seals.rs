//! Electronic seals (电子印章) in the library: the made seal (its DER, `.esl`), its status and
//! history, which API keys may stamp with it (用印授权), and the audited stamp record.
//!
//! The store does not read the seal's DER: it keeps the copies of its fields that the
//! caller (the server, which made or decoded the seal) passes in, the way licence rows keep
//! copies of record fields for indexing.
//!
//! A stamp is recorded by [`Store::record_stamp`], which checks the seal's status, validity
//! window and the key's authorisation in the same transaction that writes the audit entry:
//! a signature made before that commit is handed out only if the check passed, so no stamp
//! leaves the library unaudited or after a revocation committed before it.

use std::str::FromStr;

use sqlx::Row;
use zhengku_model::SealStatus;

use super::{AuditCursor, MAX_TEXT_CHARS, Pool, Store, check_text, corrupt, to_i64};
use crate::audit::AuditEntry;
use crate::error::StoreError;

/// A seal to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSeal {
    /// 印章编码 (esID); unique.
    pub esid: String,
    /// The department the seal belongs to.
    pub department_uscc: String,
    /// 印章名称.
    pub name: String,
    /// 印章类型 (1 unit seal, 2 personal seal).
    pub seal_type: i64,
    /// The key-store label of the department's seal-signing key.
    pub key_label: String,
    /// Validity start, Unix seconds.
    pub valid_start: i64,
    /// Validity end, Unix seconds.
    pub valid_end: i64,
    /// The seal's DER (`SESeal`), as the maker signed it.
    pub esl: Vec<u8>,
    /// The status-list entry (list, index) the seal names, if it names one.
    pub status_entry: Option<(i64, i64)>,
}

/// A stored seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSeal {
    /// The seal as stored.
    pub seal: NewSeal,
    /// Stored status (not adjusted for the validity window; see [`SealStatus::at`]).
    pub status: SealStatus,
    /// When it was stored.
    pub created_at: i64,
    /// When its row last changed.
    pub updated_at: i64,
}

/// One status change of a seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealEvent {
    /// The seal.
    pub esid: String,
    /// Before.
    pub from: SealStatus,
    /// After.
    pub to: SealStatus,
    /// Why.
    pub reason: String,
    /// Who.
    pub actor: String,
    /// When, Unix seconds.
    pub at: i64,
}

/// Why a stamp was refused by [`Store::record_stamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StampRefusal {
    /// The seal's status (suspended, revoked, or expired at the stamp's time).
    Status(SealStatus),
    /// The API key is not authorised for this seal.
    NotAuthorised,
}

const SEAL_COLUMNS: &str = "esid, department_uscc, name, seal_type, key_label, status, \
                            valid_start, valid_end, esl, created_at, updated_at, status_list, \
                            status_idx";

type SealTuple = (
    String,
    String,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    Vec<u8>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

fn seal_from(t: SealTuple) -> Result<StoredSeal, StoreError> {
    let (
        esid,
        department_uscc,
        name,
        seal_type,
        key_label,
        status,
        valid_start,
        valid_end,
        esl,
        created_at,
        updated_at,
        status_list,
        status_idx,
    ) = t;
    let status = SealStatus::from_str(&status).map_err(|_| corrupt("seals.status")(status))?;
    Ok(StoredSeal {
        seal: NewSeal {
            esid,
            department_uscc,
            name,
            seal_type,
            key_label,
            valid_start,
            valid_end,
            esl,
            status_entry: status_list.zip(status_idx),
        },
        status,
        created_at,
        updated_at,
    })
}

impl Store {
    /// Stores a newly made seal, active (audited as `seal.make`, target its esID).
    pub async fn insert_seal(
        &self,
        new: &NewSeal,
        actor: &str,
        request_id: &str,
    ) -> Result<StoredSeal, StoreError> {
        check_text("esid", &new.esid, 64)?;
        check_text("name", &new.name, MAX_TEXT_CHARS)?;
        check_text("key_label", &new.key_label, MAX_TEXT_CHARS)?;
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        if new.valid_end <= new.valid_start {
            return Err(StoreError::InvalidInput {
                field: "valid_end",
                reason: "must be after valid_start",
            });
        }
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let at = cursor.at;
            sqlx::query(
                "INSERT INTO seals (esid, department_uscc, name, seal_type, key_label, status, \
                 valid_start, valid_end, esl, created_at, updated_at, status_list, status_idx) \
                 VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $9, $10, $11)",
            )
            .bind(&new.esid)
            .bind(&new.department_uscc)
            .bind(&new.name)
            .bind(new.seal_type)
            .bind(&new.key_label)
            .bind(new.valid_start)
            .bind(new.valid_end)
            .bind(new.esl.as_slice())
            .bind(at)
            .bind(new.status_entry.map(|e| e.0))
            .bind(new.status_entry.map(|e| e.1))
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound {
                    what: "department",
                    key: new.department_uscc.clone(),
                },
                _ => StoreError::db_or_conflict("insert seal", "seal", &new.esid)(e),
            })?;
            insert_audit!(
                tx,
                cursor.next(actor, "seal.make", &new.esid, None, request_id)
            );
            commit_audited!(tx, cursor);
            Ok(StoredSeal {
                seal: new.clone(),
                status: SealStatus::Active,
                created_at: at,
                updated_at: at,
            })
        })
    }

    /// The seal with this esID.
    pub async fn get_seal(&self, esid: &str) -> Result<StoredSeal, StoreError> {
        let sql = format!("SELECT {SEAL_COLUMNS} FROM seals WHERE esid = $1");
        let row: Option<SealTuple> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(esid)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("select seal"))?
        });
        seal_from(row.ok_or_else(|| StoreError::NotFound {
            what: "seal",
            key: esid.to_owned(),
        })?)
    }

    /// The department's seal to stamp its licence documents with at `at` (Unix seconds): an
    /// active seal whose validity window holds `at`; of several, the most recently made
    /// (ties: the greatest esID). `None` if it has none.
    pub async fn active_seal_for_department(
        &self,
        department_uscc: &str,
        at: i64,
    ) -> Result<Option<StoredSeal>, StoreError> {
        let sql = format!(
            "SELECT {SEAL_COLUMNS} FROM seals WHERE department_uscc = $1 AND status = 'active' \
             AND valid_start <= $2 AND valid_end >= $2 ORDER BY created_at DESC, esid DESC LIMIT 1"
        );
        let row: Option<SealTuple> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(department_uscc)
                .bind(at)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("select active seal"))?
        });
        row.map(seal_from).transpose()
    }

    /// Every seal of the department, oldest first.
    pub async fn seals_of_department(
        &self,
        department_uscc: &str,
    ) -> Result<Vec<StoredSeal>, StoreError> {
        let sql = format!(
            "SELECT {SEAL_COLUMNS} FROM seals WHERE department_uscc = $1 ORDER BY created_at, esid"
        );
        let rows: Vec<SealTuple> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(department_uscc)
                .fetch_all(pool)
                .await
                .map_err(StoreError::db("select seals of department"))?
        });
        rows.into_iter().map(seal_from).collect()
    }

    /// Moves a seal to `to` if [`SealStatus::can_transition_to`] allows it, with a
    /// [`SealEvent`] and a `seal.status.<to>` audit entry, in one transaction.
    pub async fn change_seal_status(
        &self,
        esid: &str,
        to: SealStatus,
        reason: &str,
        actor: &str,
        request_id: &str,
    ) -> Result<SealEvent, StoreError> {
        let (from, at) = self.transition(esid, to, reason, actor, request_id).await?;
        Ok(SealEvent {
            esid: esid.to_owned(),
            from,
            to,
            reason: reason.to_owned(),
            actor: actor.to_owned(),
            at,
        })
    }

    /// Revokes a seal because its key was compromised (注销, reason code key compromise):
    /// as [`Store::change_seal_status`] to revoked, and marks the seal so that every stamp
    /// made with it is invalid, whenever made ([`Store::seal_key_compromised`]).
    pub async fn revoke_seal_compromised(
        &self,
        esid: &str,
        reason: &str,
        actor: &str,
        request_id: &str,
    ) -> Result<SealEvent, StoreError> {
        let (from, at) = self
            .transition_with(
                esid,
                SealStatus::Revoked,
                reason,
                actor,
                request_id,
                Some("UPDATE seals SET key_compromised_at = $1 WHERE esid = $2"),
            )
            .await?;
        Ok(SealEvent {
            esid: esid.to_owned(),
            from,
            to: SealStatus::Revoked,
            reason: reason.to_owned(),
            actor: actor.to_owned(),
            at,
        })
    }

    /// When the seal was revoked for key compromise, if it was.
    pub async fn seal_key_compromised(&self, esid: &str) -> Result<Option<i64>, StoreError> {
        let at: Option<Option<i64>> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT key_compromised_at FROM seals WHERE esid = $1")
                .bind(esid)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("select seal key compromise"))?
        });
        Ok(at.flatten())
    }

    /// Keeps the library's record that it made the seal signature whose SHA-256 is
    /// `signature_sha256` with the seal at `at` (its own clock): what later attests the
    /// stamp's time to a verifier. Recording the same signature twice keeps the first.
    pub async fn keep_stamp(
        &self,
        esid: &str,
        signature_sha256: &[u8; 32],
        at: i64,
        what: &str,
    ) -> Result<(), StoreError> {
        check_text("what", what, MAX_TEXT_CHARS)?;
        let digest = hex::encode(signature_sha256);
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO seal_stamps (signature_sha256, esid, at, what) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (signature_sha256) DO NOTHING",
            )
            .bind(&digest)
            .bind(esid)
            .bind(at)
            .bind(what)
            .execute(pool)
            .await
            .map_err(StoreError::db("insert seal stamp"))?;
        });
        Ok(())
    }

    /// When the library made the seal signature with this SHA-256 with seal `esid`, if it
    /// did.
    pub async fn stamp_time(
        &self,
        esid: &str,
        signature_sha256: &[u8; 32],
    ) -> Result<Option<i64>, StoreError> {
        let digest = hex::encode(signature_sha256);
        let at: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT at FROM seal_stamps WHERE signature_sha256 = $1 AND esid = $2",
            )
            .bind(&digest)
            .bind(esid)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::db("select seal stamp"))?
        });
        Ok(at)
    }

    /// A seal's status history, oldest first.
    pub async fn seal_events(&self, esid: &str) -> Result<Vec<SealEvent>, StoreError> {
        let changes = self.history::<SealStatus>(esid).await?;
        Ok(changes
            .into_iter()
            .map(|(from, to, reason, actor, at)| SealEvent {
                esid: esid.to_owned(),
                from,
                to,
                reason,
                actor,
                at,
            })
            .collect())
    }

    /// Lets API key `api_key_id` stamp with the seal (audited as `seal.authorise`, target
    /// `<esid> <key id>`). Returns false, writing nothing, when it already may.
    pub async fn authorise_seal(
        &self,
        esid: &str,
        api_key_id: &str,
        actor: &str,
        request_id: &str,
    ) -> Result<bool, StoreError> {
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        if self.seal_authorised(esid, api_key_id).await? {
            return Ok(false);
        }
        let target = format!("{esid} {api_key_id}");
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            sqlx::query(
                "INSERT INTO seal_authorisations (esid, api_key_id, granted_at) \
                 VALUES ($1, $2, $3)",
            )
            .bind(esid)
            .bind(api_key_id)
            .bind(cursor.at)
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound {
                    what: "seal or api key",
                    key: target.clone(),
                },
                _ => StoreError::db_or_conflict("authorise seal", "seal authorisation", &target)(e),
            })?;
            insert_audit!(
                tx,
                cursor.next(actor, "seal.authorise", &target, None, request_id)
            );
            commit_audited!(tx, cursor);
            Ok(true)
        })
    }

    /// Withdraws API key `api_key_id`'s authorisation to stamp with the seal (audited as
    /// `seal.withdraw`, target `<esid> <key id>`). Returns false, writing nothing, when it
    /// could not stamp anyway.
    pub async fn withdraw_seal_authorisation(
        &self,
        esid: &str,
        api_key_id: &str,
        actor: &str,
        request_id: &str,
    ) -> Result<bool, StoreError> {
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        let target = format!("{esid} {api_key_id}");
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let removed =
                sqlx::query("DELETE FROM seal_authorisations WHERE esid = $1 AND api_key_id = $2")
                    .bind(esid)
                    .bind(api_key_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("withdraw seal authorisation"))?
                    .rows_affected();
            if removed == 0 {
                // Nothing changed: nothing to audit (the transaction is dropped).
                return Ok(false);
            }
            insert_audit!(
                tx,
                cursor.next(actor, "seal.withdraw", &target, None, request_id)
            );
            commit_audited!(tx, cursor);
            Ok(true)
        })
    }

    /// Whether API key `api_key_id` may stamp with the seal.
    pub async fn seal_authorised(&self, esid: &str, api_key_id: &str) -> Result<bool, StoreError> {
        let n: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM seal_authorisations WHERE esid = $1 AND api_key_id = $2",
            )
            .bind(esid)
            .bind(api_key_id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::db("select seal authorisation"))?
        });
        Ok(n > 0)
    }

    /// Records a stamp (用印) with the seal by `api_key_id` at `at` (Unix seconds): checks,
    /// inside the audited transaction, that the seal is active and within its validity
    /// window at `at` and that the key is authorised. On success appends `seal.stamp`
    /// (target `<esid> <what>`, with `what` saying what was stamped) and returns `Ok(Ok(()))`;
    /// a refused stamp is audited as `seal.stamp.refused` and returned as `Ok(Err(..))`.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_stamp(
        &self,
        esid: &str,
        api_key_id: &str,
        at: i64,
        what: &str,
        actor: &str,
        request_id: &str,
    ) -> Result<Result<(), StampRefusal>, StoreError> {
        check_text("what", what, MAX_TEXT_CHARS)?;
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        let target = format!("{esid} {what}");
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let row: Option<(String, i64, i64)> =
                sqlx::query_as("SELECT status, valid_start, valid_end FROM seals WHERE esid = $1")
                    .bind(esid)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::db("select seal for stamp"))?;
            let Some((status, start, end)) = row else {
                return Err(StoreError::NotFound {
                    what: "seal",
                    key: esid.to_owned(),
                });
            };
            let status =
                SealStatus::from_str(&status).map_err(|_| corrupt("seals.status")(status))?;
            let authorised: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM seal_authorisations WHERE esid = $1 AND api_key_id = $2",
            )
            .bind(esid)
            .bind(api_key_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::db("select seal authorisation"))?;
            let effective = status.at(start, end, at);
            let outcome = if authorised == 0 {
                Err(StampRefusal::NotAuthorised)
            } else if !effective.may_stamp() {
                Err(StampRefusal::Status(effective))
            } else {
                Ok(())
            };
            let action = if outcome.is_ok() {
                "seal.stamp"
            } else {
                "seal.stamp.refused"
            };
            insert_audit!(tx, cursor.next(actor, action, &target, None, request_id));
            commit_audited!(tx, cursor);
            Ok(outcome)
        })
    }
}
