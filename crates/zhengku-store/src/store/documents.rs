//! What licence documents need from the library: the QR payload kept per licence, and the
//! audit entry of a document fetched on a holder's behalf.
//!
//! A QR payload is made once (its signature is randomised) and then served unchanged, so
//! the text printed on every PDF of a licence and shown by the QR image endpoints is the
//! same, and a verifier can compare them. Two replicas making the first payload at once
//! both insert; the first insert wins and both return the stored text.

use sqlx::Row;

use super::{
    AuditCursor, MAX_TEXT_CHARS, MAX_USE_CAUSE_CHARS, Pool, Store, check_text, now, to_i64,
};
use crate::audit::AuditEntry;
use crate::error::StoreError;

/// Longest QR payload kept, bytes (a QR code holds far less; this bounds a bad caller).
const MAX_PAYLOAD_LEN: usize = 8 * 1024;

impl Store {
    /// The QR payload stored for the licence, if one was made.
    pub async fn qr_payload(&self, identifier: &str) -> Result<Option<String>, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT payload FROM licence_qr_payloads WHERE identifier = $1")
                .bind(identifier)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("select QR payload"))?
        }))
    }

    /// Stores `payload` as the licence's QR payload unless one is stored already, and
    /// returns the stored one (the earlier one if there was one). Not audited: the payload is
    /// derived from the licence, holds no personal data beyond what is printed on it, and
    /// changes nothing.
    pub async fn keep_qr_payload(
        &self,
        identifier: &str,
        payload: &str,
    ) -> Result<String, StoreError> {
        check_text("payload", payload, MAX_PAYLOAD_LEN)?;
        let at = now();
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO licence_qr_payloads (identifier, payload, created_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (identifier) DO NOTHING",
            )
            .bind(identifier)
            .bind(payload)
            .bind(at)
            .execute(pool)
            .await
            .map_err(StoreError::db("insert QR payload"))?;
        });
        self.qr_payload(identifier)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "QR payload",
                key: identifier.to_owned(),
            })
    }

    /// Audits a read of a licence's personal data (the licence, its PDF or QR code): a
    /// `licence.reuse` entry when another department uses it (用证, as a reuse lookup
    /// writes for each licence it returns), `licence.read` when its issuer or an
    /// administrator reads it, with the use cause, target the identifier. The licence
    /// must exist.
    pub async fn record_licence_read(
        &self,
        identifier: &str,
        reuse: bool,
        actor: &str,
        use_cause: &str,
        request_id: &str,
    ) -> Result<(), StoreError> {
        let action = if reuse {
            "licence.reuse"
        } else {
            "licence.read"
        };
        check_text("use_cause", use_cause, MAX_USE_CAUSE_CHARS)?;
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM licences WHERE identifier = $1")
                .bind(identifier)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::db("select licence"))?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "licence",
                    key: identifier.to_owned(),
                });
            }
            insert_audit!(
                tx,
                cursor.next(actor, action, identifier, Some(use_cause), request_id)
            );
            commit_audited!(tx, cursor);
            Ok(())
        })
    }
}
