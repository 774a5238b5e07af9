//! A seal made and stamped with keys generated on a real SoftHSM2 token (through
//! zhengku-hsm's PKCS#11 key store), certified by a root CA whose key is on the token too,
//! and verified with that root as the only trust anchor: all seven checks pass.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` once per process, so the test re-runs itself in a child
//! process with its own token (zhengku-hsm's `tests/support`, shared here by path): keep all
//! SoftHSM2 use in this one test. Needs `softhsm2-util` and the SoftHSM2 module
//! (`scripts/test.sh` installs them); without them the test fails and says so.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod pdf_support;
#[path = "../../zhengku-hsm/tests/support/mod.rs"]
mod support;

use std::process::Command;

use time::{Duration, OffsetDateTime};
use zhengku_crypto::{Algorithm, Signer};
use zhengku_hsm::KeyStore;
use zhengku_model::codes::Uscc;
use zhengku_pki::{CertKind, CertificateParams, Issuer, Serial, SubjectInfo, issue_certificate};
use zhengku_seal::SealTime;
use zhengku_seal::make::{StampInput, make_seal, stamp};
use zhengku_verify::Outcome;
use zhengku_verify::seal::{Trust, verify_seal, verify_signature};

const DOC: &[u8] =
    b"licence 1.2.156.3005.2.11100000MB0143028R001.11330106MB0B12345L.20240000001.001.O";

/// Fails with a clear message when SoftHSM2 is not installed.
fn require_softhsm() {
    let found = Command::new("softhsm2-util")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "softhsm2-util not found: this test needs SoftHSM2 (scripts/test.sh installs it; \
         Debian/Ubuntu: apt-get install softhsm2)"
    );
    // Also asserts, with its own message, that the PKCS#11 module is there.
    support::module_path();
}

fn seal_time(t: OffsetDateTime) -> SealTime {
    SealTime::from_unix_seconds(t.unix_timestamp()).unwrap()
}

fn params(kind: CertKind, subject: SubjectInfo, now: OffsetDateTime) -> CertificateParams {
    CertificateParams {
        kind,
        subject,
        serial: Serial::random().unwrap(),
        not_before: now - Duration::hours(1),
        not_after: now + Duration::days(365),
        crl_url: None,
    }
}

#[test]
fn seal_made_and_stamped_with_softhsm_keys_verifies() {
    require_softhsm();
    support::in_own_process(|fx| {
        let store = fx.open();
        let root_key = store.generate("verify-root-ca", Algorithm::Sm2Sm3).unwrap();
        let maker_key = store
            .generate("verify-seal-maker", Algorithm::Sm2Sm3)
            .unwrap();
        let holder_key = store
            .generate("verify-seal-xihu-samr", Algorithm::Sm2Sm3)
            .unwrap();
        // The keys are the token's.
        let listed: Vec<_> = store
            .list()
            .unwrap()
            .into_iter()
            .map(|k| k.key_id)
            .collect();
        for k in [&root_key, &maker_key, &holder_key] {
            assert!(
                listed.contains(&k.key_id()),
                "{} not on the token",
                k.key_id()
            );
        }

        let now = OffsetDateTime::now_utc();
        let uscc = Uscc::parse("11330106MB0B12345L").unwrap();
        let root = issue_certificate(
            &Issuer::SelfSigned(root_key.as_ref()),
            root_key.public_key(),
            &params(
                CertKind::RootCa,
                SubjectInfo::named("zhengku SoftHSM2 SM2 根CA"),
                now,
            ),
        )
        .unwrap();
        let ca = Issuer::Ca {
            certificate: &root,
            signer: root_key.as_ref(),
        };
        let maker_cert = issue_certificate(
            &ca,
            maker_key.public_key(),
            &params(
                CertKind::SealMaker,
                SubjectInfo::organisation("杭州市西湖区印章制作中心", uscc.clone()),
                now,
            ),
        )
        .unwrap();
        let holder_cert = issue_certificate(
            &ca,
            holder_key.public_key(),
            &params(
                CertKind::Seal,
                SubjectInfo::organisation("杭州市西湖区市场监督管理局", uscc),
                now,
            ),
        )
        .unwrap();

        let spec = pdf_support::xihu_seal_spec(
            "3301060100000009",
            vec![holder_cert.clone()],
            now - Duration::minutes(30),
            now + Duration::days(180),
        );
        let seal = make_seal(spec, &maker_cert, maker_key.as_ref()).unwrap();
        let sig = stamp(
            &seal,
            &holder_cert,
            StampInput {
                time: seal_time(now - Duration::minutes(1)),
                data_hash: zhengku_crypto::sm3(DOC),
                property_info: "licence 20240000001".into(),
            },
            holder_key.as_ref(),
        )
        .unwrap();

        let anchors = vec![root];
        let trust = Trust {
            anchors: &anchors,
            intermediates: &[],
            crls: &[],
            revocation: zhengku_verify::Revocation::IfAvailable,
        };
        let r = verify_signature(&sig.to_der().unwrap(), Some(DOC), trust, now).unwrap();
        assert_eq!(r.checks.len(), 7, "{r}");
        for c in &r.checks {
            assert!(matches!(c.outcome, Outcome::Passed(_)), "{}:\n{r}", c.id);
        }
        assert!(r.valid() && r.complete(), "{r}");
        let r = verify_seal(&seal.to_der().unwrap(), trust, now).unwrap();
        assert!(r.valid() && r.complete(), "{r}");

        // The same signers looked up again by label (as the service does) stamp alike.
        let again = store.signer("verify-seal-xihu-samr").unwrap();
        assert_eq!(again.key_id(), holder_key.key_id());
        let sig2 = stamp(
            &seal,
            &holder_cert,
            StampInput {
                time: seal_time(now),
                data_hash: zhengku_crypto::sm3(DOC),
                property_info: "licence 20240000002".into(),
            },
            again.as_ref(),
        )
        .unwrap();
        let r = verify_signature(&sig2.to_der().unwrap(), Some(DOC), trust, now).unwrap();
        assert!(r.valid() && r.complete(), "{r}");

        // Another root is not an anchor for these keys.
        let other = store
            .generate("verify-other-root", Algorithm::Sm2Sm3)
            .unwrap();
        let other_root = issue_certificate(
            &Issuer::SelfSigned(other.as_ref()),
            other.public_key(),
            &params(CertKind::RootCa, SubjectInfo::named("另一个根CA"), now),
        )
        .unwrap();
        let others = vec![other_root];
        let r = verify_signature(
            &sig.to_der().unwrap(),
            Some(DOC),
            Trust {
                anchors: &others,
                intermediates: &[],
                crls: &[],
                revocation: zhengku_verify::Revocation::IfAvailable,
            },
            now,
        )
        .unwrap();
        assert!(!r.valid(), "{r}");
        assert!(
            matches!(r.outcome("maker_chain"), Some(Outcome::Failed(_))),
            "{r}"
        );
    });
}
