//! The repository test suite: every test runs against SQLite and PostgreSQL (see
//! `util/mod.rs` for how each test gets a database of its own).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod util;

use std::collections::BTreeSet;

use zhengku_model::LicenceStatus;
use zhengku_model::testing::{HOLDER_USCC, ISSUER_USCC};
use zhengku_store::{BackendKind, ChainError, StoreError};

use util::{Db, on_both, sample_department, sample_signed};

/// A store with the sample department and one licence (serial 1), valid: audit seq 1 and 2.
async fn seeded(db: &Db) -> String {
    db.store
        .create_department(&sample_department(), "admin", "req-dept")
        .await
        .unwrap();
    let lic = sample_signed(1);
    db.store
        .insert_licence(&lic, "clerk-7", "req-issue")
        .await
        .unwrap();
    lic.record().identifier.to_string()
}

/// Four audit entries: department, issue, reuse, status change.
async fn four_entries(db: &Db) {
    let id = seeded(db).await;
    db.store
        .find_by_holder(HOLDER_USCC, None, "teller-3", "办理对公开户", "req-reuse")
        .await
        .unwrap();
    db.store
        .change_status(
            &id,
            LicenceStatus::Suspended,
            "整改期间暂停",
            "clerk-7",
            "req-s",
        )
        .await
        .unwrap();
    assert_eq!(db.store.verify_audit().await.unwrap().seq, 4);
}

#[tokio::test]
async fn foreign_keys_are_enforced() {
    on_both(|db| async move {
        // Foreign keys: a licence from an unregistered department is refused.
        let err = db
            .store
            .insert_licence(&sample_signed(1), "clerk-7", "req-1")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::NotFound { what: "department", key } if key == ISSUER_USCC),
            "{err:?}"
        );
        assert!(db.store.audit_entries().await.unwrap().is_empty());
    })
    .await;
}

/// WAL is a property of the file, so a second connection sees it.
#[tokio::test]
async fn sqlite_journal_mode_is_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = zhengku_store::Store::connect(&url).await.unwrap();
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    store.close().await;
}

#[tokio::test]
async fn unsupported_urls_are_refused_without_echoing_them() {
    let err = zhengku_store::Store::connect("mysql://root:hunter2@db/zk")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl { .. }));
    assert!(!err.to_string().contains("hunter2"));

    // A database that does not exist fails at once (a refused connection would be retried
    // for the pool's whole acquire timeout). Trust auth ignores the password.
    let err = zhengku_store::Store::connect(
        "postgres://postgres:hunter2@127.0.0.1:5432/zk_store_no_such_database",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Connect { .. }), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[tokio::test]
async fn departments_round_trip_and_duplicates_conflict() {
    on_both(|db| async move {
        let new = sample_department();
        let created = db
            .store
            .create_department(&new, "admin", "req-1")
            .await
            .unwrap();
        let got = db.store.get_department(ISSUER_USCC).await.unwrap();
        assert_eq!(got, created);
        assert_eq!(got.certificate_der, new.certificate_der);

        let err = db
            .store
            .create_department(&new, "admin", "req-2")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    what: "department",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(matches!(
            db.store.get_department("91330106MA2H0YKU5B").await,
            Err(StoreError::NotFound { .. })
        ));
        // The failed insert left no audit entry.
        let entries = db.store.audit_entries().await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action, "department.create");
        assert_eq!(entries[0].target, ISSUER_USCC);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_sequence_is_gapless_under_concurrency() {
    on_both(|db| async move {
        let type_code = "11100000MB0143028R001";
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..10 {
                    got.push(
                        store
                            .next_sequence(ISSUER_USCC, type_code, 2024)
                            .await
                            .unwrap(),
                    );
                }
                got
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let distinct: BTreeSet<u32> = all.iter().copied().collect();
        assert_eq!(all.len(), 80);
        assert_eq!(distinct, (1..=80).collect::<BTreeSet<u32>>());

        // Each (issuer, type, year) counts on its own.
        assert_eq!(
            db.store
                .next_sequence(ISSUER_USCC, type_code, 2025)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            db.store
                .next_sequence(ISSUER_USCC, "11100000MB0143028R901", 2024)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            db.store
                .next_sequence(ISSUER_USCC, type_code, 2024)
                .await
                .unwrap(),
            81
        );
    })
    .await;
}

#[tokio::test]
async fn licences_round_trip_byte_identically_and_are_audited() {
    on_both(|db| async move {
        db.store
            .create_department(&sample_department(), "admin", "req-dept")
            .await
            .unwrap();
        let lic = sample_signed(7);
        db.store
            .insert_licence(&lic, "clerk-7", "req-issue")
            .await
            .unwrap();
        let id = lic.record().identifier.to_string();
        let got = db.store.get_licence(&id).await.unwrap();
        assert_eq!(got.licence, lic);
        assert_eq!(got.licence.to_bytes(), lic.to_bytes());
        assert_eq!(got.status, LicenceStatus::Valid);

        let err = db
            .store
            .insert_licence(&lic, "clerk-7", "req-again")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    what: "licence",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(matches!(
            db.store.get_licence("1.2.156.3005.2.nope").await,
            Err(StoreError::NotFound {
                what: "licence",
                ..
            })
        ));

        let entries = db.store.audit_entries().await.unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["department.create", "licence.issue"]);
        assert_eq!(entries[1].target, id);
        assert_eq!(entries[1].actor, "clerk-7");
        assert_eq!(entries[1].request_id, "req-issue");
        assert_eq!(entries[1].prev_hash, entries[0].hash);
        let head = db.store.verify_audit().await.unwrap();
        assert_eq!((head.seq, head.hash), (2, entries[1].hash));
    })
    .await;
}

#[tokio::test]
async fn find_by_holder_audits_every_licence_returned() {
    on_both(|db| async move {
        seeded(&db).await;
        let second = sample_signed(2);
        db.store
            .insert_licence(&second, "clerk-7", "req-issue-2")
            .await
            .unwrap();

        let found = db
            .store
            .find_by_holder(HOLDER_USCC, None, "teller-3", "办理对公开户", "req-r1")
            .await
            .unwrap();
        assert_eq!(found.len(), 2);
        let filtered = db
            .store
            .find_by_holder(
                HOLDER_USCC,
                Some("11100000MB0143028R001"),
                "teller-3",
                "办理对公开户",
                "req-r2",
            )
            .await
            .unwrap();
        assert_eq!(filtered.len(), 2);
        let other_type = db
            .store
            .find_by_holder(
                HOLDER_USCC,
                Some("11100000MB0143028R901"),
                "teller-3",
                "办理对公开户",
                "req-r3",
            )
            .await
            .unwrap();
        assert!(other_type.is_empty());

        let entries = db.store.audit_entries().await.unwrap();
        let reuse: Vec<_> = entries
            .iter()
            .filter(|e| e.request_id == "req-r1")
            .collect();
        assert_eq!(reuse.len(), 2);
        for (e, l) in reuse.iter().zip(&found) {
            assert_eq!(e.action, "licence.reuse");
            assert_eq!(e.target, l.licence.record().identifier.as_str());
            assert_eq!(e.use_cause.as_deref(), Some("办理对公开户"));
        }
        let empty: Vec<_> = entries
            .iter()
            .filter(|e| e.request_id == "req-r3")
            .collect();
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].action, "licence.search.empty");

        // 用证事由 is required, 1 to 200 characters (characters, not bytes).
        let before = entries.len();
        for bad in ["", "   ", &"事".repeat(201)] {
            let err = db
                .store
                .find_by_holder(HOLDER_USCC, None, "teller-3", bad, "req-bad")
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    StoreError::InvalidInput {
                        field: "use_cause",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        db.store
            .find_by_holder(HOLDER_USCC, None, "teller-3", &"事".repeat(200), "req-max")
            .await
            .unwrap();
        assert_eq!(db.store.audit_entries().await.unwrap().len(), before + 2);
        db.store.verify_audit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn change_status_enforces_transitions_and_keeps_history() {
    on_both(|db| async move {
        let id = seeded(&db).await;
        use LicenceStatus::*;
        for (to, reason) in [
            (Suspended, "整改期间暂停"),
            (Valid, "整改完成"),
            (Revoked, "以欺骗手段取得"),
        ] {
            let ev = db
                .store
                .change_status(&id, to, reason, "clerk-7", "req-s")
                .await
                .unwrap();
            assert_eq!(ev.to, to);
        }
        let err = db
            .store
            .change_status(&id, Valid, "误操作", "clerk-7", "req-bad")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::InvalidTransition {
                    from: Revoked,
                    to: Valid,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = db
            .store
            .change_status("1.2.156.3005.2.nope", Suspended, "x", "clerk-7", "req-nf")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::NotFound {
                    what: "licence",
                    ..
                }
            ),
            "{err:?}"
        );

        assert_eq!(db.store.get_licence(&id).await.unwrap().status, Revoked);
        let events = db.store.licence_events(&id).await.unwrap();
        let steps: Vec<_> = events.iter().map(|e| (e.from, e.to)).collect();
        assert_eq!(
            steps,
            [(Valid, Suspended), (Suspended, Valid), (Valid, Revoked)]
        );
        assert_eq!(events[2].reason, "以欺骗手段取得");

        // Refused changes left no audit entry: 2 seeded + 3 changes.
        let entries = db.store.audit_entries().await.unwrap();
        assert_eq!(entries.len(), 5);
        assert_eq!(entries[4].action, "licence.status.revoked");
        db.store.verify_audit().await.unwrap();
    })
    .await;
}

/// When the audit insert (the statement after the change) fails, the change is rolled back.
/// The failure is made by planting a row at the seq the next append will take.
#[tokio::test]
async fn a_failing_second_statement_writes_nothing() {
    on_both(|db| async move {
        let id = seeded(&db).await;
        let planted = "INSERT INTO audit_log \
             (seq, at, actor, action, target, use_cause, request_id, prev_hash, hash) \
             VALUES (3, 0, 'x', 'x', 'x', NULL, 'x', \
             X'0000000000000000000000000000000000000000000000000000000000000000', \
             X'1111111111111111111111111111111111111111111111111111111111111111')";
        let planted = if db.kind() == BackendKind::Sqlite {
            planted.to_owned()
        } else {
            planted.replace("X'", "'\\x")
        };
        db.exec(&planted).await;

        // insert_licence: the licence row must not survive the failed audit insert.
        let lic = sample_signed(2);
        let err = db
            .store
            .insert_licence(&lic, "clerk-7", "req-x")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Database {
                    op: "append audit entry",
                    ..
                }
            ),
            "{err:?}"
        );
        let lic_id = lic.record().identifier.to_string();
        assert!(matches!(
            db.store.get_licence(&lic_id).await,
            Err(StoreError::NotFound { .. })
        ));

        // change_status: neither the event nor the new status survive.
        let err = db
            .store
            .change_status(&id, LicenceStatus::Suspended, "r", "clerk-7", "req-y")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Database { .. }), "{err:?}");
        assert_eq!(
            db.store.get_licence(&id).await.unwrap().status,
            LicenceStatus::Valid
        );
        assert!(db.store.licence_events(&id).await.unwrap().is_empty());

        // find_by_holder returns nothing when it cannot audit.
        assert!(
            db.store
                .find_by_holder(HOLDER_USCC, None, "teller-3", "开户", "req-z")
                .await
                .is_err()
        );

        // Remove the plant: the log is exactly what it was.
        db.exec("DELETE FROM audit_log WHERE seq = 3").await;
        assert_eq!(db.store.verify_audit().await.unwrap().seq, 2);
        db.store
            .insert_licence(&lic, "clerk-7", "req-x2")
            .await
            .unwrap();
        assert_eq!(db.store.verify_audit().await.unwrap().seq, 3);
    })
    .await;
}

#[tokio::test]
async fn verify_audit_finds_a_changed_entry() {
    on_both(|db| async move {
        four_entries(&db).await;
        db.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
            .await;
        let err = db.store.verify_audit().await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Chain(ChainError::HashMismatch { seq: 2, .. })
            ),
            "{err:?}"
        );
        let err = db.store.verify_audit().await.unwrap_err();
        assert!(err.to_string().contains("seq 2"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn verify_audit_finds_a_removed_entry() {
    on_both(|db| async move {
        four_entries(&db).await;
        db.exec("DELETE FROM audit_log WHERE seq = 2").await;
        let err = db.store.verify_audit().await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Chain(ChainError::SeqGap {
                    expected: 2,
                    found: 3
                })
            ),
            "{err:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn verify_audit_finds_swapped_entries() {
    on_both(|db| async move {
        four_entries(&db).await;
        db.exec(
            "UPDATE audit_log SET seq = -2 WHERE seq = 2; \
             UPDATE audit_log SET seq = 2 WHERE seq = 3; \
             UPDATE audit_log SET seq = 3 WHERE seq = -2;",
        )
        .await;
        let err = db.store.verify_audit().await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Chain(ChainError::BrokenLink { seq: 2, .. })
            ),
            "{err:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn verify_audit_finds_a_cut_tail() {
    on_both(|db| async move {
        four_entries(&db).await;
        db.exec("DELETE FROM audit_log WHERE seq = 4").await;
        let err = db.store.verify_audit().await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Chain(ChainError::Truncated {
                    head_seq: 4,
                    found_seq: 3
                })
            ),
            "{err:?}"
        );
    })
    .await;
}

/// Group commit: several calls' licences in one transaction, each with its own audit
/// entries; one bad group (a duplicate identifier) fails the whole transaction and leaves
/// nothing behind.
#[tokio::test]
async fn licence_groups_are_one_transaction() {
    on_both(|db| async move {
        let id = seeded(&db).await;
        let (a, b, c) = (sample_signed(2), sample_signed(3), sample_signed(4));
        let idem = zhengku_store::IdempotencyRecord {
            owner: "key-1".into(),
            key: "k".into(),
            request_hash: [9; 32],
        };
        let ok = [
            zhengku_store::IssueGroup {
                licences: std::slice::from_ref(&a),
                idempotency: Some(&idem),
                actor: "dept/key-1",
                request_id: "r-a",
            },
            zhengku_store::IssueGroup {
                licences: &[b.clone(), c.clone()],
                idempotency: None,
                actor: "dept/key-2",
                request_id: "r-bc",
            },
        ];
        db.store.insert_licence_groups(&ok).await.unwrap();
        let entries = db.store.audit_entries().await.unwrap();
        let tail: Vec<_> = entries[2..]
            .iter()
            .map(|e| (e.actor.as_str(), e.request_id.as_str()))
            .collect();
        assert_eq!(
            tail,
            [
                ("dept/key-1", "r-a"),
                ("dept/key-2", "r-bc"),
                ("dept/key-2", "r-bc")
            ]
        );
        let replay = db
            .store
            .idempotent_result("key-1", "k")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(replay.identifiers, [a.record().identifier.to_string()]);

        // A group repeating a stored licence: the whole transaction fails.
        let d = sample_signed(5);
        let dup = sample_signed(1);
        let bad = [
            zhengku_store::IssueGroup {
                licences: std::slice::from_ref(&d),
                idempotency: None,
                actor: "dept/key-1",
                request_id: "r-d",
            },
            zhengku_store::IssueGroup {
                licences: std::slice::from_ref(&dup),
                idempotency: None,
                actor: "dept/key-2",
                request_id: "r-dup",
            },
        ];
        assert!(matches!(
            db.store.insert_licence_groups(&bad).await,
            Err(StoreError::Conflict {
                what: "licence",
                ..
            })
        ));
        assert!(
            db.store
                .get_licence(d.record().identifier.as_str())
                .await
                .is_err()
        );
        assert_eq!(db.store.verify_audit().await.unwrap().seq, 5);
        assert!(db.store.get_licence(&id).await.is_ok());
    })
    .await;
}

/// A revoked bootstrap key stays revoked when the service starts again with the same
/// token; a new token makes a new key.
#[tokio::test]
async fn a_revoked_bootstrap_key_stays_revoked() {
    on_both(|db| async move {
        let s = &db.store;
        let first = [7u8; 32];
        assert!(s.set_bootstrap_key(&first, "start-1").await.unwrap());
        s.revoke_api_key(zhengku_store::BOOTSTRAP_KEY_ID, "admin/x", "req-1")
            .await
            .unwrap();
        // A restart with the same token.
        assert!(!s.set_bootstrap_key(&first, "start-2").await.unwrap());
        let key = s
            .api_key(zhengku_store::BOOTSTRAP_KEY_ID)
            .await
            .unwrap()
            .unwrap();
        assert!(key.revoked_at.is_some(), "reinstated by a restart");
        // An operator who sets a new token means it.
        assert!(s.set_bootstrap_key(&[8u8; 32], "start-3").await.unwrap());
        let key = s
            .api_key(zhengku_store::BOOTSTRAP_KEY_ID)
            .await
            .unwrap()
            .unwrap();
        assert!(key.revoked_at.is_none());
        assert_eq!(key.secret_hash, [8u8; 32]);
    })
    .await;
}

/// Commits are durable across power cuts: SQLite runs synchronous=FULL (in WAL mode),
/// PostgreSQL synchronous_commit=on.
#[tokio::test]
async fn commits_are_durable() {
    on_both(|db| async move {
        let d = db.store.durability().await.unwrap();
        assert!(
            d == "synchronous=FULL, journal_mode=wal" || d == "synchronous_commit=on",
            "{d}"
        );
    })
    .await;
}
