//! The verification web page, end to end, as a phone would meet it: the real
//! `zhengku serve --dev`, a licence issued through the API, its PDF fetched, the QR code
//! read off the rendered page by `zbarimg` (after `pdftoppm`), and that URL opened in
//! headless Chromium, which must show 有效; a tampered payload 无效; after revocation
//! 已撤销. `zhengku verify`, offline with only keys-dev/pki, checks the same PDF, the
//! page's picture (its QR code) and the department's seal. The upload form is driven with `curl` (multipart, as a browser sends it), and one
//! phone-size screenshot is taken (kept where `ZHENGKU_SCREENSHOT` points, for people).
//!
//! Chromium, pdftoppm and zbarimg missing: the test fails under `CI=true`, else skips with
//! a note.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::util::{Dir, Serve, curl, issue_with, repo_root, samr_key};

use crate::util::DEV_ADMIN as ADMIN;

use zhengku_testkit::tools::have;

/// Headless Chromium with a private profile and nothing reaching out on its own.
fn chromium(profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap()
}

/// The DOM Chromium builds for `url`.
fn dom(profile: &Path, url: &str) -> String {
    let out = chromium(profile, &["--dump-dom", url]);
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The verdict element's text and its `data-verdict`.
fn verdict(dom: &str) -> (String, String) {
    let at = dom
        .find("id=\"verdict\"")
        .unwrap_or_else(|| panic!("no verdict on the page:\n{dom}"));
    let data = dom[at..]
        .split("data-verdict=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let word = dom[at..]
        .split("<div class=\"word\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    (word, data)
}

#[test]
fn qr_url_opens_the_verification_page_in_chromium() {
    if !["chromium", "pdftoppm", "zbarimg"].iter().all(|t| have(t)) {
        return;
    }
    let d = Dir::new();
    let server = Serve::start(&d.path("data"));
    let profile = d.path("chromium-profile");
    let base = &server.base;

    // An issuing key and a licence, through the API.
    let token = samr_key(&server, &["issue:*", "manage"]);
    let auth = format!("Authorization: Bearer {token}");
    let id = issue_with(&server, &token);
    let r = curl(&["-H", &auth, &format!("{base}/v1/licences/{id}")]);
    assert_eq!(r.status, 200, "{r:?}");
    let issue_date = r.json()["issue_date"].as_str().unwrap().to_owned();

    // The PDF, its page rendered and its QR code read as a phone camera would.
    let pdf = d.path("licence.pdf");
    let r = curl(&[
        "-H",
        &auth,
        "-o",
        pdf.to_str().unwrap(),
        &format!("{base}/v1/licences/{id}/pdf"),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    let page = d.path("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = Command::new("zbarimg")
        .args(zhengku_testkit::tools::ZBARIMG_QR_ONLY)
        .arg(page.with_extension("png"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        url.starts_with(&format!("{}/V/ZK1:", base.to_ascii_uppercase())),
        "{url}"
    );

    // The page: 有效, with the licence's facts and the seal picture.
    let valid = dom(&profile, &url);
    assert_eq!(
        verdict(&valid),
        ("有效".to_owned(), "valid".to_owned()),
        "{valid}"
    );
    assert!(valid.contains("营业执照"), "{valid}");
    assert!(valid.contains(&id), "{valid}");
    assert!(valid.contains("杭州市西湖区市场监督管理局"), "{valid}");
    assert!(valid.contains("/picture"), "seal picture: {valid}");
    assert!(valid.contains("校验明细"), "{valid}");
    assert!(!valid.contains("<script"), "{valid}");
    // The licence's issue date (发证日期), carried in the QR code, not the signing time.
    let shown = valid
        .split("<dt>发证日期</dt><dd>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no 发证日期 row: {valid}"));
    assert_eq!(shown, issue_date);
    // The same through the lowercase courtesy path.
    let lower = url.replacen("/V/", "/v/", 1);
    assert_eq!(verdict(&dom(&profile, &lower)).1, "valid");

    // A phone-size screenshot, for people to look at.
    let shot = d.path("verify-page.png");
    let out = chromium(
        &profile,
        &[
            "--window-size=390,844",
            "--hide-scrollbars",
            &format!("--screenshot={}", shot.display()),
            &url,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "no screenshot");
    if let Ok(keep) = std::env::var("ZHENGKU_SCREENSHOT") {
        std::fs::write(keep, &png).unwrap();
    }

    // Offline, as an auditor would: `zhengku verify` with a verifier bundle exported from
    // the library's database (anchors, intermediates, CRLs, the departments' certificates,
    // the licences' and seals' statuses), no server, on the same PDF, on the page's picture
    // (the QR code decoded in Rust) and on the seal.
    let bundle = d.path("bundle");
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
    let offline = |input: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .args(["verify", "--json", "--trust"])
            .arg(&bundle)
            .arg(input)
            .output()
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
        (out.status.code(), v)
    };
    let (code, v) = offline(&pdf);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["kind"], "pdf", "{v:#}");
    assert_eq!(v["facts"]["identifier"], id.as_str(), "{v:#}");
    for check in [
        "cms_signature",
        "pdf_signer_chain",
        "record_signature",
        "ses_signature",
    ] {
        let c = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == check);
        assert_eq!(
            c.map(|c| &c["outcome"]),
            Some(&json!("passed")),
            "{check}: {v:#}"
        );
    }
    // Only the SM2 root and the status list, no department certificates: the PDF carries
    // its issuer's certificate and the issuing CA's, so a verifier elsewhere needs nothing
    // but the anchor (and CRLs, and statuses).
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["verify", "--json", "--trust"])
        .arg(repo_root().join("keys-dev/pki/sm2/root.crt"))
        .arg("--trust")
        .arg(repo_root().join("keys-dev/pki/sm2/root.crl"))
        .arg("--trust")
        .arg(repo_root().join("keys-dev/pki/sm2/issuing.crl"))
        .arg("--trust")
        .arg(bundle.join("status.json"))
        .arg(&pdf)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(v["verdict"], "valid", "{v:#}");
    // Without the status list: intact, but 无法核验 (2).
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["verify", "--json", "--trust"])
        .arg(repo_root().join("keys-dev/pki"))
        .arg(&pdf)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(2), "{v:#}");
    assert_eq!(v["verdict"], "unverifiable", "{v:#}");
    let (code, v) = offline(&page.with_extension("png"));
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["kind"], "qr", "{v:#}");
    assert_eq!(v["facts"]["identifier"], id.as_str(), "{v:#}");
    // The department's seal: the dev seals are made at first start, the market regulator's
    // first (esID <area><type 01><sequence>).
    let esl = d.path("seal.esl");
    let r = curl(&[
        "-H",
        &format!("Authorization: Bearer {ADMIN}"),
        "-o",
        esl.to_str().unwrap(),
        &format!("{base}/v1/seals/3301060100000001/esl"),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    let (code, v) = offline(&esl);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["kind"], "seal", "{v:#}");
    // One changed byte inside the signed range: invalid, exit 1.
    let mut bytes = std::fs::read(&pdf).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x20;
    let bad_pdf = d.path("tampered.pdf");
    std::fs::write(&bad_pdf, &bytes).unwrap();
    let (code, v) = offline(&bad_pdf);
    assert_eq!((code, &v["verdict"]), (Some(1), &json!("invalid")), "{v:#}");

    // A tampered payload: one character of the signed part changed.
    let cut = url.find("ZK1:").unwrap() + 4 + (url.len() - url.find("ZK1:").unwrap() - 4) / 2;
    let mut tampered: Vec<char> = url.chars().collect();
    let c = tampered[cut];
    tampered[cut] = if c == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let bad = dom(&profile, &tampered);
    assert_eq!(verdict(&bad), ("无效".to_owned(), "invalid".to_owned()));
    assert!(!bad.contains("/picture"), "no seal beside 无效: {bad}");
    // Garbage after /V/: 无效, with the reason.
    let garbage = dom(&profile, &format!("{base}/V/%3Cb%3Ehello%3C%2Fb%3E"));
    assert_eq!(verdict(&garbage).1, "invalid");
    assert!(!garbage.contains("<b>hello"), "not escaped: {garbage}");

    // The upload form, and a PDF sent through it as a browser would.
    let form = dom(&profile, &format!("{base}/verify"));
    assert!(form.contains("enctype=\"multipart/form-data\""), "{form}");
    let r = curl(&[
        "-F",
        &format!("pdf=@{};type=application/pdf", pdf.display()),
        &format!("{base}/verify"),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("data-verdict=\"valid\""), "{}", r.body);
    assert!(
        r.header("content-security-policy")
            .is_some_and(|c| !c.contains("script") && c.contains("default-src 'none'")),
        "{r:?}"
    );
    let r = curl(&[
        "--data-urlencode",
        &format!("payload={url}"),
        &format!("{base}/verify"),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("data-verdict=\"valid\""), "{}", r.body);
    // An OFD sealed elsewhere (ofdrw's fixture), through the same form: read as an OFD, its
    // protected files checked, and not 有效 under a CA this library does not trust.
    assert!(form.contains(".ofd"), "{form}");
    let ofd = repo_root().join("crates/zhengku-ofd/tests/fixtures/allprotected.ofd");
    let r = curl(&[
        "-F",
        &format!("pdf=@{};type=application/ofd", ofd.display()),
        &format!("{base}/verify"),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.body.contains("data-check=\"ofd_references\""),
        "{}",
        r.body
    );
    assert!(!r.body.contains("data-verdict=\"valid\""), "{}", r.body);

    // Revoked: the same QR URL now shows 已撤销.
    let r = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &json!({"reason": "西市监处〔2024〕12号"}).to_string(),
        &format!("{base}/v1/licences/{id}/revoke"),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    let revoked = dom(&profile, &url);
    assert_eq!(
        verdict(&revoked),
        ("已撤销".to_owned(), "revoked".to_owned()),
        "{revoked}"
    );
    assert!(revoked.contains("西市监处〔2024〕12号"), "{revoked}");
}
