//! Licence PDFs signed with the development seal keys (keys-dev/), verified by
//! `zhengku_verify::pdf::examine_pdf` and `conclude`: every check passes on the real thing (a hand-built PDF
//! and, with a CJK font, a rendered licence), and each kind of tampering fails at the check
//! that should catch it — a changed byte anywhere in the signed ranges, bytes appended after
//! signing, a changed signature, an untrusted signer, a seal signature from another
//! document, a PDF about another licence.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[allow(dead_code)] // assert_every_check_passed, licence_library: for the copy tests
#[path = "common/live.rs"]
mod live;
#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod support;

use support::*;
use time::OffsetDateTime;
use zhengku_crypto::{Algorithm, PrivateKey};
use zhengku_model::SealStatus;
use zhengku_pdf::parse::parse_signed;
use zhengku_verify::{
    Context, Departments, LicenceReport, Live, LiveLists, LiveSource, NoLive, Outcome,
    RecordDigests, Revocation, SealLive, Trust, Verdict, conclude, examine,
};

const ALGS: [&str; 2] = ["p256", "sm2"];

/// Anchors, intermediates, CRLs and the department certificates for `alg`.
struct Pki {
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    signers: Vec<Vec<u8>>,
}

fn pki(alg: &str) -> Pki {
    Pki {
        anchors: vec![root(alg)],
        intermediates: vec![der(&format!("pki/{alg}/issuing.crt"))],
        crls: vec![
            der(&format!("pki/{alg}/issuing.crl")),
            der(&format!("pki/{alg}/root.crl")),
        ],
        signers: vec![der(&format!("dept-xihu-samr-{alg}.crt"))],
    }
}

fn verify(pdf: &[u8], p: &Pki) -> LicenceReport {
    verify_with(pdf, p, &NoLive)
}

fn verify_with(pdf: &[u8], p: &Pki, live: &dyn LiveSource) -> LicenceReport {
    let departments = Departments::new(p.signers.iter().map(Vec::as_slice));
    let ctx = Context {
        at: OffsetDateTime::now_utc(),
        trust: Trust {
            anchors: &p.anchors,
            intermediates: &p.intermediates,
            crls: &p.crls,
            revocation: Revocation::IfAvailable,
        },
        departments: &departments,
        memo: None,
    };
    // Phase one must not panic on anything, so it runs directly; then phase two.
    let examined = zhengku_verify::pdf::examine_pdf(pdf, &ctx);
    if pdf.starts_with(b"%PDF-") {
        assert_eq!(examine(pdf, &ctx), examined);
    }
    let live = Live::gather(&examined, live);
    conclude(examined, &live, ctx.at)
}

/// What the library that issued the PDF knows: the embedded record, valid now; the
/// seal in it, active, by its fingerprint.
fn library(pdf: &[u8]) -> LiveLists {
    live::pdf_library(pdf, OffsetDateTime::now_utc().unix_timestamp())
}

fn outcome<'a>(r: &'a LicenceReport, id: &str) -> &'a Outcome {
    r.report
        .outcome(id)
        .unwrap_or_else(|| panic!("no check {id} in\n{}", r.report))
}

fn failed(r: &LicenceReport) -> Vec<&'static str> {
    r.report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
        .map(|c| c.id.as_str())
        .collect()
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

const PDF_CHECKS: [&str; 18] = [
    "pdf_structure",
    "byte_range",
    "appended_data",
    "cms_signature",
    "message_digest",
    "signing_certificate",
    "pdf_signer_chain",
    "embedded_record",
    "issuer_key",
    "record_signature",
    "issuer_chain",
    "issuer_matches",
    "validity",
    "record_matches",
    "ses_signature",
    "library_record",
    "status",
    "seal_status",
];

#[test]
fn signed_pdfs_verify_completely() {
    for alg in ALGS {
        let p = pki(alg);
        for (what, pdf, _) in signed_pdfs(alg) {
            let r = verify_with(&pdf, &p, &library(&pdf));
            eprintln!("{alg} {what}:\n{}", r.report);
            assert_eq!(r.verdict, Verdict::Valid, "{alg} {what}:\n{}", r.report);
            let ids: Vec<_> = r.report.checks.iter().map(|c| c.id).collect();
            assert_eq!(ids, PDF_CHECKS);
            for c in &r.report.checks {
                assert!(
                    matches!(c.outcome, Outcome::Passed(_)),
                    "{alg} {what}: {} is {:?}",
                    c.id,
                    c.outcome
                );
            }
            let facts = r.facts.as_ref().unwrap();
            assert_eq!(facts.identifier, sample_identifier());
            // Without a library: nothing fails, but the statuses are unknown.
            let r = verify(&pdf, &p);
            assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
            assert!(r.status_unknown());
            assert!(matches!(
                outcome(&r, "seal_status"),
                Outcome::Unverifiable(_)
            ));
            assert!(
                r.report
                    .facts
                    .iter()
                    .any(|(k, v)| *k == "seal name" && v.contains("证照专用章"))
            );
        }
    }
}

/// One changed byte anywhere in the signed ranges (about 300 positions spread over the
/// file) makes the PDF invalid.
#[test]
fn one_changed_byte_inside_the_byte_range_fails() {
    for alg in ALGS {
        let p = pki(alg);
        let pdf = signed_minimal(alg, true);
        let s = parse_signed(&pdf).unwrap();
        let step = pdf.len() / 300;
        let mut positions: Vec<usize> = (0..pdf.len())
            .step_by(step)
            .filter(|i| !s.contents_at.contains(i))
            .collect();
        positions.push(find(&pdf, b"test licence"));
        positions.push(pdf.len() - 1);
        for at in positions {
            let mut bad = pdf.clone();
            bad[at] ^= 0x01;
            let r = verify(&bad, &p);
            assert_eq!(
                r.verdict,
                Verdict::Invalid,
                "{alg}: byte {at} changed, still {:?}:\n{}",
                r.verdict,
                r.report
            );
        }
        // In the page's content: the signature and the seal both see it.
        let mut bad = pdf.clone();
        bad[find(&pdf, b"test licence")] = b'T';
        let r = verify(&bad, &p);
        assert_eq!(
            failed(&r),
            ["message_digest", "ses_signature"],
            "{}",
            r.report
        );
        let Outcome::Failed(why) = outcome(&r, "ses_signature") else {
            unreachable!()
        };
        assert!(why.contains("data_hash"), "{why}");
    }
}

#[test]
fn one_changed_byte_in_a_rendered_licence_fails() {
    let Some((pdf, _)) = signed_rendered("p256") else {
        return;
    };
    let p = pki("p256");
    let s = parse_signed(&pdf).unwrap();
    for at in [100, s.contents_at.start / 2, s.contents_at.end + 100] {
        let mut bad = pdf.clone();
        bad[at] ^= 0x01;
        let r = verify(&bad, &p);
        assert_eq!(r.verdict, Verdict::Invalid, "byte {at}:\n{}", r.report);
    }
}

#[test]
fn appended_bytes_are_reported_and_fail() {
    for alg in ALGS {
        let p = pki(alg);
        let mut pdf = signed_minimal(alg, true);
        let extra = b"\n10 0 obj\n<< /Type /Annot /Subtype /Text /Contents (added later) >>\nendobj\n%%EOF\n";
        pdf.extend_from_slice(extra);
        let r = verify(&pdf, &p);
        assert_eq!(r.verdict, Verdict::Invalid);
        assert_eq!(failed(&r), ["appended_data"], "{}", r.report);
        let Outcome::Failed(why) = outcome(&r, "appended_data") else {
            unreachable!()
        };
        assert!(
            why.starts_with(&format!("{} byte(s)", extra.len())),
            "{why}"
        );
    }
}

#[test]
fn a_changed_signature_fails_the_cms_check() {
    for alg in ALGS {
        let p = pki(alg);
        let pdf = signed_minimal(alg, false);
        let s = parse_signed(&pdf).unwrap();
        let sd = zhengku_pdf::cms::decode(&s.cms).unwrap();
        // The last byte of the signature value, as hex inside /Contents.
        let sig_end = find(&s.cms, &sd.signer.signature) + sd.signer.signature.len();
        let hex_at = s.contents_at.start + 1 + 2 * (sig_end - 1);
        let mut bad = pdf.clone();
        bad[hex_at] = if bad[hex_at] == b'0' { b'1' } else { b'0' };
        let r = verify(&bad, &p);
        assert_eq!(r.verdict, Verdict::Invalid);
        assert_eq!(failed(&r), ["cms_signature"], "{}", r.report);
        // Without a seal signature, the seal cannot be checked.
        assert!(matches!(
            outcome(&r, "ses_signature"),
            Outcome::Unverifiable(_)
        ));
    }
}

#[test]
fn an_untrusted_anchor_or_signer_fails_the_chain() {
    // The P-256 PDF judged with the SM2 root as the only anchor.
    let pdf = signed_minimal("p256", true);
    let mut p = pki("p256");
    p.anchors = vec![root("sm2")];
    let r = verify(&pdf, &p);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(failed(&r).contains(&"pdf_signer_chain"), "{}", r.report);

    // A signer with a self-signed certificate that copies the seal's subject.
    let rogue = PrivateKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
    let cert = zhengku_pki::issue_certificate(
        &zhengku_pki::Issuer::SelfSigned(&rogue),
        rogue.public_key(),
        &zhengku_pki::CertificateParams {
            kind: zhengku_pki::CertKind::Seal,
            subject: zhengku_pki::SubjectInfo::organisation(
                "杭州市西湖区市场监督管理局证照专用章",
                zhengku_model::codes::Uscc::parse("11330106MB0B12345L").unwrap(),
            ),
            serial: zhengku_pki::Serial::random().unwrap(),
            not_before: OffsetDateTime::now_utc() - time::Duration::days(1),
            not_after: OffsetDateTime::now_utc() + time::Duration::days(30),
            crl_url: None,
        },
    )
    .unwrap();
    let record = signed_record("p256").to_bytes();
    let seal = seal("p256");
    let prepared = minimal_pdf(
        &record,
        "营业执照",
        &sample_identifier(),
        room("p256", &seal, false),
    );
    let chain = vec![cert];
    let req = zhengku_pdf::pades::SignRequest {
        signer: &rogue,
        chain: &chain,
        ses: None,
    };
    let pdf = zhengku_pdf::pades::sign(prepared, &req).unwrap();
    let r = verify(&pdf, &pki("p256"));
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(failed(&r), ["pdf_signer_chain"], "{}", r.report);
    assert!(matches!(outcome(&r, "cms_signature"), Outcome::Passed(_)));
}

#[test]
fn a_seal_signature_from_another_document_fails() {
    for alg in ALGS {
        let p = pki(alg);
        let seal = seal(alg);
        let prepared = minimal_pdf(
            &signed_record(alg).to_bytes(),
            "营业执照",
            &sample_identifier(),
            room(alg, &seal, true),
        );
        let other = zhengku_crypto::sm3(b"another document");
        let stamp_other = |_: &[u8; 32]| stamp_der(&seal, alg, &other);
        let pdf = sign_with(alg, prepared, Some(&stamp_other));
        let r = verify(&pdf, &p);
        assert_eq!(r.verdict, Verdict::Invalid);
        assert_eq!(failed(&r), ["ses_signature"], "{}", r.report);
        let Outcome::Failed(why) = outcome(&r, "ses_signature") else {
            unreachable!()
        };
        assert!(why.starts_with("data_hash:"), "{why}");
    }
}

#[test]
fn a_pdf_about_another_licence_fails_record_matches() {
    let p = pki("sm2");
    let seal = seal("sm2");
    let prepared = minimal_pdf(
        &signed_record("sm2").to_bytes(),
        "营业执照",
        "1.2.156.3005.2.11100000MB0143028R001.11330106MB0B12345L.20240009999.001.X",
        room("sm2", &seal, true),
    );
    let pdf = sign_for("sm2", prepared, Some(&seal));
    let r = verify(&pdf, &p);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(failed(&r), ["record_matches"], "{}", r.report);

    // No embedded record at all.
    let prepared = minimal_pdf(b"not a record", "营业执照", "x", room("sm2", &seal, false));
    let pdf = sign_for("sm2", prepared, None);
    let r = verify(&pdf, &p);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(failed(&r).contains(&"embedded_record"), "{}", r.report);
    assert!(r.facts.is_none());
}

#[test]
fn garbage_and_truncated_pdfs_are_invalid_not_panics() {
    let p = pki("sm2");
    let r = verify(b"%PDF-1.7\nnothing here", &p);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(failed(&r), ["pdf_structure"]);
    let pdf = signed_minimal("sm2", true);
    for cut in (0..pdf.len()).step_by(997) {
        let r = verify(&pdf[..cut], &p);
        assert_eq!(r.verdict, Verdict::Invalid, "cut at {cut}");
    }
}

#[test]
fn without_anchors_nothing_is_valid() {
    let pdf = signed_minimal("p256", true);
    let mut p = pki("p256");
    p.anchors.clear();
    let r = verify_with(&pdf, &p, &library(&pdf));
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    for id in ["pdf_signer_chain", "issuer_chain"] {
        assert!(matches!(outcome(&r, id), Outcome::Unverifiable(_)), "{id}");
    }
    assert!(!r.report.complete());
}

/// A PDF without a seal signature cannot be valid: the seal's status is what decides
/// whether its stamp stands.
#[test]
fn a_pdf_without_a_seal_signature_is_unverifiable() {
    let pdf = signed_minimal("sm2", false);
    // The library holds the record and is asked about no seal (none is named).
    let mut l = library(&signed_minimal("sm2", true));
    let record = parse_signed(&pdf).unwrap().embedded_record.unwrap();
    let live = l.licences.values_mut().next().unwrap();
    live.record = Some(RecordDigests::of(&record));
    let r = verify_with(&pdf, &pki("sm2"), &l);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    assert!(matches!(
        outcome(&r, "ses_signature"),
        Outcome::Unverifiable(_)
    ));
}

/// The seal's status at the library decides: revoked for key compromise, every stamp is
/// invalid; suspended since before now with no attested stamp time, invalid; with the
/// library's record that it stamped before the suspension, valid.
#[test]
fn the_seals_status_decides_the_stamp() {
    let alg = "sm2";
    let p = pki(alg);
    let pdf = signed_minimal(alg, true);
    let esid = seal(alg).seal_info.es_id.clone();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let with = |f: &dyn Fn(&mut SealLive)| {
        let mut l = library(&pdf);
        f(l.seals.get_mut(&esid).unwrap());
        verify_with(&pdf, &p, &l)
    };
    let r = with(&|s| {
        s.status = SealStatus::Revoked;
        s.key_compromise = true;
        s.changed_at = Some(now - 60);
        s.attested_at = Some(now - 3600);
        s.reason = Some("私钥泄露".into());
    });
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    let detail = outcome(&r, "seal_status").detail();
    assert!(detail.contains("key compromise"), "{detail}");
    // The PDF itself checked out: why the seal was revoked is told.
    assert!(detail.ends_with(", reason: 私钥泄露"), "{detail}");
    // A tampered copy learns only the status, not why.
    let mut tampered = pdf.clone();
    tampered[find(&pdf, b"test licence")] = b'T';
    let mut l = library(&pdf);
    if let Some(seal) = l.seals.get_mut(&esid) {
        seal.status = SealStatus::Suspended;
        seal.changed_at = Some(now - 60);
        seal.reason = Some("印章保管人变更".into());
    }
    let r = verify_with(&tampered, &p, &l);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(
        !r.report.to_string().contains("印章保管人变更"),
        "{}",
        r.report
    );
    let r = with(&|s| {
        s.status = SealStatus::Suspended;
        s.changed_at = Some(now - 60);
    });
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(outcome(&r, "seal_status").detail().contains("only claimed"));
    let r = with(&|s| {
        s.status = SealStatus::Suspended;
        s.changed_at = Some(now - 60);
        s.attested_at = Some(now - 3600);
    });
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    let r = with(&|s| {
        s.status = SealStatus::Revoked;
        s.changed_at = Some(now - 7200);
        s.attested_at = Some(now - 3600);
    });
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    // Another seal under the same esID (a look-alike seal): invalid.
    let r = with(&|s| s.fingerprint = Some([7; 32]));
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    assert!(outcome(&r, "seal_status").detail().contains("not the seal"));
    // A library that never made this seal: unverifiable.
    let mut l = library(&pdf);
    l.seals.clear();
    let r = verify_with(&pdf, &p, &l);
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
}

/// A licence PDF made as the service makes it (`zhengku_pdf::document`), with or without
/// the department's certificate among the CMS certificates.
fn sealed_document(alg: &str, carry_issuer: bool) -> Option<Vec<u8>> {
    use zhengku_pdf::document::{LicenceDocument, sealed_licence_pdf};
    use zhengku_pdf::layout::Layout;
    let font = font()?;
    let layout = Layout::from_toml_str(
        &std::fs::read_to_string(repo().join("templates/business-licence/layout.toml")).unwrap(),
    )
    .unwrap();
    let licence_type = zhengku_model::testing::business_licence_type();
    let signed = signed_record(alg);
    let dept = key(&format!("dept-xihu-samr-{alg}"));
    let payload = zhengku_qr::make_payload(&signed, &dept).unwrap();
    let qr_text = zhengku_qr::payload_url("https://zhengku.example.gov.cn", &payload).unwrap();
    let seal = seal(alg);
    let holder = seal_key(alg);
    let issuer = der(&format!("dept-xihu-samr-{alg}.crt"));
    Some(
        sealed_licence_pdf(&LicenceDocument {
            licence: &signed,
            licence_type: &licence_type,
            layout: &layout,
            font,
            qr_text: &qr_text,
            seal: &seal,
            signer: &holder,
            chain: &seal_chain(alg),
            signing_time: OffsetDateTime::now_utc() - time::Duration::minutes(1),
            issuer_certificate: carry_issuer.then_some(issuer.as_slice()),
        })
        .unwrap(),
    )
}

#[test]
fn anchors_alone_verify_a_pdf_that_carries_its_issuer_certificate() {
    for alg in ALGS {
        let Some(pdf) = sealed_document(alg, true) else {
            return;
        };
        let Some(bare) = sealed_document(alg, false) else {
            return;
        };
        // No department certificates given, nor intermediates: only the root and CRLs.
        let mut p = pki(alg);
        p.signers.clear();
        p.intermediates.clear();
        let r = verify_with(&pdf, &p, &library(&pdf));
        assert_eq!(r.verdict, Verdict::Valid, "{alg}:\n{}", r.report);
        assert!(
            matches!(outcome(&r, "issuer_chain"), Outcome::Passed(_)),
            "{}",
            r.report
        );
        assert!(
            r.report
                .facts
                .iter()
                .any(|(k, v)| *k == "issuer certificate" && v == "carried in the PDF"),
            "{}",
            r.report
        );
        // Without it, whose key signed the record cannot be told: 无法核验.
        let r = verify(&bare, &p);
        assert_eq!(r.verdict, Verdict::Unverifiable, "{alg}:\n{}", r.report);
        assert!(
            matches!(outcome(&r, "issuer_key"), Outcome::Unverifiable(_)),
            "{}",
            r.report
        );
        // A carried certificate must still chain to the anchors: another hierarchy's root
        // alone does not vouch for it.
        let other = if alg == "sm2" { "p256" } else { "sm2" };
        let mut q = pki(other);
        q.signers.clear();
        q.intermediates.clear();
        let r = verify(&pdf, &q);
        assert_eq!(r.verdict, Verdict::Invalid, "{alg}:\n{}", r.report);
        assert!(
            matches!(outcome(&r, "issuer_chain"), Outcome::Failed(_)),
            "{}",
            r.report
        );
    }
}
