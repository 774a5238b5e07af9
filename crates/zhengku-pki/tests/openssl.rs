//! Certificates and CRLs zhengku makes, checked by OpenSSL: chains with `openssl verify`,
//! CRL signatures, revocation with `openssl verify -crl_check`, and the printed extensions.
//!
//! OpenSSL 3.0 and SM2 (found here, recorded in STANDARDS terms): `openssl verify -vfyopt
//! distid:1234567812345678` applies the distinguishing ID to the *target* certificate only.
//! An SM2 intermediate's signature is then checked without an ID and fails ("certificate
//! signature failure" at depth 1), even when the intermediate is in -CAfile. `openssl crl
//! -verify` has no way to pass an ID at all. So for SM2 the chain is checked link by link —
//! root → issuing CA with the root as anchor, issuing CA → department with `-partial_chain`
//! and the issuing CA as anchor — and the CRL signature with `openssl pkeyutl -verify
//! -rawin -digest sm3 -pkeyopt distid:…` over the exact TBSCertList bytes. Every signature
//! is still checked by OpenSSL. P-256 goes through the ordinary commands.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use time::{Duration, OffsetDateTime};
use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_model::codes::Uscc;
use zhengku_pki::{
    CertKind, CertificateParams, Issuer, RevocationReason, Revoked, Serial, SubjectInfo,
    issue_certificate, issue_crl,
};

fn pem(label: &str, der: &[u8]) -> String {
    use std::fmt::Write;
    let b64 = base64_encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        writeln!(out, "{}", std::str::from_utf8(chunk).unwrap()).unwrap();
    }
    writeln!(out, "-----END {label}-----").unwrap();
    out
}

fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

struct Hierarchy {
    root: Vec<u8>,
    issuing: Vec<u8>,
    issuing_key: PrivateKey,
    department: Vec<u8>,
    department_serial: Serial,
}

fn params(kind: CertKind, subject: SubjectInfo, years: i64, crl: bool) -> CertificateParams {
    let now = OffsetDateTime::now_utc();
    CertificateParams {
        kind,
        subject,
        serial: Serial::random().unwrap(),
        not_before: now - Duration::hours(1),
        not_after: now + Duration::days(365 * years),
        crl_url: crl.then(|| "http://127.0.0.1:8080/pki/issuing.crl".to_owned()),
    }
}

fn hierarchy(alg: Algorithm) -> Hierarchy {
    let root_key = PrivateKey::generate(alg).unwrap();
    let root = issue_certificate(
        &Issuer::SelfSigned(&root_key),
        root_key.public_key(),
        &params(
            CertKind::RootCa,
            SubjectInfo::named("证库开发根CA"),
            20,
            false,
        ),
    )
    .unwrap();
    let issuing_key = PrivateKey::generate(alg).unwrap();
    let issuing = issue_certificate(
        &Issuer::Ca {
            certificate: &root,
            signer: &root_key,
        },
        issuing_key.public_key(),
        &params(
            CertKind::IssuingCa,
            SubjectInfo::named("证库开发签发CA"),
            10,
            true,
        ),
    )
    .unwrap();
    let dept_key = PrivateKey::generate(alg).unwrap();
    let dept_params = params(
        CertKind::Department,
        SubjectInfo::organisation(
            "杭州市西湖区市场监督管理局",
            Uscc::parse("11330106MB0B12345L").unwrap(),
        ),
        3,
        true,
    );
    let department = issue_certificate(
        &Issuer::Ca {
            certificate: &issuing,
            signer: &issuing_key,
        },
        dept_key.public_key(),
        &dept_params,
    )
    .unwrap();
    Hierarchy {
        root,
        issuing,
        issuing_key,
        department,
        department_serial: dept_params.serial,
    }
}

fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The `openssl verify` runs that check root → issuing CA → `leaf` (see the module docs
/// for why SM2 needs two), optionally with CRL checking against `crl`.
fn chain_checks(
    alg: Algorithm,
    leaf: &'static str,
    crl: Option<&'static str>,
) -> Vec<Vec<&'static str>> {
    let crl_args = |v: &mut Vec<&'static str>| {
        if let Some(crl) = crl {
            v.extend(["-crl_check", "-CRLfile", crl]);
        }
    };
    match alg {
        Algorithm::Sm2Sm3 => {
            let mut upper = verify_args(alg);
            upper.extend(["-CAfile", "root.pem", "ca.pem"]);
            let mut lower = verify_args(alg);
            lower.extend(["-partial_chain", "-CAfile", "ca.pem"]);
            crl_args(&mut lower);
            lower.push(leaf);
            vec![upper, lower]
        }
        _ => {
            let mut all = verify_args(alg);
            all.extend(["-CAfile", "root.pem", "-untrusted", "ca.pem"]);
            crl_args(&mut all);
            all.push(leaf);
            vec![all]
        }
    }
}

fn verify_args(alg: Algorithm) -> Vec<&'static str> {
    match alg {
        Algorithm::Sm2Sm3 => vec!["verify", "-vfyopt", "distid:1234567812345678"],
        _ => vec!["verify"],
    }
}

#[test]
fn openssl_verifies_both_chains_and_reads_the_profile() {
    for alg in Algorithm::ALL {
        let h = hierarchy(alg);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("root.pem"), pem("CERTIFICATE", &h.root)).unwrap();
        std::fs::write(dir.path().join("ca.pem"), pem("CERTIFICATE", &h.issuing)).unwrap();
        std::fs::write(
            dir.path().join("dept.pem"),
            pem("CERTIFICATE", &h.department),
        )
        .unwrap();

        for link in chain_checks(alg, "dept.pem", None) {
            let (ok, out) = openssl(dir.path(), &link);
            assert!(ok, "{alg}: openssl {link:?} failed: {out}");
            assert!(out.contains(": OK"), "{out}");
        }

        // A department certificate presented without its issuing CA does not verify, and
        // a department certificate cannot act as a CA.
        let mut args = verify_args(alg);
        args.extend(["-CAfile", "root.pem", "dept.pem"]);
        assert!(!openssl(dir.path(), &args).0);
        let mut args = verify_args(alg);
        args.extend(["-partial_chain", "-CAfile", "dept.pem", "ca.pem"]);
        assert!(!openssl(dir.path(), &args).0);

        let (ok, text) = openssl(dir.path(), &["x509", "-in", "dept.pem", "-noout", "-text"]);
        assert!(ok, "{text}");
        let sig_alg = match alg {
            Algorithm::Sm2Sm3 => "SM2-with-SM3",
            _ => "ecdsa-with-SHA256",
        };
        assert!(
            text.contains(&format!("Signature Algorithm: {sig_alg}")),
            "{text}"
        );
        assert!(
            text.contains("Digital Signature, Non Repudiation"),
            "{text}"
        );
        assert!(text.contains("CA:FALSE"), "{text}");
        assert!(
            text.contains("1.3.6.1.5.5.7.3.36") || text.contains("Document Signing"),
            "{text}"
        );
        assert!(
            text.contains("2.25.197395512406178214226498125627408413361"),
            "{text}"
        );
        assert!(
            text.contains("URI:http://127.0.0.1:8080/pki/issuing.crl"),
            "{text}"
        );
        assert!(text.contains("NTRCN-11330106MB0B12345L"), "{text}");
        assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
        assert!(text.contains("X509v3 Subject Key Identifier"), "{text}");

        let (_, ca_text) = openssl(dir.path(), &["x509", "-in", "ca.pem", "-noout", "-text"]);
        assert!(ca_text.contains("CA:TRUE, pathlen:0"), "{ca_text}");
        assert!(ca_text.contains("Certificate Sign, CRL Sign"), "{ca_text}");
    }
}

#[test]
fn openssl_accepts_crls_and_sees_revocation() {
    for alg in Algorithm::ALL {
        let h = hierarchy(alg);
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        let write = |name: &str, label: &str, der: &[u8]| {
            std::fs::write(dir.path().join(name), pem(label, der)).unwrap();
        };
        write("root.pem", "CERTIFICATE", &h.root);
        write("ca.pem", "CERTIFICATE", &h.issuing);
        write("dept.pem", "CERTIFICATE", &h.department);
        let empty = issue_crl(
            &h.issuing,
            &h.issuing_key,
            1,
            now,
            now + Duration::days(7),
            &[],
        )
        .unwrap();
        write("empty.crl", "X509 CRL", &empty);
        let revoked = issue_crl(
            &h.issuing,
            &h.issuing_key,
            2,
            now,
            now + Duration::days(7),
            &[Revoked {
                serial: h.department_serial.clone(),
                at: now - Duration::minutes(5),
                reason: RevocationReason::KeyCompromise,
            }],
        )
        .unwrap();
        write("revoked.crl", "X509 CRL", &revoked);

        // The CRL's signature checks out against the issuing CA.
        for (name, der) in [("empty", &empty), ("revoked", &revoked)] {
            assert_crl_signature_verifies(alg, dir.path(), name, der, &h.issuing);
        }
        let (_, text) = openssl(
            dir.path(),
            &["crl", "-in", "revoked.crl", "-noout", "-text"],
        );
        assert!(
            text.contains("X509v3 CRL Number: \n                2"),
            "{text}"
        );
        assert!(text.contains("Key Compromise"), "{text}");
        assert!(
            text.to_uppercase()
                .contains(&h.department_serial.to_hex().to_uppercase()),
            "{text}"
        );

        // With CRL checking, OpenSSL passes the chain with the empty CRL and fails it with
        // the other. (For SM2 OpenSSL cannot check the CRL's own signature inside `verify`
        // — no distinguishing ID — so SM2 revocation is checked above and by our validator.)
        if alg == Algorithm::EcdsaP256Sha256 {
            for (crl, should_pass) in [("empty.crl", true), ("revoked.crl", false)] {
                let checks = chain_checks(alg, "dept.pem", Some(crl));
                let (ok, out) = openssl(dir.path(), &checks[0]);
                assert_eq!(ok, should_pass, "{alg} {crl}: {out}");
                if !should_pass {
                    assert!(out.contains("certificate revoked"), "{out}");
                }
            }
        }
    }
}

/// Checks a CRL's signature with OpenSSL: `openssl crl -verify` for P-256; for SM2,
/// `openssl pkeyutl` with the distinguishing ID over the TBSCertList bytes (module docs).
/// Also checks that a CRL with one changed byte in its TBSCertList fails the same check.
fn assert_crl_signature_verifies(alg: Algorithm, dir: &Path, name: &str, crl: &[u8], ca: &[u8]) {
    use x509_parser::prelude::FromDer;
    let (_, parsed) =
        x509_parser::revocation_list::CertificateRevocationList::from_der(crl).unwrap();
    let (_, ca_cert) = x509_parser::certificate::X509Certificate::from_der(ca).unwrap();
    std::fs::write(
        dir.join("ca_pub.pem"),
        pem("PUBLIC KEY", ca_cert.public_key().raw),
    )
    .unwrap();
    let tbs = parsed.tbs_cert_list.as_ref().to_vec();
    let sig = parsed.signature_value.data.to_vec();
    let mut tampered = tbs.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    // The same CRL with that one byte changed inside its TBSCertList (lengths unchanged).
    let mut tampered_crl = crl.to_vec();
    let pos = crl
        .windows(tbs.len())
        .position(|w| w == tbs.as_slice())
        .unwrap();
    tampered_crl[pos + last] ^= 1;
    for (label, tbs_bytes, crl_bytes, expect_ok) in [
        ("good", &tbs, crl.to_vec(), true),
        ("tampered", &tampered, tampered_crl, false),
    ] {
        let (ok, out) = match alg {
            Algorithm::Sm2Sm3 => {
                std::fs::write(dir.join("tbs.der"), tbs_bytes).unwrap();
                std::fs::write(dir.join("crl.sig"), &sig).unwrap();
                openssl(
                    dir,
                    &[
                        "pkeyutl",
                        "-verify",
                        "-rawin",
                        "-digest",
                        "sm3",
                        "-pkeyopt",
                        "distid:1234567812345678",
                        "-pubin",
                        "-inkey",
                        "ca_pub.pem",
                        "-in",
                        "tbs.der",
                        "-sigfile",
                        "crl.sig",
                    ],
                )
            }
            _ => {
                std::fs::write(dir.join("check.crl"), pem("X509 CRL", &crl_bytes)).unwrap();
                let (ok, out) = openssl(
                    dir,
                    &[
                        "crl",
                        "-in",
                        "check.crl",
                        "-CAfile",
                        "ca.pem",
                        "-verify",
                        "-noout",
                    ],
                );
                (ok && out.contains("verify OK"), out)
            }
        };
        assert_eq!(ok, expect_ok, "{alg} {name} CRL ({label}): {out}");
    }
}
