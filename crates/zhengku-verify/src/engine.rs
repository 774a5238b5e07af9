//! The two phases of a verification and the one rule that turns checks into a verdict.
//!
//! **Phase one** ([`crate::examine`]) needs no library: it reads the input, checks every
//! signature, chain, role, issuer and date, and returns an [`Examined`] — the checks so far
//! and what the input claims (the licence's identifier and record digest, each seal
//! signature's esID and stamp time). **Phase two** ([`conclude`]) takes what a library
//! knows now ([`Live`]) and adds the checks that need it:
//!
//! - `library_record`: the record (or the QR code's record digest) is the one the library
//!   stored under that identifier. A different record is 无效; an identifier the library
//!   does not hold is 无法核验 ("not issued here");
//! - `status`: the licence's status, from a current source (older than [`Live::max_age`]:
//!   stale, unverifiable);
//! - `seal_status` (PDFs, seal signatures, seals): the seal is the one the library made under
//!   that esID, and its status allows the stamp (below);
//! - and it settles the chain checks phase one left pending on an attested time.
//!
//! # Seal status and stamp times
//!
//! A seal revoked for key compromise invalidates every stamp, whenever made. Revoked for
//! another reason, suspended, or expired, it invalidates stamps made after the change. A
//! stamp's time is believed only when the library attests it — its own record that it
//! made this very signature ([`SealLive::attested_at`]); the time written in the signature
//! (签章时间, a PDF's `/M`) is the signer's claim and decides nothing. Without an attested
//! time the seal's current status decides: a seal not active now fails the stamp.
//!
//! # The verdict rule
//!
//! The one rule every surface shows (API, page, CLI), applied by [`verdict`] over all
//! checks. *Standing* checks are `validity` and `status` (and, when a seal itself is
//! verified, `seal_validity` and `seal_status`): they say whether a genuine item is in force. Every other
//! check is *essential*.
//!
//! | checks | verdict | CLI exit |
//! |---|---|---|
//! | an essential check failed | 无效 `invalid` | 1 |
//! | else an essential check unverifiable (no anchor, status unknown or stale, not issued here, a claimed time nothing attests, an unsupported element) | 无法核验 `unverifiable` | 2 |
//! | else a standing check unverifiable | 无法核验 `unverifiable` | 2 |
//! | else validity: not yet in force or signed in the future | 无效 `invalid` | 1 |
//! | else validity: past its end date, or status expired | 已过期 `expired` | 1 |
//! | else status suspended | 已暂停 `suspended` | 1 |
//! | else status revoked, cancelled or withdrawn (seal: revoked) | 已撤销 `revoked` | 1 |
//! | else (every check passed or did not apply) | 有效 `valid` | 0 |
//!
//! A skipped check is one that does not apply (no document was given with a bare seal
//! signature); it never counts as passed for anything that needs it.

use time::OffsetDateTime;
use zhengku_model::{LicenceStatus, SealStatus};

use crate::chain::ChainOutcome;
use crate::context::Verdict;
use crate::licence::{InputKind, LicenceFacts, LicenceReport};
use crate::live::{LicenceLive, Live, Lookup, SealLive};
use crate::report::{CheckId, Outcome, Report, check};

/// What the input claims about the licence, for phase two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceClaim {
    /// 证照标识.
    pub identifier: String,
    /// SHA-256 of the signed record the input carries (records and PDFs).
    pub record_sha256: Option<[u8; 32]>,
    /// A QR payload's truncated record digest and whether it is SM3 (else SHA-256).
    pub qr_digest: Option<(bool, [u8; zhengku_qr::LICENCE_DIGEST_LEN])>,
    /// The status-list entry the signed record names (records of format 2 and later), or the
    /// QR code's compact entry, whose `uri` is relative (`/sl/<n>`: list `n` of the library
    /// that issued it): where an offline verifier holding signed status lists finds the
    /// status.
    pub status: Option<zhengku_status::Reference>,
}

/// A seal signature (or a bare seal) found in the input, for phase two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampClaim {
    /// 印章编码 of the seal it carries.
    pub esid: String,
    /// The stamp time the signature claims (签章时间), Unix seconds; for a bare seal, none.
    pub claimed_at: Option<i64>,
    /// SHA-256 of the signature (`SES_Signature` DER); `None` for a bare seal.
    pub signature_sha256: Option<[u8; 32]>,
    /// The fingerprint of the seal the input carries ([`crate::seal::seal_fingerprint`]).
    pub seal_sha256: [u8; 32],
    /// The status-list entry the seal names (seals zhengku made after seal lists).
    pub status: Option<zhengku_status::Reference>,
    /// The seal's validity window as the maker signed it, Unix seconds.
    pub window: (i64, i64),
}

/// What an attested time would settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attest {
    /// The licence's issue time: attested when the library holds exactly this record.
    Issue,
    /// A stamp time (index into [`Examined::stamps`]): attested by the library's record of
    /// that signature (or, for a bare seal, of the seal).
    Stamp(usize),
}

/// A chain check waiting for an attested time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) check: usize,
    pub(crate) attest: Attest,
    pub(crate) window: (i64, i64),
    pub(crate) detail: String,
}

/// The result of phase one (module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Examined {
    /// What was verified.
    pub kind: InputKind,
    /// The checks so far, and the facts read.
    pub report: Report,
    /// The licence's facts, when the input got far enough to have any.
    pub facts: Option<LicenceFacts>,
    /// What the input claims about a licence: look its status up by this.
    pub licence: Option<LicenceClaim>,
    /// Seal signatures (or the seal) found: look each seal up by its esID.
    pub stamps: Vec<StampClaim>,
    pub(crate) pending: Vec<Pending>,
    /// What the licence's own dates give (valid, expired, invalid).
    pub(crate) dates_standing: Verdict,
}

impl Examined {
    pub(crate) fn new(kind: InputKind, report: Report) -> Examined {
        Examined {
            kind,
            report,
            facts: None,
            licence: None,
            stamps: Vec::new(),
            pending: Vec::new(),
            dates_standing: Verdict::Valid,
        }
    }

    /// The licence identifier the input names, if any.
    pub fn identifier(&self) -> Option<&str> {
        self.licence.as_ref().map(|l| l.identifier.as_str())
    }

    /// Appends a chain check; a pending one waits for `attest`.
    pub(crate) fn push_chain(
        &mut self,
        id: CheckId,
        label: &'static str,
        label_zh: &'static str,
        outcome: ChainOutcome,
        attest: Attest,
    ) {
        let outcome = match outcome {
            ChainOutcome::Decided(o) => o,
            ChainOutcome::Pending { window, detail } => {
                self.pending.push(Pending {
                    check: self.report.checks.len(),
                    attest,
                    window,
                    detail: detail.clone(),
                });
                Outcome::Unverifiable(format!(
                    "{detail}; that time is only claimed by the signer, and nothing attests it"
                ))
            }
        };
        self.report.checks.push(check(id, label, label_zh, outcome));
    }
}

fn time_text(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).map_or_else(|_| unix.to_string(), |t| t.to_string())
}

/// Whether a status is stale at `at`: past the `good_until` its source gave (a signed
/// list's `exp`), else older than `max_age`.
fn stale_status(
    as_of: i64,
    good_until: Option<i64>,
    at: OffsetDateTime,
    max_age: i64,
) -> Option<String> {
    match good_until {
        Some(until) => (at.unix_timestamp() >= until).then(|| {
            format!(
                "the status is as of {}, and its list expired at {}, so it is stale",
                time_text(as_of),
                time_text(until)
            )
        }),
        None => stale(as_of, at, max_age),
    }
}

/// Whether a status known `as_of` is too old at `at`.
fn stale(as_of: i64, at: OffsetDateTime, max_age: i64) -> Option<String> {
    let age = at.unix_timestamp().saturating_sub(as_of);
    (age > max_age).then(|| {
        format!(
            "the status is as of {} ({} h old); at most {} h is accepted, so it is stale",
            time_text(as_of),
            age / 3600,
            max_age / 3600
        )
    })
}

/// Phase two (module docs): `live` is what a library knows about what `examined` names;
/// `at` the verification time (the same as phase one's).
pub fn conclude(mut examined: Examined, live: &Live, at: OffsetDateTime) -> LicenceReport {
    // Why a licence or a seal changed status is told only once the verdict says the input
    // is genuine: (check index, reason).
    let mut withheld: Vec<(usize, String)> = Vec::new();
    let mut attested_issue = false;
    let mut status_standing = Verdict::Valid;
    if let Some(claim) = examined.licence.clone() {
        let (record_check, matched) = library_record(&claim, &live.licence);
        attested_issue = matched;
        examined.report.checks.push(record_check);
        let (status_check, standing, reason) =
            status_check(&live.licence, &claim.identifier, at, live);
        if let Some(r) = reason {
            withheld.push((examined.report.checks.len(), r));
        }
        examined.report.checks.push(status_check);
        status_standing = standing;
        if let (Some(f), Lookup::Found(l)) = (examined.facts.as_mut(), &live.licence) {
            f.status = Some(l.clone());
        }
    }
    let mut seal_standing = Verdict::Valid;
    let stamps = examined.stamps.clone();
    for (i, stamp) in stamps.iter().enumerate() {
        let lookup = live.seals.get(i).unwrap_or(&Lookup::Unknown);
        let (c, standing, reason) =
            seal_status_check(stamp, lookup, at, live.max_age, stamps.len(), i);
        if let Some(r) = reason {
            withheld.push((examined.report.checks.len(), r));
        }
        examined.report.checks.push(c);
        seal_standing = worst(seal_standing, standing);
    }
    // Settle the chains that waited for an attested time.
    for p in std::mem::take(&mut examined.pending) {
        let attested = match p.attest {
            Attest::Issue => attested_issue.then(|| {
                examined.facts.as_ref().map_or((0, String::new()), |f| {
                    (
                        f.issued_at,
                        "the library's record of this licence".to_owned(),
                    )
                })
            }),
            Attest::Stamp(i) => match live.seals.get(i) {
                Some(Lookup::Found(s)) => s
                    .attested_at
                    .map(|t| (t, format!("{}'s record of this stamp", s.source))),
                _ => None,
            },
        };
        if let (Some((t, by)), Some(c)) = (attested, examined.report.checks.get_mut(p.check)) {
            if (p.window.0..=p.window.1).contains(&t) {
                c.outcome = Outcome::Passed(format!(
                    "{}; the time {} is attested by {by}",
                    p.detail,
                    time_text(t)
                ));
            } else {
                c.outcome = Outcome::Failed(format!(
                    "{}; but {by} dates it {}, outside the certificates' validity",
                    p.detail,
                    time_text(t)
                ));
            }
        }
    }
    let seal_is_standing = examined.kind == InputKind::Seal;
    let mut standing = worst(examined.dates_standing, status_standing);
    if seal_is_standing {
        standing = worst(standing, seal_standing);
    }
    let verdict = verdict(examined.kind, &examined.report, standing);
    // Why a licence or seal was suspended or revoked is told only when the input checked
    // out: a forged QR code naming a real identifier, or a forged signature carrying a real
    // seal, learns no more than the public status.
    if signatures_hold(&examined.report) {
        for (i, reason) in withheld {
            if let Some(Outcome::Failed(t) | Outcome::Passed(t)) =
                examined.report.checks.get_mut(i).map(|c| &mut c.outcome)
            {
                t.push_str(&format!(", reason: {reason}"));
            }
        }
    } else if let Some(s) = examined.facts.as_mut().and_then(|f| f.status.as_mut()) {
        s.reason = None;
    }
    LicenceReport {
        report: examined.report,
        verdict,
        facts: examined.facts,
        kind: examined.kind,
    }
}

/// Phase two's `library_record` check; the flag says the record is attested.
fn library_record(claim: &LicenceClaim, lookup: &Lookup<LicenceLive>) -> (crate::Check, bool) {
    let label = "the library holds this very record";
    let label_zh = "与证照库存档一致";
    let (outcome, matched) = match lookup {
        Lookup::Unknown => (Outcome::Skipped("no library was consulted".into()), false),
        Lookup::Unavailable(_) => (
            Outcome::Skipped("no library record was consulted".into()),
            false,
        ),
        Lookup::NotHeld(source) => (
            Outcome::Unverifiable(format!(
                "{source} holds no licence {}: not issued here, so it cannot be verified here",
                claim.identifier
            )),
            false,
        ),
        Lookup::Found(l) => match (&l.record, claim.record_sha256, claim.qr_digest) {
            (None, _, _) => (
                Outcome::Skipped(format!("{} gives no record digest to compare", l.source)),
                false,
            ),
            (Some(d), Some(sha), _) => {
                if d.sha256 == sha {
                    (
                        Outcome::Passed(format!(
                            "SHA-256 {} equals the record {} stored",
                            hex(&sha[..8]),
                            l.source
                        )),
                        true,
                    )
                } else {
                    (
                        Outcome::Failed(format!(
                            "the record differs from the one {} stored under {}",
                            l.source, claim.identifier
                        )),
                        false,
                    )
                }
            }
            (Some(d), None, Some((sm3, digest))) => {
                let full = if sm3 { d.sm3 } else { d.sha256 };
                if full[..digest.len()] == digest {
                    (
                        Outcome::Passed(format!(
                            "the QR code's record digest matches the record {} stored",
                            l.source
                        )),
                        true,
                    )
                } else {
                    (
                        Outcome::Failed(format!(
                            "the QR code's record digest is not that of the record {} stored \
                             under {}",
                            l.source, claim.identifier
                        )),
                        false,
                    )
                }
            }
            (Some(_), None, None) => (
                Outcome::Skipped("the input carries no record digest".into()),
                false,
            ),
        },
    };
    (
        check(CheckId::LibraryRecord, label, label_zh, outcome),
        matched,
    )
}

/// Whether the input checked out apart from whether it is in force: every check other
/// than the dates and statuses passed or did not apply. Only then is a status reason told.
fn signatures_hold(report: &Report) -> bool {
    report
        .checks
        .iter()
        .filter(|c| {
            !matches!(
                c.id,
                CheckId::Validity | CheckId::Status | CheckId::SealStatus | CheckId::SealValidity
            )
        })
        .all(|c| matches!(c.outcome, Outcome::Passed(_) | Outcome::Skipped(_)))
}

/// A change's reason, if one was given.
fn reason_of(reason: Option<&str>) -> Option<String> {
    reason.filter(|r| !r.is_empty()).map(str::to_owned)
}

/// Phase two's `status` check, the standing it gives, and the reason of the status (told
/// only for genuine input, by [`conclude`]).
fn status_check(
    lookup: &Lookup<LicenceLive>,
    identifier: &str,
    at: OffsetDateTime,
    live: &Live,
) -> (crate::Check, Verdict, Option<String>) {
    let mut reason = None;
    let (outcome, standing) = match lookup {
        Lookup::Unknown => (
            Outcome::Unverifiable(
                "status unknown: no status source was consulted (offline without a verifier \
                 bundle)"
                    .into(),
            ),
            Verdict::Unverifiable,
        ),
        Lookup::NotHeld(source) => (
            Outcome::Unverifiable(format!(
                "status unknown: {source} does not hold licence {identifier}"
            )),
            Verdict::Unverifiable,
        ),
        Lookup::Unavailable(why) => (
            Outcome::Unverifiable(format!("status unknown: {why}")),
            Verdict::Unverifiable,
        ),
        Lookup::Found(s) => {
            if let Some(why) = stale_status(s.as_of, s.good_until, at, live.max_age) {
                (
                    Outcome::Unverifiable(format!("{why} (from {})", s.source)),
                    Verdict::Unverifiable,
                )
            } else {
                reason = reason_of(s.reason.as_deref());
                let text = format!(
                    "{} ({}) as of {}, from {}",
                    s.status.as_str(),
                    s.status.label_zh(),
                    time_text(s.as_of),
                    s.source
                );
                match s.status {
                    LicenceStatus::Valid => (Outcome::Passed(text), Verdict::Valid),
                    LicenceStatus::Suspended => (Outcome::Failed(text), Verdict::Suspended),
                    LicenceStatus::Expired => (Outcome::Failed(text), Verdict::Expired),
                    // Revoked, cancelled, withdrawn, and anything added later: not in force.
                    _ => (Outcome::Failed(text), Verdict::Revoked),
                }
            }
        }
    };
    (
        check(CheckId::Status, "live status", "证照状态", outcome),
        standing,
        reason,
    )
}

/// Phase two's `seal_status` check for one stamp (module docs), the standing it gives when
/// the seal itself is verified, and the reason of the seal's last change when the check
/// speaks of it (told only for genuine input, by [`conclude`]).
fn seal_status_check(
    stamp: &StampClaim,
    lookup: &Lookup<SealLive>,
    at: OffsetDateTime,
    max_age: i64,
    count: usize,
    index: usize,
) -> (crate::Check, Verdict, Option<String>) {
    let label = "seal's status in the library";
    let label_zh = "印章状态";
    let which = if count > 1 {
        format!("seal {} (signature {}): ", stamp.esid, index + 1)
    } else {
        format!("seal {}: ", stamp.esid)
    };
    let done = |o: Outcome, v: Verdict| (check(CheckId::SealStatus, label, label_zh, o), v, None);
    // The branches below that speak of a change add its reason.
    let with_reason =
        |(c, v, _): (crate::Check, Verdict, Option<String>), r: &Option<String>| (c, v, r.clone());
    let s = match lookup {
        Lookup::Unknown => {
            return done(
                Outcome::Unverifiable(format!(
                    "{which}status unknown: no library was consulted (offline without a \
                     verifier bundle)"
                )),
                Verdict::Unverifiable,
            );
        }
        Lookup::NotHeld(source) => {
            return done(
                Outcome::Unverifiable(format!(
                    "{which}{source} did not make this seal, so its status cannot be known here"
                )),
                Verdict::Unverifiable,
            );
        }
        Lookup::Unavailable(why) => {
            return done(
                Outcome::Unverifiable(format!("{which}status unknown: {why}")),
                Verdict::Unverifiable,
            );
        }
        Lookup::Found(s) => s,
    };
    if let Some(why) = stale_status(s.as_of, s.good_until, at, max_age) {
        return done(
            Outcome::Unverifiable(format!("{which}{why} (from {})", s.source)),
            Verdict::Unverifiable,
        );
    }
    if s.fingerprint.is_some_and(|d| d != stamp.seal_sha256) {
        return done(
            Outcome::Failed(format!(
                "{which}the seal carried is not the seal {} made under this esID",
                s.source
            )),
            Verdict::Invalid,
        );
    }
    let now = at.unix_timestamp();
    let effective = s.status.at(s.valid_start, s.valid_end, now);
    let reason = reason_of(s.reason.as_deref());
    let since = s
        .changed_at
        .map(time_text)
        .unwrap_or_else(|| "an unknown time".into());
    if effective == SealStatus::Active {
        return done(
            Outcome::Passed(format!(
                "{which}active (启用) as of {}, from {}",
                time_text(s.as_of),
                s.source
            )),
            Verdict::Valid,
        );
    }
    if effective == SealStatus::Revoked && s.key_compromise {
        return with_reason(
            done(
                Outcome::Failed(format!(
                    "{which}revoked (注销) for key compromise since {since}: every stamp made \
                     with it is invalid"
                )),
                Verdict::Revoked,
            ),
            &reason,
        );
    }
    // Suspended, revoked for another reason, or expired: stamps made before the change keep
    // their force, when the library attests when they were made.
    let (word, cutoff) = match effective {
        SealStatus::Expired => ("expired (过期)", Some(s.valid_end)),
        SealStatus::Suspended => ("suspended (暂停)", s.changed_at),
        _ => ("revoked (注销)", s.changed_at),
    };
    let standing = match effective {
        SealStatus::Expired => Verdict::Expired,
        SealStatus::Suspended => Verdict::Suspended,
        _ => Verdict::Revoked,
    };
    let when = if effective == SealStatus::Expired {
        time_text(s.valid_end)
    } else {
        since
    };
    let judged = match (stamp.signature_sha256.is_some(), s.attested_at, cutoff) {
        (true, Some(t), Some(cut)) if t < cut => done(
            Outcome::Passed(format!(
                "{which}{word} since {when}, but {} recorded this stamp at {}, before \
                 that",
                s.source,
                time_text(t)
            )),
            Verdict::Valid,
        ),
        (true, Some(t), _) => done(
            Outcome::Failed(format!(
                "{which}{word} since {when}; {} recorded this stamp at {}, not before",
                s.source,
                time_text(t)
            )),
            standing,
        ),
        (true, None, _) => done(
            Outcome::Failed(format!(
                "{which}{word} since {when}; when the stamp was made is only claimed \
                 by the signer{}, so the seal's current status decides",
                stamp
                    .claimed_at
                    .map(|t| format!(" ({})", time_text(t)))
                    .unwrap_or_default()
            )),
            standing,
        ),
        (false, _, _) => done(
            Outcome::Failed(format!("{which}{word} since {when}")),
            standing,
        ),
    };
    with_reason(judged, &reason)
}

/// The verdict for `report` (module docs), given the `standing` the item's dates and
/// statuses earned.
pub fn verdict(kind: InputKind, report: &Report, standing: Verdict) -> Verdict {
    let seal_itself = kind == InputKind::Seal;
    let essential = |c: &&crate::Check| !c.id.is_standing(seal_itself);
    if report
        .checks
        .iter()
        .filter(essential)
        .any(|c| matches!(c.outcome, Outcome::Failed(_)))
    {
        return Verdict::Invalid;
    }
    if report
        .checks
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Unverifiable(_)))
    {
        return Verdict::Unverifiable;
    }
    standing
}

/// The more serious of two standings, in the order of the rule: Invalid, Unverifiable,
/// Expired, Suspended, Revoked, Valid.
pub(crate) fn worst(a: Verdict, b: Verdict) -> Verdict {
    fn rank(v: Verdict) -> u8 {
        match v {
            Verdict::Invalid => 5,
            Verdict::Unverifiable => 4,
            Verdict::Expired => 3,
            Verdict::Suspended => 2,
            Verdict::Revoked => 1,
            Verdict::Valid => 0,
        }
    }
    if rank(a) >= rank(b) { a } else { b }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
