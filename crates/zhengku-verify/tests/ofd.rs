//! OFDs sealed by others (ofdrw, and a commercial seal vendor's tax invoices; fixtures in
//! crates/zhengku-ofd/tests/fixtures with their provenance), judged by the engine: each is
//! intact and untrusted (no check fails; the chains, to test CAs nobody trusts, are
//! unverifiable, so the verdict is 无法核验) — but for ofdrw's SESV4SignDoc.ofd, whose stamp
//! time (2026-08-04) lies after its seal's validity (2020-04-22 to 2022-04-22): intact, and
//! 无效 for that alone; one changed byte in any protected file, in the
//! signature or in the seal makes it 无效; a file no signature protects is said; an unsigned
//! OFD is 无法核验.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use time::OffsetDateTime;
use zhengku_ofd::{Limits, Ofd};
use zhengku_verify::{
    Context, Departments, InputKind, LicenceReport, NoLive, Outcome, Trust, Verdict, sniff,
    verify_input,
};

use zhengku_testkit::ofd_fixture as fixture;

/// The ones stamped within their seal's validity.
const INTACT: [&str; 3] = ["allprotected.ofd", "v4signed.ofd", "signedFile.ofd"];

fn judge(bytes: &[u8]) -> LicenceReport {
    let departments = Departments::default();
    let ctx = Context {
        at: OffsetDateTime::now_utc(),
        trust: Trust::default(),
        departments: &departments,
        memo: None,
    };
    verify_input(bytes, &ctx, &NoLive)
}

fn outcome<'a>(r: &'a LicenceReport, id: &str) -> &'a Outcome {
    r.report
        .outcome(id)
        .unwrap_or_else(|| panic!("no check {id} in\n{}", r.report))
}

#[test]
fn others_ofds_are_intact_and_untrusted() {
    for name in INTACT {
        let bytes = fixture(name);
        assert_eq!(sniff(&bytes), Some(InputKind::Ofd), "{name}");
        let r = judge(&bytes);
        assert_eq!(r.kind, InputKind::Ofd);
        assert_eq!(r.verdict, Verdict::Unverifiable, "{name}\n{}", r.report);
        assert!(r.report.first_failure().is_none(), "{name}\n{}", r.report);
        for id in ["ofd_structure", "ofd_references", "ofd_coverage"] {
            assert!(
                matches!(outcome(&r, id), Outcome::Passed(_)),
                "{name}: {id}\n{}",
                r.report
            );
        }
        // The seal signature itself checks out; only whose it is cannot be established.
        let ses = outcome(&r, "ses_signature");
        assert!(
            matches!(ses, Outcome::Unverifiable(t) if t.contains("chain") || t.contains("anchor")),
            "{name}: {ses:?}"
        );
    }
    // The document's own metadata is shown.
    let r = judge(&fixture("v4signed.ofd"));
    assert!(
        r.report
            .facts
            .iter()
            .any(|(k, v)| *k == "OFD custom data" && v.contains("发票号码: 99999951")),
        "{}",
        r.report
    );
    // Where the signer included the seal file, it is the seal signed with.
    let r = judge(&fixture("allprotected.ofd"));
    assert!(
        matches!(outcome(&r, "ofd_seal"), Outcome::Passed(_)),
        "{}",
        r.report
    );
    // Stamped with a seal past its validity: intact, and 无效 for that reason only.
    let r = judge(&fixture("SESV4SignDoc.ofd"));
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
    for id in [
        "ofd_structure",
        "ofd_references",
        "ofd_seal",
        "ofd_coverage",
    ] {
        assert!(
            matches!(outcome(&r, id), Outcome::Passed(_)),
            "{id}\n{}",
            r.report
        );
    }
    assert!(
        matches!(
            outcome(&r, "ses_signature"),
            Outcome::Failed(t) if t.starts_with("seal_validity:") && !t.contains("; ")
        ),
        "{}",
        r.report
    );
}

#[test]
fn one_changed_byte_anywhere_protected_is_invalid() {
    for name in INTACT {
        let ofd = Ofd::read(&fixture(name), &Limits::default()).unwrap();
        let s = ofd.signatures[0].as_ref().unwrap().clone();
        let mut targets: Vec<String> = s.references.iter().map(|r| r.file.clone()).collect();
        targets.push(s.file.clone());
        targets.push(s.signed_value.clone());
        for target in targets {
            let data = ofd.package().file(&target).unwrap();
            for at in [0, data.len() / 2, data.len() - 1] {
                let mut changed = data.to_vec();
                changed[at] ^= 0x01;
                let mut p = ofd.package().clone();
                assert!(p.insert(&target, changed));
                let r = judge(&p.to_zip());
                assert_eq!(
                    r.verdict,
                    Verdict::Invalid,
                    "{name}: {target} byte {at}\n{}",
                    r.report
                );
            }
        }
    }
}

/// A Seal.esl that is not the seal signed with is said as such (whether or not a
/// reference also protects it).
#[test]
fn a_seal_file_other_than_the_seal_signed_with_fails() {
    let ofd = Ofd::read(&fixture("allprotected.ofd"), &Limits::default()).unwrap();
    let s = ofd.signatures[0].as_ref().unwrap();
    let seal = s.seal.clone().unwrap();
    let mut other = ofd.package().file(&seal).unwrap().to_vec();
    let last = other.len() - 1;
    other[last] ^= 1;
    let mut p = ofd.package().clone();
    assert!(p.insert(&seal, other));
    let r = judge(&p.to_zip());
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        matches!(outcome(&r, "ofd_seal"), Outcome::Failed(t) if t.contains("not the seal")),
        "{}",
        r.report
    );
}

#[test]
fn unprotected_files_and_unsigned_documents_are_said() {
    let ofd = Ofd::read(&fixture("SESV4SignDoc.ofd"), &Limits::default()).unwrap();
    let mut p = ofd.package().clone();
    assert!(p.insert("Doc_0/Pages/Page_1/Content.xml", b"<Page/>".to_vec()));
    let r = judge(&p.to_zip());
    assert!(
        matches!(outcome(&r, "ofd_coverage"), Outcome::Unverifiable(t) if t.contains("Page_1")),
        "{}",
        r.report
    );
    assert_ne!(r.verdict, Verdict::Valid);
    let r = judge(&fixture("helloworld.ofd"));
    assert_eq!(r.verdict, Verdict::Unverifiable, "{}", r.report);
    assert!(matches!(
        outcome(&r, "ofd_structure"),
        Outcome::Unverifiable(t) if t.contains("no signature")
    ));
    // Not an OFD at all behind the ZIP signature: unreadable, 无效 or 无法核验, never 有效.
    let r = judge(b"PK\x03\x04OFD.xml and nothing else");
    assert_ne!(r.verdict, Verdict::Valid, "{}", r.report);
}
