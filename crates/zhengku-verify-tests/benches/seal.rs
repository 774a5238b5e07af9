//! Stamps and verifications per second:
//! - `stamp/sm2-file-key`: `zhengku_seal::make::stamp` with the SM2 development key file
//!   (keys-dev/keys/seal-xihu-samr-sm2.key), in process;
//! - `stamp/sm2-softhsm2-wrapped`: the same with an SM2 key on a SoftHSM2 token through
//!   zhengku-hsm (the key kept wrapped under a token AES key, unwrapped by the token for
//!   each signature, as zhengku-hsm does for SM2);
//! - `verify_signature/no-chain` and `verify_signature/with-chain`: verifying that stamp
//!   (all seven checks, document given) without trust anchors, and with the development SM2
//!   root, issuing CA and both CRLs (path building, CRL signature and revocation checks).
//!
//! Run: `cargo bench -p zhengku-verify --bench seal`. As zhengku-hsm's bench, it makes its
//! own token with `hsm/init-token.sh` in a temporary folder and re-runs itself with
//! `SOFTHSM2_CONF` pointing there (SoftHSM2 reads it once per process). Without SoftHSM2 the
//! token case is left out, with a note on stderr.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../zhengku-hsm/tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use time::OffsetDateTime;
use zhengku_crypto::{Algorithm, Signer};
use zhengku_hsm::{KeyStore, PinSource, Pkcs11Config, Pkcs11KeyStore};
use zhengku_seal::make::{StampInput, make_seal, stamp};
use zhengku_seal::{Seal, SealTime};
use zhengku_verify::seal::{Trust, verify_signature};

/// Set in the re-run process: the token is ready.
const READY_VAR: &str = "ZHENGKU_VERIFY_BENCH_TOKEN_READY";
/// Set in the re-run process when there is no SoftHSM2.
const NO_TOKEN_VAR: &str = "ZHENGKU_VERIFY_BENCH_NO_TOKEN";

const DOC: &[u8] =
    b"licence 1.2.156.3005.2.11100000MB0143028R001.11330106MB0B12345L.20240000001.001.O";

#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod pdf_support;

use zhengku_testkit::keys_dev::{der as pem_der, dir as keys_dev, key};

fn seal_time(t: OffsetDateTime) -> SealTime {
    SealTime::from_unix_seconds(t.unix_timestamp()).unwrap()
}

fn input(now: OffsetDateTime) -> StampInput {
    StampInput {
        time: seal_time(now - time::Duration::minutes(1)),
        data_hash: zhengku_crypto::sm3(DOC),
        property_info: "licence 20240000001".into(),
    }
}

/// The development SM2 seal (keys-dev makers and holders), as in tests/seal.rs.
fn dev_seal(now: OffsetDateTime) -> Seal {
    let spec = pdf_support::xihu_seal_spec(
        "3301060100000001",
        vec![pem_der("seal-xihu-samr-sm2.crt")],
        now - time::Duration::days(1),
        now + time::Duration::days(365),
    );
    make_seal(spec, &pem_der("seal-maker-sm2.crt"), &key("seal-maker-sm2")).unwrap()
}

fn benches(c: &mut Criterion) {
    let now = OffsetDateTime::now_utc();
    let seal = dev_seal(now);
    let holder_cert = pem_der("seal-xihu-samr-sm2.crt");
    let holder = key("seal-xihu-samr-sm2");

    let mut group = c.benchmark_group("stamp");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sm2-file-key", |b| {
        b.iter(|| black_box(stamp(&seal, &holder_cert, input(now), &holder).unwrap()))
    });
    if std::env::var_os(READY_VAR).is_some() {
        let config = Pkcs11Config::new(
            support::module_path(),
            support::TOKEN,
            PinSource::env(support::PIN_VAR),
        );
        let store = Pkcs11KeyStore::open(&config).unwrap();
        let signer: Arc<dyn Signer> = store
            .generate("bench-seal-holder", Algorithm::Sm2Sm3)
            .unwrap();
        // The token key is not the certificate's, so the holder check would refuse it: stamp
        // with a seal listing a certificate of the same name over the token key. What is
        // measured is the signing path; the stamp is checked to verify under the token key.
        let token_seal = token_seal(&seal, signer.as_ref());
        let token_cert = token_seal.seal_info.property.cert_list.clone();
        let zhengku_seal::CertList::Certificates(certs) = token_cert else {
            unreachable!()
        };
        let cert = certs[0].clone();
        let s = stamp(&token_seal, &cert, input(now), signer.as_ref()).unwrap();
        let sig = zhengku_crypto::Signature::from_der(Algorithm::Sm2Sm3, &s.signature).unwrap();
        signer
            .public_key()
            .verify(&s.to_sign.to_der().unwrap(), &sig)
            .unwrap();
        group.bench_function("sm2-softhsm2-wrapped", |b| {
            b.iter(|| black_box(stamp(&token_seal, &cert, input(now), signer.as_ref()).unwrap()))
        });
    } else {
        eprintln!("stamp/sm2-softhsm2-wrapped left out: no SoftHSM2 (softhsm2-util not found)");
    }
    group.finish();

    let der = stamp(&seal, &holder_cert, input(now), &holder)
        .unwrap()
        .to_der()
        .unwrap();
    let anchors = vec![pem_der("pki/sm2/root.crt")];
    let intermediates = vec![pem_der("pki/sm2/issuing.crt")];
    let crls = vec![pem_der("pki/sm2/issuing.crl"), pem_der("pki/sm2/root.crl")];
    let with_chain = Trust {
        anchors: &anchors,
        intermediates: &intermediates,
        crls: &crls,
        revocation: zhengku_verify::Revocation::Required,
    };
    // Sanity: what is measured is a complete, valid verification.
    let r = verify_signature(&der, Some(DOC), with_chain, now).unwrap();
    assert!(r.valid() && r.complete(), "{r}");
    // Without anchors the signatures are checked and the chains are unverifiable.
    let r = verify_signature(&der, Some(DOC), Trust::default(), now).unwrap();
    assert!(
        r.first_failure().is_none() && r.first_unverifiable().is_some(),
        "{r}"
    );
    let mut group = c.benchmark_group("verify_signature");
    group.throughput(Throughput::Elements(1));
    group.bench_function("no-chain", |b| {
        b.iter(|| black_box(verify_signature(&der, Some(DOC), Trust::default(), now).unwrap()))
    });
    group.bench_function("with-chain", |b| {
        b.iter(|| black_box(verify_signature(&der, Some(DOC), with_chain, now).unwrap()))
    });
    group.finish();
}

/// The development seal with the holder certificate replaced by one for the token key: a
/// certificate issued by the development SM2 issuing CA (keys-dev) over the token's public
/// key, so `stamp`'s holder check passes.
fn token_seal(seal: &Seal, signer: &dyn Signer) -> Seal {
    use zhengku_pki::{CertKind, CertificateParams, Issuer, Serial, SubjectInfo};
    let now = OffsetDateTime::now_utc();
    let issuing = pem_der("pki/sm2/issuing.crt");
    // The CA's key label is in the PKI's state (it changes when keys-dev is regenerated).
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(keys_dev().join("pki/sm2/state.json")).unwrap(),
    )
    .unwrap();
    let issuing_key = key(state["issuing_label"].as_str().unwrap());
    let cert = zhengku_pki::issue_certificate(
        &Issuer::Ca {
            certificate: &issuing,
            signer: &issuing_key,
        },
        signer.public_key(),
        &CertificateParams {
            kind: CertKind::Seal,
            subject: SubjectInfo::named("bench seal holder on SoftHSM2"),
            serial: Serial::random().unwrap(),
            not_before: now - time::Duration::hours(1),
            not_after: now + time::Duration::days(1),
            crl_url: None,
        },
    )
    .unwrap();
    let mut s = seal.clone();
    s.seal_info.property.cert_list = zhengku_seal::CertList::Certificates(vec![cert]);
    s
}

fn main() {
    if std::env::var_os(READY_VAR).is_none() && std::env::var_os(NO_TOKEN_VAR).is_none() {
        let have_softhsm = Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        let mut child = Command::new(std::env::current_exe().unwrap());
        child.args(std::env::args_os().skip(1));
        let token = have_softhsm.then(support::TokenDir::create);
        match &token {
            Some(t) => {
                child
                    .env(READY_VAR, "1")
                    .env("SOFTHSM2_CONF", t.conf())
                    .env(support::PIN_VAR, support::USER_PIN);
            }
            None => {
                child.env(NO_TOKEN_VAR, "1");
            }
        }
        let status = child.status().unwrap();
        drop(token);
        std::process::exit(status.code().unwrap_or(1));
    }
    let mut criterion = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
