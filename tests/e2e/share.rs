//! Annotated copies (加注件) through the sharing interface, end to end, with a real
//! `zhengku serve`: the market regulator issues a licence; its OFD and PDF are fetched; the
//! health bureau (reuse scope) asks the sharing interface for an OFD copy, a PDF copy and a
//! PNG copy valid until today, downloads each once (a second download is refused); the
//! service says 有效 of the three copies, the OFD and the PDF; an offline verifier synced
//! from the service (`zhengku sync`) says the same; and with the clock two days on (`--at`),
//! the copies are 已过期 while the original OFD and PDF stay 有效.

use std::path::{Path, PathBuf};

use serde_json::json;
use time::OffsetDateTime;

use crate::trust_sync::{config, make, s, sync, verify};
use crate::util::{Dir, Serve, curl, dept_key, issue_with, post, repo_root, samr_key};

/// The health bureau's USCC.
const HEALTH: &str = "11330106MB1C234566";

fn fetch(srv: &Serve, token: &str, path: &str, out: &Path) {
    let r = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-o",
        s(out),
        &format!("{}{path}", srv.base),
    ]);
    assert_eq!(r.status, 200, "{path}: {r:?}");
}

/// A copy of licence `id` in `format` through the sharing interface, usable until `until`,
/// downloaded once to `out` (a second download of the link is refused).
fn copy_once(
    srv: &Serve,
    reuser: &str,
    id: &str,
    until: time::Date,
    format: &str,
    out: &Path,
) -> PathBuf {
    let r = post(
        srv,
        reuser,
        "/v1/share/copies",
        &json!({"identifier": id, "use_cause": "核验经营主体资格",
                "matter": "食品经营许可证核发", "valid_until": until.to_string(),
                "format": format}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let link = r.json()["download"]["path"].as_str().unwrap().to_owned();
    let r = curl(&["-o", s(out), &format!("{}{link}", srv.base)]);
    assert_eq!(r.status, 200, "{r:?}");
    let again = curl(&[&format!("{}{link}", srv.base)]);
    assert_eq!(again.status, 410, "a link works once: {again:?}");
    out.to_path_buf()
}

fn verify_online(srv: &Serve, file: &Path, content_type: &str) -> serde_json::Value {
    let r = curl(&[
        "-H",
        &format!("Content-Type: {content_type}"),
        "--data-binary",
        &format!("@{}", s(file)),
        &format!("{}/v1/verify", srv.base),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

#[test]
fn a_copy_is_made_downloaded_once_verified_and_expires_alone() {
    if zhengku_pdf::font::load(None).is_err() {
        return;
    }
    let d = Dir::new();
    let data = d.path("data");
    let srv = Serve::start_args(&data, &repo_root().join("keys-dev"), &[]);
    let samr = samr_key(&srv, &["issue:*", "manage"]);
    let reuser = dept_key(&srv, HEALTH, &["reuse"]);
    let id = issue_with(&srv, &samr);
    let (ofd, pdf) = (d.path("licence.ofd"), d.path("licence.pdf"));
    fetch(&srv, &samr, &format!("/v1/licences/{id}/ofd"), &ofd);
    fetch(&srv, &samr, &format!("/v1/licences/{id}/pdf"), &pdf);

    // The copy, through the sharing interface, usable until today (China Standard Time).
    let today = OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date();
    let copy = copy_once(&srv, &reuser, &id, today, "ofd", &d.path("copy.ofd"));
    // The same as a PDF copy (an incremental update over the licence PDF), and as a PNG
    // picture carrying the record and the library's seal signature.
    let pdf_copy = copy_once(&srv, &reuser, &id, today, "pdf", &d.path("copy.pdf"));
    let png_copy = copy_once(&srv, &reuser, &id, today, "png", &d.path("copy.png"));

    // The service: all three 有效; the copy shows its fields.
    for (file, ct) in [
        (&copy, "application/ofd"),
        (&pdf_copy, "application/pdf"),
        (&png_copy, "image/png"),
        (&ofd, "application/ofd"),
        (&pdf, "application/pdf"),
    ] {
        let v = verify_online(&srv, file, ct);
        assert_eq!(v["verdict"], "valid", "{}: {v:#}", file.display());
    }
    let v = verify_online(&srv, &copy, "application/ofd");
    assert!(v.to_string().contains("食品经营许可证核发"), "{v:#}");

    // Offline: the region's lists signed, synced, then judged from the folder alone.
    make(&config(&d, &srv.base), &data.join("trust-lists"));
    let folder = d.path("verifier");
    sync(&srv.base, &folder).expect(0);
    for file in [&copy, &pdf_copy, &png_copy, &ofd, &pdf] {
        let r = verify(&folder, file, None).expect(0);
        assert!(
            r.stdout.contains("有效"),
            "{}: {}",
            file.display(),
            r.stdout
        );
    }
    // Two days on (within the lists' three-day lifetime): the copy is past its last day.
    let later = OffsetDateTime::now_utc() + time::Duration::days(2);
    for file in [&copy, &pdf_copy, &png_copy] {
        let r = verify(&folder, file, Some(later)).expect(1);
        assert!(
            r.stdout.contains("已过期"),
            "{}: {}",
            file.display(),
            r.stdout
        );
        assert!(r.stdout.contains("copy_validity"), "{}", r.stdout);
    }
    for file in [&ofd, &pdf] {
        let r = verify(&folder, file, Some(later)).expect(0);
        assert!(
            r.stdout.contains("有效"),
            "{}: {}",
            file.display(),
            r.stdout
        );
    }
}
