//! Certificate-path validation on hostile input: the end-entity certificate, an
//! intermediate and a CRL all come from the fuzzer; validation must return, never panic,
//! and never accept (the anchor's key signed nothing the fuzzer can produce).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_pki::{
    CertKind, CertificateParams, Issuer, Purpose, Revocation, Serial, SubjectInfo, ValidationInput,
    issue_certificate, validate,
};

fn anchor() -> &'static Vec<u8> {
    static ANCHOR: OnceLock<Vec<u8>> = OnceLock::new();
    ANCHOR.get_or_init(|| {
        let key = PrivateKey::generate(Algorithm::Sm2Sm3).expect("key");
        let now = time::OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("time");
        issue_certificate(
            &Issuer::SelfSigned(&key),
            key.public_key(),
            &CertificateParams {
                kind: CertKind::RootCa,
                subject: SubjectInfo::named("fuzz root"),
                serial: Serial::new(&[1]).expect("serial"),
                not_before: now,
                not_after: now + time::Duration::days(3650),
                crl_url: None,
            },
        )
        .expect("root")
    })
}

fuzz_target!(|data: &[u8]| {
    // Split the input into three parts: end entity, intermediate, CRL.
    let a = data.len() / 3;
    let (ee, rest) = data.split_at(a);
    let (inter, crl) = rest.split_at(rest.len() / 2);
    let intermediates = vec![inter.to_vec()];
    let anchors = vec![anchor().clone()];
    let crls = vec![crl.to_vec()];
    let input = ValidationInput {
        end_entity: ee,
        intermediates: &intermediates,
        anchors: &anchors,
        crls: &crls,
        time: time::OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time"),
        revocation_at: time::OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time"),
        purpose: Purpose::LicenceSigning,
        revocation: Revocation::IfAvailable,
        signatures: &zhengku_crypto::Direct,
    };
    assert!(validate(&input).is_err());
});
