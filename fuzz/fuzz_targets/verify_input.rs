//! The verification engine on arbitrary input, as `POST /v1/verify` and `zhengku verify`
//! receive it: never panic, the verdict follows the checks (a failed integrity check is
//! 无效), and `sniff` / `identify` agree with what `verify_input` did.
#![no_main]

use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use zhengku_verify::seal::Trust;
use zhengku_verify::{Context, NoStatus, Outcome, Verdict, identify, sniff, verify_input};

fuzz_target!(|data: &[u8]| {
    let ctx = Context {
        at: OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
        trust: Trust::default(),
        signers: &[],
        status: &NoStatus,
        memo: None,
    };
    let report = verify_input(data, &ctx);
    // No department certificates: nothing can be valid (a signature by an unknown key).
    if report
        .report
        .checks
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Failed(_)))
    {
        assert_ne!(report.verdict, Verdict::Valid);
    }
    let _ = sniff(data);
    let _ = identify(data);
    let _ = serde_json::to_string(&report);
});
