//! Signed status lists and trust lists end to end: a real `zhengku serve` issues, revokes
//! and suspends; `zhengku trust-list make` signs the region's lists with the development
//! list key; `zhengku sync` brings an offline verifier's folder up to date; `zhengku verify
//! --trust DIR` judges signed records by the synced lists alone. Then what must fail does:
//! a clock past the lists' lifetime, a replayed older trust list, a second list with the
//! same seq, a doctored list, a doctored local copy, and syncs killed at random points.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::util::{Dir, Run, Serve, curl, get, issue_with, post, repo_root, samr_key};

/// `zhengku` run from the repository root (the development key store is keys-dev/keys).
pub(crate) fn zk(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The development trust-list settings with the service's base URL and absolute paths.
pub(crate) fn config(d: &Dir, base: &str) -> PathBuf {
    let keys_dev = repo_root().join("keys-dev");
    let text = std::fs::read_to_string(keys_dev.join("trust-list.toml")).unwrap();
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("base_url") {
                format!("base_url = \"{base}\"")
            } else {
                // Certificate paths are relative to the settings file: make them absolute.
                l.replace("[\"", &format!("[\"{}/", keys_dev.display()))
                    .replace(", \"", &format!(", \"{}/", keys_dev.display()))
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    d.write("trust-list.toml", text)
}

/// Makes the next pair of lists into `out`.
pub(crate) fn make(config: &Path, out: &Path) {
    let samr = repo_root().join("keys-dev/dept-xihu-samr-sm2.crt");
    zk(&[
        "trust-list",
        "make",
        "--config",
        s(config),
        "--out",
        s(out),
        "--signer-cert",
        s(&samr),
    ])
    .expect(0);
}

pub(crate) fn sync(base: &str, into: &Path) -> Run {
    let pin = repo_root().join("keys-dev/trust-list-signer-sm2.crt");
    zk(&["sync", "--from", base, "--pin", s(&pin), "--into", s(into)])
}

pub(crate) fn verify(folder: &Path, input: &Path, at: Option<OffsetDateTime>) -> Run {
    let mut args = vec!["verify", "--trust", s(folder), s(input)];
    let at = at.map(|t| t.format(&Rfc3339).unwrap());
    if let Some(t) = &at {
        args.extend(["--at", t]);
    }
    zk(&args)
}

/// Issues the sample business licence; returns its identifier and signed record (a file).
fn issue(srv: &Serve, token: &str, d: &Dir, name: &str) -> (String, PathBuf) {
    let id = issue_with(srv, token);
    let r = get(srv, token, &format!("/v1/licences/{id}"));
    assert_eq!(r.status, 200, "{r:?}");
    let signed = base64::engine::general_purpose::STANDARD
        .decode(r.json()["signed"].as_str().unwrap())
        .unwrap();
    (id, d.write(name, signed))
}

fn change(srv: &Serve, token: &str, id: &str, what: &str) {
    let r = post(
        srv,
        token,
        &format!("/v1/licences/{id}/{what}"),
        &json!({"reason": "西市监处〔2026〕7号"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
}

fn current(folder: &Path) -> String {
    std::fs::read_to_string(folder.join("current")).unwrap()
}

#[test]
fn a_synced_verifier_follows_revocations_and_refuses_replays() {
    let d = Dir::new();
    let data = d.path("data");
    let srv = Serve::start_args(
        &data,
        &repo_root().join("keys-dev"),
        // Short-lived tokens, so that the clock can pass a list's exp before the trust
        // list's next_update: ttl 10 minutes, exp 2 hours.
        &[
            "--status-refresh-secs",
            "1",
            "--status-ttl-secs",
            "600",
            "--status-exp-secs",
            "7200",
        ],
    );
    let token = samr_key(&srv, &["issue:*", "manage"]);
    let (valid_id, valid) = issue(&srv, &token, &d, "valid.zkl");
    let pdf = d.path("valid.pdf");
    let r = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-o",
        s(&pdf),
        &format!("{}/v1/licences/{valid_id}/pdf", srv.base),
    ]);
    assert_eq!(r.status, 200, "{r:?}");
    let (revoked_id, revoked) = issue(&srv, &token, &d, "revoked.zkl");
    let (suspended_id, suspended) = issue(&srv, &token, &d, "suspended.zkl");
    let (later_id, later) = issue(&srv, &token, &d, "later.zkl");
    let qr = |id: &str| {
        let r = get(&srv, &token, &format!("/v1/licences/{id}/qr"));
        assert_eq!(r.status, 200, "{r:?}");
        r.json()["text"].as_str().unwrap().to_owned()
    };
    let (valid_qr, later_qr) = (qr(&valid_id), qr(&later_id));
    change(&srv, &token, &revoked_id, "revoke");
    change(&srv, &token, &suspended_id, "suspend");

    // The region's lists, published by the service from its trust_lists_dir.
    let published = data.join("trust-lists");
    let config = config(&d, &srv.base);
    assert_eq!(
        curl(&[&format!("{}/trust/list", srv.base)]).status,
        404,
        "nothing published before trust-list make"
    );
    make(&config, &published);
    let seq1 = (
        std::fs::read(published.join("trust-list.cwt")).unwrap(),
        std::fs::read(published.join("signers.cwt")).unwrap(),
    );
    let r = curl(&["-i", &format!("{}/trust/list", srv.base)]);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/zhengku-trustlist+cwt")
    );

    // The first sync: every list checked against the pinned certificate.
    let folder = d.path("verifier");
    let r = sync(&srv.base, &folder).expect(0);
    assert!(r.stdout.contains("seq 1 (new)"), "{}", r.stdout);
    let r = verify(&folder, &valid, None).expect(0);
    assert!(r.stdout.contains("有效"), "{}", r.stdout);
    assert!(r.stdout.contains("from status list http"), "{}", r.stdout);
    let r = verify(&folder, &revoked, None).expect(1);
    assert!(r.stdout.contains("已撤销"), "{}", r.stdout);
    let r = verify(&folder, &suspended, None).expect(1);
    assert!(r.stdout.contains("已暂停"), "{}", r.stdout);
    // The QR code carries its entry compactly ([list, idx], claim 10): the same answer from
    // the text a phone camera reads.
    let r = zk(&["verify", "--trust", s(&folder), &valid_qr]).expect(0);
    assert!(r.stdout.contains("有效"), "{}", r.stdout);
    // The PDF: the licence's status and its seal's, both from the signed lists (the seal
    // names its entry in a seal list, inside what the seal maker signed).
    let r = verify(&folder, &pdf, None).expect(0);
    assert!(r.stdout.contains("有效"), "{}", r.stdout);
    assert!(
        r.stdout.contains("seal_status") && r.stdout.contains("active (启用)"),
        "{}",
        r.stdout
    );

    // A bundle for a USB stick: the same signed artefacts, checked, flat in a folder that
    // verifies as it is, wherever it is copied.
    let bundle = d.path("usb/bundle");
    let pin = repo_root().join("keys-dev/trust-list-signer-sm2.crt");
    let r = zk(&[
        "bundle",
        "export",
        "--from",
        &srv.base,
        "--pin",
        s(&pin),
        "--out",
        s(&bundle),
    ])
    .expect(0);
    assert!(r.stdout.contains("seq 1"), "{}", r.stdout);
    assert!(bundle.join("trust-list.cwt").is_file() && !bundle.join("current").exists());
    assert!(!bundle.join("status.json").exists(), "no unsigned list");
    verify(&bundle, &pdf, None).expect(0);
    let r = verify(&bundle, &revoked, None).expect(1);
    assert!(r.stdout.contains("已撤销"), "{}", r.stdout);
    let leftovers: Vec<_> = std::fs::read_dir(d.path("usb")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the bundle is left: {leftovers:?}");

    // The clock: twenty minutes on (past ttl, before exp) the answer holds, as of its iat;
    // three hours on the lists are past exp; 73 hours on the trust list is past its
    // next_update. Either way nothing is 有效.
    let now = OffsetDateTime::now_utc();
    let r = verify(&folder, &valid, Some(now + Duration::from_secs(20 * 60))).expect(0);
    assert!(r.stdout.contains("status as of"), "{}", r.stdout);
    let r = verify(&folder, &valid, Some(now + Duration::from_secs(3 * 3600))).expect(2);
    assert!(r.stdout.contains("无法核验"), "{}", r.stdout);
    assert!(r.stdout.contains("its list expired"), "{}", r.stdout);
    let r = verify(&folder, &pdf, Some(now + Duration::from_secs(3 * 3600))).expect(2);
    assert!(r.stdout.contains("无法核验"), "{}", r.stdout);
    let r = verify(&folder, &valid, Some(now + Duration::from_secs(73 * 3600))).expect(2);
    assert!(r.stdout.contains("无法核验"), "{}", r.stdout);
    assert!(r.stdout.contains("next_update"), "{}", r.stdout);

    // A revocation reaches the verifier on its next sync (the service makes a fresh token
    // after its refresh time, one second here).
    change(&srv, &token, &later_id, "revoke");
    verify(&folder, &later, None).expect(0);
    std::thread::sleep(Duration::from_millis(1500));
    let r = sync(&srv.base, &folder).expect(0);
    assert!(r.stdout.contains("seq 1 (unchanged)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("2 status list(s) fetched"),
        "{}",
        r.stdout
    );
    let r = verify(&folder, &later, None).expect(1);
    assert!(r.stdout.contains("已撤销"), "{}", r.stdout);
    let r = zk(&["verify", "--trust", s(&folder), &later_qr]).expect(1);
    assert!(r.stdout.contains("已撤销"), "{}", r.stdout);

    // The next list; then list 1 replayed, and another list 2 made from list 1.
    let scratch = d.path("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(scratch.join("trust-list.cwt"), &seq1.0).unwrap();
    std::fs::write(scratch.join("signers.cwt"), &seq1.1).unwrap();
    make(&config, &published);
    let r = sync(&srv.base, &folder).expect(0);
    assert!(r.stdout.contains("seq 2 (new)"), "{}", r.stdout);
    let held = current(&folder);
    let seq2 = (
        std::fs::read(published.join("trust-list.cwt")).unwrap(),
        std::fs::read(published.join("signers.cwt")).unwrap(),
    );
    let publish = |pair: &(Vec<u8>, Vec<u8>)| {
        std::fs::write(published.join("signers.cwt"), &pair.1).unwrap();
        std::fs::write(published.join("trust-list.cwt"), &pair.0).unwrap();
    };
    publish(&seq1);
    let r = sync(&srv.base, &folder);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("rollback"), "{}", r.stderr);
    assert_eq!(current(&folder), held, "a refused sync changes nothing");
    make(&config, &scratch);
    let other_seq2 = (
        std::fs::read(scratch.join("trust-list.cwt")).unwrap(),
        std::fs::read(scratch.join("signers.cwt")).unwrap(),
    );
    publish(&other_seq2);
    let r = sync(&srv.base, &folder);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("equivocation"), "{}", r.stderr);
    assert_eq!(current(&folder), held);
    // A doctored list (one byte of the certificates changed) and a signer list of another
    // pair are refused too.
    let mut doctored = seq2.clone();
    let at = doctored.0.len() / 2;
    doctored.0[at] ^= 1;
    publish(&doctored);
    assert_ne!(sync(&srv.base, &folder).code, 0);
    publish(&(seq2.0.clone(), other_seq2.1.clone()));
    let r = sync(&srv.base, &folder);
    assert!(r.stderr.contains("signer list"), "{}", r.stderr);
    assert_eq!(current(&folder), held);
    publish(&seq2);
    // The verifier still works from the last good snapshot.
    verify(&folder, &valid, None).expect(0);

    // A sync killed at any point leaves a snapshot that verifies, and a rerun completes.
    for i in 0..16u64 {
        let pin = repo_root().join("keys-dev/trust-list-signer-sm2.crt");
        let mut child = Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .args([
                "sync",
                "--from",
                &srv.base,
                "--pin",
                s(&pin),
                "--into",
                s(&folder),
            ])
            .current_dir(repo_root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(i * 4));
        let _ = child.kill();
        let _ = child.wait();
        let r = verify(&folder, &revoked, None);
        assert_eq!(
            r.code,
            1,
            "after a kill at {} ms: {}{}",
            i * 4,
            r.stdout,
            r.stderr
        );
    }
    sync(&srv.base, &folder).expect(0);
    let left: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "current and one snapshot: {left:?}");

    // The seal is suspended: on the next sync the PDF it sealed is no longer 有效 offline
    // (nothing offline attests when it was stamped, so the seal's status now decides).
    let r = post(
        &srv,
        &token,
        "/v1/seals/3301060100000001/suspend",
        &json!({"reason": "印章保管人变更"}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    verify(&folder, &pdf, None).expect(0);
    std::thread::sleep(Duration::from_millis(1500));
    sync(&srv.base, &folder).expect(0);
    let r = verify(&folder, &pdf, None).expect(1);
    assert!(r.stdout.contains("suspended (暂停)"), "{}", r.stdout);

    // A local copy changed after the sync is refused, not believed.
    let snapshot = folder.join(current(&folder).trim());
    let list = snapshot.join("sl/1.cwt");
    let mut bytes = std::fs::read(&list).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&list, bytes).unwrap();
    let r = verify(&folder, &valid, None).expect(2);
    assert!(r.stderr.contains("status list 1"), "{}", r.stderr);
}

/// Answers GET `path` with the bytes kept for it, 404 for anything else: a library (or
/// someone in between) replaying what it once served.
fn replay_server(files: std::collections::HashMap<String, Vec<u8>>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // The rest of the request head.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut out = &stream;
            let _ = match files.get(&path) {
                Some(body) => out
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| out.write_all(body)),
                None => out.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    base
}

/// What the service serves now under `paths`.
fn capture(srv: &Serve, paths: &[String]) -> std::collections::HashMap<String, Vec<u8>> {
    paths
        .iter()
        .map(|p| {
            let out = Command::new("curl")
                .args(["-sf", &format!("{}{p}", srv.base)])
                .output()
                .unwrap();
            assert!(out.status.success(), "{p}");
            (p.clone(), out.stdout)
        })
        .collect()
}

/// Statuses never go back in time: once a verifier holds a manifest and lists, an older
/// manifest is refused, and so is an older list even under a newer manifest that names it
/// (as a server holding the status signer's key could sign). The folder is unchanged and
/// keeps answering 已撤销.
#[test]
fn replayed_statuses_are_refused() {
    use zhengku_status::{Manifest, SignedStatusList, TypedDocument};

    let d = Dir::new();
    let data = d.path("data");
    let srv = Serve::start_args(
        &data,
        &repo_root().join("keys-dev"),
        &["--status-refresh-secs", "1"],
    );
    let token = samr_key(&srv, &["issue:*", "manage"]);
    let (id, record) = issue(&srv, &token, &d, "licence.zkl");
    make(&config(&d, &srv.base), &data.join("trust-lists"));
    let manifest_path = "/sl/manifest".to_owned();
    let first = capture(&srv, std::slice::from_ref(&manifest_path));
    let old_manifest = Manifest::verify(
        &first[&manifest_path],
        zhengku_testkit::keys_dev::key("status-signer-sm2").public_key(),
        &zhengku_crypto::Direct,
    )
    .unwrap();
    let mut paths: Vec<String> = ["/trust/list", "/trust/signers", "/trust/crls"]
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    paths.extend(old_manifest.lists.iter().map(|e| format!("/sl/{}", e.n)));
    let mut old = capture(&srv, &paths);
    old.insert(manifest_path.clone(), first[&manifest_path].clone());

    // The licence is revoked; the verifier syncs from the service and holds the news.
    std::thread::sleep(Duration::from_millis(1500));
    change(&srv, &token, &id, "revoke");
    std::thread::sleep(Duration::from_millis(1100));
    let folder = d.path("verifier");
    sync(&srv.base, &folder).expect(0);
    verify(&folder, &record, None).expect(1);
    let held = current(&folder);

    // The old manifest and lists, replayed.
    let replay = replay_server(old.clone());
    let r = sync(&replay, &folder);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("rollback"), "{}", r.stderr);
    assert_eq!(current(&folder), held);

    // A newer manifest, properly signed, naming the old licence list: the list is older
    // than the one held, and refused.
    let status_key = zhengku_testkit::keys_dev::key("status-signer-sm2");
    let licence_list = old_manifest
        .lists
        .iter()
        .find(|e| e.kind == "licence")
        .unwrap()
        .n;
    let old_token = &old[&format!("/sl/{licence_list}")];
    let old_iat = SignedStatusList::decode(old_token)
        .unwrap()
        .unverified_claims()
        .iat;
    // Every other list as the service serves it now, so that only this one goes back.
    let mut forged = old.clone();
    let others: Vec<String> = old_manifest
        .lists
        .iter()
        .filter(|e| e.n != licence_list)
        .map(|e| format!("/sl/{}", e.n))
        .collect();
    forged.extend(capture(&srv, &others));
    let now = u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap() + 5;
    let mut newer = old_manifest.clone();
    newer.iat = now;
    newer.exp = now + 3600;
    for e in &mut newer.lists {
        let t = &forged[&format!("/sl/{}", e.n)];
        e.sha256 = zhengku_crypto::sha256(t);
        e.iat = SignedStatusList::decode(t).unwrap().unverified_claims().iat;
    }
    assert!(newer.lists.iter().any(|e| e.iat == old_iat));
    forged.insert(manifest_path, newer.sign(&status_key).unwrap());
    let replay = replay_server(forged);
    let r = sync(&replay, &folder);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains(&format!("status list {licence_list}")) && r.stderr.contains("older"),
        "{}",
        r.stderr
    );
    assert_eq!(current(&folder), held);
    let r = verify(&folder, &record, None).expect(1);
    assert!(r.stdout.contains("已撤销"), "{}", r.stdout);
}
