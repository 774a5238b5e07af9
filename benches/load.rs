//! Load: the real `zhengku serve` binary under concurrent HTTP load, on SQLite and on
//! PostgreSQL.
//!
//! What is measured, per database (a fresh one each run):
//!
//! - **issue** — `POST /v1/licences` of `templates/business-licence/example-request.json`
//!   as department 11330106MB0B12345L (杭州市西湖区市场监督管理局), which signs with its SM2
//!   development key, through an API key made with the bootstrap token: validation,
//!   identifier allocation, an SM2 signature, and one transaction storing the licence and
//!   its hash-chained audit entry. At 16 and at 64 concurrent clients.
//! - **status** — the public `GET /v1/licences/{identifier}/status`, at 64 concurrent
//!   clients, over the identifiers issued during the warm-ups.
//! - **pdf** — `GET /v1/licences/{identifier}/pdf` as the issuing department, at 16
//!   concurrent clients, over 16 of those licences: each request lays out, seals (SM2
//!   `SES_Signature`) and signs (PAdES CMS) a fresh PDF.
//! - **verify-qr** — the public `POST /v1/verify` with `{"payload": <QR URL>}` of those
//!   licences, at 64 clients: decoding, the signature, the department's chain, the live
//!   status from the database. Every answer must say `valid`.
//! - **verify-pdf** — `POST /v1/verify` with four of the PDFs (`application/pdf`), at 16
//!   clients: ByteRange, CMS, chain, embedded record, SES_Signature, status.
//! - **sl-fetch** — `GET /sl/1` by one client, each answer decoded, its signature verified
//!   with the status signer's key and its 2^20 entries inflated, as a verifier's sync does:
//!   the latency is fetch + verify + inflate of one list.
//! - **hostile** + **issue+hostile** — at the same time: 64 clients `POST /v1/verify` the
//!   nastiest PDFs we can build (30,000 file specifications pointing at one stream that
//!   inflates to 16 MiB of zeros; arrays nested 200,000 deep; 40,000 tiny objects; a
//!   string of 600,000 parentheses and escapes), while 16 clients issue. Each hostile
//!   request must be answered (a report saying not valid, or 503 when the verification
//!   routes are full) in under 100 ms, and the issue p99 must stay under 100 ms; both are
//!   printed as targets, with the slowest hostile answer and how many were shed.
//!
//! For each: requests completed, successful requests per second, p50 and p99 latency (from
//! sending the request to the end of the response body, successful requests only), errors
//! (transport failures and non-2xx answers; there should be none), the CPU used by the
//! server process and by this load generator (percent of one core; the machine's total is
//! 100 × cores), and how busy the whole machine was (percent of all cores, PostgreSQL
//! included): near 100 means CPU-bound, well below means the time goes to waiting.
//!
//! The server is the binary cargo built (`CARGO_BIN_EXE_zhengku`), started as its own
//! process from the repository root: `zhengku serve --dev --data-dir <tmp> --listen
//! 127.0.0.1:<free port> [--database-url postgres://…/<fresh db>]`, with
//! `ZHENGKU_BOOTSTRAP_TOKEN` set and `RUST_LOG=warn` (its log goes to a file, shown if
//! something fails). It is killed when the bench ends, also on a panic, and the fresh
//! PostgreSQL database is dropped.
//!
//! # Running
//!
//! ```sh
//! cargo bench -p zhengku --bench load              # both databases, ~35 s each
//! cargo bench -p zhengku --bench load -- sqlite    # one database (postgres likewise)
//! cargo test  -p zhengku --bench load              # smoke run: ~40 requests a scenario
//! ```
//!
//! Under `cargo bench` (arguments contain `--bench`) each scenario runs 8 seconds
//! (`ZHENGKU_LOAD_SECONDS` changes that; `ZHENGKU_LOAD_CONCURRENCY=1,4,16,64` the issue
//! scenarios' concurrency levels) after a 2-second warm-up, on the optimised
//! `bench` profile, and prints a table. Anything else (`cargo test --all-targets`) is the
//! smoke run: it asserts that nothing fails and that throughput is not zero, and does not
//! measure anything worth quoting (the `test` profile is not optimised).
//!
//! PostgreSQL is found at `ZHENGKU_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), used as an admin connection to create and
//! drop the bench's own database. Unreachable, it is skipped with a note, except under
//! `CI=true`, where that is a failure.
//!
//! # Targets
//!
//! On the reference machine (2 cores): **≥ 1,000 issues/s on SQLite** with the SM2
//! development keys, and **≥ 5,000 status lookups/s**.
//!
//! **Caveat:** the load generator runs on the same machine and competes with the server
//! for its cores (the `cli CPU%` column says how much it took), so these numbers
//! understate what the server alone does. To measure the server alone, run it by hand and
//! point an external load generator at it, ideally pinned to other cores, e.g. with
//! [`oha`](https://github.com/hatoo/oha) (`wrk -t2 -c64 -d10s URL` works for the GET):
//!
//! ```sh
//! cargo build --release -p zhengku
//! export ZHENGKU_BOOTSTRAP_TOKEN=bench-bootstrap-token-0123456789
//! RUST_LOG=warn taskset -c 0 target/release/zhengku serve --dev \
//!     --data-dir /tmp/zk-load --listen 127.0.0.1:8080 &   # add --database-url postgres://…
//! TOKEN=$(curl -s -H "Authorization: Bearer $ZHENGKU_BOOTSTRAP_TOKEN" \
//!     -H 'Content-Type: application/json' \
//!     -d '{"name":"bench","department_uscc":"11330106MB0B12345L","scopes":["issue:*","manage","reuse"]}' \
//!     http://127.0.0.1:8080/v1/api-keys | jq -r .token)
//! taskset -c 1 oha -z 10s -c 64 -m POST -H "Authorization: Bearer $TOKEN" \
//!     -T application/json -D templates/business-licence/example-request.json \
//!     http://127.0.0.1:8080/v1/licences
//! ID=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
//!     -d @templates/business-licence/example-request.json \
//!     http://127.0.0.1:8080/v1/licences | jq -r .identifier)
//! taskset -c 1 oha -z 10s -c 64 "http://127.0.0.1:8080/v1/licences/$ID/status"
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The bootstrap administrator token the server is started with (32 characters).
const BOOTSTRAP_TOKEN: &str = "bench-bootstrap-token-0123456789";
/// The development department that signs with SM2.
const DEPARTMENT: &str = "11330106MB0B12345L";
/// How long the server may take to answer `/readyz` (the first start runs migrations).
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Targets on the 2-core reference machine.
const TARGET_ISSUE_SQLITE: f64 = 1_000.0;
const TARGET_STATUS: f64 = 5_000.0;
/// Under hostile load: every hostile answer, and the issue p99, within this.
const TARGET_HOSTILE_MS: f64 = 100.0;

#[path = "../crates/zhengku-pdf/tests/support/mod.rs"]
mod pdf_support;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// When a load phase ends.
#[derive(Clone, Copy, Debug)]
enum Limit {
    /// After this long (requests in flight are finished and counted).
    For(Duration),
    /// After this many requests in all.
    Count(usize),
}

/// Full measurement (`cargo bench`) or smoke run (`cargo test`).
struct Plan {
    full: bool,
    warmup: Limit,
    measure: Limit,
    /// Backends to run, by name fragment; empty: all.
    filter: Vec<String>,
    /// Concurrency levels of the issue scenarios.
    issue_concurrency: Vec<usize>,
}

impl Plan {
    fn from_args() -> Plan {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let full = args.iter().any(|a| a == "--bench");
        // Positional arguments filter the backends; skip the values of libtest's options
        // (`cargo test -- --test-threads 1`).
        let mut filter = Vec::new();
        let mut skip_value = false;
        for a in &args {
            if std::mem::take(&mut skip_value) {
                continue;
            }
            if a.starts_with('-') {
                skip_value = !a.contains('=')
                    && matches!(
                        a.as_str(),
                        "--test-threads" | "--skip" | "--logfile" | "--color" | "--format" | "-Z"
                    );
            } else {
                filter.push(a.clone());
            }
        }
        let issue_concurrency = std::env::var("ZHENGKU_LOAD_CONCURRENCY")
            .ok()
            .and_then(|s| {
                s.split(',')
                    .map(|c| c.trim().parse::<usize>().ok().filter(|c| *c > 0))
                    .collect::<Option<Vec<_>>>()
            })
            .unwrap_or_else(|| vec![16, 64]);
        if full {
            let secs = std::env::var("ZHENGKU_LOAD_SECONDS")
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|s| *s > 0.0)
                .unwrap_or(8.0);
            Plan {
                full,
                warmup: Limit::For(Duration::from_secs(2)),
                measure: Limit::For(Duration::from_secs_f64(secs)),
                filter,
                issue_concurrency,
            }
        } else {
            Plan {
                full,
                warmup: Limit::Count(16),
                measure: Limit::Count(40),
                filter,
                issue_concurrency,
            }
        }
    }

    fn wants(&self, backend: Backend) -> bool {
        self.filter.is_empty()
            || self
                .filter
                .iter()
                .any(|f| backend.name().contains(f.as_str()))
    }
}

/// The repository root: where `templates/` and `keys-dev/` are.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The server process, killed when this is dropped.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(database_url: Option<&str>) -> Server {
        let root = repo_root();
        let dir = tempfile::tempdir().expect("temporary folder");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = dir.path().join("server.log");
        let log_file = File::create(&log).expect("server log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zhengku"));
        cmd.current_dir(&root)
            .arg("serve")
            .arg("--dev")
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--templates")
            .arg(root.join("templates"))
            .arg("--keys-dev")
            .arg(root.join("keys-dev"))
            // The hostile PDFs are up to 1.2 MB: let them in, so the reader is what is
            // measured, not the body limit.
            .arg("--body-limit")
            .arg("4194304")
            .env("ZHENGKU_BOOTSTRAP_TOKEN", BOOTSTRAP_TOKEN)
            .env("RUST_LOG", "warn")
            // Settings from the caller's environment must not change what is measured.
            .env_remove("ZHENGKU_CONFIG")
            .env_remove("ZHENGKU_DATABASE_URL")
            .env_remove("ZHENGKU_KEYSTORE")
            .env_remove("ZHENGKU_MODE")
            .env_remove("ZHENGKU_LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        let child = cmd.spawn().expect("start zhengku serve");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The end of the server's log, to show when something fails.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Polls `GET /readyz` until it answers 200.
    async fn wait_ready(&mut self, client: &reqwest::Client) {
        let start = Instant::now();
        let url = format!("{}/readyz", self.base);
        let mut last = String::from("no answer");
        while start.elapsed() < READY_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "zhengku serve exited ({status}) before it was ready; its log:\n{}",
                    self.log_tail()
                );
            }
            match client.get(&url).send().await {
                Ok(r) if r.status().is_success() => return,
                Ok(r) => last = format!("{} {}", r.status(), r.text().await.unwrap_or_default()),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "zhengku serve not ready after {READY_TIMEOUT:?} ({last}); its log:\n{}",
            self.log_tail()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time (user + system) used so far by process `pid` (`None`: this process), from
/// `/proc/<pid>/stat`; `None` where there is no procfs.
fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on Linux for every architecture's user-space ABI.
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Busy and total time of the whole machine so far (all cores, every process: the
/// server, PostgreSQL, this load generator), from `/proc/stat`, in clock ticks.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let idle = v.get(3)? + v.get(4)?;
    let total: u64 = v.iter().take(8).sum();
    Some((total - idle, total))
}

/// What a worker sends.
#[derive(Clone)]
enum Kind {
    /// `POST /v1/licences` with this API key and body.
    Issue { token: Arc<str>, body: &'static str },
    /// `GET /v1/licences/{id}/status`, round-robin over these identifiers.
    Status { ids: Arc<Vec<String>> },
    /// `GET /v1/licences/{id}/pdf` with this API key (the issuer's), round-robin: a sealed,
    /// signed PDF made on each request.
    Pdf {
        token: Arc<str>,
        ids: Arc<Vec<String>>,
    },
    /// `POST /v1/verify` with these bodies of this media type, round-robin; the answer must
    /// say `valid`.
    Verify {
        name: &'static str,
        media_type: &'static str,
        bodies: Arc<Vec<&'static [u8]>>,
    },
    /// `POST /v1/verify` with these hostile PDFs, round-robin; the answer must not say
    /// `valid` (a report) or be a 503 (shed).
    Hostile { bodies: Arc<Vec<&'static [u8]>> },
    /// `GET /sl/{n}`, round-robin over these lists, each answer decoded, verified with the
    /// status signer's key and inflated before it counts (what a verifier's sync does).
    StatusList {
        lists: Arc<Vec<u64>>,
        key: Arc<zhengku_crypto::PublicKey>,
    },
}

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Kind::Issue { .. } => "issue",
            Kind::Status { .. } => "status",
            Kind::Pdf { .. } => "pdf",
            Kind::Verify { name, .. } => name,
            Kind::Hostile { .. } => "hostile",
            Kind::StatusList { .. } => "sl-fetch",
        }
    }
}

/// One worker's (or all workers') results.
#[derive(Default)]
struct Outcome {
    ok: u64,
    errors: u64,
    latencies: Vec<Duration>,
    /// The first few errors, for the report.
    error_samples: Vec<String>,
    /// Identifiers of issued licences (when collecting).
    ids: Vec<String>,
    /// Requests answered 503 by load shedding (counted in `ok`: answered at once).
    shed: u64,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
        for e in other.error_samples {
            if self.error_samples.len() < 5 {
                self.error_samples.push(e);
            }
        }
        self.ids.extend(other.ids);
        self.shed += other.shed;
    }

    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.error_samples.len() < 5 {
            self.error_samples.push(what);
        }
    }
}

/// A measured phase.
struct Measured {
    outcome: Outcome,
    elapsed: Duration,
    server_cpu: Option<Duration>,
    client_cpu: Option<Duration>,
    /// Share of the whole machine's CPU that was busy, percent.
    machine_busy: Option<f64>,
}

impl Measured {
    fn requests(&self) -> u64 {
        self.outcome.ok + self.outcome.errors
    }

    fn ok_per_second(&self) -> f64 {
        self.outcome.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// Latency percentile `p` (0..=100) in milliseconds; latencies must be sorted.
    fn percentile_ms(&self, p: f64) -> f64 {
        let l = &self.outcome.latencies;
        if l.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * l.len() as f64).ceil() as usize;
        l[rank.clamp(1, l.len()) - 1].as_secs_f64() * 1e3
    }

    fn cpu_percent(&self, cpu: Option<Duration>) -> String {
        cpu.map_or_else(
            || "-".to_owned(),
            |c| {
                format!(
                    "{:.0}",
                    100.0 * c.as_secs_f64() / self.elapsed.as_secs_f64()
                )
            },
        )
    }
}

/// Runs `concurrency` workers sending `kind` requests until `limit`.
async fn load(
    client: &reqwest::Client,
    base: &str,
    kind: &Kind,
    concurrency: usize,
    limit: Limit,
    collect_ids: bool,
) -> (Outcome, Duration) {
    let start = Instant::now();
    let tickets = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, kind, tickets) = (client.clone(), kind.clone(), tickets.clone());
        let issue_url = format!("{base}/v1/licences");
        let base = base.to_owned();
        workers.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            loop {
                let ticket = tickets.fetch_add(1, Ordering::Relaxed);
                let more = match limit {
                    Limit::For(d) => start.elapsed() < d,
                    Limit::Count(n) => ticket < n,
                };
                if !more {
                    break;
                }
                let request = match &kind {
                    Kind::Issue { token, body } => client
                        .post(&issue_url)
                        .bearer_auth(token)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(*body),
                    Kind::Status { ids } => client.get(format!(
                        "{base}/v1/licences/{}/status",
                        ids[ticket % ids.len()]
                    )),
                    Kind::Pdf { token, ids } => client
                        .get(format!(
                            "{base}/v1/licences/{}/pdf",
                            ids[ticket % ids.len()]
                        ))
                        .bearer_auth(token),
                    Kind::Verify {
                        media_type, bodies, ..
                    } => client
                        .post(format!("{base}/v1/verify"))
                        .header(reqwest::header::CONTENT_TYPE, *media_type)
                        .body(bodies[ticket % bodies.len()]),
                    Kind::Hostile { bodies } => client
                        .post(format!("{base}/v1/verify"))
                        .header(reqwest::header::CONTENT_TYPE, "application/pdf")
                        .body(bodies[ticket % bodies.len()]),
                    Kind::StatusList { lists, .. } => {
                        client.get(format!("{base}/sl/{}", lists[ticket % lists.len()]))
                    }
                };
                let hostile = matches!(kind, Kind::Hostile { .. });
                let must_say_valid = matches!(kind, Kind::Verify { .. });
                let sent = Instant::now();
                let answer = async {
                    let r = request.send().await?;
                    let status = r.status();
                    let body = r.bytes().await?;
                    Ok::<_, reqwest::Error>((status, body))
                }
                .await;
                // A status list counts once read as a verifier reads it.
                let unread = match (&kind, &answer) {
                    (Kind::StatusList { key, .. }, Ok((status, body))) if status.is_success() => {
                        zhengku_status::SignedStatusList::decode(body)
                            .and_then(|s| {
                                s.verify(key, &zhengku_crypto::Direct).map(|c| c.list.len())
                            })
                            .err()
                    }
                    _ => None,
                };
                let latency = sent.elapsed();
                if let Some(e) = unread {
                    out.error(format!("status list unreadable: {e}"));
                    continue;
                }
                match answer {
                    Ok((status, _)) if hostile && status.as_u16() == 503 => {
                        out.ok += 1;
                        out.shed += 1;
                        out.latencies.push(latency);
                    }
                    Ok((status, body))
                        if hostile
                            && status.is_success()
                            && contains(&body, b"\"verdict\":\"valid\"") =>
                    {
                        out.error("a hostile PDF verified as valid".into());
                    }
                    Ok((status, body))
                        if must_say_valid
                            && status.is_success()
                            && !contains(&body, b"\"verdict\":\"valid\"") =>
                    {
                        // The first check that did not pass says why.
                        let text = String::from_utf8_lossy(&body);
                        let why = text
                            .find("\"outcome\":\"failed\"")
                            .map_or(&text[..text.len().min(300)], |i| {
                                &text[i.saturating_sub(300)..i]
                            });
                        out.error(format!("not valid: …{why}"));
                    }
                    Ok((status, body)) if status.is_success() => {
                        out.ok += 1;
                        out.latencies.push(latency);
                        if collect_ids {
                            let v: serde_json::Value =
                                serde_json::from_slice(&body).expect("a licence as JSON");
                            let id = v["identifier"].as_str().expect("identifier");
                            out.ids.push(id.to_owned());
                        }
                    }
                    Ok((status, body)) => out.error(format!(
                        "{status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    )),
                    Err(e) => out.error(format!("transport: {e}")),
                }
            }
            out
        }));
    }
    let mut all = Outcome::default();
    for w in workers {
        all.merge(w.await.expect("worker task"));
    }
    (all, start.elapsed())
}

/// Request bodies that live as long as the bench: sending one copies nothing on the
/// generator's side (a megabyte cloned per request would be the generator's CPU, not the
/// server's).
fn leak_all(bodies: Vec<Vec<u8>>) -> Vec<&'static [u8]> {
    bodies
        .into_iter()
        .map(|b| &*Box::leak(b.into_boxed_slice()))
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Warm-up (discarded, but its issued identifiers are kept in `ids`), then measurement.
async fn scenario(
    client: &reqwest::Client,
    server: &Server,
    kind: &Kind,
    concurrency: usize,
    plan: &Plan,
    ids: &Mutex<Vec<String>>,
) -> Measured {
    let collect = matches!(kind, Kind::Issue { .. });
    let (warm, _) = load(
        client,
        &server.base,
        kind,
        concurrency,
        plan.warmup,
        collect,
    )
    .await;
    assert_eq!(
        warm.errors,
        0,
        "{} warm-up at concurrency {concurrency} failed: {:?}\nserver log:\n{}",
        kind.name(),
        warm.error_samples,
        server.log_tail()
    );
    ids.lock().expect("ids").extend(warm.ids);
    let machine_before = machine_ticks();
    let server_before = cpu_time(Some(server.pid()));
    let client_before = cpu_time(None);
    let (mut outcome, elapsed) =
        load(client, &server.base, kind, concurrency, plan.measure, false).await;
    let server_cpu = server_before
        .zip(cpu_time(Some(server.pid())))
        .map(|(a, b)| b.saturating_sub(a));
    let client_cpu = client_before
        .zip(cpu_time(None))
        .map(|(a, b)| b.saturating_sub(a));
    let machine_busy = machine_before
        .zip(machine_ticks())
        .and_then(|((b0, t0), (b1, t1))| {
            (t1 > t0).then(|| 100.0 * (b1 - b0) as f64 / (t1 - t0) as f64)
        });
    outcome.latencies.sort_unstable();
    Measured {
        outcome,
        elapsed,
        server_cpu,
        client_cpu,
        machine_busy,
    }
}

/// Two loads at once (warm-up, then measurement): what one does to the other.
async fn scenario_pair(
    client: &reqwest::Client,
    server: &Server,
    (a, a_conc): (&Kind, usize),
    (b, b_conc): (&Kind, usize),
    plan: &Plan,
) -> (Measured, Measured) {
    let base = &server.base;
    let (wa, wb) = tokio::join!(
        load(client, base, a, a_conc, plan.warmup, false),
        load(client, base, b, b_conc, plan.warmup, false)
    );
    for (w, k) in [(&wa.0, a), (&wb.0, b)] {
        assert_eq!(
            w.errors,
            0,
            "{} warm-up failed: {:?}\nserver log:\n{}",
            k.name(),
            w.error_samples,
            server.log_tail()
        );
    }
    let machine_before = machine_ticks();
    let server_before = cpu_time(Some(server.pid()));
    let client_before = cpu_time(None);
    let ((mut oa, ea), (mut ob, eb)) = tokio::join!(
        load(client, base, a, a_conc, plan.measure, false),
        load(client, base, b, b_conc, plan.measure, false)
    );
    let server_cpu = server_before
        .zip(cpu_time(Some(server.pid())))
        .map(|(x, y)| y.saturating_sub(x));
    let client_cpu = client_before
        .zip(cpu_time(None))
        .map(|(x, y)| y.saturating_sub(x));
    let machine_busy = machine_before
        .zip(machine_ticks())
        .and_then(|((b0, t0), (b1, t1))| {
            (t1 > t0).then(|| 100.0 * (b1 - b0) as f64 / (t1 - t0) as f64)
        });
    oa.latencies.sort_unstable();
    ob.latencies.sort_unstable();
    let measured = |outcome, elapsed| Measured {
        outcome,
        elapsed,
        server_cpu,
        client_cpu,
        machine_busy,
    };
    (measured(oa, ea), measured(ob, eb))
}

/// One row of the table.
struct Row {
    backend: Backend,
    scenario: &'static str,
    concurrency: usize,
    m: Measured,
}

/// Starts the server on `backend`, runs the scenarios, and stops it.
fn run_backend(backend: Backend, plan: &Plan, rt: &tokio::runtime::Runtime) -> Option<Vec<Row>> {
    // Declared before the server so that it is dropped after it.
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(
            current_thread_runtime().block_on(zhengku_testkit::PgDatabase::fresh("bench_load"))?,
        ),
    };
    let mut server = Server::start(pg.as_ref().map(|p| p.url.as_str()));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    let body: &'static str = Box::leak(
        std::fs::read_to_string(
            repo_root().join("templates/business-licence/example-request.json"),
        )
        .expect("example request")
        .into_boxed_str(),
    );
    let rows = rt.block_on(async {
        server.wait_ready(&client).await;
        let token = api_key(&client, &server).await;
        let ids = Mutex::new(Vec::new());
        // One licence first: the department must sign with SM2.
        let first = client
            .post(format!("{}/v1/licences", server.base))
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .expect("issue");
        assert!(
            first.status().is_success(),
            "first issue: {}\nserver log:\n{}",
            first.status(),
            server.log_tail()
        );
        let v: serde_json::Value = first.json().await.expect("licence JSON");
        assert_eq!(v["signature"]["algorithm"], "SM2-SM3", "{v}");
        ids.lock()
            .expect("ids")
            .push(v["identifier"].as_str().expect("identifier").to_owned());

        let issue = Kind::Issue {
            token: Arc::from(token.as_str()),
            body,
        };
        let mut rows = Vec::new();
        for &concurrency in &plan.issue_concurrency {
            let m = scenario(&client, &server, &issue, concurrency, plan, &ids).await;
            rows.push(Row {
                backend,
                scenario: "issue",
                concurrency,
                m,
            });
        }
        let status = Kind::Status {
            ids: Arc::new(ids.lock().expect("ids").clone()),
        };
        let m = scenario(&client, &server, &status, 64, plan, &ids).await;
        rows.push(Row {
            backend,
            scenario: "status",
            concurrency: 64,
            m,
        });
        // Documents: the first licences' PDFs and QR texts, as the issuer fetches them.
        let sample: Vec<String> = ids.lock().expect("ids").iter().take(16).cloned().collect();
        let (mut qr_bodies, mut pdf_bodies) = (Vec::new(), Vec::new());
        for id in &sample {
            let qr: serde_json::Value = client
                .get(format!("{}/v1/licences/{id}/qr", server.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("qr")
                .json()
                .await
                .expect("qr JSON");
            let text = qr["text"].as_str().expect("QR text").to_owned();
            qr_bodies.push(
                serde_json::json!({ "payload": text })
                    .to_string()
                    .into_bytes(),
            );
            if pdf_bodies.len() < 4 {
                let pdf = client
                    .get(format!("{}/v1/licences/{id}/pdf", server.base))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("pdf");
                assert!(pdf.status().is_success(), "pdf: {}", pdf.status());
                pdf_bodies.push(pdf.bytes().await.expect("pdf body").to_vec());
            }
        }
        let pdf = Kind::Pdf {
            token: Arc::from(token.as_str()),
            ids: Arc::new(sample),
        };
        let verify_qr = Kind::Verify {
            name: "verify-qr",
            media_type: "application/json",
            bodies: Arc::new(leak_all(qr_bodies)),
        };
        let verify_pdf = Kind::Verify {
            name: "verify-pdf",
            media_type: "application/pdf",
            bodies: Arc::new(leak_all(pdf_bodies)),
        };
        // The status list the licences issued above sit in (a fresh server opens list 1).
        let status_key =
            std::fs::read_to_string(repo_root().join("keys-dev/keys/status-signer-sm2.key"))
                .expect("the development status signer's key");
        let status_key = zhengku_crypto::PrivateKey::from_pem(&status_key)
            .expect("status signer key")
            .public_key()
            .clone();
        let sl_fetch = Kind::StatusList {
            lists: Arc::new(vec![1]),
            key: Arc::new(status_key),
        };
        for (kind, concurrency) in [
            (&pdf, 16),
            (&verify_qr, 64),
            (&verify_pdf, 16),
            (&sl_fetch, 1),
        ] {
            let m = scenario(&client, &server, kind, concurrency, plan, &ids).await;
            rows.push(Row {
                backend,
                scenario: kind.name(),
                concurrency,
                m,
            });
        }
        let hostile = Kind::Hostile {
            bodies: Arc::new(leak_all(
                pdf_support::hostile_pdfs()
                    .into_iter()
                    .map(|(_, pdf)| pdf)
                    .collect(),
            )),
        };
        let (h, i) = scenario_pair(&client, &server, (&hostile, 64), (&issue, 16), plan).await;
        rows.push(Row {
            backend,
            scenario: "hostile",
            concurrency: 64,
            m: h,
        });
        rows.push(Row {
            backend,
            scenario: "issue+hostile",
            concurrency: 16,
            m: i,
        });
        rows
    });
    let failed = rows.iter().any(|r| r.m.outcome.errors > 0);
    if failed {
        eprintln!("server log ({}):\n{}", backend.name(), server.log_tail());
    }
    drop(server);
    drop(pg);
    Some(rows)
}

/// An API key for the SM2 department, made with the bootstrap token.
async fn api_key(client: &reqwest::Client, server: &Server) -> String {
    let r = client
        .post(format!("{}/v1/api-keys", server.base))
        .bearer_auth(BOOTSTRAP_TOKEN)
        .json(&serde_json::json!({
            "name": "bench",
            "department_uscc": DEPARTMENT,
            "scopes": ["issue:*", "manage", "reuse"],
        }))
        .send()
        .await
        .expect("create API key");
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert!(
        status.is_success(),
        "create API key: {status} {text}\nserver log:\n{}",
        server.log_tail()
    );
    let v: serde_json::Value = serde_json::from_str(&text).expect("API key JSON");
    v["token"].as_str().expect("token").to_owned()
}

fn print_table(rows: &[Row], plan: &Plan) {
    println!();
    println!(
        "{:<9} {:<13} {:>5} {:>9} {:>10} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8}",
        "backend",
        "scenario",
        "conc",
        "requests",
        "ok/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "srv CPU%",
        "cli CPU%",
        "machine%"
    );
    for r in rows {
        println!(
            "{:<9} {:<13} {:>5} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>7} {:>8} {:>8} {:>8}",
            r.backend.name(),
            r.scenario,
            r.concurrency,
            r.m.requests(),
            r.m.ok_per_second(),
            r.m.percentile_ms(50.0),
            r.m.percentile_ms(99.0),
            r.m.outcome.errors,
            r.m.cpu_percent(r.m.server_cpu),
            r.m.cpu_percent(r.m.client_cpu),
            r.m.machine_busy
                .map_or_else(|| "-".to_owned(), |b| format!("{b:.0}")),
        );
    }
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!();
    println!(
        "{cores} cores. srv/cli CPU%: the zhengku server's and this load generator's CPU time, \
         percent of one core (PostgreSQL's own processes are in neither); machine%: share of \
         all cores busy, every process included.\n\
         The load generator runs on the same machine and competes with the server for the \
         cores (cli CPU%): these numbers understate what the server alone does."
    );
    if !plan.full {
        println!("smoke run (not `cargo bench`): unoptimised build, numbers not meaningful");
        return;
    }
    for r in rows.iter().filter(|r| r.scenario == "hostile") {
        let max = r.m.percentile_ms(100.0);
        println!(
            "hostile {:<8}: slowest answer {max:.1} ms, {} of {} shed (503) ≤ {TARGET_HOSTILE_MS:.0} ms: {}",
            r.backend.name(),
            r.m.outcome.shed,
            r.m.requests(),
            if max < TARGET_HOSTILE_MS {
                "met"
            } else {
                "NOT met"
            }
        );
    }
    for r in rows.iter().filter(|r| r.scenario == "issue+hostile") {
        let p99 = r.m.percentile_ms(99.0);
        println!(
            "issue under hostile load {:<8}: p99 {p99:.1} ms ≤ {TARGET_HOSTILE_MS:.0} ms: {}",
            r.backend.name(),
            if p99 < TARGET_HOSTILE_MS {
                "met"
            } else {
                "NOT met"
            }
        );
    }
    for r in rows {
        let target = match (r.backend, r.scenario) {
            (Backend::Sqlite, "issue") => Some(TARGET_ISSUE_SQLITE),
            (_, "status") => Some(TARGET_STATUS),
            _ => None,
        };
        if let Some(t) = target {
            let got = r.m.ok_per_second();
            println!(
                "target {:<8} {:<6} c{:<3} ≥ {t:>5.0}/s: {got:>7.0}/s {}",
                r.backend.name(),
                r.scenario,
                r.concurrency,
                if got >= t { "met" } else { "NOT met" }
            );
        }
    }
}

fn main() {
    let plan = Plan::from_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "load: zhengku serve ({}), {}",
        env!("CARGO_BIN_EXE_zhengku"),
        match (plan.measure, plan.warmup) {
            (Limit::For(m), Limit::For(w)) =>
                format!("each scenario {w:?} warm-up then {m:?} measured"),
            (m, w) => format!("smoke run: warm-up {w:?}, measured {m:?} per scenario"),
        }
    );
    let mut rows = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if !plan.wants(backend) {
            continue;
        }
        if let Some(r) = run_backend(backend, &plan, &rt) {
            rows.extend(r);
        }
    }
    print_table(&rows, &plan);
    let errors: u64 = rows.iter().map(|r| r.m.outcome.errors).sum();
    for r in rows.iter().filter(|r| r.m.outcome.errors > 0) {
        eprintln!(
            "{} {} c{}: {} errors, e.g. {:?}",
            r.backend.name(),
            r.scenario,
            r.concurrency,
            r.m.outcome.errors,
            r.m.outcome.error_samples
        );
    }
    assert_eq!(errors, 0, "requests failed (above)");
    if rows.is_empty() && !plan.filter.is_empty() {
        println!("no backend matches {:?}: nothing run", plan.filter);
        return;
    }
    if !plan.full {
        assert!(!rows.is_empty(), "nothing ran");
        for r in &rows {
            assert!(
                r.m.outcome.ok > 0 && r.m.ok_per_second() > 0.0,
                "{} {} c{}: no throughput",
                r.backend.name(),
                r.scenario,
                r.concurrency
            );
        }
    }
}
