//! Test harness: runs one test body against SQLite (a file in a temp folder) and against
//! PostgreSQL (a fresh database per test, dropped afterwards), like `#[sqlx::test]` but for
//! both backends from one test.
//!
//! PostgreSQL is found at `ZHENGKU_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), used only as an admin connection to create
//! and drop the per-test databases. If it cannot be reached the PostgreSQL half is skipped
//! with a note on stderr, except under `CI=true`, where that is a failure.

use std::future::Future;
use std::pin::Pin;

use sqlx::{PgPool, SqlitePool};
use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_model::testing::{ISSUER_USCC, sample_record};
use zhengku_model::{LicenceId, SignedLicence};
use zhengku_store::{BackendKind, NewDepartment, Store};

/// A store under test, with a way around it to the raw database.
pub struct Db {
    pub store: Store,
    url: String,
}

impl Db {
    pub fn kind(&self) -> BackendKind {
        self.store.backend()
    }

    /// Runs `sql` on a connection of its own, bypassing the store (to tamper with rows).
    ///
    /// Through a pool rather than a `&mut` connection: in a spawned (`Send`) test future,
    /// `&mut Connection` executors trip rustc's "`Executor` is not general enough" bug.
    pub fn exec<'a>(&'a self, sql: &'a str) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            match self.kind() {
                BackendKind::Sqlite => {
                    let pool = SqlitePool::connect(&self.url).await.unwrap();
                    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
                    pool.close().await;
                }
                _ => {
                    let pool = PgPool::connect(&self.url).await.unwrap();
                    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
                    pool.close().await;
                }
            }
        })
    }
}

/// Runs `fut` on its own task so a panic in it still lets the caller clean up, then
/// re-raises the panic.
async fn run_catching<Fut>(fut: Fut) -> Option<Box<dyn std::any::Any + Send>>
where
    Fut: Future<Output = ()> + Send + 'static,
{
    match tokio::spawn(fut).await {
        Ok(()) => None,
        Err(e) if e.is_panic() => Some(e.into_panic()),
        Err(e) => panic!("test task failed: {e}"),
    }
}

/// Runs `test` against SQLite, then against PostgreSQL.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    // SQLite: a database file in a temp folder removed on drop.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("zk.db").display());
    let store = Store::connect(&url).await.unwrap();
    if let Some(panic) = run_catching(test(Db { store, url })).await {
        eprintln!("(failed on SQLite)");
        std::panic::resume_unwind(panic);
    }

    // PostgreSQL: a fresh uniquely named database, so tests run in parallel; dropped with
    // the guard.
    let Some(db) = zhengku_testkit::PgDatabase::fresh("store").await else {
        return;
    };
    let url = db.url.clone();
    let outcome = match Store::connect(&url).await {
        Ok(store) => {
            let closer = store.clone();
            let outcome = run_catching(test(Db { store, url })).await;
            closer.close().await;
            outcome
        }
        Err(e) => Some(Box::new(format!("connect to {}: {e}", db.name)) as _),
    };
    drop(db);
    if let Some(panic) = outcome {
        eprintln!("(failed on PostgreSQL)");
        std::panic::resume_unwind(panic);
    }
}

/// The sample issuer (杭州市西湖区市场监督管理局) as a department.
pub fn sample_department() -> NewDepartment {
    NewDepartment {
        name: "杭州市西湖区市场监督管理局".to_owned(),
        uscc: Uscc::parse(ISSUER_USCC).unwrap(),
        region_code: AreaCode::parse("330106").unwrap(),
        key_label: "xihu-amr-sign-2024".to_owned(),
        certificate_der: Some(vec![0x30, 0x03, 0x02, 0x01, 0x01]),
    }
}

/// The sample business licence with serial sequence `seq` (year 2024), signed with a fresh
/// SM2 key.
pub fn sample_signed(seq: u32) -> SignedLicence {
    let mut record = sample_record();
    record.identifier =
        LicenceId::generate(&record.type_code, &record.issuer_code, 2024, seq, 1).unwrap();
    let key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    SignedLicence::sign(record, &key).unwrap()
}
