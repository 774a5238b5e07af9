//! The CLI's contract as a new user meets it: exit codes, one-line errors, file modes.

use crate::util::Dir;

#[test]
fn keygen_writes_a_private_key_only_its_owner_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let d = Dir::new();
    let out = d
        .zhengku(&[
            "keygen",
            "--alg",
            "p256",
            "--out",
            "k.pem",
            "--pub-out",
            "p.pem",
        ])
        .expect(0);
    assert!(out.stdout.contains("ECDSA-P256-SHA256"));
    let mode = std::fs::metadata(d.path("k.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        String::from_utf8(d.read("k.pem"))
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----\n")
    );
    assert!(
        String::from_utf8(d.read("p.pem"))
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----\n")
    );
    // Never overwrites a key by accident.
    let again = d
        .zhengku(&["keygen", "--alg", "p256", "--out", "k.pem"])
        .expect(2);
    assert!(again.stderr.contains("already exists"));
}

#[test]
fn usage_errors_exit_2_and_input_errors_say_one_line() {
    let d = Dir::new();
    d.zhengku(&["keygen", "--alg", "rsa", "--out", "k"])
        .expect(2);
    d.zhengku(&["sig"]).expect(2);
    d.zhengku(&["frobnicate"]).expect(2);

    d.keygen("sm2");
    d.write("doc", "abc");
    for (sig, why) in [
        (&b"\x30\x03\x02\x01"[..], "truncated"),
        (&b"not a signature at all"[..], "expected SEQUENCE"),
        (&b""[..], "empty"),
    ] {
        d.write("bad.sig", sig);
        let r = d
            .zhengku(&[
                "sig", "verify", "--pub", "p.pem", "--in", "doc", "--sig", "bad.sig",
            ])
            .expect(2);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(why), "{}", r.stderr);
    }
    let r = d
        .zhengku(&[
            "sig",
            "verify",
            "--pub",
            "missing.pem",
            "--in",
            "doc",
            "--sig",
            "bad.sig",
        ])
        .expect(2);
    assert!(
        r.stderr
            .starts_with("zhengku: error: cannot open missing.pem"),
        "{}",
        r.stderr
    );
}

#[test]
fn signature_with_trailing_byte_is_an_input_error_not_a_pass() {
    let d = Dir::new();
    d.keygen("sm2");
    d.write("doc", "abc");
    d.sig_sign("k.pem", "doc", "s");
    let mut sig = d.read("s");
    d.sig_verify("p.pem", "doc", "s").expect(0);
    sig.push(0);
    d.write("s", &sig);
    let r = d
        .zhengku(&[
            "sig", "verify", "--pub", "p.pem", "--in", "doc", "--sig", "s",
        ])
        .expect(2);
    assert!(r.stderr.contains("trailing"), "{}", r.stderr);
}

#[test]
fn sign_reads_standard_input() {
    let d = Dir::new();
    d.keygen("sm2");
    d.write("doc", "from a pipe");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_zhengku"))
        .args(["sig", "sign", "--key", "k.pem", "--in", "-", "--out", "s"])
        .current_dir(d.path(""))
        .stdin(std::fs::File::open(d.path("doc")).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    d.sig_verify("p.pem", "doc", "s").expect(0);
}

#[test]
fn raw_r_s_signatures_are_accepted_on_input() {
    let d = Dir::new();
    d.keygen("sm2");
    d.write("doc", "abc");
    d.sig_sign("k.pem", "doc", "s");
    let der = d.read("s");
    let sig = zhengku_crypto::Signature::from_der(zhengku_crypto::Algorithm::Sm2Sm3, &der).unwrap();
    d.write("raw", sig.to_raw());
    d.sig_verify("p.pem", "doc", "raw").expect(0);
    d.write("doc", "abd");
    d.sig_verify("p.pem", "doc", "raw").expect(1);
}

#[test]
fn id_check_names_each_kind_and_explains_failures() {
    let d = Dir::new();
    let ok = d
        .zhengku(&[
            "id",
            "check",
            "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
            "11430000006122244L",
            "11010519491231002X",
        ])
        .expect(0);
    let lines: Vec<&str> = ok.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", ok.stdout);
    assert!(
        lines[0].contains("valid licence identifier") && lines[0].contains("serial 2025052201")
    );
    assert!(lines[1].contains("valid unified social credit code"));
    assert!(lines[2].contains("valid citizen ID number") && lines[2].contains("1949-12-31"));

    // One bad value among good ones: exit 1, and the bad one says why.
    let bad = d
        .zhengku(&[
            "id",
            "check",
            "11430000006122244L",
            "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.1",
            "11430000006122244M",
            "hello",
        ])
        .expect(1);
    let lines: Vec<&str> = bad.stdout.lines().collect();
    assert!(lines[0].contains("valid unified social credit code"));
    assert!(
        lines[1].contains("INVALID licence identifier") && lines[1].contains("expected 0, found 1"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("INVALID") && lines[2].contains("expected L, found M"),
        "{}",
        lines[2]
    );
    assert!(lines[3].contains("not a recognised identifier"));

    d.zhengku(&["id", "check"]).expect(2);
}
