//! Seals in the store, on SQLite and PostgreSQL: storing a made seal, its lifecycle, who may
//! stamp, and the stamp record checked and audited in one transaction.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// Uses only part of the shared harness.
#[allow(dead_code)]
mod util;

use zhengku_model::SealStatus;
use zhengku_model::testing::ISSUER_USCC;
use zhengku_store::{NewApiKey, NewSeal, StampRefusal, StoreError};

use util::{Db, on_both, sample_department};

const NOW: i64 = 1_780_000_000;

fn seal(esid: &str) -> NewSeal {
    NewSeal {
        esid: esid.to_owned(),
        department_uscc: ISSUER_USCC.to_owned(),
        name: "杭州市西湖区市场监督管理局证照专用章".to_owned(),
        seal_type: 1,
        key_label: "seal-xihu-samr-sm2".to_owned(),
        valid_start: NOW - 1000,
        valid_end: NOW + 1000,
        status_entry: None,
        esl: vec![0x30, 0x00],
    }
}

async fn setup(db: &Db) {
    db.store
        .create_department(&sample_department(), "admin", "r0")
        .await
        .unwrap();
    for id in ["k-stamp", "k-other"] {
        db.store
            .create_api_key(
                &NewApiKey {
                    id: id.into(),
                    name: id.into(),
                    department_uscc: Some(ISSUER_USCC.into()),
                    scopes: "manage".into(),
                    secret_hash: [1; 32],
                },
                "admin",
                "r1",
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn seal_lifecycle_and_stamps() {
    on_both(|db| async move {
        setup(&db).await;
        let esid = "33010600000001";
        let stored = db
            .store
            .insert_seal(&seal(esid), "maker", "r2")
            .await
            .unwrap();
        assert_eq!(stored.status, SealStatus::Active);
        assert_eq!(db.store.get_seal(esid).await.unwrap().seal, seal(esid));
        assert!(matches!(
            db.store.insert_seal(&seal(esid), "maker", "r3").await,
            Err(StoreError::Conflict { what: "seal", .. })
        ));
        let mut orphan = seal("33010600000002");
        orphan.department_uscc = "91330106MA2H0YKU5B".into();
        assert!(matches!(
            db.store.insert_seal(&orphan, "maker", "r4").await,
            Err(StoreError::NotFound { .. })
        ));

        // Not authorised yet: refused, and the refusal is audited.
        let stamp = |key: &'static str, at: i64| {
            let db = &db;
            async move {
                db.store
                    .record_stamp(esid, key, at, "licence X", "dept/k", "r-stamp")
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            stamp("k-stamp", NOW).await,
            Err(StampRefusal::NotAuthorised)
        );
        assert!(
            db.store
                .authorise_seal(esid, "k-stamp", "admin", "r5")
                .await
                .unwrap()
        );
        assert!(
            !db.store
                .authorise_seal(esid, "k-stamp", "admin", "r6")
                .await
                .unwrap()
        );
        assert!(matches!(
            db.store
                .authorise_seal(esid, "no-such-key", "admin", "r7")
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(stamp("k-stamp", NOW).await, Ok(()));
        assert_eq!(
            stamp("k-other", NOW).await,
            Err(StampRefusal::NotAuthorised)
        );
        // Outside the validity window: expired.
        assert_eq!(
            stamp("k-stamp", NOW + 5000).await,
            Err(StampRefusal::Status(SealStatus::Expired))
        );

        // Suspend, stamp refused; resume, stamp works; revoke, refused for good.
        db.store
            .change_seal_status(esid, SealStatus::Suspended, "印章遗失待查", "admin", "r8")
            .await
            .unwrap();
        assert_eq!(
            stamp("k-stamp", NOW).await,
            Err(StampRefusal::Status(SealStatus::Suspended))
        );
        db.store
            .change_seal_status(esid, SealStatus::Active, "已找回", "admin", "r9")
            .await
            .unwrap();
        assert_eq!(stamp("k-stamp", NOW).await, Ok(()));
        db.store
            .change_seal_status(esid, SealStatus::Revoked, "部门撤并", "admin", "r10")
            .await
            .unwrap();
        assert_eq!(
            stamp("k-stamp", NOW).await,
            Err(StampRefusal::Status(SealStatus::Revoked))
        );
        assert!(matches!(
            db.store
                .change_seal_status(esid, SealStatus::Active, "x", "admin", "r11")
                .await,
            Err(StoreError::InvalidSealTransition { .. })
        ));
        let events = db.store.seal_events(esid).await.unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[2].to, SealStatus::Revoked);

        // Every step is in the audit log, and the chain holds.
        let actions: Vec<String> = db
            .store
            .audit_entries()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .filter(|a| a.starts_with("seal."))
            .collect();
        assert_eq!(
            actions,
            [
                "seal.make",
                "seal.stamp.refused",
                "seal.authorise",
                "seal.stamp",
                "seal.stamp.refused",
                "seal.stamp.refused",
                "seal.status.suspended",
                "seal.stamp.refused",
                "seal.status.active",
                "seal.stamp",
                "seal.status.revoked",
                "seal.stamp.refused",
            ]
        );
        db.store.verify_audit().await.unwrap();
    })
    .await;
}
