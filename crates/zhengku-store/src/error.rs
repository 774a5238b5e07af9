//! [`StoreError`]: every way a store operation can fail.
//!
//! Database errors keep the operation that failed (`"insert licence"`, …) so a log line says
//! what was being done, and never the connection URL: it may hold a password.

use zhengku_model::{LicenceStatus, SignedError};

use crate::audit::ChainError;

/// Why a store operation failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is neither `sqlite:` nor `postgres:`/`postgresql:`.
    #[error("unsupported database URL scheme {scheme:?} (expected sqlite: or postgres:)")]
    UnsupportedUrl {
        /// The scheme found (the part before the first `:`), never the whole URL.
        scheme: String,
    },
    /// Connecting, or configuring the connection, failed.
    #[error("could not connect to {target}: {source}")]
    Connect {
        /// The URL with any password replaced by `***`.
        target: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Applying the embedded migrations failed.
    #[error("could not apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The thing asked for does not exist.
    #[error("{what} {key:?} not found")]
    NotFound {
        /// What kind of thing (`"licence"`, `"department"`).
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// A unique key is already taken (a second licence with the same identifier, a second
    /// department with the same USCC).
    #[error("{what} {key:?} already exists")]
    Conflict {
        /// What kind of thing.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The status change is not allowed by [`LicenceStatus::can_transition_to`].
    #[error("licence {identifier}: cannot go from {from} to {to}")]
    InvalidTransition {
        /// The licence.
        identifier: String,
        /// Its current status.
        from: LicenceStatus,
        /// The status asked for.
        to: LicenceStatus,
    },
    /// The seal status change is not allowed by `SealStatus::can_transition_to`.
    #[error("seal {esid}: cannot go from {from} to {to}")]
    InvalidSealTransition {
        /// The seal.
        esid: String,
        /// Its current status.
        from: zhengku_model::SealStatus,
        /// The status asked for.
        to: zhengku_model::SealStatus,
    },
    /// An argument is out of bounds (an empty or over-long use cause, …).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A sequence has no values left for the identifier scheme (more than 9 999 999 in a year).
    #[error("sequence for {issuer_uscc}/{type_code}/{year} is exhausted")]
    SequenceExhausted {
        /// Issuing department.
        issuer_uscc: String,
        /// Licence type.
        type_code: String,
        /// Year.
        year: u16,
    },
    /// The operating system's random generator failed (a status list's seed).
    #[error("the system random generator failed: {0}")]
    Random(String),
    /// A stored row does not read back (a column holds something this code never writes).
    #[error("corrupt {what} in the database: {detail}")]
    Corrupt {
        /// Table or column.
        what: &'static str,
        /// What was found.
        detail: String,
    },
    /// Stored licence bytes do not decode.
    #[error("stored licence {identifier} does not decode: {source}")]
    CorruptLicence {
        /// The licence.
        identifier: String,
        /// Why.
        #[source]
        source: SignedError,
    },
    /// The audit log's hash chain is broken.
    #[error("audit log: {0}")]
    Chain(#[from] ChainError),
    /// Any other database error, with the operation that failed.
    #[error("database error during {op}: {source}")]
    Database {
        /// The operation (`"insert licence"`, `"begin transaction"`, …).
        op: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
}

impl StoreError {
    /// Wraps a driver error with the operation that failed.
    pub(crate) fn db(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Database { op, source }
    }

    /// Like [`StoreError::db`], but a unique-key violation becomes [`StoreError::Conflict`].
    pub(crate) fn db_or_conflict(
        op: &'static str,
        what: &'static str,
        key: &str,
    ) -> impl FnOnce(sqlx::Error) -> StoreError {
        let key = key.to_owned();
        move |source| match &source {
            sqlx::Error::Database(e) if e.is_unique_violation() => {
                StoreError::Conflict { what, key }
            }
            _ => StoreError::Database { op, source },
        }
    }
}

/// `url` with the password (if any) replaced by `***`, for error messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The authority ends at the first '/', '?' or '#'; userinfo is what precedes its last '@'.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            let pw = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{pw}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://zk:s3cret@db.example:5432/zk?sslmode=require"),
            "postgres://zk:***@db.example:5432/zk?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact_url("sqlite:///tmp/a.db?mode=rwc"),
            "sqlite:///tmp/a.db?mode=rwc"
        );
    }
}
