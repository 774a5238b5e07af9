//! The hash-chained audit log: what an entry is, how its hash is computed, how a chain is
//! checked ([`ChainVerifier`], [`verify_chain`]) and the export format an auditor reads
//! ([`AuditEntry::to_json_line`], [`JsonLines`]).
//!
//! Each entry's hash is SHA-256 over the deterministic CBOR (zhengku-cbor) of
//! ```text
//! [ seq, at, actor, action, target, use_cause / null, request_id, prev_hash ]
//! ```
//! and `prev_hash` is the hash of the entry before it (32 zero bytes for seq 1). Changing any
//! field of any entry changes its hash, which then no longer matches the next entry's
//! `prev_hash`. Entry hashes are the leaves a later Merkle transparency log will be built over,
//! which is why they are over a canonical encoding and not over a database row.
//!
//! Everything here is pure: [`ChainVerifier`] checks entries it is given one at a time,
//! wherever they came from (the store, page by page; an export file, line by line), so a log
//! of any length is checked in constant memory.
//!
//! # Export format (JSON Lines)
//!
//! `zhengku audit export` writes one JSON object per line (UTF-8, `\n` after each line), in
//! seq order, with exactly these members in this order:
//!
//! ```text
//! {"seq":1,"at":1700000000,"actor":"admin","action":"department.create",
//!  "target":"11330106MB0B12345L","use_cause":null,"request_id":"req-1",
//!  "prev_hash":"0000…0000","hash":"5f1c…9a0e"}
//! ```
//!
//! (shown wrapped; each object is on one line). `seq` and `at` are JSON integers (`at` in Unix
//! seconds); `use_cause` is a string or `null`, and is always present; `prev_hash` and `hash`
//! are 64 lowercase hex digits. Reading ([`AuditEntry::from_json_line`]) is strict: a
//! missing, unknown or repeated member, a wrong type, uppercase or non-hex digits, a wrong
//! length, a blank line or a line over [`MAX_JSON_LINE_BYTES`] are each an error naming the
//! line — an auditor's input is evidence, and a second accepted spelling of it would be a
//! second thing to audit.
//!
//! The file carries everything needed to recompute every hash, so it is checked without the
//! database: `zhengku audit verify --file`. `hash` is the Merkle leaf value a later
//! transparency log uses for the entry (the tree is built over these values in seq order), so
//! an export is also enough to recompute any tree head or inclusion proof. What a file alone
//! cannot show is entries cut from its end: compare its last `seq` and `hash` with a head
//! recorded elsewhere (the store's, printed by `zhengku audit export`).

use std::io::BufRead;

use serde::{Deserialize, Serialize};
use zhengku_cbor::Value;

/// An audit log hash (SHA-256).
pub type Hash = [u8; 32];

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: Hash = [0; 32];

/// Most entries one [`Store::audit_page`](crate::Store::audit_page) call returns.
pub const MAX_AUDIT_PAGE: u32 = 10_000;

/// One audit log entry, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// When, in Unix seconds.
    pub at: i64,
    /// Who (a user or department id, as the caller names it).
    pub actor: String,
    /// What, e.g. `licence.issue`, `licence.reuse`, `licence.status`, `department.create`.
    pub action: String,
    /// On what (a licence identifier, a department USCC).
    pub target: String,
    /// 用证事由: why a licence was looked up; present for reuse access.
    pub use_cause: Option<String>,
    /// The request this entry belongs to, to join with server logs.
    pub request_id: String,
    /// The previous entry's hash ([`GENESIS_HASH`] for seq 1).
    pub prev_hash: Hash,
    /// This entry's hash: SHA-256 of the fields above ([`AuditEntry::compute_hash`]).
    pub hash: Hash,
}

/// The fields an entry's hash covers, before the hash is known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryFields<'a> {
    pub seq: u64,
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub use_cause: Option<&'a str>,
    pub request_id: &'a str,
    pub prev_hash: &'a Hash,
}

impl AuditEntry {
    fn fields(&self) -> EntryFields<'_> {
        EntryFields {
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            target: &self.target,
            use_cause: self.use_cause.as_deref(),
            request_id: &self.request_id,
            prev_hash: &self.prev_hash,
        }
    }

    /// The hash this entry should have, recomputed from its fields.
    pub fn compute_hash(&self) -> Hash {
        hash_fields(&self.fields())
    }
}

/// The canonical bytes an entry's hash is taken over.
pub(crate) fn canonical_bytes(f: &EntryFields<'_>) -> Vec<u8> {
    zhengku_cbor::encode(&Value::array(vec![
        Value::unsigned(f.seq),
        Value::integer(f.at),
        Value::text(f.actor),
        Value::text(f.action),
        Value::text(f.target),
        f.use_cause.map_or(Value::Null, Value::text),
        Value::text(f.request_id),
        Value::bytes(f.prev_hash.to_vec()),
    ]))
}

pub(crate) fn hash_fields(f: &EntryFields<'_>) -> Hash {
    zhengku_crypto::sha256(&canonical_bytes(f))
}

/// The end of a verified chain: how many entries, and the last hash (what a later
/// transparency log would sign as its tree head).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// The last entry's seq (0 for an empty log).
    pub seq: u64,
    /// The last entry's hash ([`GENESIS_HASH`] for an empty log).
    pub hash: Hash,
}

impl ChainHead {
    /// The head of an empty log.
    pub const EMPTY: ChainHead = ChainHead {
        seq: 0,
        hash: GENESIS_HASH,
    };
}

/// Where and how an audit chain is broken.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// An entry is missing (removed) or out of place (reordered): `found` where `expected`
    /// was due.
    #[error("expected entry seq {expected}, found seq {found} (an entry was removed or moved)")]
    SeqGap {
        /// The seq that should come next.
        expected: u64,
        /// The seq that came.
        found: u64,
    },
    /// The entry does not link to the one before it: that one was changed, removed or
    /// swapped with another.
    #[error(
        "entry seq {seq} does not link to the entry before it (prev_hash mismatch{})",
        if *.entry_intact { "" } else { "; its own hash does not match either: moved here" }
    )]
    BrokenLink {
        /// The entry whose `prev_hash` is wrong.
        seq: u64,
        /// The hash of the entry before it (or [`GENESIS_HASH`]).
        expected: Hash,
        /// The `prev_hash` it holds.
        found: Hash,
        /// Whether this entry's own fields still hash to its stored hash. If they do, the
        /// break is before it: the previous entry was changed and its hash recomputed (or
        /// replaced). If not, this entry is out of place — its contents were moved here from
        /// another seq (reordered) — or it was changed as well.
        entry_intact: bool,
    },
    /// The entry's fields do not hash to its stored hash: the entry was changed.
    #[error("entry seq {seq} was changed (its hash does not match its contents)")]
    HashMismatch {
        /// The changed entry.
        seq: u64,
        /// The hash stored with it.
        stored: Hash,
        /// The hash of its fields.
        computed: Hash,
    },
    /// The chain is intact but ends before the head the store recorded: entries were
    /// removed from the end.
    #[error("log ends at seq {found_seq}, but the recorded head is seq {head_seq}")]
    Truncated {
        /// The recorded head's seq.
        head_seq: u64,
        /// The last seq found.
        found_seq: u64,
    },
    /// The chain ends at the recorded seq, but with another hash.
    #[error("log head at seq {seq} does not match the recorded head hash")]
    HeadMismatch {
        /// The seq.
        seq: u64,
    },
}

/// Checks a chain one entry at a time, in log order, in constant memory: the one
/// implementation behind [`verify_chain`], [`Store::verify_audit`](crate::Store::verify_audit)
/// and `zhengku audit verify`.
///
/// Feed it entries with [`push`](Self::push); the first error is where the chain breaks.
/// Once `push` has failed the verifier's head stays at the last good entry, and pushing
/// more proves nothing: stop at the first error.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    head: ChainHead,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    /// A verifier expecting seq 1.
    pub fn new() -> Self {
        ChainVerifier {
            head: ChainHead::EMPTY,
        }
    }

    /// Checks that `e` is the next entry: the next seq, linked to the head so far, and
    /// hashing to its stored hash. Reports the first of these that fails.
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainError> {
        let expected = self.head.seq + 1;
        if e.seq != expected {
            return Err(ChainError::SeqGap {
                expected,
                found: e.seq,
            });
        }
        let computed = e.compute_hash();
        if e.prev_hash != self.head.hash {
            return Err(ChainError::BrokenLink {
                seq: e.seq,
                expected: self.head.hash,
                found: e.prev_hash,
                entry_intact: computed == e.hash,
            });
        }
        if computed != e.hash {
            return Err(ChainError::HashMismatch {
                seq: e.seq,
                stored: e.hash,
                computed,
            });
        }
        self.head = ChainHead {
            seq: e.seq,
            hash: e.hash,
        };
        Ok(())
    }

    /// The last entry verified so far ([`ChainHead::EMPTY`] before the first).
    pub fn head(&self) -> ChainHead {
        self.head
    }

    /// Checks that the chain verified so far ends exactly at `recorded` (a head kept apart
    /// from the entries, such as the store's `audit_head`), so entries cut from the end are
    /// found too; returns the head.
    pub fn finish_at(&self, recorded: ChainHead) -> Result<ChainHead, ChainError> {
        let head = self.head;
        if head.seq < recorded.seq {
            return Err(ChainError::Truncated {
                head_seq: recorded.seq,
                found_seq: head.seq,
            });
        }
        if head != recorded {
            return Err(ChainError::HeadMismatch { seq: head.seq });
        }
        Ok(head)
    }
}

/// Checks that `entries` (in log order) form one unbroken chain from seq 1 and returns its
/// head. Reports the first problem, in log order (see [`ChainVerifier`]).
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<ChainHead, ChainError> {
    let mut verifier = ChainVerifier::new();
    for e in entries {
        verifier.push(e)?;
    }
    Ok(verifier.head())
}

// ---- export format -----------------------------------------------------------------------

/// Longest line [`JsonLines`] reads, in bytes. An entry's text fields are bounded by the
/// store (500 characters each, 200 for a use cause), so a real line is a few KiB; the bound
/// stops a file without line breaks from filling memory.
pub const MAX_JSON_LINE_BYTES: usize = 64 * 1024;

/// One line of an export, as written and read. Member order is the declaration order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonEntry<'a> {
    seq: u64,
    at: i64,
    #[serde(borrow)]
    actor: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    action: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    target: std::borrow::Cow<'a, str>,
    // `deserialize_with` makes serde require the member: an absent use cause must be
    // written as `null`, not left out.
    #[serde(deserialize_with = "Option::deserialize")]
    use_cause: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    request_id: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    prev_hash: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    hash: std::borrow::Cow<'a, str>,
}

/// Why an export could not be read.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A line is not an audit entry in the export format.
    #[error("{}: {reason}", line_name(*.line))]
    BadLine {
        /// The line number, from 1 (`None` when a single line was parsed on its own).
        line: Option<u64>,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading the input failed.
    #[error("cannot read line {line}: {source}")]
    Read {
        /// The line being read, from 1.
        line: u64,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn line_name(line: Option<u64>) -> String {
    match line {
        Some(n) => format!("line {n}"),
        None => "audit entry line".to_owned(),
    }
}

impl ExportError {
    fn bad(reason: impl Into<String>) -> Self {
        ExportError::BadLine {
            line: None,
            reason: reason.into(),
        }
    }

    /// Sets the line number a [`BadLine`](ExportError::BadLine) error names.
    pub fn at_line(self, n: u64) -> Self {
        match self {
            ExportError::BadLine { reason, .. } => ExportError::BadLine {
                line: Some(n),
                reason,
            },
            other => other,
        }
    }
}

/// Decodes 64 lowercase hex digits.
fn parse_hash(member: &str, text: &str) -> Result<Hash, ExportError> {
    if text.len() != 64 {
        return Err(ExportError::bad(format!(
            "{member} must be 64 hex digits, found {} characters",
            text.chars().count()
        )));
    }
    if let Some(c) = text.chars().find(|c| !matches!(c, '0'..='9' | 'a'..='f')) {
        return Err(ExportError::bad(format!(
            "{member} holds {c:?}: only lowercase hex digits 0-9 a-f are allowed"
        )));
    }
    let mut hash = [0u8; 32];
    hex::decode_to_slice(text, &mut hash)
        .map_err(|e| ExportError::bad(format!("{member}: {e}")))?;
    Ok(hash)
}

impl AuditEntry {
    /// This entry as one line of the export format (see the [module docs](self)), without
    /// the line break.
    pub fn to_json_line(&self) -> String {
        let j = JsonEntry {
            seq: self.seq,
            at: self.at,
            actor: self.actor.as_str().into(),
            action: self.action.as_str().into(),
            target: self.target.as_str().into(),
            use_cause: self.use_cause.as_deref().map(Into::into),
            request_id: self.request_id.as_str().into(),
            prev_hash: hex::encode(self.prev_hash).into(),
            hash: hex::encode(self.hash).into(),
        };
        match serde_json::to_string(&j) {
            Ok(s) => s,
            // serde_json fails only on writer errors and non-string map keys; a String
            // writer and this struct have neither.
            Err(e) => unreachable!("audit entry JSON: {e}"),
        }
    }

    /// Reads one line of the export format, strictly (see the [module docs](self)). The
    /// hashes are decoded, not checked: that is [`ChainVerifier`]'s job.
    pub fn from_json_line(line: &str) -> Result<AuditEntry, ExportError> {
        if line.trim().is_empty() {
            return Err(ExportError::bad("blank line (expected an audit entry)"));
        }
        // serde would also read an entry from a JSON array, and skips surrounding
        // whitespace: neither is written, so neither is read.
        if !(line.starts_with('{') && line.ends_with('}')) {
            return Err(ExportError::bad(
                "not one JSON object (a line must run from `{` to `}`)",
            ));
        }
        let j: JsonEntry<'_> = serde_json::from_str(line).map_err(|e| {
            // serde_json appends "at line 1 column N"; within one line only the column says
            // anything.
            let msg = e.to_string();
            let msg = msg
                .rsplit_once(" at line ")
                .map_or(msg.as_str(), |(m, _)| m);
            ExportError::bad(format!("{msg} (column {})", e.column()))
        })?;
        Ok(AuditEntry {
            seq: j.seq,
            at: j.at,
            actor: j.actor.into_owned(),
            action: j.action.into_owned(),
            target: j.target.into_owned(),
            use_cause: j.use_cause.map(std::borrow::Cow::into_owned),
            request_id: j.request_id.into_owned(),
            prev_hash: parse_hash("prev_hash", &j.prev_hash)?,
            hash: parse_hash("hash", &j.hash)?,
        })
    }
}

/// Reads an export line by line: an iterator of entries, each error naming its line.
///
/// Lines end with `\n` (a `\r\n` is accepted too); the last line may lack it. Every line,
/// including the last, must be an entry: an empty file is an empty log. After the first
/// error the iterator ends.
#[derive(Debug)]
pub struct JsonLines<R> {
    reader: R,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// Reads entries from `reader`.
    pub fn new(reader: R) -> Self {
        JsonLines {
            reader,
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    fn read_next(&mut self) -> Result<Option<AuditEntry>, ExportError> {
        self.line += 1;
        let line = self.line;
        self.buf.clear();
        let limit = u64::try_from(MAX_JSON_LINE_BYTES).unwrap_or(u64::MAX) + 2;
        let n = <&mut R as std::io::Read>::take(&mut self.reader, limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| ExportError::Read { line, source })?;
        if n == 0 {
            return Ok(None);
        }
        let mut bytes = self.buf.as_slice();
        if let Some(b) = bytes.strip_suffix(b"\n") {
            bytes = b.strip_suffix(b"\r").unwrap_or(b);
        }
        if bytes.len() > MAX_JSON_LINE_BYTES {
            return Err(
                ExportError::bad(format!("longer than {MAX_JSON_LINE_BYTES} bytes")).at_line(line),
            );
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|e| ExportError::bad(format!("not UTF-8: {e}")).at_line(line))?;
        AuditEntry::from_json_line(text)
            .map(Some)
            .map_err(|e| e.at_line(line))
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<AuditEntry, ExportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.read_next().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH;
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at: 1_700_000_000 + i64::try_from(seq).unwrap_or(0),
                    actor: "clerk-1".into(),
                    action: "licence.reuse".into(),
                    target: format!("licence-{seq}"),
                    use_cause: (seq % 2 == 0).then(|| "办理开户".to_owned()),
                    request_id: format!("req-{seq}"),
                    prev_hash: prev,
                    hash: [0; 32],
                };
                e.hash = e.compute_hash();
                prev = e.hash;
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies_to_its_head() {
        let c = chain(4);
        assert_eq!(
            verify_chain(&c),
            Ok(ChainHead {
                seq: 4,
                hash: c[3].hash
            })
        );
        assert_eq!(verify_chain(&[]), Ok(ChainHead::EMPTY));
    }

    #[test]
    fn changed_removed_and_swapped_entries_are_found() {
        let mut changed = chain(4);
        changed[1].use_cause = None;
        assert!(matches!(
            verify_chain(&changed),
            Err(ChainError::HashMismatch { seq: 2, .. })
        ));

        // Changed and re-hashed: the next entry no longer links.
        let mut rehashed = chain(4);
        rehashed[1].actor = "someone-else".into();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert!(matches!(
            verify_chain(&rehashed),
            Err(ChainError::BrokenLink { seq: 3, .. })
        ));

        let mut removed = chain(4);
        removed.remove(2);
        assert_eq!(
            verify_chain(&removed),
            Err(ChainError::SeqGap {
                expected: 3,
                found: 4
            })
        );

        let mut swapped = chain(4);
        swapped.swap(1, 2);
        assert_eq!(
            verify_chain(&swapped),
            Err(ChainError::SeqGap {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn incremental_verifier_matches_verify_chain_and_checks_the_head() {
        let c = chain(5);
        let mut v = ChainVerifier::new();
        assert_eq!(v.head(), ChainHead::EMPTY);
        for e in &c {
            v.push(e).unwrap();
        }
        assert_eq!(Ok(v.head()), verify_chain(&c));
        assert_eq!(v.finish_at(v.head()), Ok(v.head()));

        // Cut from the end: the recorded head is further on.
        let mut cut = ChainVerifier::new();
        for e in &c[..3] {
            cut.push(e).unwrap();
        }
        let recorded = ChainHead {
            seq: 5,
            hash: c[4].hash,
        };
        assert_eq!(
            cut.finish_at(recorded),
            Err(ChainError::Truncated {
                head_seq: 5,
                found_seq: 3
            })
        );
        // Same length, another last entry.
        let other = ChainHead {
            seq: 5,
            hash: [7; 32],
        };
        assert_eq!(v.finish_at(other), Err(ChainError::HeadMismatch { seq: 5 }));

        // After a failed push the head stays at the last good entry.
        let mut v = ChainVerifier::new();
        v.push(&c[0]).unwrap();
        assert!(v.push(&c[2]).is_err());
        assert_eq!(v.head().seq, 1);
        assert_eq!(v.head().hash, c[0].hash);
    }

    /// A broken link says whether the entry itself is intact: a forged predecessor leaves
    /// it intact, contents moved from another seq do not.
    #[test]
    fn broken_links_tell_a_forged_predecessor_from_a_moved_entry() {
        let mut rehashed = chain(4);
        rehashed[1].target = "forged".into();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert!(matches!(
            verify_chain(&rehashed),
            Err(ChainError::BrokenLink {
                seq: 3,
                entry_intact: true,
                ..
            })
        ));

        // Rows 2 and 3 swapped, each keeping its position's seq.
        let mut moved = chain(4);
        moved.swap(1, 2);
        moved[1].seq = 2;
        moved[2].seq = 3;
        let err = verify_chain(&moved).unwrap_err();
        assert!(
            matches!(
                err,
                ChainError::BrokenLink {
                    seq: 2,
                    entry_intact: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("moved here"), "{err}");
    }

    #[test]
    fn json_lines_round_trip() {
        let c = chain(4);
        for e in &c {
            let line = e.to_json_line();
            assert!(!line.contains('\n'));
            assert_eq!(&AuditEntry::from_json_line(&line).unwrap(), e);
        }
        let line = c[0].to_json_line();
        assert_eq!(
            line,
            format!(
                "{{\"seq\":1,\"at\":1700000001,\"actor\":\"clerk-1\",\"action\":\"licence.reuse\",\
                 \"target\":\"licence-1\",\"use_cause\":null,\"request_id\":\"req-1\",\
                 \"prev_hash\":\"{}\",\"hash\":\"{}\"}}",
                "0".repeat(64),
                hex::encode(c[0].hash)
            )
        );
        // Text is written as UTF-8, not escaped.
        assert!(c[1].to_json_line().contains("\"use_cause\":\"办理开户\""));

        let text: String = c.iter().map(|e| e.to_json_line() + "\n").collect();
        let read: Vec<AuditEntry> = JsonLines::new(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(read, c);
        // CRLF line ends and a missing final line break are read too.
        let crlf = text.replace('\n', "\r\n");
        let read: Vec<AuditEntry> = JsonLines::new(crlf.trim_end().as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(read, c);
        assert_eq!(JsonLines::new(&b""[..]).count(), 0);
    }

    #[test]
    fn json_lines_are_read_strictly() {
        let good = chain(1).remove(0).to_json_line();
        let hash = hex::encode(chain(1)[0].hash);
        let bad = |line: &str, want: &str| {
            let err = AuditEntry::from_json_line(line).unwrap_err().to_string();
            assert!(err.contains(want), "{line}: {err}");
        };
        bad(&good.replace("}", ",\"extra\":1}"), "unknown field `extra`");
        bad(
            &good.replace("\"use_cause\":null,", ""),
            "missing field `use_cause`",
        );
        bad(
            &good.replace("\"seq\":1,", "\"seq\":1,\"seq\":1,"),
            "duplicate field `seq`",
        );
        bad(&good.replace("\"seq\":1", "\"seq\":\"1\""), "invalid type");
        bad(&good.replace("\"seq\":1", "\"seq\":-1"), "invalid value");
        bad(&good.replace(&hash, &hash.to_uppercase()), "lowercase hex");
        bad(
            &good.replace(&hash, &hash[..62]),
            "hash must be 64 hex digits",
        );
        bad(&good.replace(&hash, &format!("{}zz", &hash[..62])), "'z'");
        bad(
            &good.replace(&"0".repeat(64), &"0".repeat(66)),
            "prev_hash must be 64",
        );
        bad("", "blank line");
        bad("[]", "not one JSON object");
        bad(&format!(" {good}"), "not one JSON object");
        bad(&format!("{good} "), "not one JSON object");
        bad(&format!("{good}{good}"), "trailing characters");

        // In a file, the error names the line.
        let text = format!("{good}\n{{\"seq\":2}}\n{good}\n");
        let results: Vec<_> = JsonLines::new(text.as_bytes()).collect();
        assert_eq!(results.len(), 2, "stops after the first error");
        let err = results[1].as_ref().unwrap_err().to_string();
        assert!(err.starts_with("line 2: missing field"), "{err}");

        let text = format!("{good}\n\n");
        let err = JsonLines::new(text.as_bytes()).nth(1).unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: blank line (expected an audit entry)"
        );

        let mut bytes = good.clone().into_bytes();
        bytes[10] = 0xff;
        let err = JsonLines::new(bytes.as_slice())
            .next()
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().starts_with("line 1: not UTF-8"), "{err}");

        let long = format!("{}\n", "x".repeat(MAX_JSON_LINE_BYTES + 1));
        let err = JsonLines::new(long.as_bytes()).next().unwrap().unwrap_err();
        assert!(err.to_string().starts_with("line 1: longer than"), "{err}");
    }

    /// The hash is over a fixed encoding: an absent use cause and an empty one differ.
    #[test]
    fn null_and_empty_use_cause_hash_differently() {
        let mut a = chain(1).remove(0);
        a.use_cause = None;
        let mut b = a.clone();
        b.use_cause = Some(String::new());
        assert_ne!(a.compute_hash(), b.compute_hash());
    }
}
