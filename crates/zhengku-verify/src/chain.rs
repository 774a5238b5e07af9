//! Judging a signer's certificate chain, the one way every check that needs a chain does it
//! (`issuer_chain`, `pdf_signer_chain`, `maker_chain`, `signer_certificate`).
//!
//! The chain is validated *at the verification time*: every certificate within its
//! validity, each issuer's newest current CRL consulted, the end entity fit for the role.
//! A time the signer claims for its signature (a record's issue time, a seal signature's
//! 签章时间, a PDF's `/M`) is consulted for one thing only: when the end entity (or a CA
//! above it) has *expired* since. Then the path is validated for validity at the claimed
//! time, still with revocation judged now, and the result is [`ChainOutcome::Pending`]:
//! it passes in the second phase only if something other than the signer attests a time
//! inside the path's validity window (the library's own record), and is unverifiable
//! otherwise. A claimed time never rescues a revoked certificate, and never by itself an
//! expired one.

use time::OffsetDateTime;
use zhengku_pki::validate::{Purpose, ValidationError, ValidationInput, validate};

use crate::context::Trust;
use crate::memo::Memo;
use crate::report::Outcome;

/// How a chain came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChainOutcome {
    /// Established now.
    Decided(Outcome),
    /// Valid at a claimed time only (the certificate has expired since): passes if a time
    /// inside `window` (Unix seconds) is attested.
    Pending {
        /// Latest notBefore and earliest notAfter along the path.
        window: (i64, i64),
        /// What was found, for the report.
        detail: String,
    },
}

/// The outcome for a validation error: indeterminate errors are unverifiable.
fn outcome_of(e: &ValidationError, prefix: &str) -> Outcome {
    if e.is_indeterminate() {
        Outcome::Unverifiable(format!("{prefix}{e}"))
    } else {
        Outcome::Failed(format!("{prefix}{e}"))
    }
}

/// Judges `cert`'s chain for `purpose` (module docs). `extra` are certificates the input
/// carries that may complete the path (never anchors); `claimed` is the time the signer
/// claims, named `claimed_what` in reports.
pub(crate) fn judge(
    trust: &Trust<'_>,
    memo: Option<&Memo>,
    cert: &[u8],
    extra: &[Vec<u8>],
    purpose: Purpose,
    now: OffsetDateTime,
    claimed: Option<(OffsetDateTime, &str)>,
) -> ChainOutcome {
    if trust.anchors.is_empty() {
        return ChainOutcome::Decided(Outcome::Unverifiable(
            "no trust anchors are configured, so whose certificate this is cannot be \
             established"
                .into(),
        ));
    }
    let joined: Vec<Vec<u8>>;
    let intermediates: &[Vec<u8>] = if extra.is_empty() {
        trust.intermediates
    } else {
        joined = trust
            .intermediates
            .iter()
            .chain(extra.iter().filter(|c| c.as_slice() != cert))
            .cloned()
            .collect();
        &joined
    };
    // CA keys sign every certificate and CRL of their paths: they verify through the
    // memo's prepared keys, which depend on the keys only (so also for paths with
    // certificates carried by the input, whose results are not remembered).
    let signatures = crate::memo::signatures_of(memo);
    let input = |time| ValidationInput {
        end_entity: cert,
        intermediates,
        anchors: trust.anchors,
        crls: trust.crls,
        time,
        revocation_at: now,
        purpose,
        revocation: trust.revocation,
        signatures,
    };
    // The memo is made from the trust inputs alone, so it serves only paths built from
    // them (no certificates carried by the input).
    let memo = memo.filter(|m| extra.is_empty() && m.serves_trust(trust));
    if let Some(summary) = memo.and_then(|m| m.chain(cert, now)) {
        return ChainOutcome::Decided(Outcome::Passed(summary));
    }
    match validate(&input(now)) {
        Ok(path) => {
            let summary = path.describe();
            if let Some(m) = memo {
                m.remember_chain(cert, now, &summary);
            }
            ChainOutcome::Decided(Outcome::Passed(summary))
        }
        Err(ValidationError::Expired {
            subject, not_after, ..
        }) => {
            let Some((t, what)) = claimed else {
                return ChainOutcome::Decided(Outcome::Failed(format!(
                    "{subject} expired at {not_after}, and no signing time is given"
                )));
            };
            match validate(&input(t)) {
                Ok(path) => ChainOutcome::Pending {
                    window: (
                        path.window.0.unix_timestamp(),
                        path.window.1.unix_timestamp(),
                    ),
                    detail: format!(
                        "{}; {subject} expired at {not_after}: it was valid at the {what} \
                         ({t}), not revoked as of now",
                        path.describe()
                    ),
                },
                Err(e) => ChainOutcome::Decided(outcome_of(&e, &format!("at the {what}: "))),
            }
        }
        Err(e) => ChainOutcome::Decided(outcome_of(&e, "")),
    }
}
