//! The sharing interface and annotated copies (加注件), on SQLite and PostgreSQL: a
//! department with the reuse scope asks for a copy of another department's licence with a
//! use cause, a matter and a last day; downloads it once by its link (a second download is
//! 410), asks for another link; the copy verifies 有效 with its copy fields; every call is
//! in the audit log. Bad requests change nothing: a copy past the configured limit, without
//! a cause, of a P-256 department's licence (no OFD), a link for another department's copy.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[allow(dead_code)]
mod util;

use base64::Engine;
use serde_json::{Value, json};
use util::{HEALTH, SAMR, Server};

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

fn check<'a>(v: &'a Value, id: &str) -> Option<&'a str> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .and_then(|c| c["outcome"].as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_and_the_sharing_interface() {
    if zhengku_pdf::font::load(None).is_err() {
        return;
    }
    util::on_both(sharing).await;
}

async fn sharing(s: Server) {
    let samr = s.key(Some(SAMR), &["issue:*", "manage"]).await;
    let health = s.key(Some(HEALTH), &["issue:*", "manage"]).await;
    let reuser = s.key(Some(HEALTH), &["reuse"]).await;
    let r = s
        .post("/v1/licences", Some(&samr), &request("business-licence"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["identifier"].as_str().unwrap().to_owned();
    let holder = request("business-licence")["holder_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date();
    let until = (today + time::Duration::days(30)).to_string();

    // Bad requests first: each refused with the field named, nothing kept.
    let before = s.audit().await.len();
    let copies = format!("/v1/licences/{id}/copies");
    for (body, field) in [
        (
            json!({"matter": "食品经营许可证核发", "valid_until": until}),
            "use_cause",
        ),
        (json!({"use_cause": "核验", "valid_until": until}), "matter"),
        (
            json!({"use_cause": "核验", "matter": "食品经营许可证核发",
                   "valid_until": (today + time::Duration::days(91)).to_string()}),
            "valid_until",
        ),
        (
            json!({"use_cause": "核验", "matter": "食品经营许可证核发", "valid_until": "明天"}),
            "valid_until",
        ),
    ] {
        let r = s.post(&copies, Some(&reuser), &body).await;
        r.assert_problem(422, "validation");
        assert!(r.body.to_string().contains(field), "{field}: {}", r.body);
    }
    assert_eq!(
        s.audit().await.len(),
        before,
        "refused requests leave no trace"
    );

    // The copy, for the health bureau, of the market regulator's licence.
    let r = s
        .post(
            &copies,
            Some(&reuser),
            &json!({"use_cause": "核验经营主体资格", "matter": "食品经营许可证核发",
                    "valid_until": until}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let copy_id = r.body["copy_id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["valid_until"], until.as_str());
    assert!(
        r.body["made_by"]
            .as_str()
            .unwrap()
            .contains("浙江省大数据发展管理局"),
        "{}",
        r.body
    );
    let path = r.body["download"]["path"].as_str().unwrap().to_owned();

    // Downloaded once, with no key; the second time is 410.
    let (status, ct, copy) = s.get_bytes(&path, None).await;
    assert_eq!((status, ct.as_str()), (200, "application/ofd"));
    let (status, _, body) = s.get_bytes(&path, None).await;
    assert_eq!(status, 410, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = s.get_bytes("/v1/share/downloads/AAAA", None).await;
    assert_eq!(status, 404);

    // The copy verifies: both seals, the copy's fields, usable until its last day.
    let v = s.verify_file("application/ofd", copy.clone()).await;
    assert_eq!(v["verdict"], "valid", "{v:#}");
    assert_eq!(check(&v, "copy_validity"), Some("passed"), "{v:#}");
    assert_eq!(check(&v, "record_matches"), Some("passed"), "{v:#}");
    assert!(v.to_string().contains("食品经营许可证核发"), "{v:#}");

    // Another link, for the department the copy was made for only.
    let links = format!("/v1/copies/{copy_id}/links");
    let r = s.post(&links, Some(&samr), &json!({})).await;
    r.assert_problem(403, "forbidden");
    let r = s.post(&links, Some(&reuser), &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (status, _, again) = s.get_bytes(r.body["path"].as_str().unwrap(), None).await;
    assert_eq!(status, 200);
    assert_eq!(again, copy, "every download of a copy is the same file");

    // The sharing interface: query, list, verify, QR lookup, copies.
    let r = s
        .post(
            "/v1/share/query",
            Some(&reuser),
            &json!({"identifier": id, "use_cause": "核验经营主体资格"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["identifier"], id.as_str());
    let r = s
        .post(
            "/v1/share/list",
            Some(&reuser),
            &json!({"holder_code": holder, "holder_code_type": "001", "use_cause": "核验"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["count"], 1, "{}", r.body);
    let r = s
        .post(
            "/v1/share/list",
            Some(&reuser),
            &json!({"holder_code": holder, "holder_code_type": "111", "use_cause": "核验"}),
        )
        .await;
    r.assert_problem(422, "validation");
    let r = s
        .post(
            "/v1/share/verify",
            Some(&reuser),
            &json!({"file_base64": base64::engine::general_purpose::STANDARD.encode(&copy)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["verdict"], "valid", "{}", r.body);
    let q = s.get(&format!("/v1/licences/{id}/qr"), Some(&samr)).await;
    let qr_text = q.body["text"].as_str().unwrap().to_owned();
    let r = s
        .post(
            "/v1/share/qr",
            Some(&reuser),
            &json!({"text": qr_text, "use_cause": "窗口核验"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["verification"]["verdict"], "valid", "{}", r.body);
    assert_eq!(r.body["licence"]["identifier"], id.as_str(), "{}", r.body);
    let r = s
        .post(
            "/v1/share/copies",
            Some(&reuser),
            &json!({"identifier": id, "use_cause": "核验", "matter": "税务登记",
                    "valid_until": today.to_string()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // A P-256 department's licence has no OFD, so no copy.
    let r = s
        .post(
            "/v1/licences",
            Some(&health),
            &request("senior-citizen-card"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let card = r.body["identifier"].as_str().unwrap().to_owned();
    let r = s
        .post(
            &format!("/v1/licences/{card}/copies"),
            Some(&health),
            &json!({"use_cause": "核验", "matter": "乘车优待", "valid_until": until}),
        )
        .await;
    r.assert_problem(409, "not-offered");
    // … but a PDF copy: an incremental update over its P-256 PDF, sealed by the library.
    let r = s
        .post(
            &format!("/v1/licences/{card}/copies"),
            Some(&health),
            &json!({"use_cause": "核验", "matter": "乘车优待", "valid_until": until,
                    "format": "pdf"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["format"], "pdf");
    let (status, ct, pdf_copy) = s
        .get_bytes(r.body["download"]["path"].as_str().unwrap(), None)
        .await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    let v = s.verify_file("application/pdf", pdf_copy).await;
    assert_eq!(v["verdict"], "valid", "{v:#}");
    assert_eq!(check(&v, "copy_update"), Some("passed"), "{v:#}");
    assert_eq!(check(&v, "copy_validity"), Some("passed"), "{v:#}");
    let r = s
        .post(
            &format!("/v1/licences/{card}/copies"),
            Some(&health),
            &json!({"use_cause": "核验", "matter": "乘车优待", "valid_until": until,
                    "format": "png"}),
        )
        .await;
    // … and a PNG copy: a picture of the face carrying the P-256-signed record, sealed by
    // the library (SM2), verified as a file.
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["format"], "png");
    let (status, ct, png_copy) = s
        .get_bytes(r.body["download"]["path"].as_str().unwrap(), None)
        .await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert!(png_copy.starts_with(b"\x89PNG\r\n\x1a\n"));
    let v = s.verify_file("image/png", png_copy.clone()).await;
    assert_eq!(v["verdict"], "valid", "{v:#}");
    assert_eq!(v["kind"], "png", "{v:#}");
    for id in [
        "png_structure",
        "ses_signature",
        "record_signature",
        "record_matches",
        "copy_validity",
        "seal_status",
    ] {
        assert_eq!(check(&v, id), Some("passed"), "{id}: {v:#}");
    }
    // One changed byte in the picture's text, its CRC mended: the seal no longer fits.
    let at = png_copy.windows(4).rposition(|w| w == b"iTXt").unwrap();
    let mut forged = png_copy.clone();
    let len = u32::from_be_bytes(forged[at - 4..at].try_into().unwrap()) as usize;
    forged[at + 4 + len - 1] ^= 1;
    let crc = crc32fast::hash(&forged[at..at + 4 + len]);
    forged[at + 4 + len..at + 8 + len].copy_from_slice(&crc.to_be_bytes());
    let v = s.verify_file("image/png", forged).await;
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    assert_eq!(check(&v, "ses_signature"), Some("failed"), "{v:#}");
    let r = s
        .post(
            &format!("/v1/licences/{card}/copies"),
            Some(&health),
            &json!({"use_cause": "核验", "matter": "乘车优待", "valid_until": until,
                    "format": "gif"}),
        )
        .await;
    r.assert_problem(422, "validation");

    // Every call is in the audit log.
    let audit = s.audit().await;
    let count = |action: &str| audit.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("licence.copy"), 4);
    assert_eq!(count("copy.link"), 5);
    assert_eq!(count("copy.download"), 4);
    assert_eq!(count("copy.download-refused"), 1);
    assert_eq!(count("share.verify"), 1);
    assert_eq!(count("share.qr"), 1);
    assert!(audit.iter().any(|e| e["action"] == "licence.copy"
        && e["target"] == id.as_str()
        && e["use_cause"] == "核验经营主体资格"));
}
