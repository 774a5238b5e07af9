//! Certificates and CRLs from `zhengku pki`, checked by BouncyCastle (Java,
//! `tests/interop/BcVerify.java`): a second SM2 implementation that verifies what the OpenSSL
//! 3.0 CLI cannot — SM2 root self-signatures and SM2 CRL signatures, with the GM/T 0009
//! default distinguishing ID.

use crate::util::{Dir, repo_root};

const BCPROV: &str = "/usr/share/java/bcprov.jar";

fn bc_verify(d: &Dir, args: &[&str]) -> crate::util::Run {
    let program = repo_root().join("tests/interop/BcVerify.java");
    let out = std::process::Command::new("java")
        .args(["-cp", BCPROV, program.to_str().unwrap()])
        .args(args)
        .current_dir(d.path(""))
        .output()
        .expect("java runs (scripts/test.sh installs it)");
    crate::util::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn bouncycastle_verifies_sm2_and_p256_chains_and_crls() {
    let d = Dir::new();
    d.write(
        "ks.toml",
        "mode = \"development\"\nkind = \"file\"\ndir = \"keys\"\n",
    );
    let pki = |args: &[&str]| {
        let mut all = vec!["pki", "--dir", "pki", "--keystore", "ks.toml"];
        all.extend_from_slice(args);
        d.zhengku(&all).expect(0)
    };
    pki(&["init"]);
    for alg in ["sm2", "p256"] {
        let leaf = format!("{alg}.pem");
        let issued = pki(&[
            "issue",
            "--alg",
            alg,
            "--kind",
            "department",
            "--name",
            "杭州市西湖区市场监督管理局",
            "--uscc",
            "11330106MB0B12345L",
            "--label",
            alg,
            "--out",
            &leaf,
        ]);
        let (root, ca, crl, root_crl) = (
            format!("pki/{alg}/root.crt"),
            format!("pki/{alg}/issuing.crt"),
            format!("pki/{alg}/issuing.crl"),
            format!("pki/{alg}/root.crl"),
        );
        let ok = bc_verify(&d, &[&root, &ca, &leaf, &crl]).expect(0);
        assert_eq!(ok.stdout.matches("OK ").count(), 4, "{}", ok.stdout);
        assert!(ok.stdout.contains("leaf revoked: false"), "{}", ok.stdout);

        // After revocation, BouncyCastle verifies the new CRL and finds the leaf in it.
        let serial = issued
            .stdout
            .split_whitespace()
            .skip_while(|w| *w != "serial")
            .nth(1)
            .unwrap()
            .to_owned();
        pki(&["revoke", &serial, "--reason", "superseded"]);
        let revoked = bc_verify(&d, &[&root, &ca, &leaf, &crl]).expect(0);
        assert!(
            revoked.stdout.contains("leaf revoked: true"),
            "{}",
            revoked.stdout
        );

        // It can fail: the root's CRL is not signed by the issuing CA, and a certificate
        // with one changed byte in its signature does not verify.
        let wrong = bc_verify(&d, &[&root, &ca, &leaf, &root_crl]).expect(1);
        assert!(wrong.stdout.contains("FAIL CRL"), "{}", wrong.stdout);
        let der_path = format!("{alg}.der");
        d.openssl_ok(&["x509", "-in", &leaf, "-outform", "DER", "-out", &der_path]);
        let mut bytes = d.read(&der_path);
        let n = bytes.len();
        bytes[n - 5] ^= 0x01; // inside the signature's s
        d.write(&der_path, &bytes);
        let bad = bc_verify(&d, &[&root, &ca, &der_path]).expect(1);
        assert!(
            bad.stdout.contains("FAIL leaf signed by issuing CA"),
            "{}",
            bad.stdout
        );
    }
}
