//! `zhengku seal`: draw a development seal picture, make a seal with the development seal
//! maker (keys-dev/), stamp a document, inspect and verify — for SM2 and P-256 — and check
//! each kind of damage exits with the code the contract says. `openssl asn1parse` reads the
//! seal's DER (a parser we did not write).

use std::path::PathBuf;

use crate::util::{Dir, Run, repo_root};

fn keys_dev(name: &str) -> String {
    repo_root()
        .join("keys-dev")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn pki_dir() -> String {
    keys_dev("pki")
}

/// draw → make → stamp over `doc.txt`, in `d`: returns the seal and signature paths.
fn make_and_stamp(d: &Dir, alg: &str) -> (PathBuf, PathBuf) {
    let (seal, sig) = (format!("seal-{alg}.esl"), format!("sig-{alg}.der"));
    d.zhengku(&[
        "seal",
        "draw",
        "--name",
        "杭州市西湖区市场监督管理局",
        "--out",
        "seal.svg",
        "--force",
    ])
    .expect(0);
    let svg = String::from_utf8(d.read("seal.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("证照专用章"), "{svg}");
    d.make_dev_seal(alg, "3301060100000001", &seal).expect(0);
    d.write("doc.txt", "营业执照 91330106MA2H0YKU5B\n");
    let r = d
        .zhengku(&[
            "seal",
            "stamp",
            "--seal",
            &seal,
            "--holder-key",
            &keys_dev(&format!("keys/seal-xihu-samr-{alg}.key")),
            "--holder-cert",
            &keys_dev(&format!("seal-xihu-samr-{alg}.crt")),
            "--data",
            "doc.txt",
            "--out",
            &sig,
        ])
        .expect(0);
    assert!(r.stdout.contains("stamped"), "{}", r.stdout);
    (d.path(&seal), d.path(&sig))
}

fn verify(d: &Dir, file: &str, extra: &[&str]) -> Run {
    let mut args = vec!["seal", "verify", file];
    args.extend_from_slice(extra);
    d.zhengku(&args)
}

fn check_line<'a>(stdout: &'a str, label: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no {label} line in:\n{stdout}"))
}

#[test]
fn seal_make_stamp_inspect_verify_sm2() {
    let d = Dir::new();
    let (seal, sig) = make_and_stamp(&d, "sm2");
    let (seal, sig) = (seal.to_str().unwrap(), sig.to_str().unwrap());
    let pki = pki_dir();

    // The real thing: all seven checks of the signature pass. A seal made outside any
    // library has no status anyone vouches for, so the verdict is 无法核验 (exit 2), and
    // the output says why.
    let r = verify(&d, sig, &["--pki-dir", &pki, "--data", "doc.txt"]).expect(2);
    assert_eq!(r.stdout.matches("[PASS]").count(), 7, "{}", r.stdout);
    assert!(!r.stdout.contains("[FAIL]") && !r.stdout.contains("[SKIP]"));
    assert!(
        check_line(&r.stdout, "(印章状态)").contains("[????]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("verdict: 无法核验 (unverifiable)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("seal's status was not checked"),
        "{}",
        r.stdout
    );

    // Another document: the hash check fails.
    d.write("other.txt", "营业执照 91330106MA2H0YKU5C\n");
    let r = verify(&d, sig, &["--pki-dir", &pki, "--data", "other.txt"]).expect(1);
    assert!(
        check_line(&r.stdout, "原文杂凑值").contains("[FAIL]"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("INVALID"), "{}", r.stdout);

    // Without anchors: the chains are unverifiable, never passed, and it says so.
    let r = verify(&d, sig, &["--data", "doc.txt"]).expect(2);
    assert!(
        check_line(&r.stdout, "(制章者证书链)").contains("[????]"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("whose keys they are"), "{}", r.stdout);

    // Anchors given one by one (PEM) instead of --pki-dir, at an explicit time.
    let sm2 = |f: &str| keys_dev(&format!("pki/sm2/{f}"));
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    verify(
        &d,
        sig,
        &[
            "--trust",
            &sm2("root.crt"),
            "--intermediate",
            &sm2("issuing.crt"),
            "--crl",
            &sm2("root.crl"),
            "--crl",
            &sm2("issuing.crl"),
            "--at",
            &now,
        ],
    )
    .expect(2);

    // The last byte of the file is inside the signature BIT STRING.
    let mut bytes = std::fs::read(sig).unwrap();
    *bytes.last_mut().unwrap() ^= 0x01;
    d.write("tampered.der", &bytes);
    let r = verify(
        &d,
        "tampered.der",
        &["--pki-dir", &pki, "--data", "doc.txt"],
    )
    .expect(1);
    assert!(
        check_line(&r.stdout, "(签章签名)").contains("[FAIL]"),
        "{}",
        r.stdout
    );

    // The seal on its own.
    let r = verify(&d, seal, &["--pki-dir", &pki]).expect(2);
    assert!(!r.stdout.contains("[FAIL]"), "{}", r.stdout);
    assert_eq!(r.stdout.matches("[PASS]").count(), 3, "{}", r.stdout);
    verify(&d, seal, &["--data", "doc.txt"]).expect(2);

    // Inspect: readable, labelled in both languages, and clear that it does not verify.
    for file in [seal, sig] {
        let r = d.zhengku(&["seal", "inspect", file]).expect(0);
        let out = &r.stdout;
        assert!(out.starts_with("NOT VERIFIED"), "{out}");
        assert!(out.contains("esID (印章编码): 3301060100000001"), "{out}");
        assert!(
            out.contains("杭州市西湖区市场监督管理局证照专用章"),
            "{out}"
        );
        assert!(out.contains("1 单位印章"), "{out}");
        assert!(
            out.contains("SM2-with-SM3, OID 1.2.156.10197.1.501"),
            "{out}"
        );
    }
    let r = d
        .zhengku(&["seal", "inspect", sig, "--picture-out", "out.svg"])
        .expect(0);
    assert!(
        r.stdout.contains("timeStamp (时间戳): absent"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("propertyInfo (原文属性): doc.txt"),
        "{}",
        r.stdout
    );
    assert_eq!(d.read("out.svg"), d.read("seal.svg"));
    let r = d.zhengku(&["seal", "inspect", seal, "--json"]).expect(0);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["verified"], false);
    assert_eq!(j["seal.esID"], "3301060100000001");

    // Garbage: exit 2, one line naming the element and the byte offset.
    d.write("garbage.der", b"\x30\x03\x02\x01");
    for cmd in ["inspect", "verify"] {
        let r = d.zhengku(&["seal", cmd, "garbage.der"]).expect(2);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.contains("SES_Signature") && r.stderr.contains("at byte"),
            "{}",
            r.stderr
        );
    }

    // A tool we did not write parses our DER.
    let r = d.openssl_ok(&["asn1parse", "-inform", "DER", "-in", seal]);
    assert!(r.stdout.contains("IA5STRING") || r.stdout.contains("SEQUENCE"));
    d.openssl_ok(&["asn1parse", "-inform", "DER", "-in", sig]);
}

#[test]
fn seal_make_stamp_verify_p256() {
    let d = Dir::new();
    let (seal, sig) = make_and_stamp(&d, "p256");
    let pki = pki_dir();
    let r = verify(
        &d,
        sig.to_str().unwrap(),
        &["--pki-dir", &pki, "--data", "doc.txt"],
    )
    .expect(2);
    assert_eq!(r.stdout.matches("[PASS]").count(), 7, "{}", r.stdout);
    let r = d
        .zhengku(&["seal", "inspect", seal.to_str().unwrap()])
        .expect(0);
    assert!(r.stdout.contains("ECDSA-SHA256"), "{}", r.stdout);
    assert!(r.stdout.contains("1.2.840.10045.4.3.2"), "{}", r.stdout);
}

#[test]
fn seal_commands_refuse_bad_input() {
    let d = Dir::new();
    d.write("seal.svg", "x");
    // draw does not overwrite without --force.
    let r = d
        .zhengku(&["seal", "draw", "--name", "西湖区", "--out", "seal.svg"])
        .expect(2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    d.zhengku(&[
        "seal",
        "draw",
        "--name",
        "西湖区",
        "--out",
        "seal.svg",
        "--force",
    ])
    .expect(0);
    // The maker key must be the maker certificate's key.
    let r = d
        .zhengku(&[
            "seal",
            "make",
            "--maker-key",
            &keys_dev("keys/seal-xihu-samr-sm2.key"),
            "--maker-cert",
            &keys_dev("seal-maker-sm2.crt"),
            "--holder-cert",
            &keys_dev("seal-xihu-samr-sm2.crt"),
            "--picture",
            "seal.svg",
            "--name",
            "西湖区证照专用章",
            "--esid",
            "3301060100000001",
            "--out",
            "x.esl",
        ])
        .expect(2);
    assert!(r.stderr.contains("is not the key of"), "{}", r.stderr);
    // Type 3 is a usage error.
    d.zhengku(&[
        "seal",
        "make",
        "--maker-key",
        &keys_dev("keys/seal-maker-sm2.key"),
        "--maker-cert",
        &keys_dev("seal-maker-sm2.crt"),
        "--holder-cert",
        &keys_dev("seal-xihu-samr-sm2.crt"),
        "--picture",
        "seal.svg",
        "--name",
        "西湖区证照专用章",
        "--esid",
        "3301060100000001",
        "--type",
        "3",
        "--out",
        "x.esl",
    ])
    .expect(2);
}
