#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Storage for zhengku (证库): departments, signed licences and their status history, GB/T
//! 36904 serial sequences, and a hash-chained audit log, on SQLite or PostgreSQL.
//!
//! Where to start:
//!
//! - [`Store`] ([`store`]): [`Store::connect`] with a `sqlite://…?mode=rwc` or
//!   `postgres://…` URL applies the embedded migrations (`migrations/sqlite`,
//!   `migrations/postgres`, kept in step); every repository operation is a method on it.
//!   Its module docs say why it holds an enum of pools rather than sqlx's `Any` driver, and
//!   how audited transactions are serialised.
//! - [`audit`]: what an [`AuditEntry`] is, how its hash is computed (SHA-256 over
//!   deterministic CBOR, chained through `prev_hash`) and [`verify_chain`], a pure function
//!   that finds a changed, removed or reordered entry; [`ChainVerifier`], the same check one
//!   entry at a time; and the JSON Lines export format an auditor reads
//!   ([`AuditEntry::to_json_line`], [`JsonLines`]). [`Store::audit_page`] reads the log in
//!   pages, so neither exporting nor [`Store::verify_audit`] holds the whole log in memory.
//! - [`StoreError`] ([`error`]): every failure, with database errors naming the operation
//!   and never the connection URL's password.
//!
//! Every operation that changes data, and every reuse lookup ([`Store::find_by_holder`]),
//! writes its audit entries in the same transaction as the change: either both are stored
//! or neither is.
//!
//! ```no_run
//! # async fn demo(signed: zhengku_model::SignedLicence) -> Result<(), zhengku_store::StoreError> {
//! use zhengku_model::LicenceStatus;
//! use zhengku_store::Store;
//!
//! let store = Store::connect("sqlite://zhengku.db?mode=rwc").await?;
//! store.insert_licence(&signed, "clerk-7", "req-1").await?;
//! let id = signed.record().identifier.as_str();
//! store.change_status(id, LicenceStatus::Suspended, "浙市监处〔2024〕12号", "clerk-7", "req-2").await?;
//! let found = store
//!     .find_by_holder("91330106MA2H0YKU5B", None, "bank-teller-3", "办理对公开户", "req-3")
//!     .await?;
//! assert_eq!(found.len(), 1);
//! store.verify_audit().await?;
//! # Ok(())
//! # }
//! ```

pub mod audit;
pub mod error;
pub mod store;

pub use audit::{
    AuditEntry, ChainError, ChainHead, ChainVerifier, ExportError, JsonLines, verify_chain,
};
pub use error::StoreError;
pub use store::access::{ApiKeyRecord, BOOTSTRAP_KEY_ID, IdempotentResult, NewApiKey};
pub use store::copies::{LinkTaken, NewCopy, StoredCopy};
pub use store::seals::{NewSeal, SealEvent, StampRefusal, StoredSeal};
pub use store::status_list::{
    KeptToken, LicenceStatusEntry, MAX_RESERVATION, STATUS_LIST_BITS, StatusListKind, StatusRun,
};
pub use store::{
    BackendKind, Department, IdempotencyRecord, IssueGroup, LicenceEvent,
    MAX_IDEMPOTENCY_KEY_CHARS, MAX_USE_CAUSE_CHARS, NewDepartment, Store, StoredLicence,
};
