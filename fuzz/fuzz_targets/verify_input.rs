//! The verification engine on arbitrary input, as `POST /v1/verify` and `zhengku verify`
//! receive it: never panic, and fail closed — with no trust anchors and no department
//! certificates nothing is 有效, a failed check is never 有效, and what phase one says
//! the input names is what phase two is asked about.
#![no_main]

use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use zhengku_verify::{
    Context, Departments, Live, NoLive, Outcome, Verdict, conclude, examine, sniff,
};

fuzz_target!(|data: &[u8]| {
    let departments = Departments::default();
    let ctx = Context {
        at: OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
        trust: Default::default(),
        departments: &departments,
        memo: None,
    };
    let examined = examine(data, &ctx);
    let live = Live::gather(&examined, &NoLive);
    assert_eq!(live.seals.len(), examined.stamps.len());
    let report = conclude(examined, &live, ctx.at);
    // No anchors, no certificates, no status: nothing can be valid.
    assert_ne!(report.verdict, Verdict::Valid);
    if report.report.checks.iter().any(|c| {
        matches!(c.outcome, Outcome::Failed(_))
            && !matches!(
                c.id.as_str(),
                "validity" | "status" | "seal_status" | "seal_validity"
            )
    }) {
        assert_eq!(report.verdict, Verdict::Invalid);
    }
    let _ = sniff(data);
    let _ = serde_json::to_string(&report);
});
