//! Licence records and QR payloads signed with the development department keys (keys-dev/)
//! and verified by the engine: the real thing is valid, and each kind of fault gives the
//! verdict it should (one changed byte → invalid, unknown key → invalid, judged after the
//! end date → expired, revoked → revoked, no status → status skipped).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::path::PathBuf;

use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};
use zhengku_crypto::PrivateKey;
use zhengku_model::identifier::LicenceId;
use zhengku_model::record::{IssueRequest, Issuer, Timestamp};
use zhengku_model::{LicenceStatus, LicenceType, SignedLicence, testing};
use zhengku_verify::licence::verify_record;
use zhengku_verify::qr::verify_qr;
use zhengku_verify::seal::Trust;
use zhengku_verify::{
    Context, InputKind, LicenceReport, LiveStatus, NoStatus, Outcome, StatusSource, Verdict,
    identify, sniff, verify_input,
};

fn keys_dev() -> PathBuf {
    zhengku_testkit::repo_root().join("keys-dev")
}

fn der(name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(keys_dev().join(name)).unwrap();
    pem_rfc7468::decode_vec(pem.as_bytes()).unwrap().1
}

fn key(label: &str) -> PrivateKey {
    PrivateKey::from_pem(
        &std::fs::read_to_string(keys_dev().join(format!("keys/{label}.key"))).unwrap(),
    )
    .unwrap()
}

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
    let dir = zhengku_testkit::repo_root().join("templates").join(name);
    let ty = LicenceType::from_toml_str(&std::fs::read_to_string(dir.join("type.toml")).unwrap())
        .unwrap();
    let req: IssueRequest =
        serde_json::from_str(&std::fs::read_to_string(dir.join("example-request.json")).unwrap())
            .unwrap();
    let id = LicenceId::generate(ty.code(), &dept.issuer.code, 2026, seq, 1).unwrap();
    let record = ty
        .build_record(
            &req,
            &dept.issuer,
            id,
            Timestamp::from_offset_date_time(at).unwrap(),
        )
        .unwrap();
    SignedLicence::sign(record, &dept.key).unwrap()
}

fn status(s: LicenceStatus) -> LiveStatus {
    LiveStatus {
        status: s,
        reason: Some("西市监处〔2026〕12号".into()),
        as_of: 1_800_000_000,
        source: "test".into(),
    }
}

fn ctx<'a>(
    at: OffsetDateTime,
    pki: &'a Pki,
    signers: &'a [Vec<u8>],
    status: &'a dyn StatusSource,
) -> Context<'a> {
    Context {
        at,
        trust: pki.trust(),
        signers,
        status,
        memo: None,
    }
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
        let statuses = HashMap::from([(id.clone(), status(LicenceStatus::Valid))]);
        let signers = vec![health().cert, samr().cert];
        let c = ctx(t + Duration::days(1), &pki, &signers, &statuses);

        let r = verify_record(&signed.to_bytes(), &c);
        assert_eq!(r.verdict, Verdict::Valid, "{name}\n{}", r.report);
        assert_eq!(r.kind, InputKind::Record);
        all_passed(&r);
        let facts = r.facts.as_ref().unwrap();
        assert_eq!(facts.identifier, id);
        assert_eq!(
            facts.type_name.as_deref(),
            Some(signed.record().type_name.as_str())
        );
        assert_eq!(facts.status.as_ref().unwrap().status, LicenceStatus::Valid);
        if name == "senior-citizen-card" {
            assert_eq!(facts.holder_name, "王*英");
            assert_eq!(facts.holder_code, "330106********0047");
        }

        let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
        let url = zhengku_qr::payload_url("https://zk.example.gov.cn", &payload).unwrap();
        for text in [payload.clone(), url, format!("  {payload}\n")] {
            let q = verify_qr(&text, &c);
            assert_eq!(q.verdict, Verdict::Valid, "{name}\n{}", q.report);
            assert_eq!(q.kind, InputKind::Qr);
            all_passed(&q);
            let qf = q.facts.as_ref().unwrap();
            assert_eq!(qf.identifier, id);
            assert_eq!(qf.holder_name, facts.holder_name);
            assert_eq!(qf.valid_until, facts.valid_until);
            assert_eq!(qf.issuer_name.as_deref(), Some(dept.issuer.name.as_str()));
            // The dispatcher agrees.
            assert_eq!(sniff(text.as_bytes()), Some(InputKind::Qr));
            assert_eq!(identify(text.as_bytes()).as_deref(), Some(id.as_str()));
            assert_eq!(verify_input(text.as_bytes(), &c), q);
        }
        assert_eq!(sniff(&signed.to_bytes()), Some(InputKind::Record));
        assert_eq!(identify(&signed.to_bytes()).as_deref(), Some(id.as_str()));
        assert_eq!(verify_input(&signed.to_bytes(), &c), r);
    }
}

#[test]
fn one_changed_byte_is_invalid() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("food-business-permit", &dept, t, 7);
    let signers = vec![dept.cert.clone()];
    let c = ctx(t + Duration::days(1), &pki, &signers, &NoStatus);
    let bytes = signed.to_bytes();
    assert_eq!(verify_record(&bytes, &c).verdict, Verdict::Valid);
    let (mut decode_fails, mut signature_fails) = (0, 0);
    for i in 0..bytes.len() {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        let r = verify_record(&t, &c);
        assert_eq!(r.verdict, Verdict::Invalid, "byte {i}\n{}", r.report);
        match r.report.first_failure().map(|c| c.id) {
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
        let r = verify_qr(std::str::from_utf8(&tampered).unwrap(), &c);
        assert_eq!(r.verdict, Verdict::Invalid, "char {i}\n{}", r.report);
        invalid += 1;
        tampered[i] = old;
    }
    assert!(invalid > 40);
}

#[test]
fn unknown_key_is_invalid() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("business-licence", &dept, t, 8);
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let only_health = vec![health().cert];
    for signers in [only_health.as_slice(), &[]] {
        let c = ctx(t + Duration::days(1), &pki, signers, &NoStatus);
        for r in [
            verify_record(&signed.to_bytes(), &c),
            verify_qr(&payload, &c),
        ] {
            assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
            assert!(matches!(outcome(&r, "issuer_key"), Outcome::Failed(_)));
            assert!(
                r.report
                    .checks
                    .iter()
                    .any(|c| c.id.ends_with("_signature")
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
    let signers = vec![dept.cert.clone()];
    let c = ctx(t + Duration::days(1), &pki, &signers, &NoStatus);
    let r = verify_record(&signed.to_bytes(), &c);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(
        outcome(&r, "record_signature"),
        Outcome::Passed(_)
    ));
    assert!(matches!(outcome(&r, "issuer_matches"), Outcome::Failed(_)));
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let q = verify_qr(&payload, &c);
    assert_eq!(q.verdict, Verdict::Invalid, "{}", q.report);
    assert!(matches!(outcome(&q, "issuer_matches"), Outcome::Failed(_)));
}

#[test]
fn expired_by_the_time_judged() {
    let pki = pki();
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("food-business-permit", &dept, t, 10);
    let until = signed.record().valid_until.unwrap();
    let signers = vec![dept.cert.clone()];
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let revoked = HashMap::from([(
        signed.record().identifier.to_string(),
        status(LicenceStatus::Revoked),
    )]);
    // The permit's end date is 2029-03-14: on the day it is valid, the day after expired.
    let last_day = until.with_hms(12, 0, 0).unwrap().assume_utc();
    for (at, want) in [
        (last_day, Verdict::Valid),
        (last_day + Duration::days(1), Verdict::Expired),
    ] {
        let c = ctx(at, &pki, &signers, &NoStatus);
        for r in [
            verify_record(&signed.to_bytes(), &c),
            verify_qr(&payload, &c),
        ] {
            assert_eq!(r.verdict, want, "{at}\n{}", r.report);
        }
    }
    // Expired comes before revoked in the rule.
    let c = ctx(last_day + Duration::days(1), &pki, &signers, &revoked);
    assert_eq!(
        verify_record(&signed.to_bytes(), &c).verdict,
        Verdict::Expired
    );
    // Judged before it was issued: invalid.
    let c = ctx(t - Duration::days(1), &pki, &signers, &NoStatus);
    let r = verify_record(&signed.to_bytes(), &c);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(outcome(&r, "validity"), Outcome::Failed(_)));
}

#[test]
fn live_status_gives_the_verdict() {
    let pki = pki();
    let dept = health();
    let t = issue_time(&dept.cert);
    let signed = licence("senior-citizen-card", &dept, t, 11);
    let id = signed.record().identifier.to_string();
    let signers = vec![dept.cert.clone()];
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    for (st, want) in [
        (LicenceStatus::Valid, Verdict::Valid),
        (LicenceStatus::Suspended, Verdict::Suspended),
        (LicenceStatus::Revoked, Verdict::Revoked),
        (LicenceStatus::Cancelled, Verdict::Revoked),
        (LicenceStatus::Withdrawn, Verdict::Revoked),
    ] {
        let statuses = HashMap::from([(id.clone(), status(st))]);
        let c = ctx(t + Duration::days(2), &pki, &signers, &statuses);
        for r in [
            verify_record(&signed.to_bytes(), &c),
            verify_qr(&payload, &c),
        ] {
            assert_eq!(r.verdict, want, "{st}\n{}", r.report);
            assert_eq!(
                r.facts.as_ref().unwrap().status.as_ref().unwrap().status,
                st
            );
            assert!(!r.status_unknown());
        }
    }
    // No status source: skipped, still valid, and the report says so.
    let c = ctx(t + Duration::days(2), &pki, &signers, &NoStatus);
    for r in [
        verify_record(&signed.to_bytes(), &c),
        verify_qr(&payload, &c),
    ] {
        assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
        assert!(matches!(outcome(&r, "status"), Outcome::Skipped(_)));
        assert!(r.status_unknown());
        assert!(r.facts.as_ref().unwrap().status.is_none());
    }
}

#[test]
fn chains_are_checked_against_the_anchors_given() {
    let dept = samr();
    let t = issue_time(&dept.cert);
    let signed = licence("business-licence", &dept, t, 12);
    let signers = vec![dept.cert.clone()];
    let at = t + Duration::days(1);
    // No anchors: skipped, still valid.
    let none = Pki {
        anchors: Vec::new(),
        intermediates: Vec::new(),
        crls: Vec::new(),
    };
    let r = verify_record(&signed.to_bytes(), &ctx(at, &none, &signers, &NoStatus));
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    assert!(matches!(outcome(&r, "issuer_chain"), Outcome::Skipped(_)));
    // Only the other hierarchy: failed, invalid.
    let p256 = Pki {
        anchors: vec![der("pki/p256/root.crt")],
        intermediates: vec![der("pki/p256/issuing.crt")],
        crls: Vec::new(),
    };
    let r = verify_record(&signed.to_bytes(), &ctx(at, &p256, &signers, &NoStatus));
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(matches!(outcome(&r, "issuer_chain"), Outcome::Failed(_)));
    // Judged long after the department's certificate ran out (2036), while the licence is
    // long-term: the certificate was valid when it signed, so the chain passes.
    let pki = pki();
    let r = verify_record(
        &signed.to_bytes(),
        &ctx(at + Duration::days(365 * 12), &pki, &signers, &NoStatus),
    );
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    match outcome(&r, "issuer_chain") {
        Outcome::Passed(t) => assert!(t.contains("expired since"), "{t}"),
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
    let statuses = HashMap::from([(id.clone(), status(LicenceStatus::Revoked))]);
    let signers = vec![dept.cert.clone()];
    let c = ctx(t + Duration::days(1), &pki, &signers, &statuses);
    let payload = zhengku_qr::make_payload(&signed, &dept.key).unwrap();
    let r = verify_qr(&payload, &c);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"], "revoked");
    assert_eq!(v["verdict_zh"], "已撤销");
    assert_eq!(v["kind"], "qr");
    assert_eq!(v["facts"]["identifier"], id.as_str());
    assert_eq!(v["facts"]["type_name"], serde_json::Value::Null);
    assert_eq!(v["facts"]["valid_from"], "2019-06-18");
    assert_eq!(v["facts"]["valid_until"], serde_json::Value::Null);
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
            "status"
        ]
    );
    for c in checks {
        for k in ["label", "label_zh", "detail"] {
            assert!(c[k].is_string(), "{c}");
        }
    }
    assert_eq!(checks[6]["outcome"], "failed");
    assert_eq!(checks[2]["outcome"], "passed");
    assert_eq!(v["details"][0]["name"], "identifier");
    // A record's report has the record checks.
    let rv = serde_json::to_value(verify_record(&signed.to_bytes(), &c)).unwrap();
    assert_eq!(rv["kind"], "record");
    assert_eq!(rv["facts"]["type_name"], "营业执照");
    assert_eq!(rv["checks"][2]["id"], "record_signature");
}

#[test]
fn unrecognised_input() {
    let c = Context {
        at: OffsetDateTime::now_utc(),
        trust: Trust::default(),
        signers: &[],
        status: &NoStatus,
        memo: None,
    };
    for input in [&b""[..], b"hello", b"\x30\x03\x02\x01\x01", b"%PDX"] {
        assert_eq!(sniff(input), None);
        assert_eq!(identify(input), None);
        let r = verify_input(input, &c);
        assert_eq!(r.verdict, Verdict::Invalid);
        assert_eq!(r.report.checks[0].id, "input");
    }
    // Text with a broken payload is a QR that fails to decode.
    let r = verify_input(b"https://x.example/V/ZK1:%%%", &c);
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
    let memo = zhengku_verify::Memo::new(p.trust(), &signers);
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
            let fresh = verify_record(bytes, &ctx(at, &p, &signers, &NoStatus));
            let mut c = ctx(at, &p, &signers, &NoStatus);
            c.memo = Some(&memo);
            let remembered = verify_record(bytes, &c);
            assert_eq!(remembered.verdict, fresh.verdict, "at {at}");
            assert_eq!(remembered.report, fresh.report, "at {at}");
            if matches!(outcome(&remembered, "issuer_chain"), Outcome::Passed(_)) {
                with_memo_passed += 1;
            }
        }
    }
    // The sweep reaches both sides: chains that pass and chains that fail.
    assert!(with_memo_passed > 0);
    // A memo made from other slices is not used: another copy of the same certificates
    // gives the same answers, computed afresh.
    let copy = signers.clone();
    let mut c = ctx(OffsetDateTime::now_utc(), &p, &copy, &NoStatus);
    c.memo = Some(&memo);
    let r = verify_record(&records[0], &c);
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
}
