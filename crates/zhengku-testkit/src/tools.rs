//! The one rule for tests that call a tool we did not write (openssl, zbarimg, qpdf,
//! pdftoppm, chromium, pyHanko, a CJK font): present, the check runs; missing, the check is
//! skipped with a note on standard error; missing under `CI=true`, the test fails, so CI
//! can never pass with a check skipped. `scripts/test.sh` installs every tool.

use std::path::PathBuf;
use std::process::Command;

use crate::in_ci;

/// zbarimg's arguments for reading the QR code off a rendered page: the raw text, quietly,
/// and QR codes only. A page scan has text and rules that zbar's 1-D decoders sometimes
/// take for a barcode (a stray `573069` was read once), which is not what is tested.
pub const ZBARIMG_QR_ONLY: [&str; 4] = ["--raw", "-q", "-Sdisable", "-Sqrcode.enable"];

/// Says that `what` is missing: under `CI=true` this panics (the test fails), otherwise it
/// notes on standard error which check is skipped.
///
/// # Panics
/// Under `CI=true`, always.
pub fn missing(what: &str, why: &str) {
    assert!(
        !in_ci(),
        "{what} is required under CI=true (scripts/test.sh installs it): {why}"
    );
    eprintln!("note: {what} is missing ({why}); skipping that check");
}

/// The path of `name` on `PATH`, or `None` after [`missing`] (which fails under CI).
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        missing(name, "not on PATH");
    }
    found
}

/// Whether `name` is on `PATH` ([`tool`]'s rule).
pub fn have(name: &str) -> bool {
    tool(name).is_some()
}

/// Whether `python3` can import `module` (installed from PyPI as `package`); [`missing`]'s
/// rule otherwise.
pub fn have_python_module(module: &str, package: &str) -> bool {
    let ok = which_python().is_some_and(|python| {
        Command::new(python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        missing(
            &format!("the Python module {module}"),
            &format!("pip install {package}"),
        );
    }
    ok
}

/// Runs a Python `script` with `args`; `Ok` when it exits 0 having printed exactly `ok`,
/// otherwise what it printed (the judge's reason). For checks written in Python against
/// libraries we did not write (pycose, python-cwt, pycddl, cbor2).
pub fn python_says_ok(script: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let python = which_python().ok_or_else(|| "python3 is missing".to_owned())?;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok" {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn which_python() -> Option<PathBuf> {
    tool("python3")
}

/// The OpenSSL CLI's SM3 of `data` (`openssl dgst -sm3`), or `None` when openssl is
/// missing ([`missing`]'s rule).
pub fn openssl_sm3(data: &[u8]) -> Option<Vec<u8>> {
    tool("openssl")?;
    let dir = tempfile::tempdir().ok()?;
    let f = dir.path().join("data.bin");
    std::fs::write(&f, data).ok()?;
    let out = Command::new("openssl")
        .args(["dgst", "-sm3", "-binary"])
        .arg(&f)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// Whether the OpenSSL CLI verifies the DER SM2 signature `signature` over `message` with
/// the key of the certificate `cert` (DER), distinguishing ID `1234567812345678` (`openssl
/// pkeyutl -verify -rawin -digest sm3`); `None` when openssl is missing.
pub fn openssl_sm2_verifies(cert: &[u8], message: &[u8], signature: &[u8]) -> Option<bool> {
    tool("openssl")?;
    let dir = tempfile::tempdir().ok()?;
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("c.der"), cert).ok()?;
    std::fs::write(p("m.bin"), message).ok()?;
    std::fs::write(p("s.der"), signature).ok()?;
    let key = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
        .arg(p("c.der"))
        .output()
        .ok()?;
    if !key.status.success() {
        return Some(false);
    }
    std::fs::write(p("c.pub"), &key.stdout).ok()?;
    let out = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-rawin", "-digest", "sm3"])
        .args(["-pkeyopt", "distid:1234567812345678", "-pubin", "-inkey"])
        .arg(p("c.pub"))
        .arg("-in")
        .arg(p("m.bin"))
        .arg("-sigfile")
        .arg(p("s.der"))
        .output()
        .ok()?;
    Some(out.status.success())
}
