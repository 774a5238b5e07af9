//! The hash-chained audit log: what an entry is, how its hash is computed, and
//! [`verify_chain`], which finds a changed, removed or reordered entry.
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
//! Everything here is pure: [`verify_chain`] checks entries it is given, wherever they came
//! from (the store, an export file).

use zhengku_cbor::Value;

/// An audit log hash (SHA-256).
pub type Hash = [u8; 32];

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: Hash = [0; 32];

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
    #[error("entry seq {seq} does not link to the entry before it (prev_hash mismatch)")]
    BrokenLink {
        /// The entry whose `prev_hash` is wrong.
        seq: u64,
        /// The hash of the entry before it (or [`GENESIS_HASH`]).
        expected: Hash,
        /// The `prev_hash` it holds.
        found: Hash,
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

/// Checks that `entries` (in log order) form one unbroken chain from seq 1 and returns its
/// head. Reports the first problem, in log order.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<ChainHead, ChainError> {
    let mut head = ChainHead::EMPTY;
    for e in entries {
        let expected = head.seq + 1;
        if e.seq != expected {
            return Err(ChainError::SeqGap {
                expected,
                found: e.seq,
            });
        }
        if e.prev_hash != head.hash {
            return Err(ChainError::BrokenLink {
                seq: e.seq,
                expected: head.hash,
                found: e.prev_hash,
            });
        }
        let computed = e.compute_hash();
        if computed != e.hash {
            return Err(ChainError::HashMismatch {
                seq: e.seq,
                stored: e.hash,
                computed,
            });
        }
        head = ChainHead {
            seq: e.seq,
            hash: e.hash,
        };
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
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
