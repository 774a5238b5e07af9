//! Status-list entries (docs/status-lists.md): reservations are runs of entry counters in
//! the newest list, contiguous within a list, disjoint between callers, and they open the
//! next list exactly when one fills. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// This file uses only the database harness, not the sample licences.
#[allow(dead_code)]
mod util;

use std::collections::HashSet;

use zhengku_status::IndexPermutation;
use zhengku_store::{MAX_RESERVATION, STATUS_LIST_BITS, StatusListKind, StatusRun, StoreError};

use util::on_both;

fn total(runs: &[StatusRun]) -> u64 {
    runs.iter().map(|r| r.end - r.start).sum()
}

#[tokio::test]
async fn reservations_fill_a_list_then_open_the_next() {
    on_both(|db| async move {
        let s = &db.store;
        let first = s
            .reserve_status_entries(StatusListKind::Licence, 1000)
            .await
            .unwrap();
        assert_eq!(first.len(), 1);
        let list1 = first[0].list;
        assert_eq!((first[0].start, first[0].end, first[0].bits), (0, 1000, 20));
        let next = s
            .reserve_status_entries(StatusListKind::Licence, 5)
            .await
            .unwrap();
        assert_eq!(
            (next[0].list, next[0].start, next[0].end),
            (list1, 1000, 1005)
        );
        assert_eq!(next[0].seed, first[0].seed, "one seed a list");
        // Seals have lists of their own.
        let seal = s
            .reserve_status_entries(StatusListKind::Seal, 3)
            .await
            .unwrap();
        assert_ne!(seal[0].list, list1);
        assert_eq!((seal[0].start, seal[0].end), (0, 3));
        assert_ne!(seal[0].seed, first[0].seed);
        // Up to 536 short of the end, then across it.
        let capacity = 1u64 << STATUS_LIST_BITS;
        let mut allocated = 1005;
        while allocated + MAX_RESERVATION <= capacity - 536 {
            let r = s
                .reserve_status_entries(StatusListKind::Licence, MAX_RESERVATION)
                .await
                .unwrap();
            allocated += total(&r);
        }
        let fill = capacity - 536 - allocated;
        s.reserve_status_entries(StatusListKind::Licence, fill)
            .await
            .unwrap();
        let across = s
            .reserve_status_entries(StatusListKind::Licence, 1000)
            .await
            .unwrap();
        assert_eq!(across.len(), 2, "{across:?}");
        assert_eq!(
            (across[0].list, across[0].start, across[0].end),
            (list1, capacity - 536, capacity)
        );
        assert_ne!(across[1].list, list1);
        assert_ne!(across[1].list, seal[0].list);
        assert_eq!((across[1].start, across[1].end), (0, 464));
        assert_ne!(across[1].seed, across[0].seed);
        // The seed never shows in logs.
        assert!(!format!("{:?}", across[0]).contains("seed"));
        // Out of bounds.
        for bad in [0, MAX_RESERVATION + 1] {
            assert!(matches!(
                s.reserve_status_entries(StatusListKind::Licence, bad).await,
                Err(StoreError::InvalidInput { .. })
            ));
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_reservations_never_share_an_index() {
    on_both(|db| async move {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let s = db.store.clone();
                tokio::spawn(async move {
                    s.reserve_status_entries(StatusListKind::Licence, 250)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut indices = HashSet::new();
        let mut counters = 0;
        for t in tasks {
            for run in t.await.unwrap() {
                let p = IndexPermutation::new(run.seed, run.bits).unwrap();
                for n in run.start..run.end {
                    counters += 1;
                    assert!(
                        indices.insert((run.list, p.index(n).unwrap())),
                        "index twice"
                    );
                }
            }
        }
        assert_eq!(counters, 2000);
        // Callers that found no list at once may each have opened one (the lower then
        // stays short); the newest list's next entry follows every counter taken from it.
        let next = db
            .store
            .reserve_status_entries(StatusListKind::Licence, 1)
            .await
            .unwrap();
        let newest = indices.iter().map(|(list, _)| *list).max().unwrap();
        assert_eq!(next[0].list, newest);
        let in_newest = indices.iter().filter(|(list, _)| *list == newest).count() as u64;
        assert_eq!(
            next[0].start, in_newest,
            "the runs were contiguous and complete"
        );
    })
    .await;
}
