//! Test harness: a real server (the same router `zhengku serve` runs) on a free local port,
//! over SQLite (a temp file) and over PostgreSQL (a fresh database per test, dropped
//! afterwards), with a reqwest client.
//!
//! PostgreSQL is found at `ZHENGKU_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). If it cannot be reached the PostgreSQL half
//! is skipped with a note, except under `CI=true`, where that is a failure.

use std::future::Future;
use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zhengku_server::{Config, Mode};

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";
pub const SAMR: &str = "11330106MB0B12345L";
pub const HEALTH: &str = "11330106MB1C234566";
pub const BUSINESS_LICENCE: &str = "11100000MB0143028R001";

pub use zhengku_testkit::repo_root;

/// The example business licence request.
pub fn example_request() -> Value {
    let text = std::fs::read_to_string(
        repo_root().join("templates/business-licence/example-request.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A running server.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    pub db_url: String,
    /// The service's state (to call its services directly; not every test binary does).
    #[allow(dead_code)]
    pub state: zhengku_server::state::AppState,
    _dir: tempfile::TempDir,
    handle: tokio::task::JoinHandle<()>,
}

/// A response: status, headers, JSON body (or Null).
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    /// Asserts a problem+json answer with this status and type slug.
    pub fn assert_problem(&self, status: u16, slug: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(
            self.headers["content-type"], "application/problem+json",
            "{}",
            self.body
        );
        assert_eq!(
            self.body["type"],
            format!("urn:zhengku:problem:{slug}"),
            "{}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["request_id"].is_string(), "{}", self.body);
        assert_eq!(
            self.body["request_id"].as_str().unwrap(),
            self.headers["x-request-id"].to_str().unwrap()
        );
    }
}

impl Server {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None, &[]).await
    }

    #[allow(dead_code)] // for the document and copy tests
    /// `GET path` as bytes: status, content type, body (for files, not JSON).
    pub async fn get_bytes(&self, path: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, ct, r.bytes().await.unwrap().to_vec())
    }

    #[allow(dead_code)] // for the document and copy tests
    /// The service's verdict on `file` posted to `POST /v1/verify` as `content_type`.
    pub async fn verify_file(&self, content_type: &str, file: Vec<u8>) -> Value {
        let r = self
            .client
            .post(format!("{}/v1/verify", self.base))
            .header("content-type", content_type)
            .body(file)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.call(Method::POST, path, token, Some(body), &[]).await
    }

    /// Creates an API key and returns its token.
    pub async fn key(&self, department: Option<&str>, scopes: &[&str]) -> String {
        let r = self
            .post(
                "/v1/api-keys",
                Some(ADMIN_TOKEN),
                &json!({"name": "test", "department_uscc": department, "scopes": scopes}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["token"].as_str().unwrap().to_owned()
    }

    /// Rows in `table`, read from the database directly, around the server.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        if self.db_url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(&self.db_url).await.unwrap();
            let n: i64 = sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        } else {
            let pool = sqlx::PgPool::connect(&self.db_url).await.unwrap();
            let n: i64 = sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        }
    }

    /// Every audit entry (with an audit-scoped admin key).
    pub async fn audit(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let r = self
                .get(
                    &format!("/v1/audit?after_seq={after}&limit=1000"),
                    Some(ADMIN_TOKEN),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            out.extend(r.body["entries"].as_array().unwrap().iter().cloned());
            match r.body["next_after_seq"].as_u64() {
                Some(n) => after = n,
                None => return out,
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Starts a server on `db_url` (None: SQLite in the temp folder), in development mode with
/// a private copy of keys-dev (so generated keys do not land in the repository).
pub async fn start(db_url: Option<String>, body_limit: Option<usize>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let keys_dev = dir.path().join("keys-dev");
    copy_dir(&repo_root().join("keys-dev"), &keys_dev);
    let config = Config {
        data_dir: dir.path().join("data"),
        database_url: db_url.clone(),
        mode: Mode::Development,
        templates_dir: repo_root().join("templates"),
        keys_dev_dir: keys_dev,
        body_limit: body_limit.unwrap_or(zhengku_server::config::DEFAULT_BODY_LIMIT),
        ..Config::default()
    };
    let db_url = config.effective_database_url();
    let prepared = zhengku_server::prepare(
        &config,
        Some(zeroize::Zeroizing::new(ADMIN_TOKEN.to_owned())),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = prepared.state.clone();
    let handle = tokio::spawn(async move {
        axum::serve(listener, prepared.router).await.unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        db_url,
        state,
        _dir: dir,
        handle,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Runs `test` against a server on SQLite, then against one on PostgreSQL.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(Server) -> Fut,
    Fut: Future<Output = ()>,
{
    test(start(None, None).await).await;
    let Some(db) = zhengku_testkit::PgDatabase::fresh("server").await else {
        return;
    };
    let server = start(Some(db.url.clone()), None).await;
    // A panic inside must still drop the database: catch it, clean up, re-raise.
    let outcome = futures_catch(test(server)).await;
    drop(db);
    if let Err(panic) = outcome {
        eprintln!("(failed on PostgreSQL)");
        std::panic::resume_unwind(panic);
    }
}

async fn futures_catch<Fut: Future<Output = ()>>(
    fut: Fut,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    use std::panic::AssertUnwindSafe;
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(())) => std::task::Poll::Ready(Ok(())),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(p) => std::task::Poll::Ready(Err(p)),
        }
    })
    .await
}
