//! What an issuing library says of a seal it made, for the tests that judge copies.

use zhengku_model::SealStatus;
use zhengku_verify::SealLive;

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
