//! Forgery with a look-alike PKI: a second zhengku whose CAs, departments and seals carry
//! the same names and USCCs as the real ones, made with `zhengku pki` alone, issues a
//! licence through its own service. Nothing it makes may verify as 有效 against the real
//! library or with the real anchors:
//!
//! - `zhengku verify` without `--trust` exits 2 (无法核验) on the forged and on a genuine
//!   PDF: intact, but whose signature it is cannot be established;
//! - with the real library's bundle the forged PDF exits 1 and the genuine one 0;
//! - the real service answers not valid for the forged PDF, QR payload and seal signature;
//! - a licence signed with a self-signed certificate bearing the department's name and
//!   USCC (no chain at all) is 无效 at the service and offline.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::util::{Dir, SAMR, Serve, curl, issue_sample, repo_root};

/// A development key folder like keys-dev, made from nothing with `zhengku pki`: the same
/// departments, seal maker and seals by name and USCC, other keys, another root.
fn forged_keys_dev(d: &Dir) -> PathBuf {
    let root = d.path("forger");
    std::fs::create_dir_all(root.join("keys-dev")).unwrap();
    std::fs::copy(
        repo_root().join("keys-dev/departments.toml"),
        root.join("keys-dev/departments.toml"),
    )
    .unwrap();
    let z = |args: &[&str]| {
        // The development key store is `keys-dev/keys` under the working folder.
        let o = Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .current_dir(&root)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    z(&[
        "pki",
        "--dir",
        "keys-dev/pki",
        "init",
        "--crl-base-url",
        "http://127.0.0.1:9/pki",
    ]);
    for (alg, kind, name, uscc, label) in [
        (
            "sm2",
            "department",
            "杭州市西湖区市场监督管理局",
            SAMR,
            "dept-xihu-samr-sm2",
        ),
        (
            "p256",
            "department",
            "杭州市西湖区卫生健康局",
            "11330106MB1C234566",
            "dept-xihu-health-p256",
        ),
        (
            "sm2",
            "seal-maker",
            "浙江省电子印章制作中心",
            "12330000MB12345676",
            "seal-maker-sm2",
        ),
        (
            "sm2",
            "seal",
            "杭州市西湖区市场监督管理局证照专用章",
            SAMR,
            "seal-xihu-samr-sm2",
        ),
        (
            "p256",
            "seal",
            "杭州市西湖区卫生健康局证照专用章",
            "11330106MB1C234566",
            "seal-xihu-health-p256",
        ),
        // The library's operator and its copy seal, as keys-dev has them.
        (
            "sm2",
            "department",
            "浙江省大数据发展管理局",
            "11330000MB0D987650",
            "dept-library-sm2",
        ),
        (
            "sm2",
            "seal",
            "浙江省大数据发展管理局电子证照加注专用章",
            "11330000MB0D987650",
            "seal-library-sm2",
        ),
    ] {
        let out = format!("keys-dev/{label}.crt");
        z(&[
            "pki",
            "--dir",
            "keys-dev/pki",
            "issue",
            "--alg",
            alg,
            "--kind",
            kind,
            "--name",
            name,
            "--uscc",
            uscc,
            "--label",
            label,
            "--days",
            "365",
            "--out",
            &out,
        ]);
    }
    root.join("keys-dev")
}

/// `zhengku verify --json ARGS`: the exit code and the report.
fn offline(args: &[&str], input: &Path) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["verify", "--json"])
        .args(args)
        .arg(input)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v)
}

/// `POST /v1/verify` at `s` with `body` of `content_type`.
fn service_verdict(s: &Serve, content_type: &str, body: &str) -> Value {
    let r = curl(&[
        "-H",
        &format!("Content-Type: {content_type}"),
        "--data-binary",
        body,
        &format!("{}/v1/verify", s.base),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

/// The seal signature (SES_Signature, DER) inside a licence PDF.
fn ses_of(pdf: &[u8]) -> Vec<u8> {
    let parsed = zhengku_pdf::parse::parse_signed(pdf).unwrap();
    let sd = zhengku_pdf::cms::decode(&parsed.cms).unwrap();
    sd.signer.ses_signature().unwrap().unwrap()
}

#[test]
fn a_look_alike_pki_never_verifies() {
    let d = Dir::new();
    let real = Serve::start(&d.path("real"));
    let forged_dev = forged_keys_dev(&d);
    let forger = Serve::start_with(&d.path("forger-data"), &forged_dev);
    let (genuine, _, genuine_qr) = issue_sample(&real, &d, "genuine.pdf");
    let (forged, forged_id, forged_qr) = issue_sample(&forger, &d, "forged.pdf");

    // The real library's bundle: its anchors, CRLs, departments and statuses.
    let bundle = d.path("bundle");
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["bundle", "export", "--out"])
        .arg(&bundle)
        .arg("--database-url")
        .arg(format!("sqlite://{}", d.path("real/zhengku.db").display()))
        .arg("--trust")
        .arg(repo_root().join("keys-dev/pki"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let bundle_s = bundle.to_str().unwrap();

    // Without --trust: intact, issuer unverified, 无法核验, for both.
    for pdf in [&genuine, &forged] {
        let (code, v) = offline(&[], pdf);
        assert_eq!(code, Some(2), "{v:#}");
        assert_eq!(v["verdict"], "unverifiable", "{v:#}");
        let failed: Vec<&Value> = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == "failed")
            .collect();
        assert!(failed.is_empty(), "{failed:?}");
    }
    // The statuses known (the real library's list) but no anchor: still 无法核验, and for
    // that reason — the chains, not the status.
    let statuses = bundle.join("status.json");
    let (code, v) = offline(&["--trust", statuses.to_str().unwrap()], &genuine);
    assert_eq!(
        (code, &v["verdict"]),
        (Some(2), &json!("unverifiable")),
        "{v:#}"
    );
    for id in ["pdf_signer_chain", "issuer_chain", "status", "seal_status"] {
        let c = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id}: {v:#}"));
        let want = if id.ends_with("chain") {
            "unverifiable"
        } else {
            "passed"
        };
        assert_eq!(c["outcome"], want, "{id}: {v:#}");
    }
    let text = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .arg("verify")
        .arg(&forged)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("intact, but its issuer is unverified"),
        "{text:?}"
    );

    // With the real anchors and statuses: forged 无效 (1), genuine 有效 (0).
    let (code, v) = offline(&["--trust", bundle_s], &forged);
    assert_eq!((code, &v["verdict"]), (Some(1), &json!("invalid")), "{v:#}");
    let (code, v) = offline(&["--trust", bundle_s], &genuine);
    assert_eq!((code, &v["verdict"]), (Some(0), &json!("valid")), "{v:#}");
    // Even the real PKI folder alone (anchors, CRLs, the real departments' certificates)
    // and no statuses: the forged one fails, it is not merely unknown.
    let pki = repo_root().join("keys-dev/pki");
    let (code, v) = offline(&["--trust", pki.to_str().unwrap()], &forged);
    assert_eq!(code, Some(1), "{v:#}");

    // The real service: the forged PDF, QR payload and seal signature are not valid.
    let forged_bytes = std::fs::read(&forged).unwrap();
    let v = service_verdict(&real, "application/pdf", &format!("@{}", forged.display()));
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    let v = service_verdict(
        &real,
        "application/json",
        &json!({ "payload": forged_qr }).to_string(),
    );
    assert_ne!(v["verdict"], "valid", "{v:#}");
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    let ses = ses_of(&forged_bytes);
    let r = curl(&[
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &json!({ "signature": base64_encode(&ses) }).to_string(),
        &format!("{}/v1/verify/seal", real.base),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["verdict"], "invalid", "{r:?}");
    // The engine's report (the old `valid: false`): not the verdict valid.
    assert_ne!(r.json()["verdict"], "valid", "{r:?}");
    // The genuine ones are valid there.
    let v = service_verdict(&real, "application/pdf", &format!("@{}", genuine.display()));
    assert_eq!(v["verdict"], "valid", "{v:#}");
    let v = service_verdict(
        &real,
        "application/json",
        &json!({ "payload": genuine_qr }).to_string(),
    );
    assert_eq!(v["verdict"], "valid", "{v:#}");
    // The forger's own service vouches for its licence: that is worth nothing elsewhere.
    let v = service_verdict(
        &forger,
        "application/json",
        &json!({ "payload": forged_qr }).to_string(),
    );
    assert_eq!(v["verdict"], "valid", "the forger's library: {v:#}");
    assert!(!forged_id.is_empty());

    // A self-signed certificate with the department's name and USCC, no chain at all.
    let key = zhengku_crypto::PrivateKey::generate(zhengku_crypto::Algorithm::Sm2Sm3).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let cert = zhengku_pki::issue_certificate(
        &zhengku_pki::Issuer::SelfSigned(&key),
        key.public_key(),
        &zhengku_pki::CertificateParams {
            kind: zhengku_pki::CertKind::Department,
            subject: zhengku_pki::SubjectInfo::organisation(
                "杭州市西湖区市场监督管理局",
                zhengku_model::codes::Uscc::parse(SAMR).unwrap(),
            ),
            serial: zhengku_pki::Serial::random().unwrap(),
            not_before: now - time::Duration::days(1),
            not_after: now + time::Duration::days(365),
            crl_url: None,
        },
    )
    .unwrap();
    let cert_path = d.write(
        "self-signed.crt",
        pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &cert).unwrap(),
    );
    let mut record = zhengku_model::testing::sample_record();
    record.issued_at = zhengku_model::record::Timestamp::from_unix_seconds(
        u64::try_from(now.unix_timestamp() - 60).unwrap(),
    )
    .unwrap();
    let signed = zhengku_model::SignedLicence::sign(record, &key).unwrap();
    let payload = zhengku_qr::make_payload(&signed, &key).unwrap();
    let zkl = d.write("self-signed.zkl", signed.to_bytes());
    // Offline, the certificate given as a department's: its chain fails, 无效.
    for input in [zkl.clone(), d.write("self-signed.txt", &payload)] {
        let (code, v) = offline(
            &["--trust", bundle_s, "--trust", cert_path.to_str().unwrap()],
            &input,
        );
        assert_eq!((code, &v["verdict"]), (Some(1), &json!("invalid")), "{v:#}");
    }
    // The real service does not know the key, and knows the department: 无效.
    let v = service_verdict(
        &real,
        "application/octet-stream",
        &format!("@{}", zkl.display()),
    );
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    let v = service_verdict(
        &real,
        "application/json",
        &json!({ "payload": payload }).to_string(),
    );
    assert_eq!(v["verdict"], "invalid", "{v:#}");
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}
