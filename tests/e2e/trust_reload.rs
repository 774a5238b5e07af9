//! The service reads its trust folder again when a CRL changes (and at once on SIGHUP):
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

#[test]
fn a_revoked_department_certificate_stops_verifying_after_the_crl_changes() {
    let d = Dir::new();
    let trust = d.path("trust");
    copy_dir(&repo_root().join("keys-dev/pki"), &trust);
    let s = Serve::start_args(
        &d.path("data"),
        &repo_root().join("keys-dev"),
        &["--trust", trust.to_str().unwrap()],
    );
    let token = samr_key(&s, &["issue:*"]);
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

    // SIGHUP: read again at once.
    let ok = Command::new("kill")
        .args(["-HUP", &s.pid().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let v = loop {
        let v = verdict(&s, &payload);
        if v["verdict"] != "valid" || Instant::now() > deadline {
            break v;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
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
    // Revoked: no reason of the licence's own status is shown for what is not genuine.
    assert!(v["facts"]["status"]["reason"].is_null(), "{v:#}");
}
