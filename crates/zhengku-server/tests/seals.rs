//! The seal API over HTTP, on SQLite and PostgreSQL: making a seal with the development seal
//! maker, authorising keys, stamping, the lifecycle, public verification, and the audit
//! entries each step leaves.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// Uses part of the shared harness.
#[allow(dead_code)]
mod util;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use util::{ADMIN_TOKEN, HEALTH, SAMR, Server, on_both};

const DOC: &[u8] = b"the document being stamped";

fn holder_cert_pem() -> String {
    std::fs::read_to_string(util::repo_root().join("keys-dev/seal-xihu-samr-sm2.crt")).unwrap()
}

async fn make(s: &Server) -> String {
    let r = s
        .post(
            "/v1/seals",
            Some(ADMIN_TOKEN),
            &json!({
                "department_uscc": SAMR,
                "name": "杭州市西湖区市场监督管理局证照专用章",
                "holder_key_label": "seal-xihu-samr-sm2",
                "holder_certificate_pem": holder_cert_pem(),
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "active");
    let esid = r.body["esid"].as_str().unwrap().to_owned();
    assert!(esid.starts_with("33010601"), "{esid}");
    esid
}

/// `POST /v1/verify/seal` answers the engine's report: its old `valid` flag is the verdict
/// `valid`.
fn valid(report: &Value) -> bool {
    report["verdict"] == "valid"
}

/// Its old `complete` flag: no check skipped or unverifiable.
fn complete(report: &Value) -> bool {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["outcome"] == "passed" || c["outcome"] == "failed")
}

fn stamp_body() -> Value {
    json!({"data_hash": hex::encode(zhengku_crypto::sm3(DOC)), "property_info": "doc-1.pdf"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_authorise_stamp_verify_and_lifecycle() {
    on_both(|s| async move {
        let esid = make(&s).await;
        let stamper = s.key(Some(SAMR), &["manage"]).await;
        let stamper_id = stamper[3..19].to_owned();
        let outsider = s.key(Some(HEALTH), &["manage"]).await;
        let stamp_path = format!("/v1/seals/{esid}/stamp");

        // Not authorised yet: 403, audited.
        s.post(&stamp_path, Some(&stamper), &stamp_body())
            .await
            .assert_problem(403, "forbidden");
        // Keys of another department cannot be authorised, nor authorise.
        let outsider_id = outsider[3..19].to_owned();
        s.post(
            &format!("/v1/seals/{esid}/authorise"),
            Some(ADMIN_TOKEN),
            &json!({"api_key_id": outsider_id}),
        )
        .await
        .assert_problem(422, "validation");
        s.post(
            &format!("/v1/seals/{esid}/authorise"),
            Some(&outsider),
            &json!({"api_key_id": outsider_id}),
        )
        .await
        .assert_problem(403, "forbidden");
        let r = s
            .post(
                &format!("/v1/seals/{esid}/authorise"),
                Some(ADMIN_TOKEN),
                &json!({"api_key_id": stamper_id}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // Stamp, then verify publicly: every check passes.
        let r = s.post(&stamp_path, Some(&stamper), &stamp_body()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let signature = r.body["signature"].as_str().unwrap().to_owned();
        let v = s
            .post(
                "/v1/verify/seal",
                None,
                &json!({"signature": signature, "document": STANDARD.encode(DOC)}),
            )
            .await;
        assert_eq!(v.status, 200, "{}", v.body);
        assert!(valid(&v.body), "{}", v.body);
        assert_eq!(v.body["verdict"], "valid", "{}", v.body);
        assert!(complete(&v.body), "{}", v.body);
        // The signature's seven checks, and the seal's status in this library.
        assert_eq!(v.body["checks"].as_array().unwrap().len(), 8);
        assert_eq!(v.body["checks"][7]["id"], "seal_status");
        // Another document: invalid, at the data hash.
        let v = s
            .post(
                "/v1/verify/seal",
                None,
                &json!({"signature": signature, "document": STANDARD.encode(b"other")}),
            )
            .await;
        assert!(!valid(&v.body));
        let failed: Vec<&str> = v.body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == "failed")
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(failed, ["data_hash"]);
        s.post("/v1/verify/seal", None, &json!({"signature": "AAAA"}))
            .await
            .assert_problem(422, "validation");

        // The seal file and picture.
        let esl = s
            .client
            .get(format!("{}/v1/seals/{esid}/esl", s.base))
            .bearer_auth(&stamper)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(matches!(
            zhengku_seal::decode_seal(&esl).unwrap(),
            zhengku_seal::DecodedSeal::V4(_)
        ));
        let v = s
            .post(
                "/v1/verify/seal",
                None,
                &json!({"seal": STANDARD.encode(&esl)}),
            )
            .await;
        assert!(valid(&v.body), "{}", v.body);
        let pic = s
            .client
            .get(format!("{}/v1/seals/{esid}/picture", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(pic.headers()["content-type"], "image/svg+xml");
        assert!(
            pic.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        assert!(pic.text().await.unwrap().contains("证照专用章"));
        s.get(&format!("/v1/seals/{esid}"), Some(&outsider))
            .await
            .assert_problem(403, "forbidden");

        // Suspended: 409; resumed: works; revoked: 409 for good.
        let reason = json!({"reason": "印章保管人变更"});
        let r = s
            .post(
                &format!("/v1/seals/{esid}/suspend"),
                Some(&stamper),
                &reason,
            )
            .await;
        assert_eq!(r.body["to"], "suspended", "{}", r.body);
        s.post(&stamp_path, Some(&stamper), &stamp_body())
            .await
            .assert_problem(409, "invalid-status-transition");
        s.post(&format!("/v1/seals/{esid}/resume"), Some(&stamper), &reason)
            .await;
        assert_eq!(
            s.post(&stamp_path, Some(&stamper), &stamp_body())
                .await
                .status,
            200
        );
        // Times are kept in whole seconds, and a stamp in the very second of a revocation is
        // not "before" it: let a second pass.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        s.post(
            &format!("/v1/seals/{esid}/revoke"),
            Some(ADMIN_TOKEN),
            &reason,
        )
        .await;
        s.post(&stamp_path, Some(&stamper), &stamp_body())
            .await
            .assert_problem(409, "invalid-status-transition");
        s.post(
            &format!("/v1/seals/{esid}/resume"),
            Some(ADMIN_TOKEN),
            &reason,
        )
        .await
        .assert_problem(409, "invalid-status-transition");
        let info = s.get(&format!("/v1/seals/{esid}"), Some(&stamper)).await;
        assert_eq!(info.body["status"], "revoked");
        // Revoked for an ordinary reason: the stamp this library made before keeps its
        // force (the library's record attests when it was made).
        let v = s
            .post(
                "/v1/verify/seal",
                None,
                &json!({"signature": signature, "document": STANDARD.encode(DOC)}),
            )
            .await;
        assert_eq!(v.body["verdict"], "valid", "{}", v.body);
        assert!(
            v.body["checks"][7]["detail"]
                .as_str()
                .unwrap()
                .contains("recorded this stamp"),
            "{}",
            v.body
        );

        // Every step audited, refusals included (the development seals the first start
        // makes, actor `system`, aside).
        let actions: Vec<String> = s
            .audit()
            .await
            .iter()
            .filter(|e| e["actor"] != "system")
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .filter(|a| a.starts_with("seal."))
            .collect();
        assert_eq!(
            actions,
            [
                "seal.make",
                "seal.stamp.refused",
                "seal.authorise",
                "seal.stamp",
                "seal.status.suspended",
                "seal.stamp.refused",
                "seal.status.active",
                "seal.stamp",
                "seal.status.revoked",
                "seal.stamp.refused",
            ]
        );

        // A second seal: an administrator's suspension is not the department's to lift;
        // a revocation for key compromise invalidates every stamp, whenever made.
        let esid = make(&s).await;
        let stamp_path = format!("/v1/seals/{esid}/stamp");
        s.post(
            &format!("/v1/seals/{esid}/authorise"),
            Some(ADMIN_TOKEN),
            &json!({"api_key_id": stamper_id}),
        )
        .await;
        let r = s.post(&stamp_path, Some(&stamper), &stamp_body()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let signature = r.body["signature"].as_str().unwrap().to_owned();
        s.post(
            &format!("/v1/seals/{esid}/suspend"),
            Some(ADMIN_TOKEN),
            &reason,
        )
        .await;
        s.post(&format!("/v1/seals/{esid}/resume"), Some(&stamper), &reason)
            .await
            .assert_problem(403, "forbidden");
        let r = s
            .post(
                &format!("/v1/seals/{esid}/resume"),
                Some(ADMIN_TOKEN),
                &reason,
            )
            .await;
        assert_eq!(r.body["to"], "active", "{}", r.body);
        s.post(
            &format!("/v1/seals/{esid}/revoke"),
            Some(&stamper),
            &json!({"reason": "私钥泄露", "reason_code": "stolen"}),
        )
        .await
        .assert_problem(422, "validation");
        let r = s
            .post(
                &format!("/v1/seals/{esid}/revoke"),
                Some(&stamper),
                &json!({"reason": "私钥泄露", "reason_code": "key_compromise"}),
            )
            .await;
        assert_eq!(r.body["to"], "revoked", "{}", r.body);
        let v = s
            .post(
                "/v1/verify/seal",
                None,
                &json!({"signature": signature, "document": STANDARD.encode(DOC)}),
            )
            .await;
        assert_eq!(v.body["verdict"], "invalid", "{}", v.body);
        assert!(
            v.body["checks"][7]["detail"]
                .as_str()
                .unwrap()
                .contains("key compromise"),
            "{}",
            v.body
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_seal_requests() {
    let s = util::start(None, None).await;
    let dept = s.key(Some(SAMR), &["manage"]).await;
    let body = json!({
        "department_uscc": SAMR, "name": "x", "holder_key_label": "seal-xihu-samr-sm2",
        "holder_certificate_pem": holder_cert_pem(),
    });
    s.post("/v1/seals", Some(&dept), &body)
        .await
        .assert_problem(403, "forbidden");
    // A certificate for another key.
    let mut wrong = body.clone();
    wrong["holder_key_label"] = json!("dept-xihu-samr-sm2");
    let r = s.post("/v1/seals", Some(ADMIN_TOKEN), &wrong).await;
    r.assert_problem(422, "validation");
    assert_eq!(r.body["errors"][0]["code"], "key_mismatch");
    // P-256 seals are outside GB/T 38540: refused unless configured.
    let mut p256 = body.clone();
    p256["holder_key_label"] = json!("seal-xihu-samr-p256");
    let r = s.post("/v1/seals", Some(ADMIN_TOKEN), &p256).await;
    r.assert_problem(422, "validation");
    assert_eq!(r.body["errors"][0]["code"], "algorithm_not_allowed");
    // A dangerous picture.
    let mut bad = body.clone();
    bad["picture_format"] = json!("svg");
    bad["picture_base64"] = json!(
        STANDARD
            .encode("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")
    );
    let r = s.post("/v1/seals", Some(ADMIN_TOKEN), &bad).await;
    r.assert_problem(422, "validation");
    assert!(r.body.to_string().contains("script"), "{}", r.body);
    // Unknown seal; a bad hash.
    s.post("/v1/seals/0000/stamp", Some(&dept), &stamp_body())
        .await
        .assert_problem(404, "not-found");
    let esid = make(&s).await;
    let r = s
        .post(
            &format!("/v1/seals/{esid}/stamp"),
            Some(&dept),
            &json!({"data_hash": "zz", "property_info": "é"}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 2);
}

/// `POST /v1/verify/seal` answers in the engine's one JSON shape, as `POST /v1/verify` does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seal_verification_answers_the_engine_report() {
    let s = util::start(None, None).await;
    let esid = make(&s).await;
    let esl = s
        .client
        .get(format!("{}/v1/seals/{esid}/esl", s.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let v = s
        .post(
            "/v1/verify/seal",
            None,
            &json!({"seal": STANDARD.encode(&esl)}),
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.body);
    // The engine's report shape (zhengku_verify::json::LicenceVerification), key for key.
    let mut keys: Vec<&str> = v
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "checks",
            "details",
            "exit_code",
            "facts",
            "kind",
            "subject",
            "verdict",
            "verdict_zh"
        ],
        "{}",
        v.body
    );
    assert_eq!(v.body["verdict"], "valid", "{}", v.body);
    assert_eq!(
        (&v.body["kind"], &v.body["exit_code"]),
        (&json!("seal"), &json!(0))
    );
    assert!(v.body["facts"].is_null());
    let checks = v.body["checks"].as_array().unwrap();
    assert_eq!(checks.last().map(|c| &c["id"]), Some(&json!("seal_status")));
    for c in checks {
        let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["detail", "id", "label", "label_zh", "outcome"],
            "{c}"
        );
    }
}
