//! Certificate-path validation: good paths for both algorithms, and each way a path can be
//! wrong reported as its own error. Hostile inputs that our issuer refuses to make (a
//! department certificate acting as a CA, unknown critical extensions, certificates without
//! key identifiers) are made with the openssl CLI.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use time::{Duration, OffsetDateTime};
use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_model::codes::Uscc;
use zhengku_pki::{
    CertKind, CertificateParams, Issuer, Purpose, Revocation, RevocationReason, Revoked, Serial,
    SubjectInfo, ValidationError, ValidationInput, issue_certificate, issue_crl, validate,
};

const DEPT: &str = "杭州市西湖区市场监督管理局";
const DEPT_USCC: &str = "11330106MB0B12345L";

struct Pki {
    root_key: PrivateKey,
    root: Vec<u8>,
    ca_key: PrivateKey,
    ca: Vec<u8>,
    dept_key: PrivateKey,
    dept: Vec<u8>,
    dept_serial: Serial,
    t0: OffsetDateTime,
}

fn params(
    kind: CertKind,
    subject: SubjectInfo,
    from: OffsetDateTime,
    days: i64,
) -> CertificateParams {
    CertificateParams {
        kind,
        subject,
        serial: Serial::random().unwrap(),
        not_before: from,
        not_after: from + Duration::days(days),
        crl_url: Some("http://127.0.0.1:8080/pki/ca.crl".into()),
    }
}

fn pki(alg: Algorithm) -> Pki {
    // A fixed epoch keeps the tests independent of the clock.
    let t0 = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap(); // 2026-01-01
    let root_key = PrivateKey::generate(alg).unwrap();
    let root = issue_certificate(
        &Issuer::SelfSigned(&root_key),
        root_key.public_key(),
        &params(
            CertKind::RootCa,
            SubjectInfo::named("证库测试根CA"),
            t0,
            7300,
        ),
    )
    .unwrap();
    let ca_key = PrivateKey::generate(alg).unwrap();
    let ca = issue_certificate(
        &Issuer::Ca {
            certificate: &root,
            signer: &root_key,
        },
        ca_key.public_key(),
        &params(
            CertKind::IssuingCa,
            SubjectInfo::named("证库测试签发CA"),
            t0,
            3650,
        ),
    )
    .unwrap();
    let dept_key = PrivateKey::generate(alg).unwrap();
    let p = params(
        CertKind::Department,
        SubjectInfo::organisation(DEPT, Uscc::parse(DEPT_USCC).unwrap()),
        t0,
        1095,
    );
    let dept = issue_certificate(
        &Issuer::Ca {
            certificate: &ca,
            signer: &ca_key,
        },
        dept_key.public_key(),
        &p,
    )
    .unwrap();
    Pki {
        root_key,
        root,
        ca_key,
        ca,
        dept_key,
        dept,
        dept_serial: p.serial,
        t0,
    }
}

fn input<'a>(
    ee: &'a [u8],
    intermediates: &'a [Vec<u8>],
    anchors: &'a [Vec<u8>],
    crls: &'a [Vec<u8>],
    time: OffsetDateTime,
) -> ValidationInput<'a> {
    ValidationInput {
        end_entity: ee,
        intermediates,
        anchors,
        crls,
        time,
        revocation_at: time,
        purpose: Purpose::LicenceSigning,
        revocation: Revocation::IfAvailable,
        signatures: &zhengku_crypto::Direct,
    }
}

#[test]
fn good_paths_validate_with_what_a_verifier_needs() {
    for alg in Algorithm::ALL {
        let p = pki(alg);
        let (i, a) = (vec![p.ca.clone()], vec![p.root.clone()]);
        let at = p.t0 + Duration::days(30);
        let path = validate(&input(&p.dept, &i, &a, &[], at)).unwrap();
        assert_eq!(path.chain.len(), 3);
        assert!(path.chain[0].subject.contains(DEPT), "{:?}", path.chain[0]);
        assert_eq!(path.chain[0].serial, p.dept_serial.to_hex());
        assert_eq!(path.uscc.unwrap().as_str(), DEPT_USCC);
        assert_eq!(path.holder_name.as_deref(), Some(DEPT));
        assert_eq!(&path.public_key, p.dept_key.public_key());
        assert_eq!(
            path.policies,
            vec![zhengku_pki::oids::POLICY_LICENCE_SIGNING.to_owned()]
        );
        // The issuing CA itself may be the anchor (an operator trusting one CA directly).
        let path = validate(&input(&p.dept, &[], std::slice::from_ref(&p.ca), &[], at)).unwrap();
        assert_eq!(path.chain.len(), 2);
    }
}

#[test]
fn time_outside_validity_is_reported_for_the_right_certificate() {
    for alg in Algorithm::ALL {
        let p = pki(alg);
        let (i, a) = (vec![p.ca.clone()], vec![p.root.clone()]);
        let before = p.t0 - Duration::seconds(1);
        assert!(matches!(
            validate(&input(&p.dept, &i, &a, &[], before)),
            Err(ValidationError::NotYetValid { subject, .. }) if subject.contains(DEPT)
        ));
        let after = p.t0 + Duration::days(1096);
        assert!(matches!(
            validate(&input(&p.dept, &i, &a, &[], after)),
            Err(ValidationError::Expired { subject, .. }) if subject.contains(DEPT)
        ));
    }
}

#[test]
fn unknown_anchor_missing_intermediate_and_changed_bytes_fail() {
    for alg in Algorithm::ALL {
        let p = pki(alg);
        let other = pki(alg);
        let at = p.t0 + Duration::days(1);
        let i = vec![p.ca.clone()];
        assert!(matches!(
            validate(&input(
                &p.dept,
                &i,
                std::slice::from_ref(&other.root),
                &[],
                at
            )),
            Err(ValidationError::UnknownIssuer { .. })
        ));
        assert!(matches!(
            validate(&input(&p.dept, &[], std::slice::from_ref(&p.root), &[], at)),
            Err(ValidationError::UnknownIssuer { .. })
        ));
        // One changed byte in the department's name: its signature no longer verifies.
        let mut changed = p.dept.clone();
        let pos = changed
            .windows(3)
            .position(|w| w == "杭".as_bytes())
            .unwrap();
        changed[pos + 2] ^= 1;
        assert!(matches!(
            validate(&input(&changed, &i, std::slice::from_ref(&p.root), &[], at)),
            Err(ValidationError::BadSignature { .. })
        ));
        // Trailing bytes are refused before anything else.
        let mut trailing = p.dept.clone();
        trailing.push(0);
        assert!(matches!(
            validate(&input(
                &trailing,
                &i,
                std::slice::from_ref(&p.root),
                &[],
                at
            )),
            Err(ValidationError::Malformed { .. })
        ));
    }
}

#[test]
fn revocation_is_checked_against_current_signed_crls() {
    for alg in Algorithm::ALL {
        let p = pki(alg);
        let (i, a) = (vec![p.ca.clone()], vec![p.root.clone()]);
        let revoked_at = p.t0 + Duration::days(10);
        let crl = issue_crl(
            &p.ca,
            &p.ca_key,
            7,
            p.t0 + Duration::days(11),
            p.t0 + Duration::days(18),
            &[Revoked {
                serial: p.dept_serial.clone(),
                at: revoked_at,
                reason: RevocationReason::KeyCompromise,
            }],
        )
        .unwrap();
        let crls = vec![crl.clone()];
        let at = p.t0 + Duration::days(12);
        match validate(&input(&p.dept, &i, &a, &crls, at)) {
            Err(ValidationError::Revoked { serial, reason, .. }) => {
                assert_eq!(serial, p.dept_serial.to_hex());
                assert!(reason.to_lowercase().contains("key"), "{reason}");
            }
            other => panic!("{alg}: expected Revoked, got {other:?}"),
        }
        // Before the revocation date the certificate is still good (auditing old
        // signatures), if a CRL current at that time says so.
        // Required checking needs the root's CRL (for the issuing CA) as well.
        let early = issue_crl(
            &p.ca,
            &p.ca_key,
            6,
            p.t0 + Duration::days(1),
            p.t0 + Duration::days(8),
            &[],
        )
        .unwrap();
        let root_crl = issue_crl(
            &p.root,
            &p.root_key,
            1,
            p.t0,
            p.t0 + Duration::days(365),
            &[],
        )
        .unwrap();
        let at_early = p.t0 + Duration::days(2);
        let both = vec![early.clone(), root_crl.clone()];
        let mut req = input(&p.dept, &i, &a, &both, at_early);
        req.revocation = Revocation::Required;
        assert_eq!(validate(&req).unwrap().crls_checked, 2);
        let mut req = input(&p.dept, &i, &a, std::slice::from_ref(&early), at_early);
        req.revocation = Revocation::Required;
        assert!(matches!(
            validate(&req),
            Err(ValidationError::CrlUnavailable { issuer, .. }) if issuer.contains("根CA")
        ));

        // Required revocation: no CRL, a stale CRL, or a CRL signed by someone else fail.
        let mut req = input(&p.dept, &i, &a, &[], at);
        req.revocation = Revocation::Required;
        assert!(matches!(
            validate(&req),
            Err(ValidationError::CrlUnavailable { .. })
        ));
        let stale_at = p.t0 + Duration::days(30);
        let stale = vec![crl.clone(), root_crl.clone()];
        let mut req = input(&p.dept, &i, &a, &stale, stale_at);
        req.revocation = Revocation::Required;
        assert!(matches!(
            validate(&req),
            Err(ValidationError::CrlUnavailable { .. })
        ));
        // A claimed earlier time does not take the certificate back before its revocation:
        // validity is judged at the claimed time, revocation at the verification time.
        let mut req = input(&p.dept, &i, &a, &crls, p.t0 + Duration::days(2));
        req.revocation_at = at;
        assert!(
            matches!(validate(&req), Err(ValidationError::Revoked { .. })),
            "{alg}: a claimed time before the revocation rescued a revoked certificate"
        );
        // Of two current CRLs the newest speaks, in whatever order they are given: the
        // older (issued day 9, before the revocation, current to day 20) lists nothing.
        let older = issue_crl(
            &p.ca,
            &p.ca_key,
            5,
            p.t0 + Duration::days(9),
            p.t0 + Duration::days(20),
            &[],
        )
        .unwrap();
        for set in [
            vec![older.clone(), crl.clone()],
            vec![crl.clone(), older.clone()],
        ] {
            assert!(
                matches!(
                    validate(&input(&p.dept, &i, &a, &set, at)),
                    Err(ValidationError::Revoked { .. })
                ),
                "{alg}: an older current CRL hid a revocation"
            );
        }
        // Unknown revocation status is indeterminate, not a forgery.
        assert!(
            ValidationError::CrlUnavailable {
                issuer: String::new(),
                time: at
            }
            .is_indeterminate()
        );
        // A CRL "from" the issuing CA but signed by the root is ignored.
        let forged = {
            let mut c =
                issue_crl(&p.ca, &p.ca_key, 8, p.t0, p.t0 + Duration::days(40), &[]).unwrap();
            let n = c.len();
            c[n - 3] ^= 1; // damage the signature value
            c
        };
        let forged_set = vec![forged, root_crl.clone()];
        let mut req = input(&p.dept, &i, &a, &forged_set, at);
        req.revocation = Revocation::Required;
        assert!(matches!(
            validate(&req),
            Err(ValidationError::CrlUnavailable { issuer, .. }) if issuer.contains("签发CA")
        ));
    }
}

#[test]
fn path_length_and_purpose_are_enforced() {
    let p = pki(Algorithm::Sm2Sm3);
    let at = p.t0 + Duration::days(1);
    // A sub-CA under the issuing CA (pathLen 0) may exist, but nothing it issues validates.
    let sub_key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let sub = issue_certificate(
        &Issuer::Ca {
            certificate: &p.ca,
            signer: &p.ca_key,
        },
        sub_key.public_key(),
        &params(
            CertKind::IssuingCa,
            SubjectInfo::named("越权子CA"),
            p.t0,
            365,
        ),
    )
    .unwrap();
    let leaf_key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let leaf = issue_certificate(
        &Issuer::Ca {
            certificate: &sub,
            signer: &sub_key,
        },
        leaf_key.public_key(),
        &params(
            CertKind::Department,
            SubjectInfo::named("某部门"),
            p.t0,
            365,
        ),
    )
    .unwrap();
    let i = vec![p.ca.clone(), sub];
    assert!(matches!(
        validate(&input(&leaf, &i, std::slice::from_ref(&p.root), &[], at)),
        Err(ValidationError::PathLenExceeded {
            path_len: 0,
            below: 1,
            ..
        })
    ));

    // A server certificate is no licence signer, and a department certificate no server.
    let server_key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let server = issue_certificate(
        &Issuer::Ca {
            certificate: &p.ca,
            signer: &p.ca_key,
        },
        server_key.public_key(),
        &params(
            CertKind::Server {
                dns_names: vec!["zhengku.example".into()],
                ip_addresses: vec![],
            },
            SubjectInfo::named("zhengku.example"),
            p.t0,
            365,
        ),
    )
    .unwrap();
    let i = vec![p.ca.clone()];
    let a = vec![p.root.clone()];
    assert!(matches!(
        validate(&input(&server, &i, &a, &[], at)),
        Err(ValidationError::WrongPurpose { .. })
    ));
    let mut req = input(&p.dept, &i, &a, &[], at);
    req.purpose = Purpose::ServerAuth;
    assert!(matches!(
        validate(&req),
        Err(ValidationError::WrongPurpose { .. })
    ));
    req.end_entity = &server;
    assert!(validate(&req).is_ok());
    // A status-list signer signs status lists, and nothing else; no other certificate
    // signs status lists.
    let status_key = PrivateKey::generate(Algorithm::Sm2Sm3).unwrap();
    let status_signer = issue_certificate(
        &Issuer::Ca {
            certificate: &p.ca,
            signer: &p.ca_key,
        },
        status_key.public_key(),
        &params(
            CertKind::StatusSigner,
            SubjectInfo::named("zhengku status signer"),
            p.t0,
            365,
        ),
    )
    .unwrap();
    let mut req = input(&status_signer, &i, &a, &[], at);
    req.purpose = Purpose::StatusSigning;
    assert!(validate(&req).is_ok());
    for purpose in [
        Purpose::LicenceSigning,
        Purpose::SealMaking,
        Purpose::SealStamping,
        Purpose::ServerAuth,
    ] {
        let mut req = input(&status_signer, &i, &a, &[], at);
        req.purpose = purpose;
        assert!(
            matches!(validate(&req), Err(ValidationError::WrongPurpose { .. })),
            "{purpose:?}"
        );
    }
    for cert in [&p.dept, &server] {
        let mut req = input(cert, &i, &a, &[], at);
        req.purpose = Purpose::StatusSigning;
        assert!(matches!(
            validate(&req),
            Err(ValidationError::WrongPurpose { .. })
        ));
    }
    // Roles: a department's licence-signing certificate neither makes seals nor stamps.
    for purpose in [Purpose::SealMaking, Purpose::SealStamping] {
        let mut req = input(&p.dept, &i, &a, &[], at);
        req.purpose = purpose;
        match validate(&req) {
            Err(ValidationError::WrongPurpose { detail, .. }) => {
                assert!(detail.contains("certificatePolicies"), "{detail}")
            }
            other => panic!("{purpose:?}: {other:?}"),
        }
    }
    // A CA certificate is not an end entity.
    let mut req = input(&p.ca, &[], &a, &[], at);
    req.purpose = Purpose::SealStamping;
    assert!(matches!(
        validate(&req),
        Err(ValidationError::WrongPurpose { .. })
    ));
}

// ---- hostile certificates made with the openssl CLI (P-256) ----

fn sh(dir: &Path, script: &str) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn pem_file(dir: &Path, name: &str, label: &str, der: &[u8]) {
    std::fs::write(dir.join(format!("{name}.der")), der).unwrap();
    sh(
        dir,
        &format!(
            "openssl {} -inform DER -in {name}.der -out {name}.pem",
            if label == "CERTIFICATE" {
                "x509"
            } else {
                "pkey"
            }
        ),
    );
}

fn read_pem_cert(dir: &Path, name: &str) -> Vec<u8> {
    sh(
        dir,
        &format!("openssl x509 -in {name}.pem -outform DER -out {name}.out.der"),
    );
    std::fs::read(dir.join(format!("{name}.out.der"))).unwrap()
}

/// openssl signs a leaf with `issuer.pem`/`issuer.key` and the given extensions.
fn openssl_leaf(dir: &Path, issuer: &str, name: &str, ext: &str) -> Vec<u8> {
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    sh(
        dir,
        &format!(
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {name}.key && \
             openssl req -new -key {name}.key -subj '/C=CN/CN={name}' -out {name}.csr && \
             openssl x509 -req -in {name}.csr -CA {issuer}.pem -CAkey {issuer}.key -set_serial 0x1234 \
               -days 30 -extfile {name}.ext -out {name}.pem"
        ),
    );
    read_pem_cert(dir, name)
}

#[test]
fn hostile_certificates_from_openssl_are_refused_precisely() {
    let p = pki(Algorithm::EcdsaP256Sha256);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pem_file(d, "ca", "CERTIFICATE", &p.ca);
    std::fs::write(d.join("ca.key"), p.ca_key.to_pkcs8_pem().as_bytes()).unwrap();
    pem_file(d, "dept", "CERTIFICATE", &p.dept);
    std::fs::write(d.join("dept.key"), p.dept_key.to_pkcs8_pem().as_bytes()).unwrap();
    // openssl starts validity at the current second; validate a minute later.
    let now = OffsetDateTime::now_utc() + Duration::minutes(1);
    let a = vec![p.root.clone()];

    // A department certificate used as a CA.
    let forged = openssl_leaf(
        d,
        "dept",
        "forged",
        &format!(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             certificatePolicies={}\n",
            zhengku_pki::oids::POLICY_LICENCE_SIGNING
        ),
    );
    let i = vec![p.ca.clone(), p.dept.clone()];
    let mut req = input(&forged, &i, &a, &[], now);
    req.purpose = Purpose::LicenceSigning;
    // The department certificate's validity starts in 2026-01-01 and the leaf is current.
    assert!(
        matches!(validate(&req), Err(ValidationError::NotCa { .. })),
        "{:?}",
        validate(&req)
    );

    // An unknown critical extension.
    let odd = openssl_leaf(
        d,
        "ca",
        "odd",
        "basicConstraints=critical,CA:FALSE\n1.2.3.4=critical,ASN1:NULL\n",
    );
    let i = vec![p.ca.clone()];
    assert!(matches!(
        validate(&input(&odd, &i, &a, &[], now)),
        Err(ValidationError::UnknownCriticalExtension { oid, .. }) if oid == "1.2.3.4"
    ));

    // No key identifiers: every same-named CA costs a signature check, and a flood of them
    // stops at the budget instead of running on.
    let bare = openssl_leaf(
        d,
        "ca",
        "bare",
        &format!(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             authorityKeyIdentifier=none\nsubjectKeyIdentifier=none\n\
             certificatePolicies={}\n",
            zhengku_pki::oids::POLICY_LICENCE_SIGNING
        ),
    );
    let text = Command::new("openssl")
        .args(["x509", "-in", "bare.pem", "-noout", "-text"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&text.stdout).contains("Authority Key Identifier"));
    let decoys: Vec<Vec<u8>> = (0..70)
        .map(|_| {
            let k = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
            issue_certificate(
                &Issuer::Ca {
                    certificate: &p.root,
                    signer: &p.root_key,
                },
                k.public_key(),
                &params(
                    CertKind::IssuingCa,
                    SubjectInfo::named("证库测试签发CA"),
                    p.t0,
                    3650,
                ),
            )
            .unwrap()
        })
        .collect();
    let mut flood = decoys.clone();
    flood.push(p.ca.clone());
    assert!(matches!(
        validate(&input(&bare, &flood, &a, &[], now)),
        Err(ValidationError::BudgetExceeded { checks: 64 })
    ));
    // A few decoys are fine: the real issuer is found after them.
    let mut few = decoys[..10].to_vec();
    few.push(p.ca.clone());
    assert!(validate(&input(&bare, &few, &a, &[], now)).is_ok());
}
