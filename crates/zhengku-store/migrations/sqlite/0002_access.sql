-- API keys and idempotency records (SQLite). Kept in step with ../postgres/0002_access.sql.

-- API keys (访问密钥): the secret is never stored, only SHA-256 of it. A key belongs to one
-- department (NULL for administrators) and carries space-separated scopes.
CREATE TABLE api_keys (
    id              TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    department_uscc TEXT    REFERENCES departments (uscc),
    scopes          TEXT    NOT NULL,
    secret_hash     BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);

-- Idempotency-Key records for issuing: a retry with the same key and the same request gets
-- the licences issued the first time. Written in the issuing transaction.
CREATE TABLE idempotency_keys (
    owner        TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    request_hash BLOB    NOT NULL,
    identifiers  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (owner, idem_key)
);
