//! `zhengku audit export|verify`: an audit log written through the store, then tampered
//! with directly in SQL — a changed field, a removed entry, swapped entries, a cut tail, a
//! forged and re-hashed entry — must fail verification (exit 1) naming the right seq, on
//! SQLite and on PostgreSQL. Exports verify offline, and an edited export does not.
//!
//! PostgreSQL is found at `ZHENGKU_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), used as an admin connection to create and
//! drop one database per case. Unreachable, its cases are skipped with a note on stderr,
//! except under `CI=true`, where that is a failure.

use sqlx::{PgPool, SqlitePool};
use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_model::testing::{HOLDER_USCC, ISSUER_USCC, sample_record};
use zhengku_model::{LicenceId, LicenceStatus, SignedLicence};
use zhengku_store::{AuditEntry, NewDepartment, Store};

use crate::util::Dir;

/// Entries [`populate`] writes.
const ENTRIES: u64 = 8;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A database of its own for one case: a SQLite file in the case's folder, or a fresh
/// PostgreSQL database dropped when this is dropped (also when the case panics).
struct TestDb {
    backend: Backend,
    url: String,
    /// PostgreSQL: the database, dropped with this.
    #[allow(dead_code)]
    pg: Option<zhengku_testkit::PgDatabase>,
}

impl TestDb {
    /// `None` when PostgreSQL is wanted and unreachable outside CI.
    fn new(backend: Backend, dir: &Dir, name: &str) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb {
                backend,
                url: format!("sqlite://{}", dir.path(&format!("{name}.db")).display()),
                pg: None,
            }),
            Backend::Postgres => {
                let db = runtime().block_on(zhengku_testkit::PgDatabase::fresh("e2e_audit"))?;
                Some(TestDb {
                    backend,
                    url: db.url.clone(),
                    pg: Some(db),
                })
            }
        }
    }

    /// The URL the store is opened with (SQLite: creating the file).
    fn store_url(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("{}?mode=rwc", self.url),
            Backend::Postgres => self.url.clone(),
        }
    }

    /// Runs `sql` (any number of statements, on one connection) around the store.
    fn exec(&self, sql: &str) {
        runtime().block_on(async {
            match self.backend {
                Backend::Sqlite => {
                    let pool = SqlitePool::connect(&self.url).await.unwrap();
                    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
                    pool.close().await;
                }
                Backend::Postgres => {
                    let pool = PgPool::connect(&self.url).await.unwrap();
                    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
                    pool.close().await;
                }
            }
        });
    }

    /// A byte-string literal in this database's SQL.
    fn blob(&self, bytes: &[u8]) -> String {
        match self.backend {
            Backend::Sqlite => format!("X'{}'", hex::encode(bytes)),
            Backend::Postgres => format!("decode('{}', 'hex')", hex::encode(bytes)),
        }
    }

    fn entries(&self) -> Vec<AuditEntry> {
        runtime().block_on(async {
            let store = Store::connect(&self.store_url()).await.unwrap();
            let entries = store.audit_entries().await.unwrap();
            store.close().await;
            entries
        })
    }
}

/// The sample licence with serial sequence `seq`, signed with a fresh SM2 key.
fn sample_signed(seq: u32) -> SignedLicence {
    let mut record = sample_record();
    record.identifier =
        LicenceId::generate(&record.type_code, &record.issuer_code, 2024, seq, 1).unwrap();
    let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    SignedLicence::sign(record, &key).unwrap()
}

/// Writes [`ENTRIES`] audit entries through the store:
///
/// | seq | action |
/// |---|---|
/// | 1 | department.create |
/// | 2, 3 | licence.issue (serials 1 and 2) |
/// | 4 | licence.status.suspended (serial 1) |
/// | 5, 6 | licence.reuse (both, with a use cause) |
/// | 7 | licence.search.empty |
/// | 8 | licence.status.revoked (serial 2) |
fn populate(db: &TestDb) {
    runtime().block_on(async {
        let store = Store::connect(&db.store_url()).await.unwrap();
        let dept = NewDepartment {
            name: "杭州市西湖区市场监督管理局".to_owned(),
            uscc: Uscc::parse(ISSUER_USCC).unwrap(),
            region_code: AreaCode::parse("330106").unwrap(),
            key_label: "xihu-amr-sign-2024".to_owned(),
            certificate_der: None,
        };
        store
            .create_department(&dept, "admin", "req-1")
            .await
            .unwrap();
        let (a, b) = (sample_signed(1), sample_signed(2));
        store.insert_licence(&a, "clerk-7", "req-2").await.unwrap();
        store.insert_licence(&b, "clerk-7", "req-3").await.unwrap();
        let (a, b) = (
            a.record().identifier.as_str(),
            b.record().identifier.as_str(),
        );
        store
            .change_status(
                a,
                LicenceStatus::Suspended,
                "整改期间暂停",
                "clerk-7",
                "req-4",
            )
            .await
            .unwrap();
        let found = store
            .find_by_holder(HOLDER_USCC, None, "teller-3", "办理对公开户", "req-5")
            .await
            .unwrap();
        assert_eq!(found.len(), 2);
        let none = store
            .find_by_holder(
                HOLDER_USCC,
                Some("no-such-type"),
                "teller-3",
                "核验",
                "req-6",
            )
            .await
            .unwrap();
        assert!(none.is_empty());
        store
            .change_status(b, LicenceStatus::Revoked, "吊销决定书", "clerk-8", "req-7")
            .await
            .unwrap();
        assert_eq!(store.verify_audit().await.unwrap().seq, ENTRIES);
        store.close().await;
    });
}

/// `zhengku audit verify --database-url URL`.
fn verify_db(d: &Dir, db: &TestDb) -> crate::util::Run {
    d.zhengku(&["audit", "verify", "--database-url", &db.url])
}

/// One way to tamper with the log, and what `verify` must say about it.
struct Case {
    name: &'static str,
    tamper: fn(&TestDb),
    /// Text the one-line verdict must hold (the seq it names, and what is wrong).
    says: &'static str,
}

/// Swaps the recorded fields of seq 3 and 4 but leaves seq, prev_hash and hash where they
/// were: what an attacker who reorders events but keeps the chain columns would do.
const SWAP_PAYLOAD: &str = "\
    CREATE TEMP TABLE swap AS SELECT * FROM audit_log WHERE seq IN (3, 4); \
    UPDATE audit_log SET \
        at = (SELECT at FROM swap WHERE swap.seq = 7 - audit_log.seq), \
        actor = (SELECT actor FROM swap WHERE swap.seq = 7 - audit_log.seq), \
        action = (SELECT action FROM swap WHERE swap.seq = 7 - audit_log.seq), \
        target = (SELECT target FROM swap WHERE swap.seq = 7 - audit_log.seq), \
        use_cause = (SELECT use_cause FROM swap WHERE swap.seq = 7 - audit_log.seq), \
        request_id = (SELECT request_id FROM swap WHERE swap.seq = 7 - audit_log.seq) \
    WHERE seq IN (3, 4);";

/// Changes seq `seq`'s use cause and recomputes its hash, as an attacker who knows the
/// hash function would: the entry is self-consistent, only the chain shows it.
fn forge(db: &TestDb, seq: u64) {
    let mut e = db.entries().remove(usize::try_from(seq - 1).unwrap());
    e.use_cause = Some("无".to_owned());
    e.hash = e.compute_hash();
    db.exec(&format!(
        "UPDATE audit_log SET use_cause = '无', hash = {} WHERE seq = {seq}",
        db.blob(&e.hash)
    ));
}

const CASES: &[Case] = &[
    Case {
        name: "changed use cause",
        tamper: |db| db.exec("UPDATE audit_log SET use_cause = '查看' WHERE seq = 5"),
        says: "at seq 5: changed",
    },
    Case {
        name: "changed actor",
        tamper: |db| db.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"),
        says: "at seq 2: changed",
    },
    Case {
        name: "removed middle entry",
        tamper: |db| db.exec("DELETE FROM audit_log WHERE seq = 4"),
        says: "at seq 4: removed (seq 4 is missing)",
    },
    Case {
        name: "contents swapped, seq and hashes kept",
        tamper: |db| db.exec(SWAP_PAYLOAD),
        says: "at seq 3: changed",
    },
    Case {
        name: "seq values swapped",
        tamper: |db| {
            db.exec(
                "UPDATE audit_log SET seq = -3 WHERE seq = 3; \
                 UPDATE audit_log SET seq = 3 WHERE seq = 4; \
                 UPDATE audit_log SET seq = 4 WHERE seq = -3;",
            )
        },
        says: "at seq 3: reordered",
    },
    Case {
        name: "last entry removed",
        tamper: |db| db.exec("DELETE FROM audit_log WHERE seq = 8"),
        says: "at seq 8: truncated (the log ends at seq 7, the recorded head is seq 8)",
    },
    Case {
        name: "forged entry, re-hashed",
        tamper: |db| forge(db, 5),
        says: "at seq 5: changed and re-hashed, or replaced (seq 6's prev_hash is not its hash)",
    },
    Case {
        name: "forged last entry, re-hashed",
        tamper: |db| forge(db, 8),
        says: "at seq 8: the last entry is not the recorded head",
    },
    Case {
        name: "hash column of the wrong length",
        tamper: |db| {
            db.exec(&format!(
                "UPDATE audit_log SET hash = {} WHERE seq = 6",
                db.blob(&[0; 31])
            ))
        },
        says: "unreadable: corrupt audit_log.hash in the database: seq 6: 31 bytes",
    },
];

fn tampering_is_found(backend: Backend) {
    let d = Dir::new();
    for (i, case) in CASES.iter().enumerate() {
        let Some(db) = TestDb::new(backend, &d, &format!("case{i}")) else {
            return;
        };
        populate(&db);
        verify_db(&d, &db).expect(0);
        (case.tamper)(&db);
        let r = verify_db(&d, &db);
        assert_eq!(
            r.code, 1,
            "{backend:?}, {}: exit {}\nstdout: {}\nstderr: {}",
            case.name, r.code, r.stdout, r.stderr
        );
        assert!(
            r.stdout.starts_with("INVALID: audit log ") && r.stdout.contains(case.says),
            "{backend:?}, {}: wanted {:?}, got {:?}",
            case.name,
            case.says,
            r.stdout
        );
        assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    }
}

#[test]
fn tampering_is_found_on_sqlite() {
    tampering_is_found(Backend::Sqlite);
}

#[test]
fn tampering_is_found_on_postgres() {
    tampering_is_found(Backend::Postgres);
}

fn export_verifies_offline(backend: Backend) {
    let d = Dir::new();
    let Some(db) = TestDb::new(backend, &d, "log") else {
        return;
    };
    populate(&db);
    let head = db.entries().last().unwrap().hash;
    let ok = format!(
        "audit log OK: {ENTRIES} entries, head {}\n",
        hex::encode(head)
    );

    let r = verify_db(&d, &db).expect(0);
    assert_eq!(r.stdout, ok);

    // Export to a file and to standard output: the same lines, one per entry.
    let r = d
        .zhengku(&[
            "audit",
            "export",
            "--database-url",
            &db.url,
            "--out",
            "log.jsonl",
        ])
        .expect(0);
    assert_eq!(
        r.stderr,
        format!(
            "exported {ENTRIES} entries, head seq {ENTRIES} hash {}\n",
            hex::encode(head)
        )
    );
    let file = String::from_utf8(d.read("log.jsonl")).unwrap();
    assert_eq!(file.lines().count(), ENTRIES as usize);
    // Who read whose licence and why: readable by its owner only.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.path("log.jsonl"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    assert!(file.contains("\"use_cause\":\"办理对公开户\""), "{file}");
    let r = d
        .zhengku(&["audit", "export", "--database-url", &db.url])
        .expect(0);
    assert_eq!(r.stdout, file);

    let r = d
        .zhengku(&["audit", "verify", "--file", "log.jsonl"])
        .expect(0);
    assert_eq!(r.stdout, ok);

    // The database URL may come from the environment; --file still wins over it.
    let run_env = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .args(args)
            .current_dir(d.path(""))
            .env("ZHENGKU_DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    let out = run_env(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), ok);
    let out = run_env(&["audit", "verify", "--file", "log.jsonl"]);
    assert_eq!(out.status.code(), Some(0));

    // One field of one line edited: that entry no longer hashes to its hash.
    let lines: Vec<&str> = file.lines().collect();
    let mut edited = lines.clone();
    let changed = lines[5].replace("teller-3", "teller-9");
    assert_ne!(changed, lines[5]);
    edited[5] = &changed;
    d.write("edited.jsonl", edited.join("\n") + "\n");
    let r = d
        .zhengku(&["audit", "verify", "--file", "edited.jsonl"])
        .expect(1);
    assert_eq!(
        r.stdout,
        "INVALID: audit log broken at seq 6: changed (its contents do not hash to its stored \
         hash)\n"
    );

    // Two lines swapped, a line removed.
    let mut swapped = lines.clone();
    swapped.swap(2, 3);
    d.write("swapped.jsonl", swapped.join("\n") + "\n");
    let r = d
        .zhengku(&["audit", "verify", "--file", "swapped.jsonl"])
        .expect(1);
    assert!(
        r.stdout.contains("at seq 3: removed or reordered"),
        "{}",
        r.stdout
    );
    let mut removed = lines.clone();
    removed.remove(6);
    d.write("removed.jsonl", removed.join("\n") + "\n");
    let r = d
        .zhengku(&["audit", "verify", "--file", "removed.jsonl"])
        .expect(1);
    assert!(
        r.stdout.contains("at seq 7: removed or reordered"),
        "{}",
        r.stdout
    );

    // Not an export at all, or an export with one bad line: input errors, naming the line.
    d.write("garbage.jsonl", "this is not an audit log\n");
    let r = d
        .zhengku(&["audit", "verify", "--file", "garbage.jsonl"])
        .expect(2);
    assert!(r.stderr.contains("line 1:"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let mut bad = lines.clone();
    let unknown = lines[3].replacen('{', "{\"note\":\"x\",", 1);
    bad[3] = &unknown;
    d.write("bad.jsonl", bad.join("\n") + "\n");
    let r = d
        .zhengku(&["audit", "verify", "--file", "bad.jsonl"])
        .expect(2);
    assert!(
        r.stderr.contains("line 4: unknown field `note`"),
        "{}",
        r.stderr
    );
    d.zhengku(&["audit", "verify", "--file", "no-such-file.jsonl"])
        .expect(2);

    // The last lines cut off: the chain alone cannot tell, the head printed by export can.
    let cut = lines[..lines.len() - 2].join("\n") + "\n";
    d.write("cut.jsonl", &cut);
    d.zhengku(&["audit", "verify", "--file", "cut.jsonl"])
        .expect(0);
    let head_arg = format!("{ENTRIES}:{}", hex::encode(head));
    let r = d
        .zhengku(&[
            "audit",
            "verify",
            "--file",
            "cut.jsonl",
            "--head",
            &head_arg,
        ])
        .expect(1);
    assert!(r.stdout.contains("INVALID"), "{}", r.stdout);
    let r = d
        .zhengku(&[
            "audit",
            "verify",
            "--file",
            "log.jsonl",
            "--head",
            &head_arg,
        ])
        .expect(0);
    assert_eq!(r.stdout, ok);
    d.zhengku(&["audit", "verify", "--file", "log.jsonl", "--head", "12:zz"])
        .expect(2);
}

#[test]
fn export_verifies_offline_sqlite() {
    export_verifies_offline(Backend::Sqlite);
}

#[test]
fn export_verifies_offline_postgres() {
    export_verifies_offline(Backend::Postgres);
}

#[test]
fn unreachable_or_missing_databases_are_input_errors() {
    let d = Dir::new();
    let missing = format!("sqlite://{}", d.path("missing.db").display());
    let r = d
        .zhengku(&["audit", "verify", "--database-url", &missing])
        .expect(2);
    assert!(
        r.stderr.contains("cannot open the audit log database"),
        "{}",
        r.stderr
    );
    // Nothing was created by looking.
    assert!(!d.path("missing.db").exists());

    // A password in the URL never reaches the message.
    let r = d
        .zhengku(&[
            "audit",
            "export",
            "--database-url",
            "postgres://postgres:hunter2@127.0.0.1:5432/zk_e2e_no_such_database",
        ])
        .expect(2);
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);

    // Neither a database nor a file.
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["audit", "verify"])
        .env_remove("ZHENGKU_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
}
