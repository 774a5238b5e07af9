//! Annotated copies (加注件) in the library and their single-use download links.
//!
//! A copy is kept as made (its file), with who asked for it, why, for what matter and until
//! when, so that every download of it is the same file and an auditor can see what left the
//! library. Making it writes `licence.copy` to the audit log in the same transaction.
//!
//! A download link is a random token handed to the department once; the library keeps only
//! its SHA-256. Taking a link ([`Store::take_copy_link`]) marks it used in the same
//! statement that checks it is unused and unexpired, so two requests racing for one link
//! get the file once between them; the taking is audited (`copy.download`).

use sqlx::Row;

use super::{
    AuditCursor, MAX_TEXT_CHARS, MAX_USE_CAUSE_CHARS, Pool, Store, check_text, now, to_i64,
};
use crate::audit::AuditEntry;
use crate::error::StoreError;

/// Largest copy file kept, bytes.
pub const MAX_COPY_LEN: usize = 16 << 20;

/// A copy to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCopy<'a> {
    /// The copy's id (random, unguessable).
    pub id: &'a str,
    /// The licence.
    pub identifier: &'a str,
    /// The department the copy was made for (USCC), or the administrator's actor.
    pub department: &'a str,
    /// Who asked (the API key's actor).
    pub actor: &'a str,
    /// 用证事由 / 加注件制作事由.
    pub use_cause: &'a str,
    /// The matter (办理事项).
    pub matter: &'a str,
    /// When it was made, Unix seconds.
    pub made_at: i64,
    /// Its last day of use, `YYYY-MM-DD`.
    pub valid_until: &'a str,
    /// `ofd` or `pdf`.
    pub format: &'a str,
    /// The file.
    pub file: &'a [u8],
}

/// A kept copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCopy {
    /// The copy's id.
    pub id: String,
    /// The licence.
    pub identifier: String,
    /// The department it was made for.
    pub department: String,
    /// Who asked.
    pub actor: String,
    /// Why.
    pub use_cause: String,
    /// For what matter.
    pub matter: String,
    /// When it was made, Unix seconds.
    pub made_at: i64,
    /// Its last day of use, `YYYY-MM-DD`.
    pub valid_until: String,
    /// `ofd` or `pdf`.
    pub format: String,
    /// The file.
    pub file: Vec<u8>,
}

/// What became of a download link asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTaken {
    /// The link was good: here is its copy; the link is now used.
    Copy(Box<StoredCopy>),
    /// The link was used before.
    Used,
    /// The link has expired.
    Expired,
    /// No such link.
    Unknown,
}

fn copy_row<R: Row>(r: &R) -> Result<StoredCopy, StoreError>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'q> String: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> i64: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> Vec<u8>: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
{
    let err = |e| StoreError::db("read copy")(e);
    Ok(StoredCopy {
        id: r.try_get("id").map_err(&err)?,
        identifier: r.try_get("identifier").map_err(&err)?,
        department: r.try_get("department").map_err(&err)?,
        actor: r.try_get("actor").map_err(&err)?,
        use_cause: r.try_get("use_cause").map_err(&err)?,
        matter: r.try_get("matter").map_err(&err)?,
        made_at: r.try_get("made_at").map_err(&err)?,
        valid_until: r.try_get("valid_until").map_err(&err)?,
        format: r.try_get("format").map_err(&err)?,
        file: r.try_get("file").map_err(&err)?,
    })
}

const COPY_COLUMNS: &str =
    "id, identifier, department, actor, use_cause, matter, made_at, valid_until, format, file";

impl Store {
    /// Keeps a copy and audits its making (`licence.copy`, target the licence, with the
    /// use cause) in one transaction.
    pub async fn insert_copy(&self, c: &NewCopy<'_>, request_id: &str) -> Result<(), StoreError> {
        check_text("use_cause", c.use_cause, MAX_USE_CAUSE_CHARS)?;
        check_text("matter", c.matter, MAX_TEXT_CHARS)?;
        check_text("actor", c.actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        if c.file.len() > MAX_COPY_LEN {
            return Err(StoreError::InvalidInput {
                field: "file",
                reason: "too long",
            });
        }
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            sqlx::query(
                "INSERT INTO licence_copies \
                 (id, identifier, department, actor, use_cause, matter, made_at, valid_until, \
                  format, file) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(c.id)
            .bind(c.identifier)
            .bind(c.department)
            .bind(c.actor)
            .bind(c.use_cause)
            .bind(c.matter)
            .bind(c.made_at)
            .bind(c.valid_until)
            .bind(c.format)
            .bind(c.file)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::db("insert copy"))?;
            insert_audit!(
                tx,
                cursor.next(
                    c.actor,
                    "licence.copy",
                    c.identifier,
                    Some(c.use_cause),
                    request_id
                )
            );
            commit_audited!(tx, cursor);
            Ok(())
        })
    }

    /// Audits a call of the sharing interface that reads nothing the library keeps (a
    /// verification of a submitted file): `action`, target what it named, with the use cause
    /// when one was given.
    pub async fn record_share_call(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        use_cause: Option<&str>,
        request_id: &str,
    ) -> Result<(), StoreError> {
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("action", action, MAX_TEXT_CHARS)?;
        check_text("target", target, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        if let Some(c) = use_cause {
            check_text("use_cause", c, MAX_USE_CAUSE_CHARS)?;
        }
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            insert_audit!(
                tx,
                cursor.next(actor, action, target, use_cause, request_id)
            );
            commit_audited!(tx, cursor);
            Ok(())
        })
    }

    /// The department copy `id` was made for, without reading its file.
    pub async fn copy_department(&self, id: &str) -> Result<String, StoreError> {
        on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT department FROM licence_copies WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("select copy"))?
                .ok_or_else(|| StoreError::NotFound {
                    what: "copy",
                    key: id.to_owned(),
                })
        })
    }

    /// Keeps a download link for copy `copy_id` (by its token's SHA-256), good until
    /// `expires_at`, and audits it (`copy.link`, target the copy) in one transaction.
    pub async fn insert_copy_link(
        &self,
        token_sha256: &[u8; 32],
        copy_id: &str,
        actor: &str,
        expires_at: i64,
        request_id: &str,
    ) -> Result<(), StoreError> {
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        let at = now();
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            sqlx::query(
                "INSERT INTO copy_links (token_sha256, copy_id, created_by, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_sha256.as_slice())
            .bind(copy_id)
            .bind(actor)
            .bind(at)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::db("insert copy link"))?;
            insert_audit!(
                tx,
                cursor.next(actor, "copy.link", copy_id, None, request_id)
            );
            commit_audited!(tx, cursor);
            Ok(())
        })
    }

    /// Takes the download link whose token has SHA-256 `token_sha256`, at `at` (module
    /// docs). A good link is marked used and its taking audited (`copy.download`, actor
    /// `link/<first 8 hex of the token's hash>`, target the copy), all in one transaction;
    /// a used or expired link is audited as refused (`copy.download-refused`); an unknown
    /// one leaves no trace (it names nothing).
    pub async fn take_copy_link(
        &self,
        token_sha256: &[u8; 32],
        at: i64,
        request_id: &str,
    ) -> Result<LinkTaken, StoreError> {
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        let actor = format!(
            "link/{}",
            token_sha256[..4]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let sql = format!("SELECT {COPY_COLUMNS} FROM licence_copies WHERE id = $1");
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let taken: Option<String> = sqlx::query_scalar(
                "UPDATE copy_links SET used_at = $1 \
                 WHERE token_sha256 = $2 AND used_at IS NULL AND expires_at > $1 \
                 RETURNING copy_id",
            )
            .bind(at)
            .bind(token_sha256.as_slice())
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::db("take copy link"))?;
            let outcome = match taken {
                Some(copy_id) => {
                    let row = sqlx::query(&sql)
                        .bind(&copy_id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(StoreError::db("select copy"))?;
                    let copy = copy_row(&row)?;
                    insert_audit!(
                        tx,
                        cursor.next(&actor, "copy.download", &copy_id, None, request_id)
                    );
                    LinkTaken::Copy(Box::new(copy))
                }
                None => {
                    let row = sqlx::query(
                        "SELECT copy_id, used_at, expires_at FROM copy_links \
                         WHERE token_sha256 = $1",
                    )
                    .bind(token_sha256.as_slice())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::db("select copy link"))?;
                    match row {
                        None => LinkTaken::Unknown,
                        Some(row) => {
                            let copy_id: String = row
                                .try_get("copy_id")
                                .map_err(StoreError::db("read copy link"))?;
                            let used: Option<i64> = row
                                .try_get("used_at")
                                .map_err(StoreError::db("read copy link"))?;
                            insert_audit!(
                                tx,
                                cursor.next(
                                    &actor,
                                    "copy.download-refused",
                                    &copy_id,
                                    None,
                                    request_id
                                )
                            );
                            if used.is_some() {
                                LinkTaken::Used
                            } else {
                                LinkTaken::Expired
                            }
                        }
                    }
                }
            };
            if outcome == LinkTaken::Unknown {
                tx.rollback().await.map_err(StoreError::db("rollback"))?;
            } else {
                commit_audited!(tx, cursor);
            }
            Ok(outcome)
        })
    }
}
