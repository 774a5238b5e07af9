//! Reading the audit log in pages: `audit_page`, `audit_head_recorded`, and `verify_audit`
//! across page boundaries, on SQLite and PostgreSQL (see `util/mod.rs`).
//!
//! A log of more than two verification pages is planted directly in SQL (entries made with
//! the public hash function), since writing it through audited operations would take one
//! transaction per entry.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// This file uses only the database harness, not the sample licences.
#[allow(dead_code)]
mod util;

use zhengku_store::audit::GENESIS_HASH;
use zhengku_store::{AuditEntry, BackendKind, ChainError, ChainHead, StoreError, verify_chain};

use util::{Db, on_both};

/// Entries planted: three pages of `verify_audit` (5,000 each), the last one partial.
const N: u64 = 12_001;

fn chain(n: u64) -> Vec<AuditEntry> {
    let mut prev = GENESIS_HASH;
    (1..=n)
        .map(|seq| {
            let mut e = AuditEntry {
                seq,
                at: 1_700_000_000 + i64::try_from(seq).unwrap(),
                actor: "clerk-1".into(),
                action: "licence.reuse".into(),
                target: format!("licence-{seq}"),
                use_cause: (seq % 3 == 0).then(|| "办理开户".to_owned()),
                request_id: format!("req-{seq}"),
                prev_hash: prev,
                hash: [0; 32],
            };
            e.hash = e.compute_hash();
            prev = e.hash;
            e
        })
        .collect()
}

/// Writes `entries` and their head straight into the tables.
async fn plant(db: &Db, entries: &[AuditEntry]) {
    let blob = |h: &[u8; 32]| match db.kind() {
        BackendKind::Sqlite => format!("X'{}'", hex::encode(h)),
        _ => format!("decode('{}', 'hex')", hex::encode(h)),
    };
    let mut sql = String::from("BEGIN;\n");
    for chunk in entries.chunks(1_000) {
        sql.push_str(
            "INSERT INTO audit_log \
             (seq, at, actor, action, target, use_cause, request_id, prev_hash, hash) VALUES ",
        );
        let rows: Vec<String> = chunk
            .iter()
            .map(|e| {
                format!(
                    "({}, {}, '{}', '{}', '{}', {}, '{}', {}, {})",
                    e.seq,
                    e.at,
                    e.actor,
                    e.action,
                    e.target,
                    e.use_cause
                        .as_deref()
                        .map_or("NULL".to_owned(), |c| format!("'{c}'")),
                    e.request_id,
                    blob(&e.prev_hash),
                    blob(&e.hash)
                )
            })
            .collect();
        sql.push_str(&rows.join(",\n"));
        sql.push_str(";\n");
    }
    let last = entries.last().unwrap();
    sql.push_str(&format!(
        "UPDATE audit_head SET seq = {}, hash = {} WHERE id = 1;\nCOMMIT;",
        last.seq,
        blob(&last.hash)
    ));
    db.exec(&sql).await;
}

#[tokio::test]
async fn pages_and_the_recorded_head_cover_the_whole_log() {
    on_both(|db| async move {
        assert_eq!(
            db.store.audit_head_recorded().await.unwrap(),
            ChainHead::EMPTY
        );
        assert!(db.store.audit_page(0, 10).await.unwrap().is_empty());

        let entries = chain(N);
        plant(&db, &entries).await;
        let last = entries.last().unwrap();
        assert_eq!(
            db.store.audit_head_recorded().await.unwrap(),
            ChainHead {
                seq: N,
                hash: last.hash
            }
        );

        // A page starts after the seq given and keeps log order.
        assert_eq!(db.store.audit_page(0, 3).await.unwrap(), entries[..3]);
        assert_eq!(db.store.audit_page(3, 2).await.unwrap(), entries[3..5]);
        assert!(db.store.audit_page(N, 10).await.unwrap().is_empty());
        assert!(db.store.audit_page(0, 0).await.unwrap().is_empty());
        // The limit is capped.
        assert_eq!(
            db.store.audit_page(0, u32::MAX).await.unwrap().len(),
            10_000
        );

        // Paging through reads exactly the log.
        let mut read = Vec::new();
        loop {
            let after = read.last().map_or(0, |e: &AuditEntry| e.seq);
            let page = db.store.audit_page(after, 4_096).await.unwrap();
            if page.is_empty() {
                break;
            }
            read.extend(page);
        }
        assert_eq!(read, entries);
        assert_eq!(verify_chain(&read).unwrap().seq, N);
        assert_eq!(db.store.verify_audit().await.unwrap().seq, N);
    })
    .await;
}

/// `verify_audit` reads 5,000 entries at a time; breaks inside later pages and on page
/// boundaries are found like any other.
#[tokio::test]
async fn verify_audit_finds_breaks_beyond_the_first_page() {
    on_both(|db| async move {
        plant(&db, &chain(N)).await;

        let chain_err = |e: StoreError| match e {
            StoreError::Chain(c) => c,
            other => panic!("{other:?}"),
        };
        db.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 7500")
            .await;
        let err = chain_err(db.store.verify_audit().await.unwrap_err());
        assert!(
            matches!(err, ChainError::HashMismatch { seq: 7500, .. }),
            "{err:?}"
        );

        // The first entry of the second page.
        db.exec("DELETE FROM audit_log WHERE seq = 5001").await;
        let err = chain_err(db.store.verify_audit().await.unwrap_err());
        assert_eq!(
            err,
            ChainError::SeqGap {
                expected: 5001,
                found: 5002
            }
        );

        // The last entry of the first page.
        db.exec("DELETE FROM audit_log WHERE seq = 5000").await;
        let err = chain_err(db.store.verify_audit().await.unwrap_err());
        assert_eq!(
            err,
            ChainError::SeqGap {
                expected: 5000,
                found: 5002
            }
        );
    })
    .await;
}

/// A cursor past anything storable is an empty page, not an error (found by schemathesis:
/// `GET /v1/audit?after_seq=9223372036854775808` answered 500).
#[tokio::test]
async fn page_after_the_largest_seq_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
    let store = zhengku_store::Store::connect(&url).await.unwrap();
    assert!(store.audit_page(u64::MAX, 10).await.unwrap().is_empty());
    assert!(store.audit_page(1 << 63, 10).await.unwrap().is_empty());
}
