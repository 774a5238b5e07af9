//! Status-list entries for new licences and seals (docs/status-lists.md), reserved from the
//! database in runs, like serial numbers ([`crate::sequences`]).
//!
//! Each licence's signed record names its entry (list, index), so the entry must exist
//! before the record is signed, and so before the transaction that stores the licence.
//! Reserving one entry per licence would cost each issue a write of its own; instead each
//! server reserves [`RUN`] entry counters at a time ([`Store::reserve_status_entries`]) and
//! hands them out from memory. The index of counter `n` is the list's keyed permutation
//! of `n`, so indices never repeat and never reveal the order of issue.
//!
//! The price, written down: entries reserved and not used (a server stopped, an issue that
//! failed after signing) stay valid (0) in their list for ever, and are never handed out
//! again; at most `RUN - 1` per server and restart.

use std::collections::VecDeque;

use tokio::sync::Mutex;
use zhengku_status::IndexPermutation;
use zhengku_store::{StatusListKind, StatusRun, Store, StoreError};

/// Entry counters reserved per database round trip.
pub const RUN: u64 = 256;

/// A reserved run with its permutation and the next unused counter.
struct Open {
    run: StatusRun,
    permutation: IndexPermutation,
    next: u64,
}

/// Entry counters reserved per round trip for seals: few are made, so few are wasted.
pub const SEAL_RUN: u64 = 1;

/// Reserved, not yet used entries of one kind of list.
pub struct StatusEntries {
    kind: StatusListKind,
    run: u64,
    // A tokio mutex: held across the reservation's await, so two callers never reserve at
    // once (one run serves both).
    free: Mutex<VecDeque<Open>>,
}

impl Default for StatusEntries {
    /// Licence entries, [`RUN`] at a time.
    fn default() -> Self {
        StatusEntries::new(StatusListKind::Licence, RUN)
    }
}

impl StatusEntries {
    /// Entries of lists of `kind`, reserved `run` at a time.
    pub fn new(kind: StatusListKind, run: u64) -> StatusEntries {
        StatusEntries {
            kind,
            run: run.max(1),
            free: Mutex::default(),
        }
    }

    /// `count` entries, as (list number, index), in the order to give them.
    pub async fn take(&self, store: &Store, count: usize) -> Result<Vec<(u64, u64)>, StoreError> {
        let mut free = self.free.lock().await;
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let Some(open) = free.front_mut() else {
                let want = (count - out.len()) as u64;
                let runs = store
                    .reserve_status_entries(
                        self.kind,
                        want.clamp(self.run, zhengku_store::MAX_RESERVATION),
                    )
                    .await?;
                for run in runs {
                    let permutation =
                        IndexPermutation::new(run.seed, run.bits).ok_or(StoreError::Corrupt {
                            what: "status_lists.bits",
                            detail: format!("list {}: {} bits", run.list, run.bits),
                        })?;
                    let next = run.start;
                    free.push_back(Open {
                        run,
                        permutation,
                        next,
                    });
                }
                continue;
            };
            if open.next >= open.run.end {
                free.pop_front();
                continue;
            }
            let list = u64::try_from(open.run.list).map_err(|_| StoreError::Corrupt {
                what: "status_lists.id",
                detail: open.run.list.to_string(),
            })?;
            let idx = open
                .permutation
                .index(open.next)
                .ok_or(StoreError::Corrupt {
                    what: "status_lists.allocated",
                    detail: format!("list {list}: counter {} past the end", open.next),
                })?;
            open.next += 1;
            out.push((list, idx));
        }
        Ok(out)
    }
}
