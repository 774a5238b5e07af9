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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection, PgPool, SqlitePool};
use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_model::testing::{ISSUER_USCC, sample_record};
use zhengku_model::{LicenceId, SignedLicence};
use zhengku_store::{BackendKind, NewDepartment, Store};

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

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

fn pg_admin_url() -> String {
    std::env::var("ZHENGKU_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
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

    // PostgreSQL: a fresh uniquely named database, so tests run in parallel.
    let admin_url = pg_admin_url();
    let mut admin = match PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("note: PostgreSQL unreachable ({e}); skipping the PostgreSQL half");
            return;
        }
        Err(e) => panic!("PostgreSQL unreachable under CI=true: {e}"),
    };
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "zk_store_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    let url = format!("{base}/{name}");
    let outcome = match Store::connect(&url).await {
        Ok(store) => {
            let closer = store.clone();
            let outcome = run_catching(test(Db { store, url })).await;
            closer.close().await;
            outcome
        }
        Err(e) => Some(Box::new(format!("connect to {name}: {e}")) as _),
    };
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
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
