//! `zhengku sync --from URL --pin CERT --into DIR`: the verifier's trust folder brought up
//! to date; the rules and the folder's layout are `zhengku_trust::sync`'s and
//! `zhengku_trust::synced`'s.

use std::io::Write;

use anyhow::{Context, Result};
use time::OffsetDateTime;
use zhengku_trustlist::Succession;

use crate::Exit;
use crate::cli::SyncArgs;

pub fn run(args: SyncArgs, out: &mut dyn Write) -> Result<Exit> {
    let pin = zhengku_trust::cert_file(&args.pin).context("--pin")?;
    let r = zhengku_trust::sync::sync(&args.from, &pin, &args.into, OffsetDateTime::now_utc())
        .with_context(|| format!("sync from {} into {}", args.from, args.into.display()))?;
    let how = match r.succession {
        Succession::Same => "unchanged".to_owned(),
        Succession::Later { gap: 0 } => "new".to_owned(),
        Succession::Later { gap } => format!("new, {gap} list(s) skipped"),
    };
    writeln!(
        out,
        "synced {} trust list seq {} ({how}{}), {} status list(s) fetched, {} unchanged; next \
         update due {} -> {}",
        r.region,
        r.seq,
        if r.by_successor {
            ", signed by the announced successor list signer"
        } else {
            ""
        },
        r.lists.0,
        r.lists.1,
        OffsetDateTime::from_unix_timestamp(i64::try_from(r.next_update).unwrap_or(0))
            .map_or_else(|_| r.next_update.to_string(), |t| t.to_string()),
        r.folder.display()
    )?;
    Ok(Exit::Valid)
}
