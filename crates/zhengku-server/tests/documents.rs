//! Licence documents over HTTP, judged by tools we did not write: licences of the three
//! shipped types issued through the API come back as PDFs that `qpdf --check` accepts,
//! whose text `pdftotext` extracts (title and holder in Chinese), whose QR code
//! `pdftoppm` + `zbarimg` read as the same text the API reports and the `qr.png` image
//! holds; `POST /v1/verify` finds them valid, finds a PDF with one byte changed inside the
//! ByteRange invalid, and reports a revoked licence as revoked; pyHanko validates the P-256
//! (卫生健康局) PDF against the development P-256 root.
//!
//! A missing tool fails the test under `CI=true`, and skips it with a note otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// Uses part of the shared harness.
#[allow(dead_code)]
mod util;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use util::{HEALTH, SAMR, Server};

/// The licence types, their issuing department, title and holder name as printed.
const TYPES: [(&str, &str, &str, &str); 3] = [
    (
        "business-licence",
        SAMR,
        "营业执照",
        "杭州证库示例科技有限公司",
    ),
    (
        "food-business-permit",
        SAMR,
        "食品经营许可证",
        "杭州证库示例餐饮管理有限公司",
    ),
    ("senior-citizen-card", HEALTH, "老年人优待证", "王秀英"),
];

use zhengku_testkit::tools::have;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text zbarimg reads from an image (exactly one symbol expected).
fn zbar(image: &Path) -> String {
    let text = run(Command::new("zbarimg")
        .args(zhengku_testkit::tools::ZBARIMG_QR_ONLY)
        .arg(image));
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1, "one QR code expected: {text}");
    lines[0].to_owned()
}

fn request(kind: &str) -> Value {
    let text = std::fs::read_to_string(
        util::repo_root()
            .join("templates")
            .join(kind)
            .join("example-request.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn failed(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "failed")
        .map(|c| format!("{}: {}", c["id"], c["detail"]))
        .collect()
}

/// The `[a b c d]` of the signature's /ByteRange.
fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("/ByteRange").unwrap();
    let open = at + text[at..].find('[').unwrap();
    let close = open + text[open..].find(']').unwrap();
    let n: Vec<usize> = text[open + 1..close]
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    [n[0], n[1], n[2], n[3]]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdfs_and_qr_codes_checked_by_outside_tools() {
    let tools = ["qpdf", "pdftotext", "pdftoppm", "zbarimg", "pyhanko"];
    if !tools.iter().all(|t| have(t)) {
        return;
    }
    util::on_both(documents_checked).await;
}

/// The whole walk, on one server (SQLite, then PostgreSQL).
async fn documents_checked(s: Server) {
    let dir = tempfile::tempdir().unwrap();
    let samr = s.key(Some(SAMR), &["issue:*", "manage"]).await;
    let health = s.key(Some(HEALTH), &["issue:*", "manage"]).await;
    let reuser = s.key(Some(HEALTH), &["reuse"]).await;
    for (kind, department, title, holder) in TYPES {
        let token = if department == SAMR { &samr } else { &health };
        let r = s.post("/v1/licences", Some(token), &request(kind)).await;
        assert_eq!(r.status, 201, "{kind}: {}", r.body);
        let id = r.body["identifier"].as_str().unwrap().to_owned();
        let base = format!("/v1/licences/{id}");

        // The QR text the API reports: the URL form under the public base URL.
        let q = s.get(&format!("{base}/qr"), Some(token)).await;
        assert_eq!(q.status, 200, "{}", q.body);
        let qr_text = q.body["text"].as_str().unwrap().to_owned();
        assert!(
            qr_text.starts_with("HTTP://127.0.0.1:8080/V/ZK1:"),
            "{qr_text}"
        );
        assert!(q.body["version"].as_u64().unwrap() <= 17, "{}", q.body);
        eprintln!(
            "{kind}: QR {} characters, version {}",
            qr_text.len(),
            q.body["version"]
        );

        // The PDF, twice: the QR code and the visible text do not change between requests.
        let (status, ct, pdf) = s.get_bytes(&format!("{base}/pdf"), Some(token)).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
        assert_eq!(ct, "application/pdf");
        eprintln!("{kind}: PDF {} bytes", pdf.len());
        let pdf_path = dir.path().join(format!("{kind}.pdf"));
        std::fs::write(&pdf_path, &pdf).unwrap();
        run(Command::new("qpdf").arg("--check").arg(&pdf_path));
        let text = run(Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&pdf_path)
            .arg("-"));
        // Titles are letter-spaced on the page (营 业 执 照): compare without white space.
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            compact.contains(title),
            "{kind}: title missing from\n{text}"
        );
        assert!(
            compact.contains(holder),
            "{kind}: holder missing from\n{text}"
        );

        // zbarimg reads the same text from the rendered page and from qr.png.
        let prefix = dir.path().join(format!("{kind}-page"));
        run(Command::new("pdftoppm")
            .args(["-r", "150", "-png", "-singlefile"])
            .arg(&pdf_path)
            .arg(&prefix));
        let from_pdf = zbar(&prefix.with_extension("png"));
        assert_eq!(from_pdf, qr_text, "{kind}: QR code in the PDF");
        let (status, ct, png) = s.get_bytes(&format!("{base}/qr.png"), Some(token)).await;
        assert_eq!((status, ct.as_str()), (200, "image/png"));
        let png_path = dir.path().join(format!("{kind}-qr.png"));
        std::fs::write(&png_path, &png).unwrap();
        assert_eq!(zbar(&png_path), qr_text, "{kind}: qr.png");
        let (status, ct, svg) = s.get_bytes(&format!("{base}/qr.svg"), Some(token)).await;
        assert_eq!((status, ct.as_str()), (200, "image/svg+xml"));
        assert!(String::from_utf8(svg).unwrap().starts_with("<svg"));

        let (_, _, again) = s.get_bytes(&format!("{base}/pdf"), Some(token)).await;
        let again_path = dir.path().join(format!("{kind}-again.pdf"));
        std::fs::write(&again_path, &again).unwrap();
        let text_again = run(Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&again_path)
            .arg("-"));
        assert_eq!(
            text_again, text,
            "{kind}: the page changed between requests"
        );

        // Our verifier: the PDF and the QR text are valid.
        let v = s.verify_file("application/pdf", pdf.clone()).await;
        assert_eq!(v["verdict"], "valid", "{kind}: {:?}\n{v:#}", failed(&v));
        assert_eq!(v["kind"], "pdf");
        assert_eq!(v["facts"]["identifier"], id.as_str());
        assert_eq!(v["facts"]["status"]["status"], "valid", "{v:#}");
        let v = s
            .post("/v1/verify", None, &json!({"payload": qr_text}))
            .await;
        assert_eq!(v.status, 200);
        assert_eq!(v.body["verdict"], "valid", "{:?}", failed(&v.body));
        assert_eq!(v.body["kind"], "qr");
        serde_json::from_value::<zhengku_server::routes::verify::LicenceVerification>(
            v.body.clone(),
        )
        .expect("the report has the documented shape");

        // The OFD: the same face, sealed by the department (SM2 only); the engine says 有效.
        let (status, ct, ofd) = s.get_bytes(&format!("{base}/ofd"), Some(token)).await;
        let ofd = if department == SAMR {
            assert_eq!(
                (status, ct.as_str()),
                (200, "application/ofd"),
                "{}",
                String::from_utf8_lossy(&ofd)
            );
            eprintln!("{kind}: OFD {} bytes", ofd.len());
            let v = s.verify_file("application/ofd", ofd.clone()).await;
            assert_eq!(v["verdict"], "valid", "{kind}: {:?}\n{v:#}", failed(&v));
            assert_eq!(v["kind"], "ofd");
            assert_eq!(v["facts"]["identifier"], id.as_str());
            assert_eq!(v["facts"]["status"]["status"], "valid", "{v:#}");
            Some(ofd)
        } else {
            let r = s.get(&format!("{base}/ofd"), Some(token)).await;
            r.assert_problem(409, "not-offered");
            assert!(
                r.body["detail"].as_str().unwrap().contains("SM2"),
                "{}",
                r.body
            );
            None
        };

        // One byte changed inside the ByteRange (in the page content, well inside the first
        // range): invalid.
        let [a, b, _, _] = byte_range(&pdf);
        let mut tampered = pdf.clone();
        let at = a + b / 2;
        tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
        let v = s.verify_file("application/pdf", tampered).await;
        assert_eq!(v["verdict"], "invalid", "{kind}: tampered PDF {v:#}");
        // … and bytes appended after signing are reported.
        let mut appended = pdf.clone();
        appended.extend_from_slice(b"\n% appended\n");
        let v = s.verify_file("application/pdf", appended).await;
        assert_ne!(v["verdict"], "valid", "{kind}: appended bytes {v:#}");

        // pyHanko, for the P-256 department's PDF, against the development P-256 root.
        if department == HEALTH {
            let root = util::repo_root().join("keys-dev/pki/p256/root.crt");
            let out = Command::new("pyhanko")
                .args([
                    "sign",
                    "validate",
                    "--pretty-print",
                    "--no-revocation-check",
                ])
                .arg("--trust")
                .arg(&root)
                .arg(&pdf_path)
                .output()
                .unwrap();
            let report = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "pyHanko: {report}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                report.contains("The signer's certificate is trusted.")
                    && report.contains("The signature covers the entire file.")
                    && report.contains("The signature is judged VALID."),
                "pyHanko: {report}"
            );
        }

        // Another department: only with the reuse scope and a use cause, audited.
        let (status, _, _) = s.get_bytes(&format!("{base}/pdf"), Some(&reuser)).await;
        if department == HEALTH {
            assert_eq!(status, 200, "the issuer's own key");
        } else {
            assert_eq!(status, 422, "a reuse needs a use cause");
            let (status, ct, _) = s
                .get_bytes(
                    &format!("{base}/pdf?use_cause=%E6%A0%B8%E9%AA%8C"),
                    Some(&reuser),
                )
                .await;
            assert_eq!((status, ct.as_str()), (200, "application/pdf"));
            let audited = s.audit().await.iter().any(|e| {
                e["action"] == "licence.reuse"
                    && e["target"] == id.as_str()
                    && e["use_cause"] == "核验"
            });
            assert!(audited, "the document reuse is audited");
        }
        let (status, _, _) = s.get_bytes(&format!("{base}/pdf"), None).await;
        assert_eq!(status, 401);
        // An administrator states why too, and is audited.
        let (status, _, _) = s
            .get_bytes(&format!("{base}/qr"), Some(util::ADMIN_TOKEN))
            .await;
        assert_eq!(status, 422, "an administrator needs a use cause");
        let (status, _, _) = s
            .get_bytes(
                &format!("{base}/qr?use_cause=%E7%A8%BD%E6%9F%A5"),
                Some(util::ADMIN_TOKEN),
            )
            .await;
        assert_eq!(status, 200);
        let audited = s.audit().await.iter().any(|e| {
            e["action"] == "licence.read"
                && e["target"] == id.as_str()
                && e["actor"].as_str().unwrap().starts_with("admin/")
                && e["use_cause"] == "稽查"
        });
        assert!(audited, "the administrator's read is audited");

        // Revoked: the same PDF and QR text now verify as revoked.
        let r = s
            .post(
                &format!("{base}/revoke"),
                Some(token),
                &json!({"reason": "测试撤销"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = s.verify_file("application/pdf", pdf.clone()).await;
        assert_eq!(v["verdict"], "revoked", "{kind}: {v:#}");
        assert_eq!(v["facts"]["status"]["reason"], "测试撤销");
        let v = s
            .post("/v1/verify", None, &json!({"payload": qr_text}))
            .await;
        assert_eq!(v.body["verdict"], "revoked", "{}", v.body);
        if let Some(ofd) = &ofd {
            let v = s.verify_file("application/ofd", ofd.clone()).await;
            assert_eq!(v["verdict"], "revoked", "{kind}: OFD {v:#}");
        }
        // No fresh document lends a revoked licence authority: 409, saying why.
        for doc in ["pdf", "ofd", "qr", "qr.png", "qr.svg"] {
            let r = s.get(&format!("{base}/{doc}"), Some(token)).await;
            r.assert_problem(409, "invalid-status-transition");
            assert!(
                r.body["detail"].as_str().unwrap().contains("not in force"),
                "{}",
                r.body
            );
        }
    }
}

/// An OFD sealed by others (ofdrw's fixture) sent as application/ofd: read as an OFD, its
/// protected files' digests checked; sealed under a CA this service does not trust, so not
/// 有效. A changed byte in a protected file is 无效.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ofd_uploads_are_verified() {
    let s = util::start(None, None).await;
    let ofd = zhengku_testkit::ofd_fixture("allprotected.ofd");
    let v = s.verify_file("application/ofd", ofd.clone()).await;
    assert_eq!(v["kind"], "ofd", "{v:#}");
    assert_ne!(v["verdict"], "valid", "{v:#}");
    let check = |v: &Value, id: &str| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["outcome"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        check(&v, "ofd_references").as_deref(),
        Some("passed"),
        "{v:#}"
    );
    // Stored, so a byte of Content.xml can be changed where it lies.
    let mut p = zhengku_ofd::Ofd::read(&ofd, &zhengku_ofd::Limits::default())
        .unwrap()
        .package()
        .clone();
    let page = "Doc_0/Pages/Page_0/Content.xml";
    let mut content = p.file(page).unwrap().to_vec();
    content[10] ^= 1;
    assert!(p.insert(page, content));
    let v = s.verify_file("application/ofd", p.to_zip()).await;
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    assert_eq!(
        check(&v, "ofd_references").as_deref(),
        Some("failed"),
        "{v:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_endpoint_refuses_what_it_cannot_read() {
    let s = util::start(None, None).await;
    // Garbage is answered with a report, not an error.
    let v = s
        .post("/v1/verify", None, &json!({"payload": "ZK1:NOT A PAYLOAD"}))
        .await;
    assert_eq!(v.status, 200);
    assert_eq!(v.body["verdict"], "invalid");
    let v = s
        .verify_file("application/pdf", b"%PDF-1.7\nnot really".to_vec())
        .await;
    assert_eq!(v["verdict"], "invalid");
    let v = s
        .verify_file("application/octet-stream", vec![0x30, 0x03, 1, 2, 3])
        .await;
    assert_eq!(v["verdict"], "invalid");
    // What cannot be read is a problem document.
    s.post("/v1/verify", None, &json!({"payload": "  "}))
        .await
        .assert_problem(422, "validation");
    s.post("/v1/verify", None, &json!({"pdf": "x"}))
        .await
        .assert_problem(400, "bad-request");
    let r = s
        .client
        .post(format!("{}/v1/verify", s.base))
        .header("content-type", "image/gif")
        .body("GIF89a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_font_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = zhengku_server::Config {
        data_dir: dir.path().join("data"),
        mode: zhengku_server::Mode::Development,
        templates_dir: util::repo_root().join("templates"),
        keys_dev_dir: util::repo_root().join("keys-dev"),
        font: Some(dir.path().join("no-such-font.ttc")),
        ..zhengku_server::Config::default()
    };
    let Err(e) = zhengku_server::prepare(
        &config,
        Some(zeroize::Zeroizing::new(util::ADMIN_TOKEN.to_owned())),
    )
    .await
    else {
        panic!("started without a font");
    };
    let text = e.to_string();
    assert!(
        text.contains("font") && text.contains("no-such-font.ttc"),
        "{text}"
    );
}
