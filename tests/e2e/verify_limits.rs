//! The public verification routes are bounded: past `--verify-concurrency` requests at
//! once the rest are answered 503 at once (problem+json, `Retry-After`), and a request
//! running past `--verify-timeout-ms` is answered 504; nothing else is affected.

use std::process::Command;

use serde_json::Value;

use crate::util::{Dir, Serve, curl, issue_sample, repo_root};

fn verify_pdf_with(base: &str, pdf: &std::path::Path, extra: &[&str]) -> (u16, Value, String) {
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "-H", "Content-Type: application/pdf"])
        .args(extra)
        .arg("--data-binary")
        .arg(format!("@{}", pdf.display()))
        .arg(format!("{base}/v1/verify"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::Null),
        head.to_ascii_lowercase(),
    )
}

#[test]
fn verification_is_bounded_in_concurrency_and_time() {
    let d = Dir::new();
    // One verification at a time.
    let s = Serve::start_args(
        &d.path("one"),
        &repo_root().join("keys-dev"),
        &["--verify-concurrency", "1"],
    );
    let (pdf, _, _) = issue_sample(&s, &d, "licence.pdf");
    // Each upload takes about half a second, so the first holds the one place while the
    // others arrive.
    let answers: Vec<(u16, Value, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|_| scope.spawn(|| verify_pdf_with(&s.base, &pdf, &["--limit-rate", "200k"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = answers.iter().filter(|a| a.0 == 200).count();
    let shed: Vec<&(u16, Value, String)> = answers.iter().filter(|a| a.0 == 503).collect();
    assert!(ok >= 1, "{answers:?}");
    assert!(
        !shed.is_empty(),
        "12 at once through a limit of 1: {answers:?}"
    );
    assert_eq!(ok + shed.len(), answers.len(), "{answers:?}");
    for (_, body, head) in shed {
        assert_eq!(body["type"], "urn:zhengku:problem:overloaded", "{body}");
        assert!(head.contains("retry-after: 1"), "{head}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
    }
    // Issuing is not a verification route: unaffected.
    let r = curl(&[&format!("{}/readyz", s.base)]);
    assert_eq!(r.status, 200);
    drop(s);

    // Four verifications at once, but large uploads only one at a time (a quarter of the
    // limit): of six slow PDF uploads one is verified, the others are refused — two by the
    // limit, three by the upload admission after a short wait.
    let s = Serve::start_args(
        &d.path("four"),
        &repo_root().join("keys-dev"),
        &["--verify-concurrency", "4"],
    );
    let (pdf, _, _) = issue_sample(&s, &d, "four.pdf");
    let answers: Vec<(u16, Value, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| verify_pdf_with(&s.base, &pdf, &["--limit-rate", "200k"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(
        statuses.iter().filter(|&&c| c == 200).count(),
        1,
        "{answers:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&c| c == 503).count(),
        5,
        "{answers:?}"
    );
    assert!(
        answers.iter().any(|a| a.1["detail"]
            .as_str()
            .is_some_and(|d| d.contains("large files"))),
        "the upload admission refused some: {answers:?}"
    );
    drop(s);

    // A request still uploading when the time limit runs out (a slow sender, as a
    // slowloris would be): 504.
    let s = Serve::start_args(
        &d.path("slow"),
        &repo_root().join("keys-dev"),
        &["--verify-timeout-ms", "200"],
    );
    let (pdf, _, _) = issue_sample(&s, &d, "slow.pdf");
    assert!(std::fs::metadata(&pdf).unwrap().len() > 64 * 1024);
    let (status, body, _) = verify_pdf_with(&s.base, &pdf, &["--limit-rate", "100k"]);
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["type"], "urn:zhengku:problem:timeout", "{body}");
    // A bad setting is refused at start.
    let out = Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .current_dir(repo_root())
        .args(["serve", "--dev", "--verify-concurrency", "0"])
        .arg("--data-dir")
        .arg(d.path("bad"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("verify_concurrency"),
        "{out:?}"
    );
}
