//! [`Store`]: the connection pool and every repository operation.
//!
//! # One code path, two databases
//!
//! `Store` holds an enum of a [`SqlitePool`] or a [`PgPool`], not sqlx's `Any` driver:
//!
//! - each backend keeps its own typed connect options (WAL, foreign keys and a busy timeout
//!   for SQLite) and its own `sqlx::migrate!` folder, with no run-time driver registry;
//! - BLOBs, integers and unique / foreign-key violations decode through each driver's own
//!   types, where `Any` narrows types to what every driver shares;
//! - the cost, writing each operation for two pools, is paid once by the private `on_pool!`
//!   macro: the body of each operation is written once and compiled for both pools, so the
//!   two cannot drift.
//!
//! The SQL is the subset both databases run: `$n` placeholders (SQLite reads them as
//! positional), `ON CONFLICT … DO UPDATE`, `RETURNING`, integers and byte strings only.
//!
//! # Transactions and the audit head
//!
//! Every operation that changes data writes its audit entries in the same transaction, and
//! the first statement of that transaction updates the single `audit_head` row. That row
//! lock serialises audited writers on PostgreSQL (so two transactions cannot both take the
//! next seq) and on SQLite takes the write lock before anything is read (so a deferred
//! transaction never has to upgrade a stale read snapshot, which fails with `SQLITE_BUSY`
//! instead of waiting). Throughput is bounded by that one row; for a licence library the
//! write rate is far below where that matters.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use zhengku_model::codes::{AreaCode, Uscc};
use zhengku_model::date::format_date;
use zhengku_model::{LicenceStatus, SignedLicence};

use crate::audit::{AuditEntry, ChainHead, ChainVerifier, EntryFields, Hash, hash_fields};
use crate::error::{StoreError, redact_url};

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Longest use cause (用证事由) accepted, in characters.
pub const MAX_USE_CAUSE_CHARS: usize = 200;

/// Largest sequence value the GB/T 36904 year + 7-digit scheme can hold.
pub const MAX_SEQUENCE: u32 = 9_999_999;

/// Which database a [`Store`] talks to.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// SQLite (development, single-node deployments, tests).
    Sqlite,
    /// PostgreSQL (production).
    Postgres,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store has. The body is compiled
/// once per backend, so both run the same statements.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// Starts a transaction on `$pool` and locks the audit head; evaluates to
/// `(transaction, AuditCursor)`.
macro_rules! begin_audited {
    ($pool:ident) => {{
        let mut tx = $pool
            .begin()
            .await
            .map_err(StoreError::db("begin transaction"))?;
        // A no-op update: it exists for the row lock (see the module docs).
        let row = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::db("lock audit head"))?;
        let seq: i64 = row
            .try_get("seq")
            .map_err(StoreError::db("read audit head"))?;
        let hash: Vec<u8> = row
            .try_get("hash")
            .map_err(StoreError::db("read audit head"))?;
        let cursor = AuditCursor::new(seq, &hash)?;
        (tx, cursor)
    }};
}

/// Appends `$entry` (from [`AuditCursor::next`]) to the log inside `$tx`.
macro_rules! insert_audit {
    ($tx:ident, $entry:expr) => {{
        let e: AuditEntry = $entry;
        sqlx::query(
            "INSERT INTO audit_log \
             (seq, at, actor, action, target, use_cause, request_id, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(to_i64(e.seq, "audit seq")?)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(e.use_cause.as_deref())
        .bind(&e.request_id)
        .bind(e.prev_hash.as_slice())
        .bind(e.hash.as_slice())
        .execute(&mut *$tx)
        .await
        .map_err(StoreError::db("append audit entry"))?;
    }};
}

/// Records the new audit head and commits `$tx`.
macro_rules! commit_audited {
    ($tx:ident, $cursor:ident) => {{
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(to_i64($cursor.head.seq, "audit seq")?)
            .bind($cursor.head.hash.as_slice())
            .execute(&mut *$tx)
            .await
            .map_err(StoreError::db("update audit head"))?;
        $tx.commit().await.map_err(StoreError::db("commit"))?;
    }};
}

/// The audit chain's head inside a transaction; hands out the next entries.
struct AuditCursor {
    head: ChainHead,
    at: i64,
}

impl AuditCursor {
    fn new(seq: i64, hash: &[u8]) -> Result<Self, StoreError> {
        let seq = u64::try_from(seq).map_err(|_| StoreError::Corrupt {
            what: "audit_head.seq",
            detail: seq.to_string(),
        })?;
        let hash: Hash = hash.try_into().map_err(|_| StoreError::Corrupt {
            what: "audit_head.hash",
            detail: format!("{} bytes", hash.len()),
        })?;
        Ok(AuditCursor {
            head: ChainHead { seq, hash },
            at: now(),
        })
    }

    fn next(
        &mut self,
        actor: &str,
        action: &str,
        target: &str,
        use_cause: Option<&str>,
        request_id: &str,
    ) -> AuditEntry {
        let seq = self.head.seq + 1;
        let prev_hash = self.head.hash;
        let hash = hash_fields(&EntryFields {
            seq,
            at: self.at,
            actor,
            action,
            target,
            use_cause,
            request_id,
            prev_hash: &prev_hash,
        });
        self.head = ChainHead { seq, hash };
        AuditEntry {
            seq,
            at: self.at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            use_cause: use_cause.map(str::to_owned),
            request_id: request_id.to_owned(),
            prev_hash,
            hash,
        }
    }
}

/// The current time in Unix seconds. The store stamps rows itself: callers cannot back-date
/// an audit entry.
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn to_i64(v: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt {
        what,
        detail: v.to_string(),
    })
}

/// Checks a caller-supplied text argument: not blank, at most `max` characters.
fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidInput {
            field,
            reason: "must not be empty",
        });
    }
    if value.chars().count() > max {
        return Err(StoreError::InvalidInput {
            field,
            reason: "too long",
        });
    }
    Ok(())
}

/// Longest actor, request id or reason accepted, in characters.
const MAX_TEXT_CHARS: usize = 500;

/// Longest `Idempotency-Key` accepted, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// One issuing call's licences, for [`Store::insert_licence_groups`].
#[derive(Debug, Clone, Copy)]
pub struct IssueGroup<'a> {
    /// The licences, in request order.
    pub licences: &'a [SignedLicence],
    /// Its `Idempotency-Key` record, if the call had one.
    pub idempotency: Option<&'a IdempotencyRecord>,
    /// Who issued them.
    pub actor: &'a str,
    /// The request.
    pub request_id: &'a str,
}

/// The status-list entry (list number, index) a record's status reference names, for the
/// `licences` row; `(None, None)` for a record without one. A reference that is not to one
/// of this library's lists (`<base>/sl/<n>`) is refused.
fn status_entry(
    record: &zhengku_model::LicenceRecord,
) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let Some(r) = &record.status else {
        return Ok((None, None));
    };
    let bad = || StoreError::InvalidInput {
        field: "status",
        reason: "the status reference is not to one of this library's lists (<base>/sl/<n>)",
    };
    let list = r.list_number().ok_or_else(bad)?;
    Ok((
        Some(i64::try_from(list).map_err(|_| bad())?),
        Some(i64::try_from(r.idx).map_err(|_| bad())?),
    ))
}

/// An `Idempotency-Key` to record with the licences an issuing call stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Whose key it is (the API key id): keys of different callers never collide.
    pub owner: String,
    /// The header's value.
    pub key: String,
    /// SHA-256 of the request body, to tell a retry from a different request.
    pub request_hash: [u8; 32],
}

/// A department (发证部门) to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDepartment {
    /// Its name, e.g. 杭州市西湖区市场监督管理局.
    pub name: String,
    /// Its 统一社会信用代码; unique.
    pub uscc: Uscc,
    /// 行政区划代码 of its jurisdiction.
    pub region_code: AreaCode,
    /// The label of its signing key in the key store (HSM object label or key file name).
    pub key_label: String,
    /// Its signing certificate, DER, once issued.
    pub certificate_der: Option<Vec<u8>>,
}

/// A registered department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    /// Database id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its 统一社会信用代码.
    pub uscc: Uscc,
    /// 行政区划代码.
    pub region_code: AreaCode,
    /// Signing key label.
    pub key_label: String,
    /// Signing certificate, DER.
    pub certificate_der: Option<Vec<u8>>,
    /// When it was registered, Unix seconds.
    pub created_at: i64,
}

/// A stored licence: the signed licence as issued, and its current status.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLicence {
    /// The signed licence, byte-identical to what was inserted.
    pub licence: SignedLicence,
    /// The stored status (not adjusted for expiry; see [`LicenceStatus::on`]).
    pub status: LicenceStatus,
    /// When the row last changed, Unix seconds.
    pub updated_at: i64,
}

/// One status change in a licence's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceEvent {
    /// The licence.
    pub identifier: String,
    /// Status before.
    pub from: LicenceStatus,
    /// Status after.
    pub to: LicenceStatus,
    /// Why (e.g. the decision document number).
    pub reason: String,
    /// Who.
    pub actor: String,
    /// When, Unix seconds.
    pub at: i64,
}

/// Reads a [`LicenceRow`] from a row of either backend ([`LICENCE_COLUMNS`]).
macro_rules! licence_row {
    ($r:expr) => {
        LicenceRow {
            identifier: $r
                .try_get("identifier")
                .map_err(StoreError::db("read licence"))?,
            status: $r
                .try_get("status")
                .map_err(StoreError::db("read licence"))?,
            signed: $r
                .try_get("signed")
                .map_err(StoreError::db("read licence"))?,
            updated_at: $r
                .try_get("updated_at")
                .map_err(StoreError::db("read licence"))?,
        }
    };
}

/// The licence library's storage. Cheap to clone (it is a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

fn corrupt(what: &'static str) -> impl FnOnce(String) -> StoreError {
    move |detail| StoreError::Corrupt { what, detail }
}

const LICENCE_COLUMNS: &str = "identifier, status, signed, updated_at";

impl Store {
    /// Connects to `url` and applies the embedded migrations.
    ///
    /// - `sqlite://path/to/file.db?mode=rwc` (creates the file): WAL journal, foreign keys
    ///   on, a 10 s busy timeout so writers wait for each other instead of failing.
    /// - `postgres://user@host:5432/db` (or `postgresql://`).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        let connect_err = |source| StoreError::Connect {
            target: redact_url(url),
            source,
        };
        let pool = match scheme {
            "sqlite" => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(connect_err)?
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: a licence reported issued survives a power cut or an OS crash,
                    // not only an application crash (WAL with NORMAL can lose the last
                    // commits). Group commit (the issuing writer) absorbs most of the cost:
                    // measured with the load bench on 2 cores, issue 3,403/s → 3,092/s at
                    // 16 clients, 4,256/s → 3,718/s at 64.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    // A local file cannot drop the connection: skip sqlx's ping on every
                    // checkout, a round trip to the connection's thread each time.
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await
                    .map_err(connect_err)?;
                SQLITE_MIGRATOR.run(&pool).await?;
                Pool::Sqlite(pool)
            }
            "postgres" | "postgresql" => {
                let pool = PgPoolOptions::new()
                    .max_connections(10)
                    .connect(url)
                    .await
                    .map_err(connect_err)?;
                POSTGRES_MIGRATOR.run(&pool).await?;
                Pool::Postgres(pool)
            }
            other => {
                return Err(StoreError::UnsupportedUrl {
                    scheme: other.chars().take(20).collect(),
                });
            }
        };
        Ok(Store { pool })
    }

    /// Which database this store uses.
    pub fn backend(&self) -> BackendKind {
        match self.pool {
            Pool::Sqlite(_) => BackendKind::Sqlite,
            Pool::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Closes every connection; waits for connections in use to be returned.
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }

    // ---- departments ---------------------------------------------------------------------

    /// Registers a department (audited as `department.create`).
    pub async fn create_department(
        &self,
        new: &NewDepartment,
        actor: &str,
        request_id: &str,
    ) -> Result<Department, StoreError> {
        check_text("name", &new.name, MAX_TEXT_CHARS)?;
        check_text("key_label", &new.key_label, MAX_TEXT_CHARS)?;
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        let uscc = new.uscc.as_str();
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let created_at = cursor.at;
            let row = sqlx::query(
                "INSERT INTO departments \
                 (name, uscc, region_code, key_label, certificate_der, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&new.name)
            .bind(uscc)
            .bind(new.region_code.as_str())
            .bind(&new.key_label)
            .bind(new.certificate_der.as_deref())
            .bind(created_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::db_or_conflict(
                "insert department",
                "department",
                uscc,
            ))?;
            let id: i64 = row
                .try_get("id")
                .map_err(StoreError::db("read department id"))?;
            insert_audit!(
                tx,
                cursor.next(actor, "department.create", uscc, None, request_id)
            );
            commit_audited!(tx, cursor);
            Ok(Department {
                id,
                name: new.name.clone(),
                uscc: new.uscc.clone(),
                region_code: new.region_code.clone(),
                key_label: new.key_label.clone(),
                certificate_der: new.certificate_der.clone(),
                created_at,
            })
        })
    }

    /// The department with this USCC.
    pub async fn get_department(&self, uscc: &str) -> Result<Department, StoreError> {
        let row = on_pool!(self, |pool| {
            let row = sqlx::query(
                "SELECT id, name, uscc, region_code, key_label, certificate_der, created_at \
                 FROM departments WHERE uscc = $1",
            )
            .bind(uscc)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::db("select department"))?;
            match row {
                None => None,
                Some(r) => Some(DepartmentRow {
                    id: r.try_get("id").map_err(StoreError::db("read department"))?,
                    name: r
                        .try_get("name")
                        .map_err(StoreError::db("read department"))?,
                    uscc: r
                        .try_get("uscc")
                        .map_err(StoreError::db("read department"))?,
                    region_code: r
                        .try_get("region_code")
                        .map_err(StoreError::db("read department"))?,
                    key_label: r
                        .try_get("key_label")
                        .map_err(StoreError::db("read department"))?,
                    certificate_der: r
                        .try_get("certificate_der")
                        .map_err(StoreError::db("read department"))?,
                    created_at: r
                        .try_get("created_at")
                        .map_err(StoreError::db("read department"))?,
                }),
            }
        });
        row.ok_or_else(|| StoreError::NotFound {
            what: "department",
            key: uscc.to_owned(),
        })?
        .into_department()
    }

    // ---- identifier sequences ------------------------------------------------------------

    /// Allocates the next serial sequence (from 1) for `issuer_uscc`'s licences of
    /// `type_code` in `year`, for [`LicenceId::generate`](zhengku_model::LicenceId::generate).
    ///
    /// One `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement, so concurrent callers get
    /// distinct, consecutive values. A value whose licence is never inserted stays used: the
    /// identifier is signed into the licence before the licence is stored, so allocation
    /// cannot share its transaction.
    pub async fn next_sequence(
        &self,
        issuer_uscc: &str,
        type_code: &str,
        year: u16,
    ) -> Result<u32, StoreError> {
        self.next_sequences(issuer_uscc, type_code, year, 1).await
    }

    /// Allocates `count` consecutive sequence values at once (for a batch) and returns the
    /// first; the batch uses `first..first + count`. One statement, like
    /// [`next_sequence`](Self::next_sequence).
    pub async fn next_sequences(
        &self,
        issuer_uscc: &str,
        type_code: &str,
        year: u16,
        count: u32,
    ) -> Result<u32, StoreError> {
        let exhausted = || StoreError::SequenceExhausted {
            issuer_uscc: issuer_uscc.to_owned(),
            type_code: type_code.to_owned(),
            year,
        };
        if count == 0 || count > MAX_SEQUENCE {
            return Err(StoreError::InvalidInput {
                field: "count",
                reason: "must be 1 to 9999999",
            });
        }
        let n = i64::from(count);
        let allocated: i64 = on_pool!(self, |pool| {
            let row = sqlx::query(
                "INSERT INTO identifier_sequences (issuer_uscc, type_code, year, next_value) \
                 VALUES ($1, $2, $3, 1 + $4) \
                 ON CONFLICT (issuer_uscc, type_code, year) \
                 DO UPDATE SET next_value = identifier_sequences.next_value + $4 \
                 RETURNING next_value - $4 AS allocated",
            )
            .bind(issuer_uscc)
            .bind(type_code)
            .bind(i64::from(year))
            .bind(n)
            .fetch_one(pool)
            .await
            .map_err(StoreError::db("allocate sequence"))?;
            row.try_get("allocated")
                .map_err(StoreError::db("read sequence"))?
        });
        // The last value handed out must still fit the 7-digit serial.
        let last = allocated.checked_add(n - 1).ok_or_else(exhausted)?;
        if allocated < 1 || last > i64::from(MAX_SEQUENCE) {
            return Err(exhausted());
        }
        u32::try_from(allocated).map_err(|_| exhausted())
    }

    // ---- licences ------------------------------------------------------------------------

    /// Stores a newly issued licence with status valid, and its `licence.issue` audit entry,
    /// in one transaction. The issuing department must be registered.
    ///
    /// The signature is not checked here: the issuing path signs it, and verification is the
    /// verification engine's job.
    pub async fn insert_licence(
        &self,
        signed: &SignedLicence,
        actor: &str,
        request_id: &str,
    ) -> Result<(), StoreError> {
        self.insert_licences(std::slice::from_ref(signed), None, actor, request_id)
            .await
    }

    /// Stores newly issued licences, all or none, in one transaction: each with status
    /// valid and its own `licence.issue` audit entry, and, when `idempotency` is given, the
    /// idempotency record naming them (so a retry finds exactly what this call stored).
    ///
    /// A second record for the same owner and key fails with [`StoreError::Conflict`]
    /// (`what` = `"idempotency key"`) and stores nothing.
    pub async fn insert_licences(
        &self,
        licences: &[SignedLicence],
        idempotency: Option<&IdempotencyRecord>,
        actor: &str,
        request_id: &str,
    ) -> Result<(), StoreError> {
        self.insert_licence_groups(&[IssueGroup {
            licences,
            idempotency,
            actor,
            request_id,
        }])
        .await
    }

    /// Stores several issuing calls' licences in one transaction (group commit): all of
    /// them or none. Each group keeps its own actor, request id and idempotency record in
    /// the audit log, exactly as if stored alone; only the transaction (and, with it, the
    /// audit head update and the commit's disk write) is shared.
    ///
    /// The server's writer task uses this to turn many concurrent issues into one commit;
    /// when a shared transaction fails it retries each group alone, so one bad group never
    /// fails another.
    pub async fn insert_licence_groups(&self, groups: &[IssueGroup<'_>]) -> Result<(), StoreError> {
        for g in groups {
            check_text("actor", g.actor, MAX_TEXT_CHARS)?;
            check_text("request_id", g.request_id, MAX_TEXT_CHARS)?;
            if let Some(idem) = g.idempotency {
                check_text("idempotency_key", &idem.key, MAX_IDEMPOTENCY_KEY_CHARS)?;
            }
        }
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            for g in groups {
                for signed in g.licences {
                    let record = signed.record();
                    let identifier = record.identifier.as_str();
                    let issuer = record.issuer_code.as_str();
                    let bytes = signed.to_bytes();
                    let valid_from = format_date(record.valid_from);
                    let valid_until = record.valid_until.map(format_date);
                    let issued_at = to_i64(record.issued_at.unix_seconds(), "issued_at")?;
                    let (status_list, status_idx) = status_entry(record)?;
                    sqlx::query(
                        "INSERT INTO licences \
                         (identifier, type_code, issuer_uscc, holder_code, holder_code_type, \
                          status, signed, valid_from, valid_until, issued_at, updated_at, \
                          status_list, status_idx) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    )
                    .bind(identifier)
                    .bind(record.type_code.as_str())
                    .bind(issuer)
                    .bind(record.holder_code.as_str())
                    .bind(record.holder_code_type().as_str())
                    .bind(LicenceStatus::Valid.as_str())
                    .bind(bytes.as_slice())
                    .bind(&valid_from)
                    .bind(valid_until.as_deref())
                    .bind(issued_at)
                    .bind(cursor.at)
                    .bind(status_list)
                    .bind(status_idx)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match &e {
                        // The department, or the status list, is not there (SQLite's
                        // message does not say which).
                        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                            match status_list {
                                Some(list) => StoreError::NotFound {
                                    what: "department or status list",
                                    key: format!("{issuer}, list {list}"),
                                },
                                None => StoreError::NotFound {
                                    what: "department",
                                    key: issuer.to_owned(),
                                },
                            }
                        }
                        _ => StoreError::db_or_conflict("insert licence", "licence", identifier)(e),
                    })?;
                    insert_audit!(
                        tx,
                        cursor.next(g.actor, "licence.issue", identifier, None, g.request_id)
                    );
                }
                if let Some(idem) = g.idempotency {
                    let identifiers: Vec<&str> = g
                        .licences
                        .iter()
                        .map(|l| l.record().identifier.as_str())
                        .collect();
                    sqlx::query(
                        "INSERT INTO idempotency_keys \
                         (owner, idem_key, request_hash, identifiers, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&idem.owner)
                    .bind(&idem.key)
                    .bind(idem.request_hash.as_slice())
                    .bind(identifiers.join(" "))
                    .bind(cursor.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db_or_conflict(
                        "insert idempotency record",
                        "idempotency key",
                        &idem.key,
                    ))?;
                }
            }
            commit_audited!(tx, cursor);
            Ok(())
        })
    }

    /// The licence with this identifier. Not audited: this is the issuing side's and the
    /// verifier's read; access on a holder's behalf goes through
    /// [`find_by_holder`](Self::find_by_holder).
    pub async fn get_licence(&self, identifier: &str) -> Result<StoredLicence, StoreError> {
        let sql = format!("SELECT {LICENCE_COLUMNS} FROM licences WHERE identifier = $1");
        let row = on_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(identifier)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("select licence"))?;
            match row {
                None => None,
                Some(r) => Some(licence_row!(r)),
            }
        });
        row.ok_or_else(|| StoreError::NotFound {
            what: "licence",
            key: identifier.to_owned(),
        })?
        .into_stored()
    }

    /// Every licence of `holder_code` (optionally only of `type_code`), ordered by
    /// identifier, for reuse (用证) by another department. Each licence returned gets a
    /// `licence.reuse` audit entry with `use_cause`, in the same transaction as the read; a
    /// search that finds nothing is audited too (`licence.search.empty`, target the holder
    /// code), since who looked a person up matters even when there was nothing to find.
    ///
    /// `use_cause` (用证事由) is required: 1 to [`MAX_USE_CAUSE_CHARS`] characters.
    pub async fn find_by_holder(
        &self,
        holder_code: &str,
        type_code: Option<&str>,
        actor: &str,
        use_cause: &str,
        request_id: &str,
    ) -> Result<Vec<StoredLicence>, StoreError> {
        check_text("use_cause", use_cause, MAX_USE_CAUSE_CHARS)?;
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        let sql = match type_code {
            None => format!(
                "SELECT {LICENCE_COLUMNS} FROM licences WHERE holder_code = $1 \
                 ORDER BY identifier"
            ),
            Some(_) => format!(
                "SELECT {LICENCE_COLUMNS} FROM licences WHERE holder_code = $1 \
                 AND type_code = $2 ORDER BY identifier"
            ),
        };
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let mut query = sqlx::query(&sql).bind(holder_code);
            if let Some(t) = type_code {
                query = query.bind(t);
            }
            let rows = query
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::db("select licences by holder"))?;
            let mut found = Vec::with_capacity(rows.len());
            for r in rows {
                found.push(licence_row!(r).into_stored()?);
            }
            if found.is_empty() {
                insert_audit!(
                    tx,
                    cursor.next(
                        actor,
                        "licence.search.empty",
                        holder_code,
                        Some(use_cause),
                        request_id
                    )
                );
            }
            for l in &found {
                let id = l.licence.record().identifier.as_str();
                insert_audit!(
                    tx,
                    cursor.next(actor, "licence.reuse", id, Some(use_cause), request_id)
                );
            }
            commit_audited!(tx, cursor);
            Ok(found)
        })
    }

    /// Moves a licence to status `to`, if [`LicenceStatus::can_transition_to`] allows it,
    /// writing the status, a [`LicenceEvent`] and a `licence.status.<to>` audit entry in one
    /// transaction. Returns the event.
    pub async fn change_status(
        &self,
        identifier: &str,
        to: LicenceStatus,
        reason: &str,
        actor: &str,
        request_id: &str,
    ) -> Result<LicenceEvent, StoreError> {
        let (from, at) = self
            .transition(identifier, to, reason, actor, request_id)
            .await?;
        Ok(LicenceEvent {
            identifier: identifier.to_owned(),
            from,
            to,
            reason: reason.to_owned(),
            actor: actor.to_owned(),
            at,
        })
    }

    /// A licence's status history, oldest first.
    pub async fn licence_events(&self, identifier: &str) -> Result<Vec<LicenceEvent>, StoreError> {
        let changes = self.history::<LicenceStatus>(identifier).await?;
        Ok(changes
            .into_iter()
            .map(|(from, to, reason, actor, at)| LicenceEvent {
                identifier: identifier.to_owned(),
                from,
                to,
                reason,
                actor,
                at,
            })
            .collect())
    }

    // ---- audit log -----------------------------------------------------------------------

    /// The recorded head: what the last committed audited transaction wrote.
    async fn audit_head(&self) -> Result<ChainHead, StoreError> {
        let (seq, hash): (i64, Vec<u8>) = on_pool!(self, |pool| {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await
                .map_err(StoreError::db("select audit head"))?
        });
        Ok(AuditCursor::new(seq, &hash)?.head)
    }

    /// Every audit entry, in log order. Holds the whole log in memory: for a log of any
    /// size read it in pages ([`audit_page`](Self::audit_page)).
    pub async fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_range(0, u64::MAX, u32::MAX).await
    }

    /// Re-reads the audit log, a page at a time, and checks its hash chain
    /// ([`ChainVerifier`]) and that it ends at the recorded head, so entries cut from the end
    /// are found too. Returns the verified head.
    pub async fn verify_audit(&self) -> Result<ChainHead, StoreError> {
        // Big enough that round trips do not dominate, small enough that memory stays flat.
        const PAGE: u32 = 5_000;
        // Head first, then entries up to it: entries committed after the head was read are
        // not part of this check (on PostgreSQL each statement has its own snapshot).
        let recorded = self.audit_head().await?;
        let mut verifier = ChainVerifier::new();
        let mut after = 0;
        loop {
            let page = self.audit_range(after, recorded.seq, PAGE).await?;
            for e in &page {
                verifier.push(e)?;
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = last.seq,
                _ => break,
            }
        }
        Ok(verifier.finish_at(recorded)?)
    }
}

/// A `departments` row before its codes are re-validated.
struct DepartmentRow {
    id: i64,
    name: String,
    uscc: String,
    region_code: String,
    key_label: String,
    certificate_der: Option<Vec<u8>>,
    created_at: i64,
}

impl DepartmentRow {
    fn into_department(self) -> Result<Department, StoreError> {
        Ok(Department {
            id: self.id,
            name: self.name,
            uscc: Uscc::parse(&self.uscc).map_err(|_| corrupt("departments.uscc")(self.uscc))?,
            region_code: AreaCode::parse(&self.region_code)
                .map_err(|_| corrupt("departments.region_code")(self.region_code))?,
            key_label: self.key_label,
            certificate_der: self.certificate_der,
            created_at: self.created_at,
        })
    }
}

/// A `licences` row before its bytes are decoded.
struct LicenceRow {
    identifier: String,
    status: String,
    signed: Vec<u8>,
    updated_at: i64,
}

impl LicenceRow {
    fn into_stored(self) -> Result<StoredLicence, StoreError> {
        let licence = SignedLicence::from_bytes(&self.signed).map_err(|source| {
            StoreError::CorruptLicence {
                identifier: self.identifier.clone(),
                source,
            }
        })?;
        // The key columns are copies of the signed record's fields, for indexing; a row
        // whose copy disagrees has been edited by hand.
        if licence.record().identifier.as_str() != self.identifier {
            return Err(corrupt("licences.identifier")(format!(
                "row {} holds licence {}",
                self.identifier,
                licence.record().identifier
            )));
        }
        let status = LicenceStatus::from_str(&self.status)
            .map_err(|_| corrupt("licences.status")(self.status))?;
        Ok(StoredLicence {
            licence,
            status,
            updated_at: self.updated_at,
        })
    }
}

pub mod access;
mod audit_read;
pub mod copies;
mod documents;
mod lifecycle;
pub mod seals;
pub mod status_list;
