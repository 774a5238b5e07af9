//! Statuses from signed status lists (状态列表): the [`LiveSource`] of an offline verifier
//! that holds a region's lists (`zhengku sync`, or a bundle of the same files). The lists
//! were verified when they were read — their signature by the status signer the trust list
//! names, their `sub` against the trust list's URI template — so here they are only looked
//! up, by the status-list entry the licence's signed record names.
//!
//! Fail closed: a record that names no entry (issued before status lists), a list not
//! held, an entry beyond the list, a value zhengku does not write, or a trust list past its
//! `next_update` each answer [`Lookup::Unavailable`] with the reason, so the verdict is
//! 无法核验. A list past its `exp` makes the status stale ([`LicenceLive::good_until`]);
//! between `iat + ttl` and `exp` the answer holds, said as "status as of `iat`".

use std::collections::HashMap;

use zhengku_model::{LicenceStatus, SealStatus};
use zhengku_status::{Freshness, StatusListClaims};

use crate::engine::{LicenceClaim, StampClaim};
use crate::live::{LicenceLive, LiveSource, Lookup, SealLive};

/// A region's status lists, verified, by URI (module docs).
#[derive(Debug, Clone, Default)]
pub struct ListSource {
    lists: HashMap<String, StatusListClaims>,
    /// zhengku list numbers (`<base>/sl/<n>`) of the lists held, for relative entries.
    by_number: HashMap<u64, String>,
    blocked: Option<String>,
    at: u64,
}

impl ListSource {
    /// No lists yet, judging freshness at `at` (Unix seconds, the verification time).
    pub fn new(at: i64) -> ListSource {
        ListSource {
            at: u64::try_from(at).unwrap_or(0),
            ..ListSource::default()
        }
    }

    /// Adds a verified list, found by its `sub` (and, for a QR code's relative entry, by
    /// its number: the lists held are one library's).
    pub fn add(&mut self, claims: StatusListClaims) {
        if let Some(n) = zhengku_status::list_number(&claims.sub) {
            self.by_number.insert(n, claims.sub.clone());
        }
        self.lists.insert(claims.sub.clone(), claims);
    }

    /// Makes every answer [`Lookup::Unavailable`] for `why` (the trust list the lists came
    /// under can no longer be relied on).
    pub fn block(&mut self, why: String) {
        self.blocked = Some(why);
    }

    /// How many lists are held.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    fn time(t: u64) -> String {
        time::OffsetDateTime::from_unix_timestamp(i64::try_from(t).unwrap_or(i64::MAX))
            .map_or_else(|_| t.to_string(), |t| t.to_string())
    }
}

impl ListSource {
    /// The value at `reference` in a list held, with the list's source text and how long
    /// its answer holds; or why there is none.
    fn entry(
        &self,
        reference: Option<&zhengku_status::Reference>,
        what: &str,
    ) -> Result<(u8, String, i64, i64), String> {
        if let Some(why) = &self.blocked {
            return Err(why.clone());
        }
        let Some(reference) = reference else {
            return Err(format!(
                "the {what} names no status-list entry (made before status lists): the \
                 signed lists cannot say its status; verify it online"
            ));
        };
        let uri = match reference.uri.starts_with('/') {
            true => reference
                .list_number()
                .and_then(|n| self.by_number.get(&n))
                .unwrap_or(&reference.uri),
            false => &reference.uri,
        };
        let Some(list) = self.lists.get(uri) else {
            return Err(format!(
                "no status list {} is held (not this region's, or not synced)",
                reference.uri
            ));
        };
        let value = list
            .list
            .get(reference.idx)
            .map_err(|_| format!("index {} is beyond status list {uri}", reference.idx))?;
        let mut source = format!("status list {uri}");
        if list.freshness(self.at) == Freshness::Stale {
            source.push_str(&format!(
                " (past its ttl: status as of {}; run zhengku sync)",
                Self::time(list.iat)
            ));
        }
        let expires = list
            .exp
            .or_else(|| list.ttl.map(|t| list.iat.saturating_add(t)))
            .unwrap_or(list.iat);
        Ok((
            value,
            source,
            i64::try_from(list.iat).unwrap_or(i64::MAX),
            i64::try_from(expires).unwrap_or(i64::MAX),
        ))
    }
}

fn unwritten(value: u8) -> String {
    format!("the list holds {value} for it, a value zhengku does not write")
}

impl LiveSource for ListSource {
    fn licence(&self, claim: &LicenceClaim) -> Lookup<LicenceLive> {
        let (value, source, as_of, good_until) = match self.entry(claim.status.as_ref(), "licence")
        {
            Ok(e) => e,
            Err(why) => return Lookup::Unavailable(why),
        };
        let status = match value {
            0 => LicenceStatus::Valid,
            1 => LicenceStatus::Revoked,
            2 => LicenceStatus::Suspended,
            v => return Lookup::Unavailable(unwritten(v)),
        };
        Lookup::Found(LicenceLive {
            status,
            reason: None,
            as_of,
            source,
            record: None,
            good_until: Some(good_until),
        })
    }

    fn seal(&self, stamp: &StampClaim) -> Lookup<SealLive> {
        let (value, source, as_of, good_until) = match self.entry(stamp.status.as_ref(), "seal") {
            Ok(e) => e,
            Err(why) => return Lookup::Unavailable(why),
        };
        let (status, key_compromise) = match value {
            0 => (SealStatus::Active, false),
            1 => (SealStatus::Revoked, false),
            2 => (SealStatus::Suspended, false),
            _ => (SealStatus::Revoked, true),
        };
        Lookup::Found(SealLive {
            status,
            // The window the maker signed into the seal: the seal's signature vouches for it.
            valid_start: stamp.window.0,
            valid_end: stamp.window.1,
            // When it changed is not in a list: a seal not active now decides, and claimed
            // stamp times rescue nothing.
            changed_at: None,
            key_compromise,
            reason: None,
            as_of,
            source,
            // The list is found through the seal itself, as signed by its maker.
            fingerprint: None,
            attested_at: None,
            good_until: Some(good_until),
        })
    }

    fn max_age(&self) -> i64 {
        // Each status says how long it holds (`good_until`).
        crate::live::DEFAULT_MAX_STATUS_AGE
    }
}
