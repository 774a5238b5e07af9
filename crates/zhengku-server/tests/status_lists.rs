//! `GET /sl/{n}` over HTTP, on SQLite and PostgreSQL: licences issued, one revoked and one
//! suspended; the list is a Token Status List signed by the development status signer
//! whose entries at the licences' signed indices say valid, revoked and suspended; the
//! signed manifest names that very token; `?time=` finds it again while it was current;
//! ETags give 304; unknown or oddly written list numbers are 404.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// Uses part of the shared harness.
#[allow(dead_code)]
mod util;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use util::{SAMR, Server, example_request, on_both};
use zhengku_crypto::Direct;
use zhengku_status::{Freshness, SignedStatusList, Status, TypedDocument};

/// The record's status reference of an issued licence (from the API's `signed`).
fn reference(licence: &Value) -> zhengku_status::Reference {
    let signed = STANDARD
        .decode(licence["signed"].as_str().unwrap())
        .unwrap();
    let signed = zhengku_model::SignedLicence::from_bytes(&signed).unwrap();
    signed.record().status.clone().expect("a status reference")
}

async fn fetch(s: &Server, path: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = s.client.get(format!("{}{path}", s.base));
    if let Some(e) = etag {
        req = req.header("If-None-Match", e);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_says_what_the_library_says() {
    on_both(|s| async move {
        let k = s.key(Some(SAMR), &["issue:*", "manage"]).await;
        let mut refs = Vec::new();
        let mut ids = Vec::new();
        for i in 0..3 {
            let mut req = example_request();
            req["licence_number"] = json!(format!("SL-{i}"));
            let r = s.post("/v1/licences", Some(&k), &req).await;
            assert_eq!(r.status, 201, "{}", r.body);
            refs.push(reference(&r.body));
            ids.push(r.body["identifier"].as_str().unwrap().to_owned());
        }
        let list = refs[0].list_number().unwrap();
        assert!(refs.iter().all(|r| r.list_number() == Some(list)));
        for (id, action) in [(&ids[1], "revoke"), (&ids[2], "suspend")] {
            let r = s
                .post(
                    &format!("/v1/licences/{id}/{action}"),
                    Some(&k),
                    &json!({"reason": "测试"}),
                )
                .await;
            assert_eq!(r.status, 200, "{action}: {}", r.body);
        }

        let r = fetch(&s, &format!("/sl/{list}"), None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/statuslist+cwt");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let token = r.bytes().await.unwrap();
        let signed = SignedStatusList::decode(&token).unwrap();
        // Signed by the development status signer, and by nobody else.
        let signer =
            std::fs::read_to_string(util::repo_root().join("keys-dev/keys/status-signer-sm2.key"))
                .unwrap();
        let signer = zhengku_crypto::PrivateKey::from_pem(&signer).unwrap();
        let claims = signed.verify(signer.public_key(), &Direct).unwrap();
        let dept =
            std::fs::read_to_string(util::repo_root().join("keys-dev/keys/dept-xihu-samr-sm2.key"))
                .unwrap();
        let dept = zhengku_crypto::PrivateKey::from_pem(&dept).unwrap();
        assert!(signed.verify(dept.public_key(), &Direct).is_err());
        // The list the licences' signed references name, at their indices.
        assert_eq!(claims.sub, refs[0].uri);
        assert_eq!(claims.list.len(), 1 << 20);
        let statuses: Vec<Status> = refs
            .iter()
            .map(|r| claims.list.status(r.idx).unwrap())
            .collect();
        assert_eq!(
            statuses,
            [Status::Valid, Status::Invalid, Status::Suspended]
        );
        let non_valid = (0..claims.list.len())
            .filter(|i| claims.list.get(*i).unwrap() != 0)
            .count();
        assert_eq!(non_valid, 2);
        assert_eq!(
            (claims.ttl, claims.exp),
            (Some(3600), Some(claims.iat + 72 * 3600))
        );
        let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap();
        assert_eq!(claims.freshness(now), Freshness::Fresh);

        // Polling with the ETag: 304 and no body; another ETag: the token again.
        let r = fetch(&s, &format!("/sl/{list}"), Some(&etag)).await;
        assert_eq!(r.status(), 304);
        assert!(r.bytes().await.unwrap().is_empty());
        let r = fetch(&s, &format!("/sl/{list}"), Some("\"0000\"")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.bytes().await.unwrap(), token);

        // History: the token current at its iat is the one served; before any token, or
        // at its exp, none (404); a time that is no number is a malformed request (400).
        let r = fetch(&s, &format!("/sl/{list}?time={}", claims.iat), None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.bytes().await.unwrap(), token);
        let r = fetch(
            &s,
            &format!("/sl/{list}?time={}", claims.iat + 72 * 3600 - 1),
            None,
        )
        .await;
        assert_eq!(r.bytes().await.unwrap(), token);
        for t in [claims.iat - 1, claims.iat + 72 * 3600] {
            s.get(&format!("/sl/{list}?time={t}"), None)
                .await
                .assert_problem(404, "not-found");
        }
        s.get(&format!("/sl/{list}?time=yesterday"), None)
            .await
            .assert_problem(400, "bad-request");

        // The manifest names this list's current token (its iat and hash), signed by the
        // same signer; polled with its ETag, 304.
        let r = fetch(&s, "/sl/manifest", None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "application/zhengku-statuslist-manifest+cwt"
        );
        let manifest_etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let bytes = r.bytes().await.unwrap();
        let manifest =
            zhengku_status::Manifest::verify(&bytes, signer.public_key(), &Direct).unwrap();
        assert!(zhengku_status::Manifest::verify(&bytes, dept.public_key(), &Direct).is_err());
        let entry = manifest.entry(list).expect("the list is named");
        assert_eq!(entry.uri, refs[0].uri);
        assert_eq!(entry.kind, "licence");
        assert_eq!(entry.iat, claims.iat);
        assert_eq!(entry.sha256, zhengku_crypto::sha256(&token));
        assert_eq!(manifest.exp, manifest.iat + 72 * 3600);
        assert_eq!(
            fetch(&s, "/sl/manifest", Some(&manifest_etag))
                .await
                .status(),
            304
        );

        // No such list, or a number written another way: 404 problems.
        for path in [
            "/sl/999999",
            "/sl/0",
            &format!("/sl/0{list}"),
            "/sl/abc",
            "/sl/-1",
        ] {
            let r = s.get(path, None).await;
            r.assert_problem(404, "not-found");
        }
    })
    .await;
}

/// Tokens are made ahead of requests: with no request for any list, one round of
/// `publish_once` (what the service runs every half ttl) leaves a signed token kept for
/// every list, licence and seal alike, and the manifest names them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_made_ahead_of_requests() {
    on_both(|s| async move {
        let k = s.key(Some(SAMR), &["issue:*", "manage"]).await;
        let r = s.post("/v1/licences", Some(&k), &example_request()).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let list = i64::try_from(reference(&r.body).list_number().unwrap()).unwrap();
        let store = zhengku_store::Store::connect(&s.db_url).await.unwrap();
        let seal_lists = store
            .status_lists(zhengku_store::StatusListKind::Seal)
            .await
            .unwrap();
        assert!(!seal_lists.is_empty(), "the development seals have entries");
        for l in seal_lists.iter().chain([&list]) {
            assert!(store.last_kept_status_token(*l).await.unwrap().is_none());
        }
        zhengku_server::status_publishing::publish_once(&s.state)
            .await
            .unwrap();
        for l in seal_lists.iter().chain([&list]) {
            let kept = store.last_kept_status_token(*l).await.unwrap();
            let kept = kept.unwrap_or_else(|| panic!("no token made ahead for list {l}"));
            let token = SignedStatusList::decode(&kept.token).unwrap();
            assert_eq!(
                i64::try_from(token.unverified_claims().iat).unwrap(),
                kept.iat
            );
        }
        let manifest = fetch(&s, "/sl/manifest", None).await;
        assert_eq!(manifest.status(), 200);
        store.close().await;
    })
    .await;
}
