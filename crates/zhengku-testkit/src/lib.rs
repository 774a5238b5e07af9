#![forbid(unsafe_code)]
//! Test support shared by the store, server, end-to-end tests and the load bench (a
//! dev-dependency only; never linked into the service).
//!
//! - [`PgDatabase::fresh`]: a new, uniquely named PostgreSQL database per test, dropped when
//!   the guard is dropped, so tests run in parallel against one server.
//! - [`repo_root`]: the repository root, for `templates/`, `keys-dev/` and `api/`.
//! - [`keys_dev`]: the development keys, certificates, CRLs and PKI, loaded one way.
//! - [`tools`]: the one rule for outside tools: run when present, skip with a note when
//!   missing, fail when missing under `CI=true`.
//! - `photo` (feature `photo`): photo-like JPEGs of QR codes for the scanner's tests.
//!
//! PostgreSQL is found at `ZHENGKU_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), used only as an admin connection to create
//! and drop databases. When it cannot be reached, [`PgDatabase::fresh`] returns `None` with
//! a note on stderr, so a developer without PostgreSQL can still run the SQLite half; under
//! `CI=true` it panics instead, so CI can never pass with the PostgreSQL tests skipped.

pub mod keys_dev;
#[cfg(feature = "photo")]
pub mod photo;
pub mod tools;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection};

/// Where the admin connection goes unless `ZHENGKU_TEST_PG_URL` says otherwise.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The repository root (two levels above any crate under `crates/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An OFD signed by others, from `crates/zhengku-ofd/tests/fixtures` (see its README).
///
/// # Panics
/// When the fixture cannot be read (a test's own mistake).
pub fn ofd_fixture(name: &str) -> Vec<u8> {
    let path = repo_root()
        .join("crates/zhengku-ofd/tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The admin URL.
pub fn pg_admin_url() -> String {
    std::env::var("ZHENGKU_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// True when `CI=true`: skipping PostgreSQL is then a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// A fresh database; dropped (with `FORCE`, closing leftover connections) when this guard
/// is dropped.
#[derive(Debug)]
pub struct PgDatabase {
    /// The database's URL, for the code under test.
    pub url: String,
    /// Its name.
    pub name: String,
    admin_url: String,
}

impl PgDatabase {
    /// Creates a database named `zk_<prefix>_<pid>_<n>_<nanos>`. `None` (after a note) when
    /// PostgreSQL is unreachable outside CI.
    ///
    /// # Panics
    /// Under `CI=true` when PostgreSQL is unreachable; when the database cannot be created.
    pub async fn fresh(prefix: &str) -> Option<PgDatabase> {
        let admin_url = pg_admin_url();
        let mut admin = match PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) if !in_ci() => {
                eprintln!("note: PostgreSQL unreachable ({e}); skipping the PostgreSQL half");
                return None;
            }
            Err(e) => panic!("PostgreSQL unreachable under CI=true: {e}"),
        };
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "zk_{prefix}_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        if let Err(e) = sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
        {
            panic!("cannot create test database {name}: {e}");
        }
        let _ = admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        Some(PgDatabase {
            url: format!("{base}/{name}"),
            name,
            admin_url,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop cannot await, and may run inside a runtime: do the work on a thread with a
        // runtime of its own.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("note: could not drop test database {}: {e}", self.name);
        }
    }
}
