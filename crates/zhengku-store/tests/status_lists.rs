//! Status-list entries (docs/status-lists.md): reservations are runs of entry counters in
//! the newest list, contiguous within a list, disjoint between callers, and they open the
//! next list exactly when one fills. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// This file uses only the database harness, not the sample licences.
#[allow(dead_code)]
mod util;

use std::collections::HashSet;

use zhengku_model::LicenceStatus;
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

/// A signed sample licence (serial `seq`) whose record names entry `idx` of `uri`.
fn signed_with_status(seq: u32, uri: &str, idx: u64) -> zhengku_model::SignedLicence {
    let mut record = util::sample_signed(seq).record().clone();
    record.status = Some(zhengku_status::Reference {
        idx,
        uri: uri.to_owned(),
    });
    let key = zhengku_crypto::PrivateKey::generate(zhengku_crypto::Algorithm::Sm2Sm3).unwrap();
    zhengku_model::SignedLicence::sign(record, &key).unwrap()
}

#[tokio::test]
async fn licences_are_stored_at_their_entry_and_the_list_shows_their_status() {
    on_both(|db| async move {
        let s = &db.store;
        s.create_department(&util::sample_department(), "admin", "r0")
            .await
            .unwrap();
        let run = s
            .reserve_status_entries(StatusListKind::Licence, 3)
            .await
            .unwrap()
            .remove(0);
        let p = IndexPermutation::new(run.seed, run.bits).unwrap();
        let uri = format!("https://zk.example.gov.cn/sl/{}", run.list);
        let idx: Vec<u64> = (run.start..run.end).map(|n| p.index(n).unwrap()).collect();
        let a = signed_with_status(1, &uri, idx[0]);
        let b = signed_with_status(2, &uri, idx[1]);
        for l in [&a, &b] {
            s.insert_licence(l, "clerk", "r1").await.unwrap();
        }
        assert_eq!(s.licence_list_entries(run.list).await.unwrap(), []);
        let id_b = b.record().identifier.to_string();
        s.change_status(&id_b, LicenceStatus::Revoked, "吊销", "clerk", "r2")
            .await
            .unwrap();
        assert_eq!(
            s.licence_list_entries(run.list).await.unwrap(),
            [(idx[1], LicenceStatus::Revoked)]
        );
        // The same entry twice: refused, nothing stored.
        let twice = signed_with_status(3, &uri, idx[0]);
        assert!(s.insert_licence(&twice, "clerk", "r3").await.is_err());
        assert!(
            s.get_licence(twice.record().identifier.as_str())
                .await
                .is_err()
        );
        // A list that is not there, or a URI that is not one of ours.
        let nowhere = signed_with_status(4, "https://zk.example.gov.cn/sl/999", 1);
        assert!(matches!(
            s.insert_licence(&nowhere, "clerk", "r4").await,
            Err(StoreError::NotFound { .. })
        ));
        let foreign = signed_with_status(5, "https://example.com/statuslists/1", 1);
        assert!(matches!(
            s.insert_licence(&foreign, "clerk", "r5").await,
            Err(StoreError::InvalidInput {
                field: "status",
                ..
            })
        ));
    })
    .await;
}
