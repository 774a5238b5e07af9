//! Access control and retry records: API keys (访问密钥), the department list, and the
//! lookups behind `Idempotency-Key`.
//!
//! API keys are stored as SHA-256 of their secret, never the secret: a key's secret is 256
//! random bits, so a fast hash is enough (there is nothing to brute-force), and a leaked
//! table grants nothing. Creating and revoking keys is audited like every other write.

use sqlx::Row;

use super::{
    AuditCursor, DepartmentRow, LICENCE_COLUMNS, LicenceRow, MAX_TEXT_CHARS, Pool, Store,
    check_text, to_i64,
};
use crate::audit::AuditEntry;
use crate::error::StoreError;
use crate::store::{Department, StoredLicence};

/// An API key to create. The caller makes the id and secret and passes only the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// Public id (the token's prefix); unique.
    pub id: String,
    /// What it is for, e.g. "西湖区市场监管局 发证系统".
    pub name: String,
    /// The department it acts for; `None` for an administrator key.
    pub department_uscc: Option<String>,
    /// Space-separated scopes (`admin`, `issue:<type code>`, `issue:*`, `manage`, `reuse`,
    /// `audit`); the server gives them meaning.
    pub scopes: String,
    /// SHA-256 of the secret.
    pub secret_hash: [u8; 32],
}

/// A stored API key (without its secret, which is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Public id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Department, `None` for administrators.
    pub department_uscc: Option<String>,
    /// Space-separated scopes.
    pub scopes: String,
    /// SHA-256 of the secret.
    pub secret_hash: Vec<u8>,
    /// When it was created, Unix seconds.
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// What an earlier call stored under an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResult {
    /// SHA-256 of that call's request body.
    pub request_hash: Vec<u8>,
    /// The licences it issued, in request order.
    pub identifiers: Vec<String>,
}

/// The id of the administrator key made from the bootstrap token.
pub const BOOTSTRAP_KEY_ID: &str = "bootstrap";

type ApiKeyTuple = (
    String,
    String,
    Option<String>,
    String,
    Vec<u8>,
    i64,
    Option<i64>,
);

fn api_key_from(t: ApiKeyTuple) -> ApiKeyRecord {
    let (id, name, department_uscc, scopes, secret_hash, created_at, revoked_at) = t;
    ApiKeyRecord {
        id,
        name,
        department_uscc,
        scopes,
        secret_hash,
        created_at,
        revoked_at,
    }
}

const API_KEY_COLUMNS: &str =
    "id, name, department_uscc, scopes, secret_hash, created_at, revoked_at";

impl Store {
    /// Checks that the database answers (for readiness probes).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map_err(StoreError::db("ping"))?;
        });
        Ok(())
    }

    /// How durable a commit is, as the database reports it on one of the store's own
    /// connections: SQLite `synchronous=FULL, journal_mode=wal`; PostgreSQL
    /// `synchronous_commit=on`. For operators (the administrator's `/readyz`) and tests.
    pub async fn durability(&self) -> Result<String, StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(pool)
                    .await
                    .map_err(StoreError::db("read synchronous"))?;
                let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                    .fetch_one(pool)
                    .await
                    .map_err(StoreError::db("read journal_mode"))?;
                let sync = match sync {
                    0 => "OFF",
                    1 => "NORMAL",
                    2 => "FULL",
                    3 => "EXTRA",
                    _ => "unknown",
                };
                Ok(format!("synchronous={sync}, journal_mode={journal}"))
            }
            Pool::Postgres(pool) => {
                let commit: String = sqlx::query_scalar("SHOW synchronous_commit")
                    .fetch_one(pool)
                    .await
                    .map_err(StoreError::db("read synchronous_commit"))?;
                Ok(format!("synchronous_commit={commit}"))
            }
        }
    }

    /// Creates an API key (audited as `apikey.create`, target its id).
    pub async fn create_api_key(
        &self,
        new: &NewApiKey,
        actor: &str,
        request_id: &str,
    ) -> Result<ApiKeyRecord, StoreError> {
        check_text("id", &new.id, 64)?;
        check_text("name", &new.name, MAX_TEXT_CHARS)?;
        check_text("scopes", &new.scopes, MAX_TEXT_CHARS)?;
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let created_at = cursor.at;
            sqlx::query(
                "INSERT INTO api_keys \
                 (id, name, department_uscc, scopes, secret_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&new.id)
            .bind(&new.name)
            .bind(new.department_uscc.as_deref())
            .bind(&new.scopes)
            .bind(new.secret_hash.as_slice())
            .bind(created_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound {
                    what: "department",
                    key: new.department_uscc.clone().unwrap_or_default(),
                },
                _ => StoreError::db_or_conflict("insert api key", "api key", &new.id)(e),
            })?;
            insert_audit!(
                tx,
                cursor.next(actor, "apikey.create", &new.id, None, request_id)
            );
            commit_audited!(tx, cursor);
            Ok(ApiKeyRecord {
                id: new.id.clone(),
                name: new.name.clone(),
                department_uscc: new.department_uscc.clone(),
                scopes: new.scopes.clone(),
                secret_hash: new.secret_hash.to_vec(),
                created_at,
                revoked_at: None,
            })
        })
    }

    /// Sets the administrator key made from the bootstrap token (id [`BOOTSTRAP_KEY_ID`],
    /// scope `admin`): creates it, or replaces its hash when the token changed. Audited as
    /// `apikey.bootstrap` only when something changed.
    pub async fn set_bootstrap_key(
        &self,
        secret_hash: &[u8; 32],
        request_id: &str,
    ) -> Result<bool, StoreError> {
        // The same token again (every restart with ZHENGKU_BOOTSTRAP_TOKEN set) changes
        // nothing: in particular a revoked bootstrap key stays revoked. Only a new token
        // makes a new bootstrap key.
        if let Some(existing) = self.api_key(BOOTSTRAP_KEY_ID).await?
            && existing.secret_hash == secret_hash
        {
            return Ok(false);
        }
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            sqlx::query(
                "INSERT INTO api_keys (id, name, department_uscc, scopes, secret_hash, created_at) \
                 VALUES ($1, 'bootstrap administrator', NULL, 'admin audit', $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET secret_hash = $2, revoked_at = NULL",
            )
            .bind(BOOTSTRAP_KEY_ID)
            .bind(secret_hash.as_slice())
            .bind(cursor.at)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::db("set bootstrap key"))?;
            insert_audit!(
                tx,
                cursor.next(
                    "system",
                    "apikey.bootstrap",
                    BOOTSTRAP_KEY_ID,
                    None,
                    request_id
                )
            );
            commit_audited!(tx, cursor);
            Ok(true)
        })
    }

    /// The API key with this id, revoked or not.
    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE id = $1");
        let row: Option<ApiKeyTuple> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::db("select api key"))?
        });
        Ok(row.map(api_key_from))
    }

    /// Every API key, oldest first.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id");
        let rows: Vec<ApiKeyTuple> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .fetch_all(pool)
                .await
                .map_err(StoreError::db("select api keys"))?
        });
        Ok(rows.into_iter().map(api_key_from).collect())
    }

    /// Revokes an API key (audited as `apikey.revoke`). Revoking a revoked key is a no-op
    /// that still returns the key.
    pub async fn revoke_api_key(
        &self,
        id: &str,
        actor: &str,
        request_id: &str,
    ) -> Result<ApiKeyRecord, StoreError> {
        check_text("actor", actor, MAX_TEXT_CHARS)?;
        check_text("request_id", request_id, MAX_TEXT_CHARS)?;
        on_pool!(self, |pool| {
            let (mut tx, mut cursor) = begin_audited!(pool);
            let updated = sqlx::query(
                "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(cursor.at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::db("revoke api key"))?
            .rows_affected();
            if updated == 1 {
                insert_audit!(
                    tx,
                    cursor.next(actor, "apikey.revoke", id, None, request_id)
                );
                commit_audited!(tx, cursor);
            } else {
                tx.rollback().await.map_err(StoreError::db("rollback"))?;
            }
            Ok::<(), StoreError>(())
        })?;
        self.api_key(id).await?.ok_or_else(|| StoreError::NotFound {
            what: "api key",
            key: id.to_owned(),
        })
    }

    /// Every department, by USCC.
    pub async fn list_departments(&self) -> Result<Vec<Department>, StoreError> {
        type Tuple = (i64, String, String, String, String, Option<Vec<u8>>, i64);
        let rows: Vec<Tuple> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, name, uscc, region_code, key_label, certificate_der, created_at \
                 FROM departments ORDER BY uscc",
            )
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("select departments"))?
        });
        rows.into_iter()
            .map(
                |(id, name, uscc, region_code, key_label, certificate_der, created_at)| {
                    DepartmentRow {
                        id,
                        name,
                        uscc,
                        region_code,
                        key_label,
                        certificate_der,
                        created_at,
                    }
                    .into_department()
                },
            )
            .collect()
    }

    /// What an earlier issuing call of `owner` stored under `key`, if any.
    pub async fn idempotent_result(
        &self,
        owner: &str,
        key: &str,
    ) -> Result<Option<IdempotentResult>, StoreError> {
        let row: Option<(Vec<u8>, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT request_hash, identifiers FROM idempotency_keys \
                 WHERE owner = $1 AND idem_key = $2",
            )
            .bind(owner)
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::db("select idempotency record"))?
        });
        Ok(row.map(|(request_hash, identifiers)| IdempotentResult {
            request_hash,
            identifiers: identifiers.split(' ').map(str::to_owned).collect(),
        }))
    }

    /// The licences with these identifiers, in the order asked; an identifier that is not
    /// stored is an error.
    pub async fn get_licences(
        &self,
        identifiers: &[String],
    ) -> Result<Vec<StoredLicence>, StoreError> {
        let sql = format!("SELECT {LICENCE_COLUMNS} FROM licences WHERE identifier = $1");
        let mut out = Vec::with_capacity(identifiers.len());
        on_pool!(self, |pool| {
            // One connection for the whole list instead of one pool checkout per row.
            let mut conn = pool
                .acquire()
                .await
                .map_err(StoreError::db("acquire connection"))?;
            for id in identifiers {
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(StoreError::db("select licence"))?;
                let Some(r) = row else {
                    return Err(StoreError::NotFound {
                        what: "licence",
                        key: id.clone(),
                    });
                };
                out.push(licence_row!(r).into_stored()?);
            }
            Ok::<(), StoreError>(())
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        (dir, Store::connect(&url).await.unwrap())
    }

    #[tokio::test]
    async fn api_keys_create_revoke_and_bootstrap() {
        let (_d, s) = store().await;
        let new = NewApiKey {
            id: "k1".into(),
            name: "n".into(),
            department_uscc: None,
            scopes: "admin".into(),
            secret_hash: [7; 32],
        };
        let k = s.create_api_key(&new, "admin", "r1").await.unwrap();
        assert_eq!(k.revoked_at, None);
        assert!(matches!(
            s.create_api_key(&new, "admin", "r2").await,
            Err(StoreError::Conflict { .. })
        ));
        let k = s.revoke_api_key("k1", "admin", "r3").await.unwrap();
        assert!(k.revoked_at.is_some());
        // A key for an unknown department is refused and leaves nothing behind.
        let orphan = NewApiKey {
            id: "k2".into(),
            department_uscc: Some("91330106MA2H0YKU5B".into()),
            ..new.clone()
        };
        assert!(matches!(
            s.create_api_key(&orphan, "admin", "r4").await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(s.api_key("k2").await.unwrap().is_none());
        assert!(s.set_bootstrap_key(&[1; 32], "boot").await.unwrap());
        assert!(!s.set_bootstrap_key(&[1; 32], "boot").await.unwrap());
        assert!(s.set_bootstrap_key(&[2; 32], "boot").await.unwrap());
        let b = s.api_key(BOOTSTRAP_KEY_ID).await.unwrap().unwrap();
        assert_eq!(b.secret_hash, vec![2; 32]);
        assert_eq!(s.list_api_keys().await.unwrap().len(), 2);
        // create, revoke, bootstrap twice: four audited writes, and a sound chain.
        assert_eq!(s.verify_audit().await.unwrap().seq, 4);
    }
}
