//! Trust lists (信任列表): what a verifier of one region's licences must hold, signed by the
//! region, so that an offline verifier learns its anchors from one document it can check
//! rather than from files copied by hand — and can tell a stale, replayed or doctored copy
//! from a good one.
//!
//! In the spirit of the EU DCC gateway's trust lists and ISO 18013-5's VICAL: a COSE_Sign1
//! ([`zhengku_cose::sign_typed`], `typ` [`TRUST_LIST_TYP`]) over deterministic CBOR:
//!
//! ```text
//! {"v": 1, "seq": uint, "prev": bstr .size 32 / null, "issued": uint, "next_update": uint,
//!  "region": "CN-ZJ", "division": "330000",
//!  "operator": {"name": tstr, "uscc": tstr},
//!  "base_url": tstr, "status_list_uri": "<base_url>/sl/{n}",
//!  "certs": [{"role": tstr, "der": bstr}, …]}
//! ```
//!
//! - `seq` strictly increases from list to list; `prev` is the SHA-256 of the previous
//!   list's signed bytes (`null` only for `seq` 1), so the lists form a chain.
//! - `next_update` is at most [`MAX_VALIDITY`] (72 hours) after `issued`: past it, the list
//!   must not be relied on ([`TrustList::current_at`]).
//! - `region` is ISO 3166-2 (`CN-` and two letters), `division` its GB/T 2260 code; the
//!   operator is named with its USCC (check character verified).
//! - certificates by [`Role`]: licence CAs (SM2, P-256), seal makers, the status signer,
//!   and announced successors of the list signer (a key roll-over is announced in the list
//!   the old key signs).
//!
//! A verifier holding a list meets a new one through [`succession`]: a lower `seq` is a
//! rollback, the same `seq` with other bytes is equivocation, the next `seq` must chain to
//! the one held. Reading is strict (this is zhengku's own format): unknown keys, roles out
//! of their place and anything out of bounds are refused.

mod chain;
mod list;
mod signers;
mod snapshot;

pub use chain::{Accepted, Held, Made, RegionInfo, accept, list_signer_key, make, read_unverified};
pub use list::{
    MAX_CERT_LEN, MAX_CERTS, MAX_VALIDITY, Operator, Role, Succession, TRUST_LIST_TYP, TrustList,
    TrustListError, succession,
};
pub use signers::{MAX_SIGNER_LIST_LEN, MAX_SIGNERS, SIGNER_LIST_TYP, SignerList};
pub use snapshot::{Snapshot, check_statuses, check_tokens, open_manifest, open_snapshot};
/// Signing and opening a [`TrustList`] or a [`SignerList`].
pub use zhengku_cose::TypedDocument;
