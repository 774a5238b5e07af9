//! `zhengku audit export|verify`: the auditor's side of the hash-chained audit log.
//!
//! `export` writes the log, up to the head the store recorded, in the JSON Lines format of
//! `zhengku_store::audit`; `verify` checks the chain in the database (and that it ends at the
//! recorded head) or in such a file, and names the first place it is broken. Both read the
//! log a page at a time, so a log of any length runs in flat memory.
//!
//! Exit status follows the tool's contract: 0 the log verifies, 1 it does not (changed,
//! removed, reordered or truncated entries, or audit rows that do not even decode), 2 the
//! check could not be made (no database, unreadable file, a line that is not an entry).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use zhengku_store::{ChainError, ChainHead, ChainVerifier, JsonLines, Store, StoreError};

use crate::cli::{AuditExportArgs, AuditVerifyArgs};
use crate::{Exit, files};

/// Entries per database read while exporting.
const PAGE: u32 = 5_000;

/// The binary is synchronous; the store is async. A current-thread runtime per command is
/// all one sequential reader needs.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn connect(url: &str) -> Result<Store> {
    // The error names the URL with any password redacted.
    Store::connect(url)
        .await
        .map_err(|e| store_error("cannot open the audit log database", &e))
}

/// A store error as one line. Its message already includes its causes, so they are not
/// chained again (main prints the chain).
fn store_error(context: &str, e: &StoreError) -> anyhow::Error {
    anyhow!("{context}: {e}")
}

pub fn export(args: AuditExportArgs, out: &mut dyn Write) -> Result<Exit> {
    runtime()?.block_on(async {
        let store = connect(&args.database_url).await?;
        let result = export_to(&store, args.out.as_deref(), out).await;
        store.close().await;
        let (n, head) = result?;
        eprintln!(
            "exported {n} entries, head seq {} hash {}",
            head.seq,
            hex::encode(head.hash)
        );
        if n != head.seq {
            eprintln!(
                "note: the recorded head is seq {} but {n} entries were found up to it; \
                 run `zhengku audit verify`",
                head.seq
            );
        }
        Ok(Exit::Valid)
    })
}

/// Writes the log to `path` (atomically: a failed export leaves no partial file) or to
/// `out`.
async fn export_to(
    store: &Store,
    path: Option<&Path>,
    out: &mut dyn Write,
) -> Result<(u64, ChainHead)> {
    match path {
        None => {
            let mut w = BufWriter::new(out);
            let written = write_log(store, &mut w).await?;
            w.flush()?;
            Ok(written)
        }
        Some(path) => {
            // 0600: the log names who read whose licence and why (use causes, identifiers);
            // the owner hands it to auditors deliberately.
            let mut w = BufWriter::new(files::AtomicFile::create(path, 0o600, true)?);
            let written = write_log(store, &mut w).await?;
            let file = w
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", path.display()))?;
            file.commit()?;
            Ok(written)
        }
    }
}

/// Writes every entry up to the recorded head (read first, so entries committed while the
/// export runs are left for the next one); returns how many, and that head.
async fn write_log(store: &Store, w: &mut dyn Write) -> Result<(u64, ChainHead)> {
    let head = store
        .audit_head_recorded()
        .await
        .map_err(|e| store_error("cannot read the audit head", &e))?;
    let mut after = 0;
    let mut n = 0;
    while after < head.seq {
        let page = store
            .audit_page(after, PAGE)
            .await
            .map_err(|e| store_error("cannot read the audit log", &e))?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in page.iter().take_while(|e| e.seq <= head.seq) {
            writeln!(w, "{}", e.to_json_line())?;
            n += 1;
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    Ok((n, head))
}

pub fn verify(args: AuditVerifyArgs, out: &mut dyn Write) -> Result<Exit> {
    if let Some(path) = &args.file {
        let head = args.head.as_deref().map(parse_head).transpose()?;
        return verify_file(path, head, out);
    }
    let Some(url) = args
        .database_url
        .or_else(|| std::env::var("ZHENGKU_DATABASE_URL").ok())
    else {
        bail!("say what to verify: --database-url URL (or ZHENGKU_DATABASE_URL) or --file FILE");
    };
    runtime()?.block_on(async {
        let store = connect(&url).await?;
        let result = store.verify_audit().await;
        store.close().await;
        match result {
            Ok(head) => ok(head, out),
            Err(StoreError::Chain(e)) => broken(&e, Source::Database, out),
            // A row that does not decode (a hash of the wrong length, a negative seq) was
            // never written by the store: the log was tampered with.
            Err(e @ StoreError::Corrupt { .. }) => {
                writeln!(out, "INVALID: audit log unreadable: {e}")?;
                Ok(Exit::Invalid)
            }
            Err(e) => Err(store_error("cannot read the audit log", &e)),
        }
    })
}

/// `SEQ:HASH` (64 hex digits), as `audit export` prints the head.
fn parse_head(s: &str) -> Result<ChainHead> {
    let parsed = s.split_once(':').and_then(|(seq, hash)| {
        let seq = seq.trim().parse::<u64>().ok()?;
        let hash: [u8; 32] = hex::decode(hash.trim()).ok()?.try_into().ok()?;
        Some(ChainHead { seq, hash })
    });
    parsed.with_context(|| format!("--head {s:?}: expected SEQ:HASH (64 hex digits)"))
}

fn verify_file(path: &Path, expected: Option<ChainHead>, out: &mut dyn Write) -> Result<Exit> {
    let reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Box::new(BufReader::new(f))
    };
    let mut verifier = ChainVerifier::new();
    for entry in JsonLines::new(reader) {
        let entry = entry.with_context(|| format!("{} is not an audit export", path.display()))?;
        if let Err(e) = verifier.push(&entry) {
            return broken(&e, Source::File, out);
        }
    }
    match expected {
        None => ok(verifier.head(), out),
        Some(head) => match verifier.finish_at(head) {
            Ok(head) => ok(head, out),
            Err(e) => broken(&e, Source::File, out),
        },
    }
}

fn ok(head: ChainHead, out: &mut dyn Write) -> Result<Exit> {
    writeln!(
        out,
        "audit log OK: {} entries, head {}",
        head.seq,
        hex::encode(head.hash)
    )?;
    Ok(Exit::Valid)
}

/// Where the entries came from: the database reads them in seq order, so an entry found
/// early there cannot be a reordering, while in a file it can.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Database,
    File,
}

fn broken(e: &ChainError, source: Source, out: &mut dyn Write) -> Result<Exit> {
    writeln!(out, "INVALID: {}", describe(e, source))?;
    Ok(Exit::Invalid)
}

/// "audit log broken at seq N: what is wrong", naming the first entry that is not what the
/// chain says it should be.
fn describe(e: &ChainError, source: Source) -> String {
    let what = match *e {
        ChainError::SeqGap { expected, found } if found > expected => {
            let missing = if found - expected == 1 {
                format!("seq {expected} is missing")
            } else {
                format!("seq {expected} to {} are missing", found - 1)
            };
            match source {
                Source::Database => format!("seq {expected}: removed ({missing})"),
                Source::File => format!(
                    "seq {expected}: removed or reordered ({missing} here; seq {found} comes next)"
                ),
            }
        }
        ChainError::SeqGap { expected, found } => format!(
            "seq {expected}: reordered or duplicated (seq {found} comes where seq {expected} \
             was due)"
        ),
        ChainError::HashMismatch { seq, .. } => {
            format!("seq {seq}: changed (its contents do not hash to its stored hash)")
        }
        ChainError::BrokenLink {
            seq,
            entry_intact: true,
            ..
        } if seq > 1 => format!(
            "seq {}: changed and re-hashed, or replaced (seq {seq}'s prev_hash is not its hash)",
            seq - 1
        ),
        ChainError::BrokenLink {
            seq: 1,
            entry_intact: true,
            ..
        } => "seq 1: changed and re-hashed (its prev_hash is not the genesis hash)".to_owned(),
        ChainError::BrokenLink { seq, .. } => format!(
            "seq {seq}: reordered or replaced (it neither links to the entry before it nor \
             hashes to its stored hash at this seq)"
        ),
        ChainError::Truncated {
            head_seq,
            found_seq,
        } => format!(
            "seq {}: truncated (the log ends at seq {found_seq}, the recorded head is seq \
             {head_seq})",
            found_seq + 1
        ),
        ChainError::HeadMismatch { seq } => format!(
            "seq {seq}: the last entry is not the recorded head (replaced and re-hashed, or \
             the recorded head was changed)"
        ),
        // A kind of break added later: its own message says where and what it is.
        _ => return format!("audit log broken: {e}"),
    };
    format!("audit log broken at {what}")
}
