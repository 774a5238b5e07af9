//! Annotated copies (加注件), whatever the file: the copy's fields shown, and whether the copy
//! may still be used (`copy_validity`, a standing check: past its last day the copy is
//! 已过期 while the licence itself may well be 有效). The OFD and PDF readers find the fields
//! (an OFD watermark annotation's parameters, a PDF copy signature's `/ZKCopy`) and say
//! whether a signature protects them.

use crate::Verdict;
use crate::context::Context;
use crate::engine::Examined;
use crate::report::{CheckId, Outcome, check};

/// A copy's fields as the file gives them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CopyFacts<'a> {
    /// 加注件制作时间.
    pub made_at: Option<&'a str>,
    /// 加注件制作者.
    pub made_by: Option<&'a str>,
    /// 加注件制作事由.
    pub cause: Option<&'a str>,
    /// The matter (办理事项).
    pub matter: Option<&'a str>,
    /// 加注件有效期截止时间, `YYYY-MM-DD`.
    pub until: Option<&'a str>,
}

/// Shows the copy's fields and judges its period of use; `unprotected` says why no signature
/// vouches for the fields, when none does. `malformed` is the check an unreadable date
/// fails (the format's structure check).
pub(crate) fn copy_checks(
    facts: CopyFacts<'_>,
    unprotected: Option<String>,
    malformed: CheckId,
    ctx: &Context<'_>,
    ex: &mut Examined,
) {
    let given = |v: Option<&str>| v.unwrap_or("(not given)").to_owned();
    ex.report.facts.push((
        "annotated copy (加注件)",
        format!(
            "for {}; made by {} at {}; cause: {}; usable until {}",
            given(facts.matter),
            given(facts.made_by),
            given(facts.made_at),
            given(facts.cause),
            given(facts.until)
        ),
    ));
    let today = ctx.at.to_offset(time::UtcOffset::UTC).date();
    let until = facts.until.and_then(|v| {
        time::Date::parse(
            v.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    });
    let (id, outcome, standing) = match (unprotected, until) {
        (Some(why), _) => (
            CheckId::CopyValidity,
            Outcome::Unverifiable(why),
            Verdict::Valid,
        ),
        // An unreadable date is not a matter of standing: the copy is malformed.
        (None, None) => (
            malformed,
            Outcome::Failed(format!(
                "the copy's last day is {:?}, not a date (YYYY-MM-DD)",
                given(facts.until)
            )),
            Verdict::Valid,
        ),
        (None, Some(u)) if today > u => (
            CheckId::CopyValidity,
            Outcome::Failed(format!(
                "expired: the copy could be used until {u}, judged on {today}"
            )),
            Verdict::Expired,
        ),
        (None, Some(u)) => (
            CheckId::CopyValidity,
            Outcome::Passed(format!("usable until {u}, judged on {today}")),
            Verdict::Valid,
        ),
    };
    ex.report.checks.push(check(
        id,
        "annotated copy within its period of use",
        "加注件在有效期内",
        outcome,
    ));
    ex.dates_standing = crate::engine::worst(ex.dates_standing, standing);
}
