//! Licence records and QR payloads signed with the development department keys (keys-dev/)
//! and verified by the engine: the real thing is valid, and each kind of fault gives the
//! verdict it should (one changed byte → invalid, a look-alike certificate → invalid, no
//! anchor or no current status → unverifiable, past the end date → expired, revoked →
//! revoked).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;

use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};
use zhengku_crypto::PrivateKey;
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::{IssueRequest, Issuer, Timestamp};
use zhengku_model::{LicenceStatus, LicenceType, SignedLicence, testing};
use zhengku_verify::{
    Context, Departments, InputKind, LicenceLive, LicenceReport, Live, LiveLists, LiveSource,
    NoLive, Outcome, RecordDigests, Revocation, Trust, Verdict, conclude, examine, sniff,
    verify_input,
};

use zhengku_testkit::keys_dev::{der, key};

/// A department: its key and certificate.
struct Dept {
    key: PrivateKey,
    cert: Vec<u8>,
    issuer: Issuer,
}

fn samr() -> Dept {
    Dept {
        key: key("dept-xihu-samr-sm2"),
        cert: der("dept-xihu-samr-sm2.crt"),
        issuer: testing::sample_issuer(),
    }
}

fn health() -> Dept {
    Dept {
        key: key("dept-xihu-health-p256"),
        cert: der("dept-xihu-health-p256.crt"),
        issuer: testing::sample_card_issuer(),
    }
}

struct Pki {
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
}

/// Both development hierarchies.
fn pki() -> Pki {
    let mut p = Pki {
        anchors: Vec::new(),
        intermediates: Vec::new(),
        crls: Vec::new(),
    };
    for alg in ["sm2", "p256"] {
        p.anchors.push(der(&format!("pki/{alg}/root.crt")));
        p.intermediates.push(der(&format!("pki/{alg}/issuing.crt")));
        p.crls.push(der(&format!("pki/{alg}/issuing.crl")));
        p.crls.push(der(&format!("pki/{alg}/root.crl")));
    }
    p
}

impl Pki {
    fn trust(&self) -> Trust<'_> {
        Trust {
            anchors: &self.anchors,
            intermediates: &self.intermediates,
            crls: &self.crls,
            // The development CRLs are short-lived; revocation policy has its own tests.
            revocation: Revocation::IfAvailable,
        }
    }
}

/// An hour after the department certificate's notBefore: the development PKI is made
/// fresh, so the templates' fixed issue time may predate it.
fn issue_time(cert: &[u8]) -> OffsetDateTime {
    let (_, c) = X509Certificate::from_der(cert).unwrap();
    OffsetDateTime::from_unix_timestamp(c.validity().not_before.timestamp()).unwrap()
        + Duration::hours(1)
}

/// The template `name`'s example request, issued by `dept` at `at`.
fn licence(name: &str, dept: &Dept, at: OffsetDateTime, seq: u32) -> SignedLicence {
    SignedLicence::sign(record_of(name, dept, at, seq), &dept.key).unwrap()
}

/// The record [`licence`] signs.
fn record_of(
    name: &str,
    dept: &Dept,
    at: OffsetDateTime,
    seq: u32,
) -> zhengku_model::record::LicenceRecord {
    let dir = zhengku_testkit::repo_root().join("templates").join(name);
    let ty = LicenceType::from_toml_str(&std::fs::read_to_string(dir.join("type.toml")).unwrap())
        .unwrap();
    let req: IssueRequest =
        serde_json::from_str(&std::fs::read_to_string(dir.join("example-request.json")).unwrap())
            .unwrap();
    let id = LicenceId::generate(ty.code(), &dept.issuer.code, 2026, seq, 1).unwrap();
    ty.build_record(
        &req,
        &dept.issuer,
        id,
        Timestamp::from_offset_date_time(at).unwrap(),
    )
    .unwrap()
}

/// A library's knowledge of `signed`: status `s` as of `at`, with its record digests.
fn lists(signed: &SignedLicence, s: LicenceStatus, at: OffsetDateTime) -> LiveLists {
    let mut l = LiveLists {
        max_age: zhengku_verify::DEFAULT_MAX_STATUS_AGE,
        complete: Some("test library".into()),
        ..LiveLists::default()
    };
    l.licences.insert(
        signed.record().identifier.to_string(),
        live(signed, s, at.unix_timestamp()),
    );
    l
}

fn live(signed: &SignedLicence, s: LicenceStatus, as_of: i64) -> LicenceLive {
    LicenceLive {
        status: s,
        reason: Some("西市监处〔2026〕12号".into()),
        as_of,
        source: "test".into(),
        record: Some(RecordDigests::of(&signed.to_bytes())),
        good_until: None,
    }
}

fn ctx<'a>(at: OffsetDateTime, pki: &'a Pki, departments: &'a Departments) -> Context<'a> {
    Context {
        at,
        trust: pki.trust(),
        departments,
        memo: None,
    }
}

fn depts(certs: &[Vec<u8>]) -> Departments {
    Departments::new(certs.iter().map(Vec::as_slice))
}

fn record(bytes: &[u8], c: &Context<'_>, live: &dyn LiveSource) -> LicenceReport {
    let r = verify_input(bytes, c, live);
    assert_eq!(r.kind, InputKind::Record);
    r
}

fn qr(text: &str, c: &Context<'_>, live: &dyn LiveSource) -> LicenceReport {
    let r = verify_input(text.as_bytes(), c, live);
    assert_eq!(r.kind, InputKind::Qr);
    r
}

fn outcome<'a>(r: &'a LicenceReport, id: &str) -> &'a Outcome {
    r.report
        .outcome(id)
        .unwrap_or_else(|| panic!("no check {id} in\n{}", r.report))
}

fn all_passed(r: &LicenceReport) {
    for c in &r.report.checks {
        assert!(
            matches!(c.outcome, Outcome::Passed(_)),
            "{}: {:?}\n{}",
            c.id,
            c.outcome,
            r.report
        );
    }
}

/// (template, department) for the three shipped types, one per algorithm at least.
fn cases() -> Vec<(&'static str, Dept)> {
    vec![
        ("business-licence", samr()),
        ("food-business-permit", samr()),
        ("senior-citizen-card", health()),
    ]
}

#[test]
fn valid_records_and_payloads_pass_every_check() {
    let pki = pki();
    for (i, (name, dept)) in cases().into_iter().enumerate() {
        let t = issue_time(&dept.cert);
        let signed = licence(name, &dept, t, u32::try_from(i).unwrap() + 1);
        let id = signed.record().identifier.to_string();
        let at = t + Duration::days(1);
        let library = lists(&signed, LicenceStatus::Valid, at);
        let d = depts(&[health().cert, samr().cert]);
        let c = ctx(at, &pki, &d);

        let r = record(&signed.to_bytes(), &c, &library);
        assert_eq!(r.verdict, Verdict::Valid, "{name}\n{}", r.report);
        assert_eq!(r.verdict.exit_code(), 0);
        all_passed(&r);
        let facts = r.facts.as_ref().unwrap();
        assert_eq!(facts.identifier, id);
        assert_eq!(
            facts.type_name.as_deref(),
            Some(signed.record().type_name.as_str())
        );
        assert_eq!(facts.issue_date, Some(signed.record().issue_date));
        assert_eq!(facts.status.as_ref().unwrap().status, LicenceStatus::Valid);
        if name == "senior-citizen-card" {
            assert_eq!(facts.holder_name, "王*英");
            assert_eq!(facts.holder_code, "330106********0047");
        }

        let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
        let url = zhengku_qr::payload_url("https://zk.example.gov.cn", &payload).unwrap();
        for text in [payload.clone(), url, format!("  {payload}\n")] {
            let q = qr(&text, &c, &library);
            assert_eq!(q.verdict, Verdict::Valid, "{name}\n{}", q.report);
            all_passed(&q);
            let qf = q.facts.as_ref().unwrap();
            assert_eq!(qf.identifier, id);
            assert_eq!(qf.holder_name, facts.holder_name);
            assert_eq!(qf.valid_until, facts.valid_until);
            // The QR code carries the issue date (claim 9), not the signing time.
            assert_eq!(qf.issue_date, Some(signed.record().issue_date));
            assert_eq!(qf.issuer_name.as_deref(), Some(dept.issuer.name.as_str()));
            assert_eq!(sniff(text.as_bytes()), Some(InputKind::Qr));
            assert_eq!(examine(text.as_bytes(), &c).identifier(), Some(id.as_str()));
        }
        assert_eq!(sniff(&signed.to_bytes()), Some(InputKind::Record));
        assert_eq!(
            examine(&signed.to_bytes(), &c).identifier(),
            Some(id.as_str())
        );
    }
}

#[test]
fn one_changed_byte_is_invalid() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("food-business-permit", &dept, t, 7);
    let d = depts(std::slice::from_ref(&dept.cert));
    let at = t + Duration::days(1);
    let c = ctx(at, &pki, &d);
    let library = lists(&signed, LicenceStatus::Valid, at);
    let bytes = signed.to_bytes();
    assert_eq!(record(&bytes, &c, &library).verdict, Verdict::Valid);
    let (mut decode_fails, mut signature_fails) = (0, 0);
    for i in 0..bytes.len() {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        let ex = zhengku_verify::licence::examine_record(&t, &c);
        let r = conclude(ex.clone(), &Live::gather(&ex, &library), at);
        assert_eq!(r.verdict, Verdict::Invalid, "byte {i}\n{}", r.report);
        assert_eq!(r.verdict.exit_code(), 1);
        match r.report.first_failure().map(|c| c.id.as_str()) {
            Some("record_decode") => decode_fails += 1,
            Some("issuer_key" | "record_signature") => signature_fails += 1,
            other => panic!("byte {i}: failed at {other:?}\n{}", r.report),
        }
    }
    eprintln!(
        "{} bytes: {decode_fails} caught by decoding, {signature_fails} by the key or signature",
        bytes.len()
    );
    assert!(signature_fails > 100, "{signature_fails}");

    // A changed character of the QR payload.
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let mut tampered = payload.clone().into_bytes();
    let mut invalid = 0;
    for i in (4..tampered.len()).step_by(7) {
        let old = tampered[i];
        tampered[i] = if old == b'A' { b'B' } else { b'A' };
        let r = verify_input(&tampered, &c, &library);
        assert_eq!(r.verdict, Verdict::Invalid, "char {i}\n{}", r.report);
        invalid += 1;
        tampered[i] = old;
    }
    assert!(invalid > 40);
}

#[test]
fn an_unknown_key_of_a_known_department_is_invalid_else_unverifiable() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("business-licence", &dept, t, 8);
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let at = t + Duration::days(1);
    let library = lists(&signed, LicenceStatus::Valid, at);
    // The verifier knows the market regulator (by its P-256 certificate), and this SM2 key
    // is none of its keys: a forgery in its name.
    let known = depts(&[der("dept-xihu-samr-p256.crt")]);
    // It knows only another department, or none at all: whose key it is cannot be told.
    let other = depts(&[health().cert]);
    let none = depts(&[]);
    for (d, want, key_outcome) in [
        (&known, Verdict::Invalid, "failed"),
        (&other, Verdict::Unverifiable, "unverifiable"),
        (&none, Verdict::Unverifiable, "unverifiable"),
    ] {
        let c = ctx(at, &pki, d);
        for r in [
            record(&signed.to_bytes(), &c, &library),
            qr(&payload, &c, &library),
        ] {
            assert_eq!(r.verdict, want, "{}", r.report);
            assert_eq!(outcome(&r, "issuer_key").as_str(), key_outcome);
            assert!(
                r.report
                    .checks
                    .iter()
                    .any(|c| c.id.as_str().ends_with("_signature")
                        && matches!(c.outcome, Outcome::Skipped(_)))
            );
        }
    }
}

#[test]
fn a_certificate_of_another_issuer_is_invalid() {
    // Signed with the health bureau's key, but the record names the market regulator.
    let pki = pki();
    let mut dept = health();
    dept.issuer = testing::sample_issuer();
    let t = issue_time(&dept.cert);
    let signed = licence("business-licence", &dept, t, 9);
    let d = depts(std::slice::from_ref(&dept.cert));
    let at = t + Duration::days(1);
    let library = lists(&signed, LicenceStatus::Valid, at);
    let c = ctx(at, &pki, &d);
    let r = record(&signed.to_bytes(), &c, &library);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(
        outcome(&r, "record_signature"),
        Outcome::Passed(_)
    ));
    assert!(matches!(outcome(&r, "issuer_matches"), Outcome::Failed(_)));
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let q = qr(&payload, &c, &library);
    assert_eq!(q.verdict, Verdict::Invalid, "{}", q.report);
    assert!(matches!(outcome(&q, "issuer_matches"), Outcome::Failed(_)));
}

/// A QR payload signed by a forger who writes the department's kid into the protected
/// header (so the department's key is the one looked up, and it does not verify) is invalid,
/// cold and through a memo whose prepared key has already verified the genuine payload.
#[test]
fn a_qr_payload_signed_by_a_forger_under_the_departments_kid_is_invalid() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("business-licence", &dept, t, 41);
    let genuine = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let cose = zhengku_qr::make_cose(&signed, &dept.key).unwrap();
    let envelope = zhengku_cose::Sign1::decode(&cose, &zhengku_cbor::Limits::default()).unwrap();
    let forger = zhengku_crypto::PrivateKey::generate(zhengku_crypto::Algorithm::Sm2Sm3).unwrap();
    let mut header = zhengku_cbor::Map::new();
    header
        .insert(
            zhengku_cbor::Value::integer(zhengku_cose::HEADER_KID),
            zhengku_cbor::Value::bytes(dept.key.public_key().key_id().as_bytes().to_vec()),
        )
        .unwrap();
    let forged = zhengku_cose::sign(header, envelope.payload().to_vec(), &forger).unwrap();
    let forged = format!(
        "{}{}",
        zhengku_qr::PREFIX,
        zhengku_qr::base45::encode(&miniz_oxide::deflate::compress_to_vec_zlib(&forged, 9))
    );
    let at = t + Duration::days(1);
    let d = depts(std::slice::from_ref(&dept.cert));
    let library = lists(&signed, LicenceStatus::Valid, at);
    let memo = zhengku_verify::Memo::new(pki.trust());
    let mut warm = ctx(at, &pki, &d);
    warm.memo = Some(&memo);
    for _ in 0..3 {
        assert_eq!(qr(&genuine, &warm, &library).verdict, Verdict::Valid);
    }
    let cold = ctx(at, &pki, &d);
    for c in [&cold, &warm, &warm] {
        let r = qr(&forged, c, &library);
        assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    }
}

/// A department certificate made from the real one with the key swapped for a forger's:
/// its issuer name and key identifier are the real issuing CA's, but the CA's signature no
/// longer covers it. Its chain must fail on that signature, and the memo's remembered
/// certificate signatures (warmed with the real chain first, then asked again and again)
/// must never let it through.
#[test]
fn a_certificate_with_a_swapped_key_is_invalid_with_or_without_the_memo() {
    let pki = pki();
    let real = samr();
    let forger = zhengku_crypto::PrivateKey::generate(zhengku_crypto::Algorithm::Sm2Sm3).unwrap();
    let t = issue_time(&real.cert);
    let (old, new) = (
        real.key.public_key().to_spki_der().to_vec(),
        forger.public_key().to_spki_der().to_vec(),
    );
    assert_eq!(old.len(), new.len());
    let at_key = real
        .cert
        .windows(old.len())
        .position(|w| w == old.as_slice())
        .expect("the key's SPKI in its certificate");
    let mut forged_cert = real.cert.clone();
    forged_cert[at_key..at_key + new.len()].copy_from_slice(&new);
    let forged = Dept {
        key: forger,
        cert: forged_cert.clone(),
        issuer: real.issuer.clone(),
    };
    let genuine = licence("business-licence", &real, t, 31);
    let fake = licence("business-licence", &forged, t, 32);
    let fake_payload = zhengku_qr::make_payload(&fake, &forged.key).unwrap();
    let at = t + Duration::days(1);
    let d = depts(&[real.cert.clone(), forged_cert]);
    let memo = zhengku_verify::Memo::new(pki.trust());
    let mut warm = ctx(at, &pki, &d);
    warm.memo = Some(&memo);
    let library = lists(&genuine, LicenceStatus::Valid, at);
    for _ in 0..3 {
        let r = record(&genuine.to_bytes(), &warm, &library);
        assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    }
    assert!(memo.keys().remembered() > 0, "the real chain is remembered");
    // Even a library that (wrongly) holds the fake record cannot make it valid.
    let library = lists(&fake, LicenceStatus::Valid, at);
    let cold = ctx(at, &pki, &d);
    for c in [&cold, &warm, &warm, &warm] {
        for r in [
            record(&fake.to_bytes(), c, &library),
            qr(&fake_payload, c, &library),
        ] {
            assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
            assert!(matches!(outcome(&r, "issuer_chain"), Outcome::Failed(_)));
        }
    }
}

/// A certificate made by anyone, naming the department and its USCC and holding the key
/// that signed: without a chain to the anchors it vouches for nothing.
#[test]
fn a_self_signed_look_alike_certificate_is_invalid() {
    use zhengku_pki::{CertKind, CertificateParams, Issuer, Serial, SubjectInfo};
    let pki = pki();
    let real = samr();
    let forger = zhengku_crypto::PrivateKey::generate(zhengku_crypto::Algorithm::Sm2Sm3).unwrap();
    let look_alike = zhengku_pki::issue_certificate(
        &Issuer::SelfSigned(&forger),
        forger.public_key(),
        &CertificateParams {
            kind: CertKind::Department,
            subject: SubjectInfo::organisation(real.issuer.name.clone(), real.issuer.code.clone()),
            serial: Serial::random().unwrap(),
            not_before: OffsetDateTime::now_utc() - Duration::days(1),
            not_after: OffsetDateTime::now_utc() + Duration::days(365),
            crl_url: None,
        },
    )
    .unwrap();
    let dept = Dept {
        key: forger,
        cert: look_alike.clone(),
        issuer: real.issuer.clone(),
    };
    let t = OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp())
        .unwrap()
        - Duration::hours(1);
    let signed = licence("business-licence", &dept, t, 21);
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let at = OffsetDateTime::now_utc();
    // Even a library that (wrongly) holds the record and its status cannot make it valid.
    let library = lists(&signed, LicenceStatus::Valid, at);
    let d = depts(&[look_alike, real.cert.clone()]);
    let c = ctx(at, &pki, &d);
    for r in [
        record(&signed.to_bytes(), &c, &library),
        qr(&payload, &c, &library),
    ] {
        assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
        assert!(matches!(outcome(&r, "issuer_chain"), Outcome::Failed(_)));
        // The reason of a status is never shown for what is not genuine.
        assert_eq!(
            r.facts.as_ref().unwrap().status.as_ref().unwrap().reason,
            None
        );
    }
}

#[test]
fn expired_by_the_time_judged() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("food-business-permit", &dept, t, 10);
    let until = signed.record().valid_until.unwrap();
    let d = depts(std::slice::from_ref(&dept.cert));
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    // The permit's end date is 2029-03-14: on the day it is valid, the day after expired.
    let last_day = until.with_hms(12, 0, 0).unwrap().assume_utc();
    for (at, want) in [
        (last_day, Verdict::Valid),
        (last_day + Duration::days(1), Verdict::Expired),
    ] {
        let c = ctx(at, &pki, &d);
        let library = lists(&signed, LicenceStatus::Valid, at);
        for r in [
            record(&signed.to_bytes(), &c, &library),
            qr(&payload, &c, &library),
        ] {
            assert_eq!(r.verdict, want, "{at}\n{}", r.report);
        }
    }
    // Expired comes before revoked in the rule.
    let at = last_day + Duration::days(1);
    let c = ctx(at, &pki, &d);
    let revoked = lists(&signed, LicenceStatus::Revoked, at);
    assert_eq!(
        record(&signed.to_bytes(), &c, &revoked).verdict,
        Verdict::Expired
    );
    // Judged before it was issued: invalid.
    let at = t - Duration::days(1);
    let c = ctx(at, &pki, &d);
    let r = record(
        &signed.to_bytes(),
        &c,
        &lists(&signed, LicenceStatus::Valid, at),
    );
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(outcome(&r, "validity"), Outcome::Failed(_)));
}

#[test]
fn live_status_gives_the_verdict() {
    let pki = pki();
    let dept = health();
    let t = issue_time(&dept.cert);
    let signed = licence("senior-citizen-card", &dept, t, 11);
    let d = depts(std::slice::from_ref(&dept.cert));
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let at = t + Duration::days(2);
    let c = ctx(at, &pki, &d);
    for (st, want) in [
        (LicenceStatus::Valid, Verdict::Valid),
        (LicenceStatus::Suspended, Verdict::Suspended),
        (LicenceStatus::Revoked, Verdict::Revoked),
        (LicenceStatus::Cancelled, Verdict::Revoked),
        (LicenceStatus::Withdrawn, Verdict::Revoked),
    ] {
        let library = lists(&signed, st, at);
        for r in [
            record(&signed.to_bytes(), &c, &library),
            qr(&payload, &c, &library),
        ] {
            assert_eq!(r.verdict, want, "{st}\n{}", r.report);
            let s = r.facts.as_ref().unwrap().status.as_ref().unwrap();
            assert_eq!(s.status, st);
            // Genuine: the reason is shown.
            assert_eq!(s.reason.as_deref(), Some("西市监处〔2026〕12号"));
            assert!(!r.status_unknown());
        }
    }
    // No status source: unverifiable, and the report says why.
    for r in [
        record(&signed.to_bytes(), &c, &NoLive),
        qr(&payload, &c, &NoLive),
    ] {
        assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
        assert_eq!(r.verdict.exit_code(), 2);
        assert!(matches!(outcome(&r, "status"), Outcome::Unverifiable(_)));
        assert!(r.status_unknown());
        assert!(r.facts.as_ref().unwrap().status.is_none());
    }
    // A status older than the limit is stale: unverifiable, even when it says valid.
    let mut stale = lists(&signed, LicenceStatus::Valid, at - Duration::hours(25));
    for r in [
        record(&signed.to_bytes(), &c, &stale),
        qr(&payload, &c, &stale),
    ] {
        assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
        assert!(outcome(&r, "status").detail().contains("stale"));
    }
    // ... unless the verifier accepts older ones.
    stale.max_age = 48 * 3600;
    assert_eq!(
        record(&signed.to_bytes(), &c, &stale).verdict,
        Verdict::Valid
    );
    // A library's complete list without this licence: not issued here.
    let elsewhere = LiveLists {
        complete: Some("test library".into()),
        max_age: 3600,
        ..LiveLists::default()
    };
    let r = qr(&payload, &c, &elsewhere);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    assert!(
        matches!(outcome(&r, "library_record"), Outcome::Unverifiable(t) if t.contains("not issued here")),
        "{}",
        r.report
    );
}

#[test]
fn a_record_other_than_the_one_stored_is_invalid() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let at = t + Duration::days(1);
    // Two genuinely signed records under one identifier (a department key misused, or a
    // record re-signed after the fact): only the one the library stored is valid.
    let stored = licence("business-licence", &dept, t, 14);
    let other = licence("business-licence", &dept, t + Duration::minutes(1), 14);
    assert_eq!(stored.record().identifier, other.record().identifier);
    let library = lists(&stored, LicenceStatus::Valid, at);
    let d = depts(std::slice::from_ref(&dept.cert));
    let c = ctx(at, &pki, &d);
    assert_eq!(
        record(&stored.to_bytes(), &c, &library).verdict,
        Verdict::Valid
    );
    let payload = zhengku_qr::make_payload(&other, &dept.key).unwrap();
    for r in [
        record(&other.to_bytes(), &c, &library),
        qr(&payload, &c, &library),
    ] {
        assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
        assert_eq!(r.report.first_failure().unwrap().id, "library_record");
        assert_eq!(
            r.facts.as_ref().unwrap().status.as_ref().unwrap().reason,
            None
        );
    }
}

#[test]
fn chains_are_checked_against_the_anchors_given() {
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("business-licence", &dept, t, 12);
    let d = depts(std::slice::from_ref(&dept.cert));
    let at = t + Duration::days(1);
    let library = lists(&signed, LicenceStatus::Valid, at);
    // No anchors: unverifiable, whatever else is known.
    let none = Pki {
        anchors: Vec::new(),
        intermediates: Vec::new(),
        crls: Vec::new(),
    };
    let r = record(&signed.to_bytes(), &ctx(at, &none, &d), &library);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    assert!(matches!(
        outcome(&r, "issuer_chain"),
        Outcome::Unverifiable(_)
    ));
    // Only the other hierarchy: failed, invalid.
    let p256 = Pki {
        anchors: vec![der("pki/p256/root.crt")],
        intermediates: vec![der("pki/p256/issuing.crt")],
        crls: Vec::new(),
    };
    let r = record(&signed.to_bytes(), &ctx(at, &p256, &d), &library);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(outcome(&r, "issuer_chain"), Outcome::Failed(_)));
    // Revocation required and no CRL: the chain cannot be established.
    let no_crls = Pki {
        anchors: vec![der("pki/sm2/root.crt")],
        intermediates: vec![der("pki/sm2/issuing.crt")],
        crls: Vec::new(),
    };
    let mut c = ctx(at, &no_crls, &d);
    c.trust.revocation = Revocation::Required;
    let r = record(&signed.to_bytes(), &c, &library);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    assert!(matches!(
        outcome(&r, "issuer_chain"),
        Outcome::Unverifiable(_)
    ));
    // Judged long after the department's certificate ran out (2036), while the licence is
    // long-term: the certificate was valid at the issue time the record claims, which only
    // the library can attest. With the library's record of it: valid.
    let pki = pki();
    let later = at + Duration::days(365 * 12);
    let c = ctx(later, &pki, &d);
    let r = record(
        &signed.to_bytes(),
        &c,
        &lists(&signed, LicenceStatus::Valid, later),
    );
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    match outcome(&r, "issuer_chain") {
        Outcome::Passed(t) => assert!(t.contains("attested"), "{t}"),
        o => panic!("{o:?}"),
    }
    // Without it the claimed time is only a claim: unverifiable.
    let r = record(&signed.to_bytes(), &c, &NoLive);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    match outcome(&r, "issuer_chain") {
        Outcome::Unverifiable(t) => assert!(t.contains("only claimed"), "{t}"),
        o => panic!("{o:?}"),
    }
}

#[test]
fn json_shape() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("business-licence", &dept, t, 13);
    let id = signed.record().identifier.to_string();
    let at = t + Duration::days(1);
    let library = lists(&signed, LicenceStatus::Revoked, at);
    let d = depts(std::slice::from_ref(&dept.cert));
    let c = ctx(at, &pki, &d);
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let r = qr(&payload, &c, &library);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"], "revoked");
    assert_eq!(v["verdict_zh"], "已撤销");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["kind"], "qr");
    assert_eq!(v["facts"]["identifier"], id.as_str());
    assert_eq!(v["facts"]["type_name"], serde_json::Value::Null);
    assert_eq!(v["facts"]["valid_from"], "2019-06-18");
    assert_eq!(v["facts"]["valid_until"], serde_json::Value::Null);
    assert_eq!(
        v["facts"]["issue_date"],
        signed.record().issue_date.to_string()
    );
    assert_eq!(v["facts"]["issuer_name"], "杭州市西湖区市场监督管理局");
    assert_eq!(v["facts"]["status"]["status"], "revoked");
    assert_eq!(v["facts"]["status"]["status_zh"], "已撤销");
    assert_eq!(v["facts"]["status"]["source"], "test");
    assert_eq!(v["facts"]["issued_at"], t.unix_timestamp());
    let checks = v["checks"].as_array().unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "qr_decode",
            "issuer_key",
            "qr_signature",
            "issuer_chain",
            "issuer_matches",
            "validity",
            "library_record",
            "status"
        ]
    );
    for c in checks {
        for k in ["label", "label_zh", "detail"] {
            assert!(c[k].is_string(), "{c}");
        }
    }
    assert_eq!(checks[7]["outcome"], "failed");
    assert_eq!(checks[2]["outcome"], "passed");
    assert_eq!(v["details"][0]["name"], "identifier");
    // A record's report has the record checks.
    let rv = serde_json::to_value(record(&signed.to_bytes(), &c, &library)).unwrap();
    assert_eq!(rv["kind"], "record");
    assert_eq!(rv["facts"]["type_name"], "营业执照");
    assert_eq!(rv["checks"][2]["id"], "record_signature");
    // Unverifiable, in JSON.
    let uv = serde_json::to_value(record(&signed.to_bytes(), &c, &NoLive)).unwrap();
    assert_eq!(uv["verdict"], "unverifiable");
    assert_eq!(uv["verdict_zh"], "无法核验");
    assert_eq!(uv["exit_code"], 2);
    assert_eq!(uv["checks"][7]["outcome"], "unverifiable");
}

#[test]
fn unrecognised_input() {
    let d = Departments::default();
    let c = Context {
        at: OffsetDateTime::now_utc(),
        trust: Trust::default(),
        departments: &d,
        memo: None,
    };
    for input in [&b""[..], b"hello", b"\x30\x03\x02\x01\x01", b"%PDX"] {
        assert_eq!(sniff(input), None);
        assert_eq!(examine(input, &c).identifier(), None);
        let r = verify_input(input, &c, &NoLive);
        assert_eq!(r.verdict, Verdict::Invalid);
        assert_eq!(r.report.checks[0].id, "input");
    }
    // Text with a broken payload is a QR that fails to decode.
    let r = verify_input(b"https://x.example/V/ZK1:%%%", &c, &NoLive);
    assert_eq!(r.kind, InputKind::Qr);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(matches!(outcome(&r, "qr_decode"), Outcome::Failed(_)));
}

/// Every time a certificate or CRL of the development PKI names, and one second either side.
fn breakpoints(p: &Pki, signers: &[Vec<u8>]) -> Vec<OffsetDateTime> {
    use x509_parser::revocation_list::CertificateRevocationList;
    let mut out = Vec::new();
    let t = |a: x509_parser::time::ASN1Time| OffsetDateTime::from_unix_timestamp(a.timestamp());
    for der in p.anchors.iter().chain(&p.intermediates).chain(signers) {
        let (_, c) = X509Certificate::from_der(der).unwrap();
        out.push(t(c.validity().not_before).unwrap());
        out.push(t(c.validity().not_after).unwrap());
    }
    for der in &p.crls {
        let (_, crl) = CertificateRevocationList::from_der(der).unwrap();
        out.push(t(crl.last_update()).unwrap());
        out.extend(crl.next_update().map(|n| t(n).unwrap()));
    }
    out.iter()
        .flat_map(|&b| [b - Duration::seconds(1), b, b + Duration::seconds(1)])
        .collect()
}

#[test]
fn the_memo_never_changes_an_answer() {
    let p = pki();
    let (samr, health) = (samr(), health());
    let signers = vec![samr.cert.clone(), health.cert.clone()];
    let memo = zhengku_verify::Memo::new(p.trust());
    let d = depts(&signers);
    let records: Vec<Vec<u8>> = [
        licence("business-licence", &samr, issue_time(&samr.cert), 1),
        licence("senior-citizen-card", &health, issue_time(&health.cert), 2),
    ]
    .iter()
    .map(SignedLicence::to_bytes)
    .collect();
    let mut times = breakpoints(&p, &signers);
    times.push(OffsetDateTime::now_utc());
    // Twice over, the second time with everything remembered, and in reverse as well, so
    // that a span remembered on one side of a breakpoint is asked about on the other.
    let sweep: Vec<OffsetDateTime> = times
        .iter()
        .chain(times.iter().rev())
        .chain(times.iter())
        .copied()
        .collect();
    let mut with_memo_passed = 0;
    for at in sweep {
        for bytes in &records {
            let fresh = record(bytes, &ctx(at, &p, &d), &NoLive);
            let mut c = ctx(at, &p, &d);
            c.memo = Some(&memo);
            let remembered = record(bytes, &c, &NoLive);
            assert_eq!(remembered.verdict, fresh.verdict, "at {at}");
            assert_eq!(remembered.report, fresh.report, "at {at}");
            if matches!(outcome(&remembered, "issuer_chain"), Outcome::Passed(_)) {
                with_memo_passed += 1;
            }
        }
    }
    // The sweep reaches both sides: chains that pass and chains that fail.
    assert!(with_memo_passed > 0);
    // A memo made from other slices is not used: another copy of the same anchors gives
    // the same answers, computed afresh.
    let copy = pki();
    // Past the records' issue time (an hour after the development certificates' start).
    let now = issue_time(&samr.cert) + Duration::hours(2);
    let mut c = ctx(now, &copy, &d);
    c.memo = Some(&memo);
    let library = LiveLists {
        licences: HashMap::from([(
            SignedLicence::from_bytes(&records[0])
                .unwrap()
                .record()
                .identifier
                .to_string(),
            live(
                &SignedLicence::from_bytes(&records[0]).unwrap(),
                LicenceStatus::Valid,
                now.unix_timestamp(),
            ),
        )]),
        max_age: 3600,
        ..LiveLists::default()
    };
    let r = record(&records[0], &c, &library);
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
}

/// Through a memo, keys met again verify with their prepared tables: the same record and
/// payload stay valid, every changed byte of the record and changed character of the payload
/// stays invalid (the forgeries of `one_changed_byte_is_invalid`, now on the fast path), and
/// keys are prepared once (on their second use: the department's, and the CAs' that sign
/// the chain and the CRLs), not once per verification.
#[test]
fn prepared_keys_give_the_same_answers() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("business-licence", &dept, t, 11);
    let d = depts(std::slice::from_ref(&dept.cert));
    let at = t + Duration::days(1);
    let memo = zhengku_verify::Memo::new(pki.trust());
    let mut c = ctx(at, &pki, &d);
    c.memo = Some(&memo);
    let library = lists(&signed, LicenceStatus::Valid, at);
    let bytes = signed.to_bytes();
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    for _ in 0..3 {
        assert_eq!(record(&bytes, &c, &library).verdict, Verdict::Valid);
        assert_eq!(qr(&payload, &c, &library).verdict, Verdict::Valid);
    }
    let prepared = memo.keys().usage().0;
    // The department's key, and at most the two CA keys of its chain.
    assert!((1..=3).contains(&prepared), "{prepared} keys prepared");
    // Without a library to compare the stored record with, the signature alone must catch
    // every change (a change it let through would come out 无法核验, not 无效).
    for i in 0..bytes.len() {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        let r = record(&t, &c, &NoLive);
        assert_eq!(r.verdict, Verdict::Invalid, "byte {i}\n{}", r.report);
    }
    let mut tampered = payload.into_bytes();
    for i in (4..tampered.len()).step_by(7) {
        let old = tampered[i];
        tampered[i] = if old == b'A' { b'B' } else { b'A' };
        let r = verify_input(&tampered, &c, &NoLive);
        assert_eq!(r.verdict, Verdict::Invalid, "char {i}\n{}", r.report);
        tampered[i] = old;
    }
    assert_eq!(memo.keys().usage().0, prepared, "no key prepared twice");
}

/// Status from signed status lists (an offline verifier after `zhengku sync`): the entry the
/// signed record names decides; a record without one, a list not held, an expired list or
/// a stale trust list give 无法核验; a record whose entry was changed after signing (to point
/// at a valid entry) is 无效.
#[test]
fn status_lists_decide_by_the_entry_the_signed_record_names() {
    use zhengku_status::{Reference, StatusList, StatusListClaims};
    use zhengku_verify::ListSource;

    const URI: &str = "https://zk.example.gov.cn/sl/3";
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let d = depts(std::slice::from_ref(&dept.cert));
    // A licence whose record names entry `idx` of list 3.
    let listed = |idx: u64, seq: u32| {
        let mut record = record_of("business-licence", &dept, t, seq);
        record.status = Some(Reference {
            idx,
            uri: URI.into(),
        });
        SignedLicence::sign(record, &dept.key).unwrap()
    };
    let iat = (t + Duration::hours(2)).unix_timestamp() as u64;
    let mut bits = StatusList::new(2, 1 << 10).unwrap();
    bits.set(7, 1).unwrap();
    bits.set(8, 2).unwrap();
    let claims = StatusListClaims {
        sub: URI.into(),
        iat,
        exp: Some(iat + 72 * 3600),
        ttl: Some(3600),
        list: bits,
    };
    let source = |at: OffsetDateTime| {
        let mut s = ListSource::new(at.unix_timestamp());
        s.add(claims.clone());
        s
    };
    let at = t + Duration::hours(2) + Duration::minutes(5);
    let c = ctx(at, &pki, &d);
    for (idx, want) in [
        (6, Verdict::Valid),
        (7, Verdict::Revoked),
        (8, Verdict::Suspended),
    ] {
        let signed = listed(idx, 40 + idx as u32);
        let r = record(&signed.to_bytes(), &c, &source(at));
        assert_eq!(r.verdict, want, "entry {idx}\n{}", r.report);
        // The QR code carries the entry compactly ([3, idx]): the same answer.
        let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
        let claims = zhengku_qr::decode_payload(&payload).unwrap().claims;
        assert_eq!(claims.status_entry, Some((3, idx)));
        let r = qr(&payload, &c, &source(at));
        assert_eq!(r.verdict, want, "QR, entry {idx}\n{}", r.report);
    }
    // Between ttl and exp: still the list's answer, said as of its iat.
    let later = t + Duration::hours(30);
    let r = record(
        &listed(6, 50).to_bytes(),
        &ctx(later, &pki, &d),
        &source(later),
    );
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    assert!(
        outcome(&r, "status").detail().contains("status as of"),
        "{}",
        r.report
    );
    // Past exp: stale, 无法核验, even though the entry says valid.
    let past = t + Duration::hours(2 + 72);
    let r = record(
        &listed(6, 51).to_bytes(),
        &ctx(past, &pki, &d),
        &source(past),
    );
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    assert!(
        outcome(&r, "status").detail().contains("expired"),
        "{}",
        r.report
    );
    // A trust list past next_update blocks every answer.
    let mut blocked = source(at);
    blocked.block("trust list seq 4 is past its next_update".into());
    let r = record(&listed(6, 52).to_bytes(), &c, &blocked);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    // A record naming no entry, or a list not held, or an entry beyond the list.
    let unlisted = licence("business-licence", &dept, t, 53);
    let r = record(&unlisted.to_bytes(), &c, &source(at));
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    assert!(
        outcome(&r, "status")
            .detail()
            .contains("names no status-list entry")
    );
    let r = record(
        &listed(6, 54).to_bytes(),
        &c,
        &ListSource::new(at.unix_timestamp()),
    );
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    let r = record(&listed(5000, 55).to_bytes(), &c, &source(at));
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    // Forgery: the revoked licence's record with its entry moved to a valid one after
    // signing. The signature no longer holds: 无效, never the valid entry's 有效.
    let revoked = listed(7, 56);
    let bytes = revoked.to_bytes();
    let needle = [0x07u8];
    let mut forged = bytes.clone();
    let mut changed = false;
    // The index is the CBOR unsigned 7 right after the text key "idx".
    if let Some(at_key) = bytes.windows(4).position(|w| w == b"cidx") {
        let pos = at_key + 4;
        assert_eq!(&bytes[pos..pos + 1], &needle);
        forged[pos] = 0x06;
        changed = true;
    }
    assert!(changed, "the record carries its index");
    let r = record(&forged, &c, &source(at));
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
}
