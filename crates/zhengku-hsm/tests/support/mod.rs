//! Test helpers: a SoftHSM2 token in a temporary folder, made with `hsm/init-token.sh`, and a
//! way to run each test in its own process against its own token.
//!
//! Why a process per test: SoftHSM2 reads `SOFTHSM2_CONF` (which token folder) once, at
//! C_Initialize, and a PKCS#11 login is shared by the whole process. Tests in one process
//! would share one token and one login — a wrong-PIN test would find the token already
//! logged in. So [`in_own_process`] creates a token, re-runs the current test binary for just
//! the calling test with `SOFTHSM2_CONF` pointing at it, and deletes the folder afterwards.
//! (rust-cryptoki's tests initialise a token in a temp folder the same way, through an
//! environment variable; we add the process so tests can run in parallel.)

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use zhengku_hsm::{PinSource, Pkcs11Config, Pkcs11KeyStore};

/// Label of the token every test gets.
pub const TOKEN: &str = "zhengku-test";
/// Its PINs; distinctive so that a test can search output for them.
pub const SO_PIN: &str = "so-pin-4821";
pub const USER_PIN: &str = "user-pin-7395";
/// The environment variable through which tests hand the user PIN to the store.
pub const PIN_VAR: &str = "ZHENGKU_TEST_HSM_PIN";

/// Set in the child process: the folder of its token.
const CHILD_VAR: &str = "ZHENGKU_HSM_TEST_TOKEN_DIR";
const CHILD_DONE: &str = "zhengku-hsm test child finished";

/// The PKCS#11 module: `ZHENGKU_PKCS11_MODULE`, or where Debian's `softhsm2` package puts it.
pub fn module_path() -> PathBuf {
    let path = std::env::var_os("ZHENGKU_PKCS11_MODULE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"));
    assert!(
        path.is_file(),
        "PKCS#11 module {} not found: install softhsm2 (scripts/test.sh does) or set \
         ZHENGKU_PKCS11_MODULE",
        path.display()
    );
    path
}

/// A token folder made by `hsm/init-token.sh`; deleted on drop.
pub struct TokenDir {
    dir: tempfile::TempDir,
    conf: PathBuf,
}

impl TokenDir {
    /// Runs the script to create a token labelled [`TOKEN`] and checks what it printed.
    pub fn create() -> TokenDir {
        let dir = tempfile::Builder::new()
            .prefix("zhengku-softhsm-")
            .tempdir()
            .unwrap();
        let conf = init_token(dir.path(), TOKEN);
        TokenDir { dir, conf }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn conf(&self) -> &Path {
        &self.conf
    }
}

/// Runs `hsm/init-token.sh DIR LABEL SO_PIN USER_PIN` and returns the SOFTHSM2_CONF it
/// announces, after checking that file and the token folder exist.
pub fn init_token(dir: &Path, label: &str) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hsm/init-token.sh");
    let out = Command::new("bash")
        .arg(&script)
        .args([
            dir.as_os_str(),
            label.as_ref(),
            SO_PIN.as_ref(),
            USER_PIN.as_ref(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{} failed: {}\n{stdout}\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // The script prints exactly one line, the export to use (shell-quoted; our temp paths
    // need no quoting).
    let conf = stdout
        .trim_end()
        .strip_prefix("export SOFTHSM2_CONF=")
        .unwrap_or_else(|| panic!("unexpected output from init-token.sh: {stdout:?}"));
    let conf = PathBuf::from(conf);
    assert_eq!(conf, dir.canonicalize().unwrap().join("softhsm2.conf"));
    let text = std::fs::read_to_string(&conf).unwrap();
    let tokens = dir.canonicalize().unwrap().join("tokens");
    assert!(
        text.lines()
            .any(|l| l == format!("directories.tokendir = {}", tokens.display())),
        "{text}"
    );
    assert!(
        std::fs::read_dir(&tokens).unwrap().next().is_some(),
        "no token written to {}",
        tokens.display()
    );
    conf
}

/// What a test body running in its own process gets.
pub struct Fixture {
    pub dir: PathBuf,
}

impl Fixture {
    /// A configuration for the fixture's token, PIN from [`PIN_VAR`].
    pub fn config(&self) -> Pkcs11Config {
        Pkcs11Config::new(module_path(), TOKEN, PinSource::env(PIN_VAR))
    }

    /// Opens the store with [`Fixture::config`].
    pub fn open(&self) -> Pkcs11KeyStore {
        Pkcs11KeyStore::open(&self.config()).unwrap()
    }
}

/// Runs `body` in a fresh process of this test binary, with its own SoftHSM2 token.
///
/// Call it as the whole body of a `#[test]`: in the parent it creates the token and starts
/// the child; in the child (recognised by an environment variable) it runs `body`.
pub fn in_own_process(body: impl FnOnce(&Fixture)) {
    in_own_process_with_tokens(&[], body)
}

/// As [`in_own_process`], with more tokens (labelled `extra`) in the same folder.
pub fn in_own_process_with_tokens(extra: &[&str], body: impl FnOnce(&Fixture)) {
    if let Some(dir) = std::env::var_os(CHILD_VAR) {
        body(&Fixture { dir: dir.into() });
        println!("{CHILD_DONE}");
        return;
    }
    // libtest runs each test on a thread named after it.
    let name = std::thread::current()
        .name()
        .expect("in_own_process must be called from a #[test] thread")
        .to_owned();
    let token = TokenDir::create();
    for label in extra {
        init_token(token.path(), label);
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([&name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, token.path())
        .env("SOFTHSM2_CONF", token.conf())
        .env(PIN_VAR, USER_PIN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains(CHILD_DONE),
        "test {name} failed in its child process ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    drop(token);
}
