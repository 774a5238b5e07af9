//! A seal revoked for key compromise takes every PDF it sealed with it: the real service,
//! `zhengku verify --online` and `zhengku verify` with a fresh bundle all say 无效 for a PDF
//! that was 有效 before. A suspended seal's earlier PDFs keep their force where the library
//! attests when they were sealed; a revoked seal makes no new PDFs.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::util::{Dir, Serve, curl, issue_with, post, repo_root, samr_key};

/// The market regulator's development seal, made at first start.
const SAMR_SEAL: &str = "3301060100000001";

fn export_bundle(d: &Dir, name: &str) -> String {
    let bundle = d.path(name);
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["bundle", "export", "--out"])
        .arg(&bundle)
        .arg("--database-url")
        .arg(format!("sqlite://{}", d.path("data/zhengku.db").display()))
        .arg("--trust")
        .arg(repo_root().join("keys-dev/pki"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    bundle.to_string_lossy().into_owned()
}

fn offline(bundle: &str, pdf: &Path) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["verify", "--json", "--trust", bundle])
        .arg(pdf)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
    )
}

/// `zhengku verify --online`: the development PKI, the statuses from the service.
fn online(s: &Serve, pdf: &Path) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["verify", "--json", "--online", &s.base, "--trust"])
        .arg(repo_root().join("keys-dev/pki"))
        .arg(pdf)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
    )
}

fn at_service(s: &Serve, pdf: &Path) -> Value {
    let r = curl(&[
        "-H",
        "Content-Type: application/pdf",
        "--data-binary",
        &format!("@{}", pdf.display()),
        &format!("{}/v1/verify", s.base),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

#[test]
fn a_seal_revoked_for_key_compromise_invalidates_its_pdfs() {
    let d = Dir::new();
    let s = Serve::start(&d.path("data"));
    let token = samr_key(&s, &["issue:*", "manage"]);
    let id = issue_with(&s, &token);
    let pdf = d.path("licence.pdf");
    let r = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-o",
        pdf.to_str().unwrap(),
        &format!("{}/v1/licences/{id}/pdf", s.base),
    ]);
    assert_eq!(r.status, 200, "{r:?}");

    // 有效, at the service, online, and offline with a fresh bundle.
    assert_eq!(at_service(&s, &pdf)["verdict"], "valid");
    let (code, v) = online(&s, &pdf);
    assert_eq!((code, &v["verdict"]), (Some(0), &json!("valid")), "{v:#}");
    let before = export_bundle(&d, "bundle-1");
    let (code, v) = offline(&before, &pdf);
    assert_eq!((code, &v["verdict"]), (Some(0), &json!("valid")), "{v:#}");

    // The seal is suspended a second later. The service recorded when it sealed this PDF
    // (before), so the PDF keeps its force there; online and offline nobody attests the
    // stamp's time, so the seal's current status decides.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r = post(
        &s,
        &token,
        &format!("/v1/seals/{SAMR_SEAL}/suspend"),
        &json!({"reason": "印章保管人变更"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let v = at_service(&s, &pdf);
    assert_eq!(v["verdict"], "valid", "{v:#}");
    let (code, v) = online(&s, &pdf);
    assert_eq!((code, &v["verdict"]), (Some(1), &json!("invalid")), "{v:#}");

    // The seal's key leaked: revoked with reason code key_compromise.
    let r = post(
        &s,
        &token,
        &format!("/v1/seals/{SAMR_SEAL}/revoke"),
        &json!({"reason": "印章私钥泄露", "reason_code": "key_compromise"}),
    );
    assert_eq!(r.status, 200, "{r:?}");

    // 无效 at the service, whenever the stamp was made ...
    let v = at_service(&s, &pdf);
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    let seal_check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "seal_status")
        .unwrap();
    assert_eq!(seal_check["outcome"], "failed");
    assert!(
        seal_check["detail"]
            .as_str()
            .unwrap()
            .contains("key compromise")
    );
    // ... online (the library's public seal status) ...
    let (code, v) = online(&s, &pdf);
    assert_eq!((code, &v["verdict"]), (Some(1), &json!("invalid")), "{v:#}");
    // ... and offline with a bundle exported after the revocation.
    let after = export_bundle(&d, "bundle-2");
    let (code, v) = offline(&after, &pdf);
    assert_eq!((code, &v["verdict"]), (Some(1), &json!("invalid")), "{v:#}");
    // The bundle from before still says what it knew then (a verifier must refresh it:
    // a day later it is stale).
    let (code, _) = offline(&before, &pdf);
    assert_eq!(code, Some(0));

    // With no active seal, no new PDF is sealed.
    let r = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        &format!("{}/v1/licences/{id}/pdf", s.base),
    ]);
    assert_eq!(r.status, 503, "{r:?}");
}
