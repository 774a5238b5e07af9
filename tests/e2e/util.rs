//! Helpers: a temporary folder per test, running `zhengku` and `openssl`, and a
//! development service on a free port.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A test's own folder, removed when the test ends.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn write(&self, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// `zhengku seal make` with the development seal maker for `alg`, holder the market
    /// regulator's seal certificate, picture `seal.svg` in this folder: the market
    /// regulator's 证照专用章 with esID `esid`, written to `out`.
    pub fn make_dev_seal(&self, alg: &str, esid: &str, out: &str) -> Run {
        let k = |name: &str| {
            repo_root()
                .join("keys-dev")
                .join(name)
                .to_string_lossy()
                .into_owned()
        };
        self.zhengku(&[
            "seal",
            "make",
            "--maker-key",
            &k(&format!("keys/seal-maker-{alg}.key")),
            "--maker-cert",
            &k(&format!("seal-maker-{alg}.crt")),
            "--holder-cert",
            &k(&format!("seal-xihu-samr-{alg}.crt")),
            "--picture",
            "seal.svg",
            "--name",
            "杭州市西湖区市场监督管理局证照专用章",
            "--esid",
            esid,
            "--out",
            out,
        ])
    }

    /// Runs `zhengku` with `args` in this folder.
    pub fn zhengku(&self, args: &[&str]) -> Run {
        run(Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .args(args)
            .current_dir(self.tmp.path()))
    }

    /// Runs `openssl` with `args` in this folder.
    pub fn openssl(&self, args: &[&str]) -> Run {
        run(Command::new("openssl")
            .args(args)
            .current_dir(self.tmp.path()))
    }

    /// `zhengku keygen --alg ALG --out k.pem --pub-out p.pem`, replacing earlier ones.
    pub fn keygen(&self, alg: &str) {
        self.keygen_to(alg, "k.pem", "p.pem");
    }

    /// `zhengku keygen --alg ALG --out KEY --pub-out PUBLIC`, replacing earlier ones.
    pub fn keygen_to(&self, alg: &str, key: &str, public: &str) {
        let args = [
            "keygen",
            "--alg",
            alg,
            "--out",
            key,
            "--pub-out",
            public,
            "--force",
        ];
        self.zhengku(&args).expect(0);
    }

    /// `zhengku sig verify --pub PUBLIC --in DOC --sig SIG`.
    pub fn sig_verify(&self, public: &str, doc: &str, sig: &str) -> Run {
        self.zhengku(&["sig", "verify", "--pub", public, "--in", doc, "--sig", sig])
    }

    /// `zhengku sig sign --key KEY --in DOC --out SIG`, which must succeed.
    pub fn sig_sign(&self, key: &str, doc: &str, sig: &str) {
        self.zhengku(&["sig", "sign", "--key", key, "--in", doc, "--out", sig])
            .expect(0);
    }

    /// An OpenSSL EC key pair on `curve` as `NAME.key` and `NAME.pub`.
    pub fn openssl_ec_key(&self, curve: &str, name: &str) {
        let (key, public) = (format!("{name}.key"), format!("{name}.pub"));
        let curve = format!("ec_paramgen_curve:{curve}");
        self.openssl_ok(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &curve,
            "-out",
            &key,
        ]);
        self.openssl_ok(&["pkey", "-in", &key, "-pubout", "-out", &public]);
    }

    /// Runs `openssl`, failing the test unless it succeeds.
    pub fn openssl_ok(&self, args: &[&str]) -> Run {
        let r = self.openssl(args);
        assert_eq!(r.code, 0, "openssl {args:?} failed: {}", r.stderr);
        r
    }
}

/// A finished process.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit {} (wanted {code})\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// The repository root (for templates and sample files).
#[allow(dead_code)]
pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// An HTTP answer as the `curl` command-line tool received it.
pub struct Http {
    pub status: u16,
    /// The final response's headers (after any `100 Continue`), names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Http {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, failing the test (showing the body) when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!("HTTP {} body is not JSON ({e}): {}", self.status, self.body)
        })
    }
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        for (n, v) in &self.headers {
            write!(f, "\n{n}: {v}")?;
        }
        write!(f, "\n\n{}", self.body)
    }
}

/// Runs the real `curl` command-line tool, as a user following README would:
/// `curl -sS -w '\n%{http_code}' -D <headers> ARGS`. Fails the test when curl cannot reach
/// the server; [`try_curl`] returns that as an error instead.
pub fn curl(args: &[&str]) -> Http {
    try_curl(args).unwrap_or_else(|e| panic!("{e}"))
}

/// [`curl`], with a transfer failure (connection refused, timeout) as `Err`. A missing
/// `curl` still fails the test, saying so.
pub fn try_curl(args: &[&str]) -> Result<Http, String> {
    let headers = tempfile::NamedTempFile::new().unwrap();
    let output = match Command::new("curl")
        .args(["-sS", "-w", "\\n%{http_code}", "--max-time", "30"])
        // No `Expect: 100-continue` dance for larger bodies: one request, one answer.
        .args(["-H", "Expect:", "-D"])
        .arg(headers.path())
        .args(args)
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "the `curl` command-line tool is not installed: these tests drive the service \
             with the real curl, as README's users do (`bash scripts/test.sh` installs it, \
             or: apt-get install curl)"
        ),
        Err(e) => panic!("cannot run curl: {e}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "curl {args:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let (body, code) = stdout
        .rsplit_once('\n')
        .ok_or_else(|| format!("curl {args:?}: no status line in {stdout:?}"))?;
    let status = code
        .trim()
        .parse()
        .map_err(|_| format!("curl {args:?}: status {code:?} is not a number"))?;
    // Several header blocks when an interim (1xx) response came first: keep the last.
    let raw = std::fs::read_to_string(headers.path()).unwrap_or_default();
    let block = raw
        .split("\r\n\r\n")
        .filter(|b| b.trim_start().starts_with("HTTP/"))
        .last()
        .unwrap_or_default();
    let headers = block
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Http {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// The bootstrap administrator token [`Serve`] starts the service with.
pub const DEV_ADMIN: &str = "verify-web-admin-token-0123456789";

/// `zhengku serve --dev` on a free port, killed when dropped.
pub struct Serve {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Serve {
    /// With the repository's keys-dev.
    pub fn start(data: &Path) -> Serve {
        Serve::start_with(data, &repo_root().join("keys-dev"))
    }

    /// With another development key folder (keys, certificates, `pki/`, as keys-dev).
    pub fn start_with(data: &Path, keys_dev: &Path) -> Serve {
        Serve::start_args(data, keys_dev, &[])
    }

    /// With another key folder and more arguments for `zhengku serve`.
    pub fn start_args(data: &Path, keys_dev: &Path, extra: &[&str]) -> Serve {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let root = repo_root();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zhengku"));
        cmd.current_dir(root)
            .args(["serve", "--dev", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data)
            .arg("--templates")
            .arg(root.join("templates"))
            .arg("--keys-dev")
            .arg(keys_dev)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("ZHENGKU_") {
                cmd.env_remove(name);
            }
        }
        cmd.env("ZHENGKU_BOOTSTRAP_TOKEN", DEV_ADMIN)
            .env("RUST_LOG", "warn");
        let mut child = cmd.spawn().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                panic!("zhengku serve exited ({status}): {err}");
            }
            if try_curl(&["--max-time", "2", &format!("{base}/readyz")])
                .is_ok_and(|r| r.status == 200)
            {
                break;
            }
            assert!(Instant::now() < deadline, "zhengku serve not ready in 60 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Serve { child, base }
    }
}

impl Serve {
    /// The process id (to send it signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs `body` as JSON to `path` at `s` with the bearer `token`.
pub fn post(s: &Serve, token: &str, path: &str, body: &serde_json::Value) -> Http {
    curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &body.to_string(),
        &format!("{}{path}", s.base),
    ])
}

/// GETs `path` at `s` with the bearer `token`.
pub fn get(s: &Serve, token: &str, path: &str) -> Http {
    curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        &format!("{}{path}", s.base),
    ])
}

/// The market regulator's USCC (its development key signs with SM2).
pub const SAMR: &str = "11330106MB0B12345L";

/// A new API key of the market regulator with `scopes`, made with the bootstrap token;
/// returns its bearer token.
pub fn samr_key(s: &Serve, scopes: &[&str]) -> String {
    dept_key(s, SAMR, scopes)
}

/// A new API key of department `uscc` with `scopes`, made with the bootstrap token.
pub fn dept_key(s: &Serve, uscc: &str, scopes: &[&str]) -> String {
    let r = curl(&[
        "-H",
        &format!("Authorization: Bearer {DEV_ADMIN}"),
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &serde_json::json!({"name": "issuer", "department_uscc": uscc, "scopes": scopes})
            .to_string(),
        &format!("{}/v1/api-keys", s.base),
    ]);
    assert_eq!(r.status, 201, "{r:?}");
    r.json()["token"].as_str().unwrap().to_owned()
}

/// Issues the sample business licence with `token`; returns its identifier.
pub fn issue_with(s: &Serve, token: &str) -> String {
    let request = repo_root().join("templates/business-licence/example-request.json");
    let r = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &format!("@{}", request.display()),
        &format!("{}/v1/licences", s.base),
    ]);
    assert_eq!(r.status, 201, "{r:?}");
    r.json()["identifier"].as_str().unwrap().to_owned()
}

/// Issues the sample business licence as the market regulator (SM2) at `s` and fetches
/// its PDF (to `file`); returns the PDF's path, the identifier and the QR payload.
pub fn issue_sample(s: &Serve, d: &Dir, file: &str) -> (PathBuf, String, String) {
    let token = samr_key(s, &["issue:*", "manage"]);
    let id = issue_with(s, &token);
    let auth = format!("Authorization: Bearer {token}");
    let base = &s.base;
    let pdf = d.path(file);
    let r = curl(&[
        "-H",
        &auth,
        "-o",
        pdf.to_str().unwrap(),
        &format!("{base}/v1/licences/{id}/pdf"),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    let r = curl(&["-H", &auth, &format!("{base}/v1/licences/{id}/qr")]);
    assert_eq!(r.status, 200, "{r:?}");
    let payload = r.json()["payload"].as_str().unwrap().to_owned();
    (pdf, id, payload)
}

/// A fresh SoftHSM2 token `label` in `d/token` (by `hsm/init-token.sh`, SO PIN `so-1111`,
/// user PIN `user-2222`) and a production key store configuration for it, `d/hsm.toml`,
/// reading the PIN from `ZK_TEST_PIN`. Returns the `SOFTHSM2_CONF` path and the
/// configuration's path.
pub fn softhsm_token(d: &Dir, label: &str) -> (PathBuf, PathBuf) {
    let out = Command::new("bash")
        .arg(repo_root().join("hsm/init-token.sh"))
        .args([
            d.path("token").to_str().unwrap(),
            label,
            "so-1111",
            "user-2222",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hsm = d.write(
        "hsm.toml",
        format!(
            "mode = \"production\"\nkind = \"pkcs11\"\nmodule = \"/usr/lib/softhsm/libsofthsm2.so\"\ntoken = \"{label}\"\npin = {{ env = \"ZK_TEST_PIN\" }}\n"
        ),
    );
    (d.path("token/softhsm2.conf"), hsm)
}
