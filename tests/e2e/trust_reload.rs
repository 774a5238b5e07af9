//! The service reads its trust folder again when a CRL changes (by itself within about
//! 10 s, and at once on SIGHUP):
//! a department certificate revoked by its CA stops verifying without a restart. The
//! revocation is judged now, against the newest CRL: the licence's claimed issue time,
//! before the revocation, does not rescue it.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{Dir, Serve, curl, issue_with, repo_root, samr_key};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn verdict(s: &Serve, payload: &str) -> Value {
    let r = curl(&[
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &json!({ "payload": payload }).to_string(),
        &format!("{}/v1/verify", s.base),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

/// A service reading a copy of the development CAs, a licence issued there (valid), and
/// then the CA's revocation of the issuing department's certificate written into the copy
/// as a new CRL. Returns the folder, the service, the issuer's token, the licence and its
/// QR payload.
fn revoked_after_issue() -> (Dir, Serve, String, String, String) {
    let d = Dir::new();
    let trust = d.path("trust");
    copy_dir(&repo_root().join("keys-dev/pki"), &trust);
    let s = Serve::start_args(
        &d.path("data"),
        &repo_root().join("keys-dev"),
        &["--trust", trust.to_str().unwrap()],
    );
    let token = samr_key(&s, &["issue:*", "manage"]);
    let id = issue_with(&s, &token);
    let r = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        &format!("{}/v1/licences/{id}/qr", s.base),
    ]);
    let payload = r.json()["payload"].as_str().unwrap().to_owned();
    assert_eq!(verdict(&s, &payload)["verdict"], "valid");

    // The CA revokes the department's licence-signing certificate: a new CRL in the copy
    // (the CA keys are the development ones, in keys-dev/keys under the repository).
    let state: Value =
        serde_json::from_slice(&std::fs::read(trust.join("sm2/state.json")).unwrap()).unwrap();
    let serial = state["issued"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key_label"] == "dept-xihu-samr-sm2")
        .unwrap()["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .current_dir(repo_root())
        .args(["pki", "--dir", trust.to_str().unwrap(), "revoke", &serial])
        .args(["--reason", "keyCompromise"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (d, s, token, id, payload)
}

/// Asks until the verdict is no longer valid, or `within` has passed.
fn verdict_after(s: &Serve, payload: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let v = verdict(s, payload);
        if v["verdict"] != "valid" || Instant::now() > deadline {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The CRL file changed: the service notices by itself (it looks every 10 s).
#[test]
fn a_changed_crl_is_read_again_without_a_signal() {
    let (_d, s, _, _, payload) = revoked_after_issue();
    let v = verdict_after(&s, &payload, Duration::from_secs(25));
    assert_eq!(v["verdict"], "invalid", "{v:#}");
}

/// SIGHUP: read again at once (well before the next look at the files).
#[test]
fn a_revoked_department_certificate_stops_verifying_after_sighup() {
    let (_d, s, token, id, payload) = revoked_after_issue();
    let ok = Command::new("kill")
        .args(["-HUP", &s.pid().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let v = verdict_after(&s, &payload, Duration::from_secs(2));
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    let chain = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "issuer_chain")
        .unwrap();
    assert_eq!(chain["outcome"], "failed", "{chain}");
    assert!(
        chain["detail"].as_str().unwrap().contains("revoked"),
        "{chain}"
    );
    // The licence is then suspended, with a reason: the status is public, the reason is
    // not shown for what is no longer genuine.
    let r = crate::util::post(
        &s,
        &token,
        &format!("/v1/licences/{id}/suspend"),
        &json!({"reason": "西市监处〔2026〕99号"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let v = verdict(&s, &payload);
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    assert_eq!(v["facts"]["status"]["status"], "suspended", "{v:#}");
    assert!(v["facts"]["status"]["reason"].is_null(), "{v:#}");
    assert!(!v.to_string().contains("99号"), "{v:#}");
}
