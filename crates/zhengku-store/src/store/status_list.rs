//! The status of every licence at once, for an offline verifier bundle
//! (`zhengku bundle export`): what a verifier without network access checks a licence's
//! live status against.

use std::str::FromStr;

use zhengku_model::{LicenceStatus, SealStatus};

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

/// Bits of a list index: zhengku's lists have 2^20 entries (docs/status-lists.md).
pub const STATUS_LIST_BITS: u32 = 20;

/// Most entries one [`Store::reserve_status_entries`] call hands out.
pub const MAX_RESERVATION: u64 = 1 << 16;

/// Whose statuses a list publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusListKind {
    /// Licences (电子证照).
    Licence,
    /// Seals (电子印章).
    Seal,
}

impl StatusListKind {
    /// `licence` or `seal`, as the table and the manifest write it.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusListKind::Licence => "licence",
            StatusListKind::Seal => "seal",
        }
    }
}

/// A run of entries reserved in one status list: the entries counted `start..end` of list
/// `list`, whose indices are `IndexPermutation::new(seed, bits).index(n)` for each `n`.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusRun {
    /// The list's number (the n of `/sl/{n}`).
    pub list: i64,
    /// Bits of an index.
    pub bits: u32,
    /// The list's secret seed.
    pub seed: [u8; 32],
    /// First entry counter reserved.
    pub start: u64,
    /// One past the last.
    pub end: u64,
}

impl std::fmt::Debug for StatusRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The seed hides the order of issue: never printed.
        f.debug_struct("StatusRun")
            .field("list", &self.list)
            .field("bits", &self.bits)
            .field("start", &self.start)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

/// id, bits, seed, allocated, last_take.
type ListRow = (i64, i64, Vec<u8>, i64, i64);

impl Store {
    /// Reserves `count` entries (at most [`MAX_RESERVATION`]) in the newest list of `kind`,
    /// opening new lists as lists fill: the runs together hold exactly `count` entries.
    ///
    /// Each run is taken by one `UPDATE … RETURNING`, atomic on both databases, so replicas
    /// reserving at once get disjoint runs. Entries reserved and never used stay valid
    /// (0) in their list for ever: an index is never handed out twice. Two replicas that
    /// find the newest list full at once may each open a list; the one with the lower
    /// number then stays short, which costs nothing. Not audited: it changes no licence.
    pub async fn reserve_status_entries(
        &self,
        kind: StatusListKind,
        count: u64,
    ) -> Result<Vec<StatusRun>, StoreError> {
        if count == 0 || count > MAX_RESERVATION {
            return Err(StoreError::InvalidInput {
                field: "count",
                reason: "must be 1 to MAX_RESERVATION (65,536)",
            });
        }
        let capacity = 1i64 << STATUS_LIST_BITS;
        let mut runs = Vec::new();
        let mut remaining = count as i64;
        // Each pass takes from the newest list or opens one; a list is opened at most once
        // per pass, so this ends (count <= MAX_RESERVATION < capacity: two lists at most,
        // a few more only if other replicas keep filling lists at the same moment).
        for _ in 0..16 {
            let taken: Option<ListRow> = on_pool!(self, |pool| {
                sqlx::query_as(
                    "UPDATE status_lists SET \
                     allocated = CASE WHEN allocated + $1 > $2 THEN $2 ELSE allocated + $1 END, \
                     last_take = CASE WHEN allocated + $1 > $2 THEN $2 - allocated ELSE $1 END \
                     WHERE id = (SELECT max(id) FROM status_lists WHERE kind = $3 AND bits = $4) \
                     AND allocated < $2 \
                     RETURNING id, bits, seed, allocated, last_take",
                )
                .bind(remaining)
                .bind(capacity)
                .bind(kind.as_str())
                .bind(i64::from(STATUS_LIST_BITS))
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("reserve status entries"))?
            });
            match taken {
                Some((list, bits, seed, allocated, take)) => {
                    let seed: [u8; 32] = seed.try_into().map_err(|_| StoreError::Corrupt {
                        what: "status_lists.seed",
                        detail: format!("list {list}: not 32 bytes"),
                    })?;
                    let corrupt = || StoreError::Corrupt {
                        what: "status_lists.allocated",
                        detail: format!("list {list}: {allocated} after taking {take}"),
                    };
                    let start = u64::try_from(allocated - take).map_err(|_| corrupt())?;
                    let end = u64::try_from(allocated).map_err(|_| corrupt())?;
                    runs.push(StatusRun {
                        list,
                        bits: u32::try_from(bits).map_err(|_| corrupt())?,
                        seed,
                        start,
                        end,
                    });
                    remaining -= take;
                    if remaining == 0 {
                        return Ok(runs);
                    }
                }
                None => self.open_status_list(kind).await?,
            }
        }
        Err(StoreError::Corrupt {
            what: "status_lists",
            detail: "no list could be reserved from in 16 attempts".into(),
        })
    }

    /// Opens a new, empty list of `kind` with a fresh random seed.
    async fn open_status_list(&self, kind: StatusListKind) -> Result<(), StoreError> {
        let mut seed = [0u8; 32];
        zhengku_crypto::fill_random(&mut seed).map_err(|e| StoreError::Random(e.to_string()))?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO status_lists (kind, bits, seed, allocated, last_take, created_at) \
                 VALUES ($1, $2, $3, 0, 0, $4)",
            )
            .bind(kind.as_str())
            .bind(i64::from(STATUS_LIST_BITS))
            .bind(seed.as_slice())
            .bind(super::now())
            .execute(pool)
            .await
            .map_err(StoreError::db("open status list"))?;
        });
        Ok(())
    }
}

impl Store {
    /// The entries of licence list `list` that are not valid, as (index, stored status),
    /// ordered by index: what the list's bits are made from. A status change updates the
    /// `licences` row in its own transaction, so the list read after it shows it.
    pub async fn licence_list_entries(
        &self,
        list: i64,
    ) -> Result<Vec<(u64, LicenceStatus)>, StoreError> {
        let rows: Vec<(String, i64, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT identifier, status_idx, status FROM licences \
                 WHERE status_list = $1 AND status <> 'valid' ORDER BY status_idx",
            )
            .bind(list)
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("select status list entries"))?
        });
        rows.into_iter()
            .map(|(identifier, idx, status)| {
                let corrupt = |what| StoreError::Corrupt {
                    what,
                    detail: format!("{identifier}: {idx} {status}"),
                };
                Ok((
                    u64::try_from(idx).map_err(|_| corrupt("licences.status_idx"))?,
                    LicenceStatus::from_str(&status).map_err(|_| corrupt("licences.status"))?,
                ))
            })
            .collect()
    }
}

impl Store {
    /// The seals of seal list `list` that are not active, with their entry index, stored
    /// status and whether the revocation was for key compromise (every stamp void).
    pub async fn seal_list_entries(
        &self,
        list: i64,
    ) -> Result<Vec<(u64, SealStatus, bool)>, StoreError> {
        let rows: Vec<(String, i64, String, Option<i64>)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT esid, status_idx, status, key_compromised_at FROM seals \
                 WHERE status_list = $1 AND status <> 'active' ORDER BY status_idx",
            )
            .bind(list)
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("select seal status list entries"))?
        });
        rows.into_iter()
            .map(|(esid, idx, status, compromised)| {
                let corrupt = |what| StoreError::Corrupt {
                    what,
                    detail: format!("{esid}: {idx} {status}"),
                };
                Ok((
                    u64::try_from(idx).map_err(|_| corrupt("seals.status_idx"))?,
                    SealStatus::from_str(&status).map_err(|_| corrupt("seals.status"))?,
                    compromised.is_some(),
                ))
            })
            .collect()
    }

    /// List `list`'s kind and bits, or [`StoreError::NotFound`].
    pub async fn status_list(&self, list: i64) -> Result<(StatusListKind, u32), StoreError> {
        let row: Option<(String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT kind, bits FROM status_lists WHERE id = $1")
                .bind(list)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("select status list"))?
        });
        let (kind, bits) = row.ok_or_else(|| StoreError::NotFound {
            what: "status list",
            key: list.to_string(),
        })?;
        let corrupt = || StoreError::Corrupt {
            what: "status_lists",
            detail: format!("list {list}: {kind} {bits}"),
        };
        let kind = match kind.as_str() {
            "licence" => StatusListKind::Licence,
            "seal" => StatusListKind::Seal,
            _ => return Err(corrupt()),
        };
        Ok((kind, u32::try_from(bits).map_err(|_| corrupt())?))
    }
}

impl Store {
    /// Every list of `kind`, by number.
    pub async fn status_lists(&self, kind: StatusListKind) -> Result<Vec<i64>, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM status_lists WHERE kind = $1 ORDER BY id")
                .bind(kind.as_str())
                .fetch_all(pool)
                .await
                .map_err(StoreError::db("select status lists"))?
        }))
    }
}

/// A signed status-list token kept for history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptToken {
    /// Its `iat`.
    pub iat: i64,
    /// Its `exp`.
    pub exp: i64,
    /// SHA-256 of the list's uncompressed array: tells whether the list changed.
    pub bits_sha256: [u8; 32],
    /// The token's bytes.
    pub token: Vec<u8>,
}

/// iat, exp, bits_sha256, token.
type KeptRow = (i64, i64, Vec<u8>, Vec<u8>);

fn kept(list: i64, (iat, exp, bits, token): KeptRow) -> Result<KeptToken, StoreError> {
    Ok(KeptToken {
        iat,
        exp,
        bits_sha256: bits.try_into().map_err(|_| StoreError::Corrupt {
            what: "status_list_tokens.bits_sha256",
            detail: format!("list {list} at {iat}: not 32 bytes"),
        })?,
        token,
    })
}

impl Store {
    /// Keeps a signed token of list `list` (a second one with the same `iat` is ignored).
    pub async fn keep_status_token(&self, list: i64, t: &KeptToken) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO status_list_tokens (list, iat, exp, bits_sha256, token) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (list, iat) DO NOTHING",
            )
            .bind(list)
            .bind(t.iat)
            .bind(t.exp)
            .bind(t.bits_sha256.as_slice())
            .bind(t.token.as_slice())
            .execute(pool)
            .await
            .map_err(StoreError::db("keep status token"))?;
        });
        Ok(())
    }

    /// The newest kept token of list `list`, if any.
    pub async fn last_kept_status_token(&self, list: i64) -> Result<Option<KeptToken>, StoreError> {
        let row: Option<KeptRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT iat, exp, bits_sha256, token FROM status_list_tokens \
                 WHERE list = $1 ORDER BY iat DESC LIMIT 1",
            )
            .bind(list)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::db("select last status token"))?
        });
        row.map(|r| kept(list, r)).transpose()
    }

    /// The kept token of list `list` that was current at `at` (the newest with
    /// `iat <= at < exp`), if any.
    pub async fn status_token_at(
        &self,
        list: i64,
        at: i64,
    ) -> Result<Option<KeptToken>, StoreError> {
        let row: Option<KeptRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT iat, exp, bits_sha256, token FROM status_list_tokens \
                 WHERE list = $1 AND iat <= $2 AND $2 < exp ORDER BY iat DESC LIMIT 1",
            )
            .bind(list)
            .bind(at)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::db("select status token at a time"))?
        });
        row.map(|r| kept(list, r)).transpose()
    }
}
