//! `zhengku pki` and `zhengku keys`: CAs made and run from the command line, with the CA
//! keys in the development file store or in a real SoftHSM2 token, checked by OpenSSL.

use std::path::Path;

use crate::util::{Dir, repo_root};

const DEPT: &str = "杭州市西湖区市场监督管理局";
const USCC: &str = "11330106MB0B12345L";

fn file_keystore(d: &Dir) -> String {
    d.write(
        "ks.toml",
        "mode = \"development\"\nkind = \"file\"\ndir = \"keys\"\n",
    );
    "ks.toml".to_owned()
}

fn pki(d: &Dir, ks: &str, args: &[&str]) -> crate::util::Run {
    let mut all = vec!["pki", "--dir", "pki", "--keystore", ks];
    all.extend_from_slice(args);
    d.zhengku(&all)
}

/// OpenSSL checks root → issuing CA → `leaf` (SM2 link by link: OpenSSL 3.0 applies the
/// distinguishing ID only to the target certificate; see zhengku-pki's openssl tests).
fn openssl_chain_ok(d: &Dir, alg: &str, leaf: &str) {
    let root = format!("pki/{alg}/root.crt");
    let ca = format!("pki/{alg}/issuing.crt");
    if alg == "sm2" {
        let id = "distid:1234567812345678";
        let r = d.openssl(&["verify", "-vfyopt", id, "-CAfile", &root, &ca]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let r = d.openssl(&[
            "verify",
            "-vfyopt",
            id,
            "-partial_chain",
            "-CAfile",
            &ca,
            leaf,
        ]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    } else {
        let r = d.openssl(&["verify", "-CAfile", &root, "-untrusted", &ca, leaf]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
}

fn serial_of(stdout: &str) -> String {
    stdout
        .split_whitespace()
        .skip_while(|w| *w != "serial")
        .nth(1)
        .unwrap()
        .to_owned()
}

#[test]
fn file_store_ca_issues_every_kind_and_revokes() {
    let d = Dir::new();
    let ks = file_keystore(&d);
    pki(&d, &ks, &["init"]).expect(0);
    // A second init without --force refuses instead of replacing the CAs.
    let again = pki(&d, &ks, &["init"]).expect(2);
    assert!(again.stderr.contains("already holds"), "{}", again.stderr);

    for alg in ["sm2", "p256"] {
        for (kind, extra) in [
            ("department", vec!["--uscc", USCC]),
            ("seal-maker", vec!["--uscc", USCC]),
            ("seal", vec!["--uscc", USCC]),
            ("server", vec!["--dns", "localhost", "--ip", "127.0.0.1"]),
        ] {
            let out = format!("{alg}-{kind}.pem");
            let label = format!("{alg}-{kind}");
            let mut args = vec![
                "issue", "--alg", alg, "--kind", kind, "--name", DEPT, "--label", &label, "--out",
                &out,
            ];
            args.extend(extra.iter().copied());
            pki(&d, &ks, &args).expect(0);
            openssl_chain_ok(&d, alg, &out);
            let purpose = match kind {
                "department" => "licence",
                other => other,
            };
            let v = pki(&d, &ks, &["verify", "--purpose", purpose, &out]).expect(0);
            assert!(v.stdout.contains("CRLs checked: 2"), "{}", v.stdout);
        }
    }
    // The keys are where the key store says.
    let keys = d.zhengku(&["keys", "list", "--keystore", &ks]).expect(0);
    assert!(
        keys.stdout
            .lines()
            .any(|l| l.starts_with("sm2-department\tSM2-SM3\t")),
        "{}",
        keys.stdout
    );
    assert_eq!(keys.stdout.lines().count(), 4 + 8);

    // Purpose is enforced: a server certificate is no licence signer.
    pki(
        &d,
        &ks,
        &["verify", "--purpose", "licence", "p256-server.pem"],
    )
    .expect(1);
    // A department certificate needs its USCC.
    let r = pki(
        &d,
        &ks,
        &[
            "issue",
            "--alg",
            "sm2",
            "--kind",
            "department",
            "--name",
            "x",
            "--label",
            "x",
        ],
    )
    .expect(2);
    assert!(r.stderr.contains("--uscc"), "{}", r.stderr);

    // Revoke the P-256 department certificate: CRL number 2, OpenSSL sees it.
    let issued = pki(
        &d,
        &ks,
        &[
            "issue",
            "--alg",
            "p256",
            "--kind",
            "department",
            "--name",
            DEPT,
            "--uscc",
            USCC,
            "--label",
            "to-revoke",
            "--out",
            "r.pem",
        ],
    )
    .expect(0);
    let serial = serial_of(&issued.stdout);
    pki(&d, &ks, &["verify", "--require-crl", "r.pem"]).expect(0);
    let r = pki(&d, &ks, &["revoke", &serial, "--reason", "keyCompromise"]).expect(0);
    assert!(r.stdout.contains("issuing CRL number 2"), "{}", r.stdout);
    let v = pki(&d, &ks, &["verify", "--require-crl", "r.pem"]).expect(1);
    assert!(v.stdout.contains("revoked"), "{}", v.stdout);
    pki(&d, &ks, &["revoke", &serial, "--reason", "keyCompromise"]).expect(2);
    pki(&d, &ks, &["revoke", "abcdef", "--reason", "keyCompromise"]).expect(2);
    pki(&d, &ks, &["revoke", &serial, "--reason", "boredom"]).expect(2);

    let crl = d.openssl(&[
        "crl",
        "-in",
        "pki/p256/issuing.crl",
        "-CAfile",
        "pki/p256/issuing.crt",
        "-verify",
        "-noout",
        "-text",
    ]);
    assert_eq!(crl.code, 0, "{}", crl.stderr);
    assert!(crl.stderr.contains("verify OK") || crl.stdout.contains("verify OK"));
    assert!(
        crl.stdout.to_lowercase().contains(&serial),
        "{}",
        crl.stdout
    );
    assert!(crl.stdout.contains("Key Compromise"));
    let r = d.openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        "pki/p256/root.crt",
        "-untrusted",
        "pki/p256/issuing.crt",
        "-CRLfile",
        "pki/p256/issuing.crl",
        "r.pem",
    ]);
    assert_ne!(r.code, 0);
    assert!(
        r.stdout.contains("revoked") || r.stderr.contains("revoked"),
        "{}{}",
        r.stdout,
        r.stderr
    );

    // Fresh CRLs get the next numbers.
    let c = pki(&d, &ks, &["crl"]).expect(0);
    assert!(c.stdout.contains("issuing number 3"), "{}", c.stdout);
}

/// The same CA with its keys on a SoftHSM2 token: the root and issuing CA keys never exist
/// as files, and the certificates verify in OpenSSL.
#[test]
fn softhsm_ca_keys_stay_on_the_token() {
    let d = Dir::new();
    let (conf, _) = crate::util::softhsm_token(&d, "zhengku-ca");
    let run = |args: &[&str], pin: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .args(args)
            .current_dir(d.path(""))
            .env("SOFTHSM2_CONF", &conf)
            .env("ZK_TEST_PIN", pin)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let pki = |args: &[&str]| {
        let mut all = vec!["pki", "--dir", "pki", "--keystore", "hsm.toml"];
        all.extend_from_slice(args);
        let (code, _, err) = run(&all, "user-2222");
        assert_eq!(code, 0, "{args:?}: {err}");
    };
    pki(&["init"]);
    for (alg, kind, label, out) in [
        ("p256", "department", "dept-p256", "dept.pem"),
        ("sm2", "seal", "seal-sm2", "seal.pem"),
    ] {
        pki(&[
            "issue", "--alg", alg, "--kind", kind, "--name", DEPT, "--uscc", USCC, "--label",
            label, "--out", out,
        ]);
    }
    openssl_chain_ok(&d, "p256", "dept.pem");
    openssl_chain_ok(&d, "sm2", "seal.pem");
    let (code, list, _) = run(&["keys", "list", "--keystore", "hsm.toml"], "user-2222");
    assert_eq!(code, 0);
    assert!(list.contains("dept-p256\tECDSA-P256-SHA256"), "{list}");
    assert!(list.contains("seal-sm2\tSM2-SM3"), "{list}");
    assert_eq!(
        list.lines().filter(|l| l.contains("-ca-")).count(),
        4,
        "{list}"
    );
    // No private key file was written anywhere.
    assert_no_key_files(Path::new(&d.path("")));

    // A wrong PIN is refused, the PKCS#11 call is named, and the PIN is not echoed.
    let (code, _, err) = run(&["keys", "list", "--keystore", "hsm.toml"], "wrong-9999");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("C_Login"), "{err}");
    assert!(!err.contains("wrong-9999"), "{err}");
}

fn assert_no_key_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            assert_no_key_files(&p);
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            assert!(
                !text.contains("PRIVATE KEY"),
                "{} holds a private key",
                p.display()
            );
        }
    }
}

/// The committed development PKI validates, and its keys match its certificates.
#[test]
fn keys_dev_certificates_validate_and_match_their_keys() {
    let root = repo_root();
    for (cert, purpose, label) in [
        ("dept-xihu-samr-sm2.crt", "licence", "dept-xihu-samr-sm2"),
        ("dept-xihu-samr-p256.crt", "licence", "dept-xihu-samr-p256"),
        (
            "dept-xihu-health-sm2.crt",
            "licence",
            "dept-xihu-health-sm2",
        ),
        ("seal-maker-sm2.crt", "seal-maker", "seal-maker-sm2"),
        ("seal-xihu-samr-p256.crt", "seal", "seal-xihu-samr-p256"),
        ("server-p256.crt", "server", "server-p256"),
    ] {
        let path = root.join("keys-dev").join(cert);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .args([
                "pki",
                "--dir",
                "keys-dev/pki",
                "verify",
                "--purpose",
                purpose,
            ])
            .arg(&path)
            .current_dir(root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cert}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        // The certificate's key is the key store's key of that label.
        let keys = std::process::Command::new(env!("CARGO_BIN_EXE_zhengku"))
            .args(["keys", "list"])
            .current_dir(root)
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&keys.stdout);
        let key_id = listing
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{label}\t")))
            .and_then(|rest| rest.split('\t').nth(1))
            .unwrap_or_else(|| panic!("{label} not in keys-dev/keys:\n{listing}"))
            .to_owned();
        let d = Dir::new();
        let text = d.openssl(&["x509", "-in", path.to_str().unwrap(), "-pubkey", "-noout"]);
        let public = zhengku_crypto::PublicKey::from_pem(&text.stdout).unwrap();
        assert_eq!(public.key_id().to_string(), key_id, "{cert}");
    }
}
