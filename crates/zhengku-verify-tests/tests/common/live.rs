//! What an issuing library says of what it issued and the seals it made, for the tests that
//! judge licence PDFs, OFDs and copies, and the assertion those tests share: judged 有效
//! with every check passed. Needs the crate's `support` module (zhengku-pdf's).

use zhengku_model::{LicenceStatus, SealStatus, SignedLicence};
use zhengku_pdf::parse::parse_signed;
use zhengku_verify::{
    LicenceLive, LicenceReport, LiveLists, Outcome, RecordDigests, SealLive, Verdict,
};

/// What the library that issued `pdf` knows as of `now`: the embedded record valid, the seal
/// in the PDF active.
pub fn pdf_library(pdf: &[u8], now: i64) -> LiveLists {
    let record = parse_signed(pdf).unwrap().embedded_record.unwrap();
    let signed = SignedLicence::from_bytes(&record).unwrap();
    let esl = super::support::seal_in(pdf);
    licence_library(&signed, LicenceStatus::Valid, &[&esl], now)
}

/// What a library knows as of `now`: `licence` with `status`, and `seals` (DER) active.
pub fn licence_library(
    licence: &SignedLicence,
    status: LicenceStatus,
    seals: &[&[u8]],
    now: i64,
) -> LiveLists {
    let mut l = LiveLists {
        complete: Some("test library".into()),
        max_age: 3600,
        ..LiveLists::default()
    };
    l.licences.insert(
        licence.record().identifier.to_string(),
        LicenceLive {
            status,
            reason: None,
            as_of: now,
            source: "test library".into(),
            record: Some(RecordDigests::of(&licence.to_bytes())),
            good_until: None,
        },
    );
    for esl in seals {
        let es_id = match zhengku_seal::decode_seal(esl).unwrap() {
            zhengku_seal::DecodedSeal::V4(s) => s.seal_info.es_id,
            zhengku_seal::DecodedSeal::V1(s) => s.seal_info.es_id,
        };
        l.seals.insert(es_id, active(esl, now));
    }
    l
}

/// Active, valid for a year around `now`, as of `now`, fingerprinted from `esl`.
pub fn active(esl: &[u8], now: i64) -> SealLive {
    SealLive {
        status: SealStatus::Active,
        valid_start: now - 86_400,
        valid_end: now + 365 * 86_400,
        changed_at: None,
        key_compromise: false,
        reason: None,
        as_of: now,
        source: "test library".into(),
        fingerprint: Some(zhengku_verify::seal::seal_fingerprint(esl).unwrap()),
        attested_at: None,
        good_until: None,
    }
}

/// `r` is 有效, every check passed, and each of `ids` was among them.
pub fn assert_every_check_passed(r: &LicenceReport, ids: &[&str]) {
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.report);
    for c in &r.report.checks {
        assert!(
            matches!(c.outcome, Outcome::Passed(_)),
            "{}\n{}",
            c.id,
            r.report
        );
    }
    for &id in ids {
        assert!(r.report.outcome(id).is_some(), "{id}\n{}", r.report);
    }
}
