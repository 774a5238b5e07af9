//! The status of every licence at once, for an offline verifier bundle
//! (`zhengku bundle export`): what a verifier without network access checks a licence's
//! live status against.

use std::str::FromStr;

use zhengku_model::LicenceStatus;

use super::{Pool, Store};
use crate::error::StoreError;

/// One licence's stored status, as the status list carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceStatusEntry {
    /// 证照标识.
    pub identifier: String,
    /// The stored status (not adjusted for expiry: verifiers apply the record's end date).
    pub status: LicenceStatus,
    /// The reason of the last status change, if there was one.
    pub reason: Option<String>,
    /// When the row last changed, Unix seconds.
    pub updated_at: i64,
    /// SHA-256 of the signed record as stored: a verifier compares the record (or a QR
    /// code's record digest) it holds with it. A digest reveals nothing of the record.
    pub record_sha256: [u8; 32],
    /// SM3 of the same (an SM2-signed QR code's digest claim is cut from it).
    pub record_sm3: [u8; 32],
}

/// identifier, status, last reason, updated_at, signed record.
type StatusRow = (String, String, Option<String>, i64, Vec<u8>);

impl Store {
    /// Every licence's identifier, stored status, last change reason and change time,
    /// ordered by identifier. Not audited: it holds no personal data, only what the public
    /// status endpoint answers for each licence.
    pub async fn licence_statuses(&self) -> Result<Vec<LicenceStatusEntry>, StoreError> {
        let rows: Vec<StatusRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT l.identifier, l.status, \
                 (SELECT e.reason FROM licence_events e WHERE e.identifier = l.identifier \
                  ORDER BY e.id DESC LIMIT 1) AS reason, \
                 l.updated_at, l.signed FROM licences l ORDER BY l.identifier",
            )
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("select licence statuses"))?
        });
        rows.into_iter()
            .map(|(identifier, status, reason, updated_at, signed)| {
                let status = LicenceStatus::from_str(&status).map_err(|_| StoreError::Corrupt {
                    what: "licences.status",
                    detail: format!("{identifier}: {status}"),
                })?;
                Ok(LicenceStatusEntry {
                    identifier,
                    status,
                    reason,
                    updated_at,
                    record_sha256: zhengku_crypto::sha256(&signed),
                    record_sm3: zhengku_crypto::sm3(&signed),
                })
            })
            .collect()
    }
}
