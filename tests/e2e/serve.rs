//! `zhengku serve`, end to end: the real binary on a free port, driven with the real `curl`
//! command-line tool, as a new user following README would — start the service, issue,
//! reuse, revoke and audit a licence — then the audit log checked (and tampered with)
//! offline with `zhengku audit`.
//!
//! Each test starts its own server (`--dev`, a temporary data folder, the repository's
//! templates and development keys), waits for `/readyz`, and kills it when dropped (also
//! when the test panics). PostgreSQL is found at `ZHENGKU_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); unreachable, its test is skipped with a note,
//! except under `CI=true`.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::SqlitePool;

use crate::util::{Dir, Http, curl, repo_root, try_curl};

/// The issuing department of the development data (SM2 key).
const SAMR: &str = "11330106MB0B12345L";
/// The reusing department of the development data (P-256 key).
const HEALTH: &str = "11330106MB1C234566";
/// The library's operator: registered in development as the copy sealer.
const LIBRARY: &str = "11330000MB0D987650";
/// The holder in `templates/business-licence/example-request.json`.
const HOLDER: &str = "91330106MA2H0YKU5B";
const HOLDER_NAME: &str = "杭州证库示例科技有限公司";
const BUSINESS_LICENCE: &str = "11100000MB0143028R001";
/// A use cause (用证事由) with characters that must be URL-encoded.
const USE_CAUSE: &str = "办理食品经营许可 核验营业执照&附件";

fn example_request_path() -> PathBuf {
    repo_root().join("templates/business-licence/example-request.json")
}

fn example_request() -> Value {
    serde_json::from_str(&std::fs::read_to_string(example_request_path()).unwrap()).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Collects a pipe's lines on a thread, so the server never blocks on a full pipe.
fn collect(pipe: impl Read + Send + 'static, into: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&line));
            line.clear();
        }
    })
}

/// How to start a server.
struct Options<'a> {
    data_dir: &'a Path,
    /// `ZHENGKU_BOOTSTRAP_TOKEN`; `None` leaves it unset.
    token: Option<&'a str>,
    /// More `zhengku serve` arguments.
    args: &'a [&'a str],
    /// More environment variables (`RUST_LOG` defaults to `info`).
    env: &'a [(&'a str, &'a str)],
}

/// A running `zhengku serve`, killed when dropped.
struct Server {
    child: Child,
    base: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Server {
    /// Starts the server and waits until `/readyz` answers 200.
    fn start(o: &Options<'_>) -> Server {
        let root = repo_root();
        let listen = format!("127.0.0.1:{}", free_port());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zhengku"));
        cmd.current_dir(root)
            .arg("serve")
            .arg("--data-dir")
            .arg(o.data_dir)
            .args(["--listen", &listen])
            .arg("--templates")
            .arg(root.join("templates"))
            .args(o.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Development mode unless the test chooses a mode.
        if !o.args.contains(&"--mode") {
            cmd.arg("--dev");
        }
        // The repository's development keys, unless the test brings its own copy (a test
        // that may generate keys must not write into keys-dev/).
        if !o.args.contains(&"--keys-dev") {
            cmd.arg("--keys-dev").arg(root.join("keys-dev"));
        }
        // Only what the test says: no settings leaking in from the caller's environment.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("ZHENGKU_") {
                cmd.env_remove(name);
            }
        }
        cmd.env("RUST_LOG", "info");
        if let Some(token) = o.token {
            cmd.env("ZHENGKU_BOOTSTRAP_TOKEN", token);
        }
        for (k, v) in o.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone()),
            collect(child.stderr.take().unwrap(), stderr.clone()),
        ];
        let server = Server {
            child,
            base: format!("http://{listen}"),
            stdout,
            stderr,
            readers,
        };
        server.wait_ready()
    }

    fn wait_ready(mut self) -> Server {
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = self.url("/readyz");
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                for r in self.readers.drain(..) {
                    r.join().unwrap();
                }
                panic!(
                    "zhengku serve exited ({status}) before it was ready\nstdout: {}\nstderr: {}",
                    self.stdout(),
                    self.stderr()
                );
            }
            if let Ok(r) = try_curl(&["--max-time", "2", &url])
                && r.status == 200
            {
                return self;
            }
            assert!(
                Instant::now() < deadline,
                "zhengku serve not ready after 60 s\nstderr: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits up to `secs` for stderr to satisfy `pred`.
    fn stderr_eventually(&self, secs: u64, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if pred(&self.stderr()) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `curl ARGS <base>PATH` with `Authorization: Bearer TOKEN` when given.
    fn call(&self, token: Option<&str>, path: &str, args: &[&str]) -> Http {
        let auth = token.map(|t| format!("Authorization: Bearer {t}"));
        let mut all: Vec<&str> = Vec::new();
        if let Some(a) = &auth {
            all.extend(["-H", a]);
        }
        all.extend(args);
        let url = self.url(path);
        all.push(&url);
        curl(&all)
    }

    fn get(&self, token: Option<&str>, path: &str) -> Http {
        self.call(token, path, &[])
    }

    /// POSTs `body` as JSON.
    fn post_json(&self, token: Option<&str>, path: &str, body: &str) -> Http {
        self.call(
            token,
            path,
            &[
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                body,
            ],
        )
    }

    /// Creates an API key (with the administrator `token`), returning its bearer token.
    fn api_key(&self, admin: &str, department: Option<&str>, scopes: &[&str]) -> String {
        let r = self.post_json(
            Some(admin),
            "/v1/api-keys",
            &json!({"name": "e2e", "department_uscc": department, "scopes": scopes}).to_string(),
        );
        assert_eq!(r.status, 201, "{r:?}");
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// A reuse lookup (用证), the use cause URL-encoded by curl.
    fn reuse(&self, token: &str, holder: &str, use_cause: Option<&str>, extra: &[&str]) -> Http {
        let holder = format!("holder_code={holder}");
        let cause = use_cause.map(|c| format!("use_cause={c}"));
        let mut args = vec!["--get", "--data-urlencode", &holder];
        if let Some(c) = &cause {
            args.extend(["--data-urlencode", c]);
        }
        args.extend(extra);
        self.call(Some(token), "/v1/licences", &args)
    }

    /// Sends SIGTERM and waits (at most 10 s) for the process to exit: graceful shutdown.
    fn stop(mut self) -> (ExitStatus, String, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "zhengku serve still running 10 s after SIGTERM\nstderr: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        for r in self.readers.drain(..) {
            r.join().unwrap();
        }
        (status, self.stdout(), self.stderr())
    }

    /// [`Server::stop`], asserting exit status 0.
    fn stop_ok(self) -> (String, String) {
        let (status, stdout, stderr) = self.stop();
        assert!(
            status.success(),
            "zhengku serve exited {status} after SIGTERM (wanted 0)\nstderr: {stderr}"
        );
        (stdout, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Asserts `r` is an RFC 9457 problem with `status`, and returns its document.
#[track_caller]
fn problem(r: &Http, status: u16) -> Value {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{r:?}"
    );
    let p = r.json();
    let type_ = p["type"].as_str().unwrap_or_default();
    assert!(type_.starts_with("urn:zhengku:problem:"), "{r:?}");
    assert_eq!(p["status"], status, "{r:?}");
    let id = r.header("x-request-id").unwrap_or_default();
    assert!(!id.is_empty(), "no X-Request-Id: {r:?}");
    assert_eq!(p["request_id"], id, "{r:?}");
    p
}

/// The `field`s of a validation problem's `errors`.
fn fields(errors: &Value) -> Vec<String> {
    errors
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// True when some string anywhere in `v` equals `s`.
fn has_string(v: &Value, s: &str) -> bool {
    match v {
        Value::String(x) => x == s,
        Value::Array(a) => a.iter().any(|x| has_string(x, s)),
        Value::Object(o) => o.values().any(|x| has_string(x, s)),
        _ => false,
    }
}

#[test]
fn readme_flow_with_curl() {
    let d = Dir::new();
    let data = d.path("data");
    let admin = "e2e-admin-token-readme-flow-0001";
    let server = Server::start(&Options {
        data_dir: &data,
        token: Some(admin),
        args: &[],
        env: &[],
    });

    // The development departments are there on the first start.
    let r = server.get(Some(admin), "/v1/departments");
    assert_eq!(r.status, 200, "{r:?}");
    let mut usccs: Vec<String> = r.json()["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["uscc"].as_str().unwrap().to_owned())
        .collect();
    usccs.sort();
    assert_eq!(usccs, [LIBRARY, SAMR, HEALTH], "{r:?}");

    // The administrator gives each department its key.
    let issuer = server.api_key(admin, Some(SAMR), &["issue:*", "manage", "reuse", "audit"]);
    let reuser = server.api_key(admin, Some(HEALTH), &["reuse"]);

    // Issue the example licence, as README does it (`--data @file`, an Idempotency-Key).
    let file = format!("@{}", example_request_path().display());
    let issue = [
        "-H",
        "Content-Type: application/json",
        "-H",
        "Idempotency-Key: order-0001",
        "--data",
        &file,
    ];
    let r = server.call(Some(&issuer), "/v1/licences", &issue);
    assert_eq!(r.status, 201, "{r:?}");
    let licence = r.json();
    let id = licence["identifier"].as_str().unwrap().to_owned();
    assert!(id.starts_with("1.2.156.3005.2."), "{id}");
    assert!(id.contains(&format!(".{BUSINESS_LICENCE}.{SAMR}.")), "{id}");
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/licences/{id}").as_str()),
        "{r:?}"
    );
    assert_eq!(licence["status"], "valid");
    assert_eq!(licence["holder"]["code"], HOLDER);
    assert_eq!(licence["signature"]["algorithm"], "SM2-SM3");
    // A retry with the same Idempotency-Key: the same licence, not a second one.
    let r = server.call(Some(&issuer), "/v1/licences", &issue);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("idempotent-replayed"), Some("true"), "{r:?}");
    assert_eq!(r.json()["identifier"], id.as_str(), "{r:?}");

    // Anyone can check its status, and learns nothing personal.
    let status_path = format!("/v1/licences/{id}/status");
    let r = server.get(None, &status_path);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["status"], "valid", "{r:?}");
    assert!(
        !r.body.contains(HOLDER) && !r.body.contains(HOLDER_NAME),
        "public status shows the holder: {}",
        r.body
    );

    // Another department reuses it, saying why.
    let r = server.reuse(
        &reuser,
        HOLDER,
        Some(USE_CAUSE),
        &["-H", "X-Request-Id: e2e-reuse-1"],
    );
    assert_eq!(r.status, 200, "{r:?}");
    let found = r.json();
    assert_eq!(found["count"], 1, "{r:?}");
    assert_eq!(found["use_cause"], USE_CAUSE, "{r:?}");
    assert_eq!(found["licences"][0]["identifier"], id.as_str(), "{r:?}");
    assert_eq!(r.header("x-request-id"), Some("e2e-reuse-1"));

    // Not without a use cause.
    let r = server.reuse(&reuser, HOLDER, None, &[]);
    let p = problem(&r, 422);
    assert_eq!(fields(&p["errors"]), ["use_cause"], "{r:?}");

    // Only the issuer may revoke: not a key without the manage scope, and not another
    // department's manage key either.
    let revoke_path = format!("/v1/licences/{id}/revoke");
    let reason = json!({"reason": "杭西市监销字〔2024〕17号"}).to_string();
    let r = server.post_json(Some(&reuser), &revoke_path, &reason);
    problem(&r, 403);
    let other_manager = server.api_key(admin, Some(HEALTH), &["manage"]);
    let r = server.post_json(Some(&other_manager), &revoke_path, &reason);
    let p = problem(&r, 403);
    assert!(
        p["detail"].as_str().unwrap().contains("another department"),
        "{r:?}"
    );
    assert_eq!(server.get(None, &status_path).json()["status"], "valid");

    // The issuer revokes it.
    let r = server.post_json(Some(&issuer), &revoke_path, &reason);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["status"], "revoked", "{r:?}");
    let r = server.get(None, &status_path);
    assert_eq!(r.json()["status"], "revoked", "{r:?}");
    let r = server.get(Some(&issuer), &format!("/v1/licences/{id}/history"));
    assert_eq!(r.status, 200, "{r:?}");
    let history = r.json();
    assert_eq!(history["status"], "revoked", "{r:?}");
    let events = history["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{r:?}");
    assert_eq!(events[0]["from"], "valid");
    assert_eq!(events[0]["to"], "revoked");
    assert_eq!(events[0]["reason"], "杭西市监销字〔2024〕17号");

    // SIGTERM: a graceful stop, exit 0.
    let (_, stderr) = server.stop_ok();
    assert!(!stderr.contains(admin), "bootstrap token in the log");

    // The auditor checks the log offline.
    let db = data.join("zhengku.db");
    let url = format!("sqlite://{}", db.display());
    let r = d
        .zhengku(&["audit", "verify", "--database-url", &url])
        .expect(0);
    assert!(r.stdout.contains("audit log OK"), "{}", r.stdout);
    let r = d
        .zhengku(&["audit", "export", "--database-url", &url])
        .expect(0);
    let entries: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let entry = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["target"] == id.as_str())
            .unwrap_or_else(|| panic!("no {action} entry for {id} in\n{}", r.stdout))
    };
    assert!(
        entry("licence.issue")["actor"]
            .as_str()
            .unwrap()
            .starts_with(SAMR)
    );
    let reuse = entry("licence.reuse");
    assert_eq!(reuse["use_cause"], USE_CAUSE);
    assert_eq!(reuse["request_id"], "e2e-reuse-1");
    assert!(reuse["actor"].as_str().unwrap().starts_with(HEALTH));
    entry("licence.status.revoked");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["action"] == "licence.issue")
            .count(),
        1,
        "the idempotent retry issued again:\n{}",
        r.stdout
    );
    // An export handed to an auditor verifies on its own.
    let export = d.path("audit.jsonl");
    let export = export.to_str().unwrap();
    d.zhengku(&["audit", "export", "--database-url", &url, "--out", export])
        .expect(0);
    d.zhengku(&["audit", "verify", "--file", export]).expect(0);

    // Someone edits the recorded use cause in the database: verification fails.
    runtime().block_on(async {
        let pool = SqlitePool::connect(&url).await.unwrap();
        let changed =
            sqlx::query("UPDATE audit_log SET use_cause = '查看' WHERE action = 'licence.reuse'")
                .execute(&pool)
                .await
                .unwrap();
        assert_eq!(changed.rows_affected(), 1);
        pool.close().await;
    });
    let r = d
        .zhengku(&["audit", "verify", "--database-url", &url])
        .expect(1);
    assert!(
        r.stdout.contains("INVALID") && r.stdout.contains("changed"),
        "{}",
        r.stdout
    );
}

#[test]
fn generated_bootstrap_token_is_printed_once() {
    let d = Dir::new();
    let data = d.path("data");
    let options = Options {
        data_dir: &data,
        token: None,
        args: &[],
        env: &[],
    };
    let server = Server::start(&options);
    // Printed before the server listens; the pipe reader may still be catching up.
    let deadline = Instant::now() + Duration::from_secs(5);
    let token = loop {
        let out = server.stdout();
        let mut lines = out.lines();
        if lines.any(|l| l.contains("bootstrap administrator token"))
            && let Some(t) = lines.next()
        {
            break t.trim().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no bootstrap token on stdout: {out:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(token.len() >= 32, "{token:?}");
    let r = server.get(Some(&token), "/v1/departments");
    assert_eq!(r.status, 200, "{r:?}");
    // The two issuing departments and the library's operator (the copy sealer).
    assert_eq!(
        r.json()["departments"].as_array().unwrap().len(),
        3,
        "{r:?}"
    );
    let (stdout, stderr) = server.stop_ok();
    assert_eq!(stdout.matches(&token).count(), 1, "{stdout}");
    assert!(!stderr.contains(&token), "token in the log: {stderr}");

    // The same data folder again: no new token, and the first one still works.
    let server = Server::start(&options);
    let r = server.get(Some(&token), "/v1/departments");
    assert_eq!(r.status, 200, "{r:?}");
    let r = server.get(Some("not-the-bootstrap-token"), "/v1/departments");
    problem(&r, 401);
    let (stdout, stderr) = server.stop_ok();
    assert!(
        !stdout.contains("token") && !stdout.contains(&token),
        "a token was printed again: {stdout:?}"
    );
    assert!(!stderr.contains(&token), "token in the log: {stderr}");
}

#[test]
fn postgres_backend() {
    let Some(db) = runtime().block_on(zhengku_testkit::PgDatabase::fresh("e2e_serve")) else {
        return;
    };
    let d = Dir::new();
    let data = d.path("data");
    let admin = "e2e-admin-token-postgres-0001";
    let server = Server::start(&Options {
        data_dir: &data,
        token: Some(admin),
        args: &["--database-url", &db.url],
        env: &[],
    });
    let r = server.get(None, "/readyz");
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["checks"]["database"], "ok", "{r:?}");
    assert_eq!(r.json()["checks"]["keystore"], "ok", "{r:?}");

    let issuer = server.api_key(admin, Some(SAMR), &["issue:*"]);
    let reuser = server.api_key(admin, Some(HEALTH), &["reuse"]);
    let body = format!("@{}", example_request_path().display());
    let r = server.post_json(Some(&issuer), "/v1/licences", &body);
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["identifier"].as_str().unwrap().to_owned();
    let r = server.reuse(&reuser, HOLDER, Some(USE_CAUSE), &[]);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["count"], 1, "{r:?}");
    assert_eq!(r.json()["licences"][0]["identifier"], id.as_str(), "{r:?}");

    let r = server.get(None, "/metrics");
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.body.contains(&format!(
            "zhengku_licences_issued_total{{type_code=\"{BUSINESS_LICENCE}\"}} 1"
        )),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(
            "zhengku_http_requests_total{method=\"POST\",route=\"/v1/licences\",status=\"201\"} 1"
        ),
        "{}",
        r.body
    );
    server.stop_ok();

    // Stored in PostgreSQL, with an intact audit log.
    let r = d
        .zhengku(&["audit", "verify", "--database-url", &db.url])
        .expect(0);
    assert!(r.stdout.contains("audit log OK"), "{}", r.stdout);
    assert!(
        !data.join("zhengku.db").exists(),
        "a SQLite file was made next to PostgreSQL"
    );
}

#[test]
fn json_logs_and_request_ids() {
    let d = Dir::new();
    let data = d.path("data");
    let admin = "e2e-admin-token-json-logs-0001";
    let server = Server::start(&Options {
        data_dir: &data,
        token: Some(admin),
        args: &["--log-format", "json"],
        env: &[("RUST_LOG", "info")],
    });
    let r = server.call(
        Some(admin),
        "/v1/departments",
        &["-H", "X-Request-Id: e2e-test-42"],
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("x-request-id"), Some("e2e-test-42"), "{r:?}");
    // A wrong token is logged as a 401, never with its value; a forged id is replaced.
    let r = server.call(
        Some("e2e-admin-token-json-logs-WRONG"),
        "/v1/departments",
        &["-H", "X-Request-Id: bad id\twith tab"],
    );
    let p = problem(&r, 401);
    assert_ne!(p["request_id"], "bad id\twith tab");
    assert_eq!(r.header("x-request-id").unwrap().len(), 32, "{r:?}");

    let logged = |stderr: &str| {
        stderr
            .lines()
            .any(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| has_string(&v, "e2e-test-42")))
    };
    assert!(
        server.stderr_eventually(5, logged),
        "no JSON log line with the request id:\n{}",
        server.stderr()
    );
    let (_, stderr) = server.stop_ok();
    for line in stderr.lines() {
        assert!(
            serde_json::from_str::<Value>(line).is_ok(),
            "not a JSON log line: {line:?}"
        );
    }
    assert!(stderr.contains("zhengku stopped"), "{stderr}");
    assert!(
        !stderr.contains(admin),
        "bootstrap token in the log:\n{stderr}"
    );
    assert!(
        !stderr.contains("WRONG"),
        "a presented token in the log:\n{stderr}"
    );
}

#[test]
fn bad_input_changes_nothing() {
    let d = Dir::new();

    // Production without a key store configuration: refused before anything starts.
    let r = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .current_dir(repo_root())
        .args(["serve", "--mode", "production", "--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(d.path("prod"))
        .env_remove("ZHENGKU_KEYSTORE")
        .env_remove("ZHENGKU_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("keystore"), "{stderr}");
    assert!(
        !d.path("prod").exists(),
        "production start left a data folder"
    );

    let data = d.path("data");
    let admin = "e2e-admin-token-bad-input-0001";
    let server = Server::start(&Options {
        data_dir: &data,
        token: Some(admin),
        args: &["--body-limit", "4096"],
        env: &[],
    });
    let token = server.api_key(admin, Some(SAMR), &["issue:*", "reuse", "audit"]);
    let key = Some(token.as_str());

    // Over the body limit.
    let mut big = example_request();
    big["face"]["business_scope"] = Value::String("技术服务".repeat(1000));
    let big = big.to_string();
    assert!(big.len() > 10_000);
    let r = server.post_json(key, "/v1/licences", &big);
    let p = problem(&r, 413);
    assert_eq!(p["type"], "urn:zhengku:problem:payload-too-large");

    // Not JSON.
    let r = server.post_json(key, "/v1/licences", "{\"type_code\": ");
    let p = problem(&r, 400);
    assert_eq!(p["type"], "urn:zhengku:problem:bad-request");

    // Invalid values: every bad field listed at once.
    let mut bad = example_request();
    bad["holder_code"] = json!("91330106MA2H0YKU5X");
    bad["issue_date"] = json!("2024-02-30");
    bad["jurisdiction"] = json!("33010");
    bad["face"]
        .as_object_mut()
        .unwrap()
        .remove("legal_representative");
    let r = server.post_json(key, "/v1/licences", &bad.to_string());
    let p = problem(&r, 422);
    assert_eq!(p["type"], "urn:zhengku:problem:validation");
    let got = fields(&p["errors"]);
    for want in [
        "holder_code",
        "issue_date",
        "jurisdiction",
        "face.legal_representative",
    ] {
        assert!(
            got.iter().any(|f| f == want),
            "{want} not in {got:?}\n{r:?}"
        );
    }

    // A batch with one invalid item: nothing issued, every item's outcome given.
    let batch = json!({"requests": [example_request(), bad]}).to_string();
    let r = server.post_json(key, "/v1/licences:batch", &batch);
    let p = problem(&r, 422);
    assert_eq!(p["type"], "urn:zhengku:problem:batch-invalid");
    let items = p["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{r:?}");
    assert_eq!(items[0]["index"], 0);
    assert_eq!(items[0]["outcome"], "not_issued");
    assert_eq!(items[1]["index"], 1);
    assert_eq!(items[1]["outcome"], "invalid");
    assert!(
        fields(&items[1]["errors"]).contains(&"holder_code".to_owned()),
        "{r:?}"
    );

    // Not JSON by content type.
    let r = server.call(
        key,
        "/v1/licences",
        &["--data-binary", &example_request().to_string()],
    );
    let p = problem(&r, 415);
    assert_eq!(p["type"], "urn:zhengku:problem:unsupported-media-type");

    // No such route.
    let r = server.get(key, "/v1/licenses");
    let p = problem(&r, 404);
    assert_eq!(p["type"], "urn:zhengku:problem:no-route");

    // Nothing was stored, audited or numbered.
    let r = server.reuse(&token, HOLDER, Some("核验"), &[]);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["count"], 0, "{r:?}");
    let r = server.get(key, "/v1/audit?limit=1000");
    assert_eq!(r.status, 200, "{r:?}");
    let actions: Vec<String> = r.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(!actions.iter().any(|a| a == "licence.issue"), "{actions:?}");
    let body = format!("@{}", example_request_path().display());
    let r = server.post_json(key, "/v1/licences", &body);
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["identifier"].as_str().unwrap().to_owned();
    assert!(
        id.contains(&format!(".{SAMR}.20240000001.")),
        "the failed requests used up serial numbers: {id}"
    );
    server.stop_ok();
}

/// Copies a folder tree (a private keys-dev for tests that generate keys).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Property-based fuzzing of the whole API from its OpenAPI document by schemathesis (a
/// tool we did not write; scripts/test.sh installs it): random and boundary values for
/// every parameter and body, and stateful sequences following the links it infers. No
/// request may get a 5xx answer. Run as an administrator (departments, keys, audit) and as
/// a department (issue, reuse, manage). The server runs on a private copy of keys-dev, since
/// fuzzed department registrations generate keys.
#[test]
fn schemathesis_finds_no_server_errors() {
    let d = Dir::new();
    let data = d.path("data");
    let keys = d.path("keys-dev");
    copy_tree(&repo_root().join("keys-dev"), &keys);
    let admin = "schemathesis-admin-token-0123456789";
    let keys_arg = keys.to_str().unwrap();
    let server = Server::start(&Options {
        data_dir: &data,
        token: Some(admin),
        args: &["--keys-dev", keys_arg],
        env: &[("RUST_LOG", "warn")],
    });
    let department = server.api_key(
        admin,
        Some("11330106MB0B12345L"),
        &["issue:*", "manage", "reuse", "audit"],
    );
    // Every operation the document lists must be exercised.
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("api/openapi.json")).unwrap(),
    )
    .unwrap();
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    for token in [admin, department.as_str()] {
        let out = Command::new("python3")
            // Its cache folder goes in the test's temp folder, not the repository.
            .current_dir(d.path(""))
            .args(["-m", "schemathesis.cli", "run"])
            .arg(repo_root().join("api/openapi.json"))
            .args(["--url", &server.base])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "not_a_server_error", "--max-examples", "20"])
            .output()
            .expect("python3 with schemathesis (scripts/test.sh installs it)");
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "schemathesis found server errors:\n{report}\n{}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            server.stderr()
        );
        assert!(
            report.contains(&format!("Tested: {operations}")),
            "not every one of the {operations} operations was tested:\n{report}"
        );
    }
    server.stop_ok();
}

/// Production as an operator runs it: `--mode production`, PostgreSQL, and every key on a
/// real PKCS#11 token (SoftHSM2). The department's SM2 key and certificate come from a CA
/// whose keys are on the token too; a second department gets a P-256 key generated on the
/// token through the API. Licences issued this way verify with the certificate's key.
#[test]
fn production_mode_with_softhsm_and_postgres() {
    let Some(db) = runtime().block_on(zhengku_testkit::PgDatabase::fresh("e2e_prod")) else {
        return;
    };
    let d = Dir::new();
    let (conf, hsm) = crate::util::softhsm_token(&d, "zhengku-prod");
    let conf_s = conf.to_str().unwrap().to_owned();
    let zk = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .args(args)
            .current_dir(d.path(""))
            .env("SOFTHSM2_CONF", &conf_s)
            .env("ZK_TEST_PIN", "user-2222")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let hsm_s = hsm.to_str().unwrap();
    zk(&["pki", "--dir", "pki", "--keystore", hsm_s, "init"]);
    zk(&[
        "pki",
        "--dir",
        "pki",
        "--keystore",
        hsm_s,
        "issue",
        "--alg",
        "sm2",
        "--kind",
        "department",
        "--name",
        "杭州市西湖区市场监督管理局",
        "--uscc",
        "11330106MB0B12345L",
        "--label",
        "prod-samr-sm2",
        "--out",
        "dept.pem",
    ]);

    let data = d.path("data");
    let admin = "production-admin-token-0123456789";
    // Without trust anchors production refuses to start, naming the flag, and makes
    // nothing.
    let r = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .current_dir(repo_root())
        .args(["serve", "--mode", "production", "--listen", "127.0.0.1:0"])
        .args(["--keystore", hsm_s, "--database-url", &db.url])
        .arg("--data-dir")
        .arg(&data)
        .env("SOFTHSM2_CONF", &conf_s)
        .env("ZK_TEST_PIN", "user-2222")
        .env_remove("ZHENGKU_TRUST_DIR")
        .env_remove("ZHENGKU_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--trust DIR"), "{stderr}");
    assert!(!data.exists(), "a refused start left a data folder");
    let trust = d.path("pki");
    let trust_s = trust.to_str().unwrap();
    let server = Server::start(&Options {
        data_dir: &data,
        token: Some(admin),
        args: &[
            "--mode",
            "production",
            "--keystore",
            hsm_s,
            "--database-url",
            &db.url,
            "--trust",
            trust_s,
        ],
        env: &[("SOFTHSM2_CONF", &conf_s), ("ZK_TEST_PIN", "user-2222")],
    });
    let r = server.get(None, "/readyz");
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["checks"]["keystore"], "ok");
    // Production registers no development departments.
    let r = server.get(Some(admin), "/v1/departments");
    assert_eq!(
        r.json()["departments"].as_array().unwrap().len(),
        0,
        "{r:?}"
    );

    let cert = std::fs::read_to_string(d.path("dept.pem")).unwrap();
    let r = server.post_json(
        Some(admin),
        "/v1/departments",
        &json!({"name": "杭州市西湖区市场监督管理局", "uscc": "11330106MB0B12345L",
                "region_code": "330106", "key_label": "prod-samr-sm2", "certificate_pem": cert})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let r = server.post_json(
        Some(admin),
        "/v1/departments",
        &json!({"name": "杭州市西湖区卫生健康局", "uscc": "11330106MB1C234566",
                "region_code": "330106", "generate_key": "p256"})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");

    let issuer = server.api_key(admin, Some("11330106MB0B12345L"), &["issue:*"]);
    let body = std::fs::read_to_string(example_request_path()).unwrap();
    let r = server.post_json(Some(&issuer), "/v1/licences", &body);
    assert_eq!(r.status, 201, "{r:?}");
    let licence = r.json();
    assert_eq!(licence["signature"]["algorithm"], "SM2-SM3");
    // The signed form verifies with the key in the department's certificate.
    use base64::Engine;
    let signed = base64::engine::general_purpose::STANDARD
        .decode(licence["signed"].as_str().unwrap())
        .unwrap();
    d.write("licence.zkl", &signed);
    let pubkey = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(d.path("dept.pem"))
        .output()
        .unwrap();
    d.write("dept.pub", &pubkey.stdout);
    let out = zk(&["licence", "verify", "--pub", "dept.pub", "licence.zkl"]);
    assert!(out.starts_with("valid:"), "{out}");
    // The service verifies it against its own anchors and records: 有效.
    let zkl = format!("@{}", d.path("licence.zkl").display());
    let r = server.call(
        None,
        "/v1/verify",
        &[
            "-H",
            "Content-Type: application/octet-stream",
            "--data-binary",
            &zkl,
        ],
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["verdict"], "valid", "{r:?}");
    // The generated P-256 key lives on the token.
    let keys = zk(&["keys", "list", "--keystore", hsm_s]);
    assert!(keys.contains("dept-11330106mb1c234566-p256"), "{keys}");
    assert!(keys.contains("prod-samr-sm2"), "{keys}");
    server.stop_ok();
    drop(db);
}
