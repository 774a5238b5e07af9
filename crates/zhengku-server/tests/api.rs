//! The licence API over HTTP, on SQLite and PostgreSQL: issuing, reuse, status changes,
//! access control, idempotency, batches, errors, and the audit entries each leaves.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod util;

use reqwest::Method;
use serde_json::{Value, json};
use util::{ADMIN_TOKEN, BUSINESS_LICENCE, HEALTH, SAMR, Server, example_request, on_both};

fn holder_request(holder_code: &str, licence_number: &str) -> Value {
    let mut r = example_request();
    r["holder_code"] = json!(holder_code);
    r["licence_number"] = json!(licence_number);
    r["face"]["uscc"] = json!(holder_code);
    r
}

async fn issue(s: &Server, token: &str, body: &Value) -> Value {
    let r = s.post("/v1/licences", Some(token), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_reuse_manage_and_audit() {
    on_both(|s| async move {
        let samr = s.key(Some(SAMR), &["issue:*", "manage"]).await;
        let health = s.key(Some(HEALTH), &["reuse", "manage"]).await;

        let licence = issue(&s, &samr, &example_request()).await;
        let id = licence["identifier"].as_str().unwrap().to_owned();
        assert!(id.starts_with(&format!("1.2.156.3005.2.{BUSINESS_LICENCE}.{SAMR}.2024")));
        assert_eq!(licence["status"], "valid");
        assert_eq!(licence["signature"]["algorithm"], "SM2-SM3");
        assert_eq!(licence["issuer"]["code"], SAMR);
        // The signed form decodes and verifies with the department's key.
        let signed = base64_decode(licence["signed"].as_str().unwrap());
        let signed = zhengku_model::SignedLicence::from_bytes(&signed).unwrap();
        let key =
            std::fs::read_to_string(util::repo_root().join("keys-dev/keys/dept-xihu-samr-sm2.key"))
                .unwrap();
        let key = zhengku_crypto::PrivateKey::from_pem(&key).unwrap();
        signed.verify(key.public_key()).unwrap();
        assert_eq!(signed.record().identifier.as_str(), id);
        // The signed record names the licence's status-list entry, under the service's
        // public base URL (here the default, http://127.0.0.1:8080).
        let status = signed.record().status.clone().expect("a status reference");
        let list = status.list_number().expect("one of this library's lists");
        assert_eq!(status.uri, format!("http://127.0.0.1:8080/sl/{list}"));
        assert!(status.idx < 1 << 20);
        // The API shows the same entry.
        assert_eq!(licence["status_list"]["idx"], status.idx);
        assert_eq!(licence["status_list"]["uri"], status.uri.as_str());

        // Read: the issuer; an administrator or another department only stating why; a
        // key of another department without the reuse scope not at all. Every read is
        // audited, and no answer with personal data may be cached.
        let r = s.get(&format!("/v1/licences/{id}"), Some(&samr)).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["cache-control"], "no-store");
        s.get(&format!("/v1/licences/{id}"), Some(ADMIN_TOKEN))
            .await
            .assert_problem(422, "validation");
        let r = s
            .get(
                &format!("/v1/licences/{id}?use_cause=%E7%A8%BD%E6%9F%A5"),
                Some(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        s.get(&format!("/v1/licences/{id}"), Some(&health))
            .await
            .assert_problem(422, "validation");
        let outsider = s.key(Some(HEALTH), &["manage"]).await;
        s.get(&format!("/v1/licences/{id}?use_cause=x"), Some(&outsider))
            .await
            .assert_problem(403, "forbidden");

        // Public status: no token, no personal data.
        let st = s.get(&format!("/v1/licences/{id}/status"), None).await;
        assert_eq!(st.status, 200);
        assert_eq!(st.body["status"], "valid");
        assert_eq!(st.body["status_label"], "有效");
        assert_eq!(st.body["issuer"]["code"], SAMR);
        let text = st.body.to_string();
        assert!(
            !text.contains("91330106MA2H0YKU5B") && !text.contains("杭州证库示例"),
            "{text}"
        );
        s.get("/v1/licences/not-an-id/status", None)
            .await
            .assert_problem(400, "bad-request");

        // Reuse needs the scope and a use cause.
        let q = "/v1/licences?holder_code=91330106MA2H0YKU5B";
        s.get(q, Some(&samr)).await.assert_problem(403, "forbidden");
        let r = s.get(q, Some(&health)).await;
        r.assert_problem(422, "validation");
        assert_eq!(r.body["errors"][0]["field"], "use_cause");
        let long = "因".repeat(201);
        s.get(&format!("{q}&use_cause={long}"), Some(&health))
            .await
            .assert_problem(422, "validation");
        let r = s
            .get(
                &format!("{q}&use_cause=%E5%8A%9E%E7%90%86%E5%BC%80%E6%88%B7"),
                Some(&health),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["count"], 1);
        assert_eq!(r.body["use_cause"], "办理开户");
        assert_eq!(r.body["licences"][0]["identifier"], id.as_str());
        assert_eq!(r.headers["cache-control"], "no-store");
        // The same in a POST body, which keeps the holder's code out of URLs and logs.
        let r = s
            .post(
                "/v1/licences:reuse",
                Some(&health),
                &json!({"holder_code": "91330106MA2H0YKU5B", "use_cause": "办理开户"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["count"], 1);
        s.post(
            "/v1/licences:reuse",
            Some(&health),
            &json!({"holder_code": "91330106MA2H0YKU5B"}),
        )
        .await
        .assert_problem(422, "validation");
        // A key of no department and no admin scope is named for what it is, not as an
        // administrator.
        let bare = s.key(None, &["reuse"]).await;
        let r = s
            .post(
                "/v1/licences:reuse",
                Some(&bare),
                &json!({"holder_code": "91330106MA2H0YKU5B", "use_cause": "核查"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let bare_id = &bare[3..19];
        let named = s.audit().await.iter().any(|e| {
            e["action"] == "licence.reuse" && e["actor"] == format!("key/{bare_id}").as_str()
        });
        assert!(named, "a bare key's reuse is audited as key/<id>");

        // Status changes: only the issuer, with a reason; transitions enforced.
        let reason = json!({"reason": "西市监处〔2024〕12号"});
        s.post(
            &format!("/v1/licences/{id}/suspend"),
            Some(&health),
            &reason,
        )
        .await
        .assert_problem(403, "forbidden");
        s.post(
            &format!("/v1/licences/{id}/suspend"),
            Some(&samr),
            &json!({"reason": " "}),
        )
        .await
        .assert_problem(422, "validation");
        let r = s
            .post(&format!("/v1/licences/{id}/suspend"), Some(&samr), &reason)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["status"], "suspended");
        let st = s.get(&format!("/v1/licences/{id}/status"), None).await;
        assert_eq!(st.body["status"], "suspended");
        let r = s
            .post(&format!("/v1/licences/{id}/resume"), Some(&samr), &reason)
            .await;
        assert_eq!(r.body["status"], "valid");
        let r = s
            .post(&format!("/v1/licences/{id}/revoke"), Some(&samr), &reason)
            .await;
        assert_eq!(r.body["status"], "revoked");
        s.post(&format!("/v1/licences/{id}/resume"), Some(&samr), &reason)
            .await
            .assert_problem(409, "invalid-status-transition");
        let h = s
            .get(&format!("/v1/licences/{id}/history"), Some(&samr))
            .await;
        let events = h.body["events"].as_array().unwrap();
        assert_eq!(events.len(), 3, "{}", h.body);
        assert_eq!(events[2]["to"], "revoked");
        assert_eq!(events[2]["reason"], "西市监处〔2024〕12号");

        // The audit log has every write and the reuse, with actor, cause and request id.
        let audit = s.audit().await;
        let actions: Vec<&str> = audit
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .filter(|a| a.starts_with("licence."))
            .collect();
        assert_eq!(
            actions,
            [
                "licence.issue",
                "licence.read",
                "licence.read",
                "licence.reuse",
                "licence.reuse",
                "licence.reuse",
                "licence.status.suspended",
                "licence.status.valid",
                "licence.status.revoked"
            ]
        );
        let reuse = audit
            .iter()
            .find(|e| e["action"] == "licence.reuse")
            .unwrap();
        assert_eq!(reuse["use_cause"], "办理开户");
        assert_eq!(reuse["target"], id.as_str());
        assert!(reuse["actor"].as_str().unwrap().starts_with(HEALTH));
        let reads: Vec<(&str, &str)> = audit
            .iter()
            .filter(|e| e["action"] == "licence.read")
            .map(|e| {
                (
                    e["actor"].as_str().unwrap(),
                    e["use_cause"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(reads[0].0.starts_with(SAMR), "{reads:?}");
        assert_eq!(reads[0].1, "发证机关调阅本机关证照");
        assert!(reads[1].0.starts_with("admin/"), "{reads:?}");
        assert_eq!(reads[1].1, "稽查");
        for pair in audit.windows(2) {
            assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
        }
    })
    .await;
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_and_scopes() {
    on_both(|s| async move {
        let r = s.get("/v1/departments", None).await;
        r.assert_problem(401, "unauthorized");
        assert!(r.headers.contains_key("www-authenticate"));
        s.get("/v1/departments", Some("zk_0123456789abcdef_nope"))
            .await
            .assert_problem(401, "unauthorized");
        s.get("/v1/departments", Some("wrong-admin-token-000000"))
            .await
            .assert_problem(401, "unauthorized");
        let r = s
            .call(
                Method::GET,
                "/v1/departments",
                None,
                None,
                &[("authorization", "Basic eDp5")],
            )
            .await;
        r.assert_problem(401, "unauthorized");

        // A key may issue only the types it names; an administrator key issues nothing.
        let food_only = s.key(Some(SAMR), &["issue:11100000MB0143028R901"]).await;
        let r = s
            .post("/v1/licences", Some(&food_only), &example_request())
            .await;
        r.assert_problem(403, "forbidden");
        let r = s
            .post("/v1/licences", Some(ADMIN_TOKEN), &example_request())
            .await;
        r.assert_problem(403, "forbidden");
        // Department keys cannot administer.
        s.post(
            "/v1/api-keys",
            Some(&food_only),
            &json!({"name": "x", "scopes": ["admin"]}),
        )
        .await
        .assert_problem(403, "forbidden");
        // Bad key requests.
        for (body, field) in [
            (json!({"name": "x", "scopes": ["root"]}), "scopes"),
            (
                json!({"name": "x", "scopes": ["issue:*"]}),
                "department_uscc",
            ),
            (json!({"name": "x", "scopes": []}), "scopes"),
            (json!({"name": "", "scopes": ["reuse"]}), "name"),
        ] {
            let r = s.post("/v1/api-keys", Some(ADMIN_TOKEN), &body).await;
            r.assert_problem(422, "validation");
            assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
        }
        let r = s
            .post(
                "/v1/api-keys",
                Some(ADMIN_TOKEN),
                &json!({"name": "x", "department_uscc": "91330106MA2H0YKU5B", "scopes": ["reuse"]}),
            )
            .await;
        r.assert_problem(404, "not-found");

        // A revoked key stops working at once.
        let k = s.key(Some(SAMR), &["issue:*"]).await;
        assert_eq!(
            s.post("/v1/licences", Some(&k), &example_request())
                .await
                .status,
            201
        );
        let id = &k[3..19];
        let r = s
            .post(
                &format!("/v1/api-keys/{id}/revoke"),
                Some(ADMIN_TOKEN),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["revoked_at"].is_string());
        s.post("/v1/licences", Some(&k), &example_request())
            .await
            .assert_problem(401, "unauthorized");
        let keys = s.get("/v1/api-keys", Some(ADMIN_TOKEN)).await;
        let text = keys.body.to_string();
        assert!(!text.contains(&k[20..]), "a secret is listed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key() {
    on_both(|s| async move {
        let k = s.key(Some(SAMR), &["issue:*"]).await;
        let body = example_request();
        let h = [("idempotency-key", "order-2024-0001")];
        let first = s
            .call(Method::POST, "/v1/licences", Some(&k), Some(&body), &h)
            .await;
        assert_eq!(first.status, 201, "{}", first.body);
        let again = s
            .call(Method::POST, "/v1/licences", Some(&k), Some(&body), &h)
            .await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(again.body["identifier"], first.body["identifier"]);
        assert_eq!(again.body["signed"], first.body["signed"]);
        let other = holder_request("91110000600037341L", "X-1");
        let r = s
            .call(Method::POST, "/v1/licences", Some(&k), Some(&other), &h)
            .await;
        r.assert_problem(409, "idempotency-key-reused");
        // Another key's idempotency keys are its own.
        let k2 = s.key(Some(SAMR), &["issue:*"]).await;
        let r = s
            .call(Method::POST, "/v1/licences", Some(&k2), Some(&body), &h)
            .await;
        assert_eq!(r.status, 201);
        assert_ne!(r.body["identifier"], first.body["identifier"]);
        let bad = [("idempotency-key", "")];
        s.call(Method::POST, "/v1/licences", Some(&k), Some(&body), &bad)
            .await
            .assert_problem(400, "bad-request");
        // Exactly two licences were issued.
        let issued = s
            .audit()
            .await
            .iter()
            .filter(|e| e["action"] == "licence.issue")
            .count();
        assert_eq!(issued, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_all_or_nothing() {
    on_both(|s| async move {
        let k = s.key(Some(SAMR), &["issue:*", "reuse"]).await;
        let holders = [
            "91110000600037341L",
            "91330106MA2H0YKU5B",
            "91440300MA5DC6QF15",
        ];
        let requests: Vec<Value> = holders
            .iter()
            .enumerate()
            .map(|(i, h)| holder_request(h, &format!("B-{i}")))
            .collect();
        let mut bad = requests.clone();
        bad[1]["holder_code"] = json!("91330106MA2H0YKU5C");
        bad[1]["jurisdiction"] = json!("33010");
        let before = s.audit().await.len();
        let rows = |t: &'static str| {
            let s = &s;
            async move { s.count_rows(t).await }
        };
        let counts = (rows("licences").await, rows("identifier_sequences").await);
        let r = s
            .post("/v1/licences:batch", Some(&k), &json!({"requests": bad}))
            .await;
        r.assert_problem(422, "batch-invalid");
        let items = r.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["outcome"], "not_issued");
        assert_eq!(items[1]["outcome"], "invalid");
        assert!(
            items[1]["errors"].as_array().unwrap().len() >= 2,
            "{}",
            r.body
        );
        assert_eq!(
            s.audit().await.len(),
            before,
            "a failed batch wrote audit entries"
        );
        assert_eq!(
            (rows("licences").await, rows("identifier_sequences").await),
            counts,
            "a failed batch wrote rows"
        );

        let r = s
            .post(
                "/v1/licences:batch",
                Some(&k),
                &json!({"requests": requests}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["all_or_nothing"], true);
        assert_eq!(r.body["issued"], 3);
        let ids: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["licence"]["identifier"].as_str().unwrap())
            .collect();
        // Consecutive serials: the invalid batch burned none.
        for (n, id) in ids.iter().enumerate() {
            assert!(id.contains(&format!(".2024000000{}.001.", n + 1)), "{id}");
        }
        // Each licence has its own status-list entry, in no order that shows the issue
        // order across the run (the indices of three licences are merely distinct here).
        let entries: std::collections::BTreeSet<(String, u64)> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let signed = base64_decode(i["licence"]["signed"].as_str().unwrap());
                let signed = zhengku_model::SignedLicence::from_bytes(&signed).unwrap();
                let st = signed.record().status.clone().expect("a status reference");
                (st.uri, st.idx)
            })
            .collect();
        assert_eq!(entries.len(), 3, "{entries:?}");
        for (i, h) in holders.iter().enumerate() {
            let r = s
                .get(
                    &format!("/v1/licences?holder_code={h}&use_cause=check"),
                    Some(&k),
                )
                .await;
            assert_eq!(r.body["count"], 1, "{}", r.body);
            assert_eq!(r.body["licences"][0]["identifier"], ids[i]);
        }
        s.post("/v1/licences:batch", Some(&k), &json!({"requests": []}))
            .await
            .assert_problem(422, "validation");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_batch_of_one_thousand() {
    let s = util::start(None, None).await;
    let k = s.key(Some(SAMR), &["issue:*"]).await;
    let requests: Vec<Value> = (0..1000)
        .map(|i| holder_request("91330106MA2H0YKU5B", &format!("N-{i}")))
        .collect();
    let r = s
        .post(
            "/v1/licences:batch",
            Some(&k),
            &json!({"requests": requests}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["issued"], 1000);
    let mut too_many = requests.clone();
    too_many.push(holder_request("91330106MA2H0YKU5B", "N-1000"));
    let r = s
        .post(
            "/v1/licences:batch",
            Some(&k),
            &json!({"requests": too_many}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.body["errors"][0]["code"], "batch_size");
    let metrics = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap();
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(&format!(
            "zhengku_licences_issued_total{{type_code=\"{BUSINESS_LICENCE}\"}} 1000"
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_problems_and_changes_nothing() {
    let s = util::start(None, Some(4096)).await;
    let k = s.key(Some(SAMR), &["issue:*"]).await;
    let before = s.audit().await.len();

    // Every bad field at once.
    let mut body = example_request();
    body["holder_code"] = json!("91330106MA2H0YKU5C");
    body["issue_date"] = json!("2024-02-30");
    body["jurisdiction"] = json!("abc");
    let r = s.post("/v1/licences", Some(&k), &body).await;
    r.assert_problem(422, "validation");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["holder_code", "issue_date", "jurisdiction"] {
        assert!(fields.contains(&f), "{f} not reported: {}", r.body);
    }
    let mut unknown_type = example_request();
    unknown_type["type_code"] = json!("11100000MB0143028R999");
    s.post("/v1/licences", Some(&k), &unknown_type)
        .await
        .assert_problem(422, "validation");

    // Over the limit, not JSON, wrong media type, unknown member.
    let big = json!({"x": "a".repeat(5000)});
    s.post("/v1/licences", Some(&k), &big)
        .await
        .assert_problem(413, "payload-too-large");
    let raw = |content_type: &'static str, body: &'static str| {
        let (s, k) = (&s, &k);
        async move {
            let r = s
                .client
                .post(format!("{}/v1/licences", s.base))
                .bearer_auth(k)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    assert_eq!(raw("application/json", "{\"type_code\": ").await, 400);
    assert_eq!(raw("text/plain", "{}").await, 415);
    let mut extra = example_request();
    extra["colour"] = json!("red");
    s.post("/v1/licences", Some(&k), &extra)
        .await
        .assert_problem(400, "bad-request");

    // Routing errors are problems too.
    s.get("/v1/nothing-here", None)
        .await
        .assert_problem(404, "no-route");
    s.call(Method::DELETE, "/v1/licence-types", None, None, &[])
        .await
        .assert_problem(405, "method-not-allowed");
    s.get(
        "/v1/licences/1.2.156.3005.2.11100000MB0143028R001.11330106MB0B12345L.20240000099.001.F",
        Some(&k),
    )
    .await
    .assert_problem(404, "not-found");

    // Nothing above was stored or audited.
    assert_eq!(s.audit().await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments() {
    on_both(|s| async move {
        let list = s.get("/v1/departments", Some(ADMIN_TOKEN)).await;
        let deps = list.body["departments"].as_array().unwrap();
        // The two issuing departments and the library's operator (the copy sealer).
        assert_eq!(deps.len(), 3, "development departments: {}", list.body);
        // A new department with a generated key can issue at once.
        let r = s
            .post(
                "/v1/departments",
                Some(ADMIN_TOKEN),
                &json!({"name": "杭州市上城区市场监督管理局", "uscc": "11330102MB0D12340G",
                        "region_code": "330102", "generate_key": "p256"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["key_label"], "dept-11330102mb0d12340g-p256");
        let k = s.key(Some("11330102MB0D12340G"), &["issue:*"]).await;
        let mut body = example_request();
        body["face"]["registration_authority"] = json!("杭州市上城区市场监督管理局");
        let licence = issue(&s, &k, &body).await;
        assert_eq!(licence["signature"]["algorithm"], "ECDSA-P256-SHA256");
        // The same USCC again: conflict, and the first one is unchanged.
        s.post(
            "/v1/departments",
            Some(ADMIN_TOKEN),
            &json!({"name": "x", "uscc": "11330102MB0D12340G", "region_code": "330102",
                    "key_label": "dept-xihu-samr-sm2"}),
        )
        .await
        .assert_problem(409, "conflict");
        // A certificate for another key is refused.
        let cert =
            std::fs::read_to_string(util::repo_root().join("keys-dev/dept-xihu-samr-sm2.crt"))
                .unwrap();
        let r = s
            .post(
                "/v1/departments",
                Some(ADMIN_TOKEN),
                &json!({"name": "y", "uscc": "12330000MB12345676", "region_code": "330000",
                        "key_label": "dept-xihu-health-sm2", "certificate_pem": cert}),
            )
            .await;
        r.assert_problem(422, "validation");
        assert_eq!(r.body["errors"][0]["code"], "key_mismatch");
        // Every bad field at once.
        let r = s
            .post(
                "/v1/departments",
                Some(ADMIN_TOKEN),
                &json!({"name": "", "uscc": "123", "region_code": "x"}),
            )
            .await;
        r.assert_problem(422, "validation");
        assert!(
            r.body["errors"].as_array().unwrap().len() >= 4,
            "{}",
            r.body
        );
        // A department reads itself, not others.
        let own = s.key(Some(SAMR), &["reuse"]).await;
        assert_eq!(
            s.get(&format!("/v1/departments/{SAMR}"), Some(&own))
                .await
                .status,
            200
        );
        s.get(&format!("/v1/departments/{HEALTH}"), Some(&own))
            .await
            .assert_problem(403, "forbidden");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_endpoints() {
    let s = util::start(None, None).await;
    assert_eq!(s.get("/healthz", None).await.body["status"], "ok");
    let r = s.get("/readyz", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["checks"]["database"], "ok");
    assert_eq!(r.body["checks"]["keystore"], "ok");
    assert!(r.body.get("detail").is_none(), "{}", r.body);
    // An administrator also sees what trust is in force (keys-dev/pki: two CAs).
    let r = s.get("/readyz", Some(ADMIN_TOKEN)).await;
    assert_eq!(r.body["detail"]["trust"]["anchors"], 2, "{}", r.body);
    assert_eq!(r.body["detail"]["trust"]["crls"], 4, "{}", r.body);
    // A bad key is refused, not treated as anonymous.
    assert_eq!(s.get("/readyz", Some("zk_nope")).await.status, 401);
    let types = s.get("/v1/licence-types", None).await;
    assert_eq!(types.body["types"].as_array().unwrap().len(), 3);
    // The caller's request id is echoed when sane, replaced when not.
    let r = s
        .call(
            Method::GET,
            "/healthz",
            None,
            None,
            &[("x-request-id", "abc-123")],
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "abc-123");
    let r = s
        .call(
            Method::GET,
            "/healthz",
            None,
            None,
            &[("x-request-id", "a b\"c")],
        )
        .await;
    assert_eq!(r.headers["x-request-id"].len(), 32);
    let text = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "zhengku_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains("zhengku_http_request_duration_seconds_bucket{route=\"/readyz\""));
    let doc = s.get("/openapi.json", None).await;
    assert_eq!(doc.body["openapi"], "3.1.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_matches_the_committed_file() {
    let generated = zhengku_server::openapi::document_json();
    let path = util::repo_root().join("api/openapi.json");
    if std::env::var("ZHENGKU_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "api/openapi.json differs from the code; regenerate with \
         `cargo run -p zhengku -- openapi > api/openapi.json` (or ZHENGKU_BLESS=1)"
    );
    // Every route of the router is documented.
    let doc: Value = serde_json::from_str(&generated).unwrap();
    for p in [
        "/v1/licences",
        "/v1/licences:batch",
        "/v1/licences/{identifier}",
        "/v1/licences/{identifier}/status",
        "/v1/licences/{identifier}/revoke",
        "/v1/licences/{identifier}/history",
        "/v1/departments",
        "/v1/api-keys",
        "/v1/audit",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} undocumented");
    }
}

/// The committed document is valid OpenAPI 3.1 for a validator we did not write
/// (openapi-spec-validator; scripts/test.sh installs it).
#[test]
fn openapi_document_passes_an_independent_validator() {
    let path = util::repo_root().join("api/openapi.json");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys\n\
             from openapi_spec_validator import validate\n\
             from openapi_spec_validator.readers import read_from_filename\n\
             d, _ = read_from_filename(sys.argv[1]); validate(d); print(d['openapi'])",
        ])
        .arg(&path)
        .output()
        .expect("python3 (scripts/test.sh installs openapi-spec-validator)");
    assert!(
        out.status.success(),
        "openapi-spec-validator rejects api/openapi.json: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3.1.0");
}

/// Many concurrent issue calls share group-commit transactions; one call's failure (an
/// idempotency key reused with another body) fails that call alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_issues_share_commits_but_not_failures() {
    on_both(|s| async move {
        let k = s.key(Some(SAMR), &["issue:*"]).await;
        let s = std::sync::Arc::new(s);
        let mut calls = Vec::new();
        for i in 0..40 {
            let s = s.clone();
            let k = k.clone();
            calls.push(tokio::spawn(async move {
                let body = holder_request("91330106MA2H0YKU5B", &format!("C-{i}"));
                // Calls 0 and 1 use one key with different bodies: exactly one may win.
                let key = if i < 2 {
                    "shared-key".to_owned()
                } else {
                    format!("k-{i}")
                };
                let r = s
                    .call(
                        Method::POST,
                        "/v1/licences",
                        Some(&k),
                        Some(&body),
                        &[("idempotency-key", &key)],
                    )
                    .await;
                (
                    r.status.as_u16(),
                    r.body["identifier"].as_str().map(str::to_owned),
                )
            }));
        }
        let mut outcomes = Vec::new();
        for c in calls {
            outcomes.push(c.await.unwrap());
        }
        let created: Vec<_> = outcomes.iter().filter(|(st, _)| *st == 201).collect();
        let conflicts = outcomes.iter().filter(|(st, _)| *st == 409).count();
        assert_eq!((created.len(), conflicts), (39, 1), "{outcomes:?}");
        let mut ids: Vec<_> = created.iter().filter_map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 39, "identifiers must be distinct");
        let issued = s
            .audit()
            .await
            .iter()
            .filter(|e| e["action"] == "licence.issue")
            .count();
        assert_eq!(issued, 39);
        assert_eq!(s.count_rows("licences").await, 39);
    })
    .await;
}
