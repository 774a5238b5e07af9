//! Annotated PDF copies (zhengku_pdf::copy) judged by the engine: the licence revision under
//! the copy checked as the licence PDF it is, the copy's revision checked to add only what a
//! copy adds, the library's signature over the whole file, the copy's period of use. A copy
//! is 有效 while all hold, 已过期 after its last day (the original stays 有效); a changed
//! byte is 无效, and so is an update that also redraws the licence under the issuer's
//! signature (a shadow attack), even when a trusted seal signs it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "common/live.rs"]
mod live;
#[path = "../../zhengku-pdf/tests/support/mod.rs"]
mod support;

use support::*;
use time::OffsetDateTime;
use zhengku_pdf::copy::{PdfCopyRequest, annotated_pdf_copy};
use zhengku_pdf::face::CopyFields;
use zhengku_testkit::keys_dev::key;
use zhengku_verify::{
    Context, Departments, LicenceReport, LiveLists, Outcome, Revocation, Trust, Verdict,
    verify_input,
};

const LIBRARY_ESID: &str = "3300000000000001";

fn copy_of(original: &[u8], until: time::Date) -> Vec<u8> {
    let fields = CopyFields {
        made_at: "2026-12-04 18:30:00".into(),
        made_by: "浙江省大数据发展管理局（为杭州市西湖区卫生健康局）".into(),
        cause: "核验经营主体资格".into(),
        matter: "食品经营许可证核发".into(),
        valid_until: until,
    };
    annotated_pdf_copy(&PdfCopyRequest {
        original,
        fields: &fields,
        font: font().unwrap(),
        seal: &support::library_seal("sm2"),
        signer: &key("seal-library-sm2"),
        chain: &[der("seal-library-sm2.crt")],
        made_at: OffsetDateTime::now_utc() - time::Duration::seconds(5),
    })
    .unwrap()
}

/// What the library knows as of `at`: the licence valid, its seal and the copy seal active.
fn library(original: &[u8], at: OffsetDateTime) -> LiveLists {
    let now = at.unix_timestamp();
    let mut l = live::pdf_library(original, now);
    l.seals.insert(
        LIBRARY_ESID.into(),
        live::active(&support::library_seal("sm2").to_der().unwrap(), now),
    );
    l
}

fn verify_at(pdf: &[u8], live: &LiveLists, at: OffsetDateTime) -> LicenceReport {
    let anchors = vec![root("sm2")];
    let intermediates = vec![der("pki/sm2/issuing.crt")];
    let crls = vec![der("pki/sm2/issuing.crl"), der("pki/sm2/root.crl")];
    let signers = [der("dept-xihu-samr-sm2.crt")];
    let departments = Departments::new(signers.iter().map(Vec::as_slice));
    let ctx = Context {
        at,
        trust: Trust {
            anchors: &anchors,
            intermediates: &intermediates,
            crls: &crls,
            revocation: Revocation::Required,
        },
        departments: &departments,
        memo: None,
    };
    verify_input(pdf, &ctx, live)
}

#[test]
fn a_pdf_copy_is_valid_then_expires_while_the_original_stays_valid() {
    let Some((original, _)) = signed_rendered("sm2") else {
        return;
    };
    let today = OffsetDateTime::now_utc().date();
    let copy = copy_of(&original, today + time::Duration::days(30));
    let now = OffsetDateTime::now_utc();
    let r = verify_at(&copy, &library(&original, now), now);
    live::assert_every_check_passed(&r, &[]);
    for id in [
        "copy_update",
        "copy_validity",
        "record_matches",
        "ses_signature",
    ] {
        assert!(r.report.outcome(id).is_some(), "no {id}\n{}", r.report);
    }
    let shown = format!("{}", r.report);
    assert!(shown.contains("食品经营许可证核发"), "{shown}");

    let later = now + time::Duration::days(31);
    let live = library(&original, later);
    let r = verify_at(&copy, &live, later);
    assert_eq!(r.verdict, Verdict::Expired, "{}", r.report);
    let r = verify_at(&original, &live, later);
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
}

#[test]
fn changed_copies_and_shadow_updates_fail() {
    let Some((original, _)) = signed_rendered("sm2") else {
        return;
    };
    let today = OffsetDateTime::now_utc().date();
    let now = OffsetDateTime::now_utc();
    let live = library(&original, now);
    let copy = copy_of(&original, today + time::Duration::days(30));
    // A byte of the watermark changed after signing.
    let mut changed = copy.clone();
    let at = changed.len() - 2000;
    changed[at] ^= 1;
    let r = verify_at(&changed, &live, now);
    assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);

    // A shadow update: the page content redefined after the issuer signed, then "copied"
    // and signed by a trusted seal. The issuer's signature still holds over its revision;
    // copy_update sees object 4 redrawn.
    // The structure is ASCII: other bytes become `.`, one each, so offsets stay the file's.
    let text: String = original
        .iter()
        .map(|&b| if b.is_ascii() { char::from(b) } else { '.' })
        .collect();
    let xref = text.rfind("startxref").unwrap();
    let prev: usize = text[xref + 9..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let table = &text[prev..];
    let offset = |n: usize| -> usize {
        table
            .lines()
            .nth(2 + n)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let size: usize = {
        let t = &text[text.rfind("/Size").unwrap() + 5..];
        t.split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('/')
            .parse()
            .unwrap()
    };
    let content = b"BT /F1 24 Tf 100 100 Td <0001> Tj ET";
    let shadow_copy = |glued: bool| {
        let mut shadow = original.clone();
        if !glued {
            shadow.push(b'\n');
        }
        let obj4 = shadow.len();
        shadow.extend_from_slice(
            format!("4 0 obj\n<< /Length {} >>\nstream\n", content.len()).as_bytes(),
        );
        shadow.extend_from_slice(content);
        shadow.extend_from_slice(b"\nendstream\nendobj\n");
        let xref_at = shadow.len();
        let mut x = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
        for n in 1..size {
            let at = if n == 4 { obj4 } else { offset(n) };
            x.push_str(&format!("{at:010} 00000 n\r\n"));
        }
        let trailer_start = text.rfind("trailer").unwrap();
        let trailer = &text[trailer_start..xref];
        x.push_str(&trailer.replace(">>", &format!(" /Prev {prev} >>")));
        x.push_str(&format!("startxref\n{xref_at}\n%%EOF\n"));
        shadow.extend_from_slice(x.as_bytes());
        copy_of(&shadow, today + time::Duration::days(30))
    };
    // Well formed, and glued to the `%%EOF` before it (a viewer still finds it by its
    // cross-reference offset).
    for (glued, says) in [(false, "object 4"), (true, "object header")] {
        let r = verify_at(&shadow_copy(glued), &live, now);
        assert_eq!(r.verdict, Verdict::Invalid, "{}", r.report);
        let Some(Outcome::Failed(why)) = r.report.outcome("copy_update") else {
            panic!("copy_update should fail\n{}", r.report)
        };
        assert!(why.contains(says), "{why}");
    }
}
