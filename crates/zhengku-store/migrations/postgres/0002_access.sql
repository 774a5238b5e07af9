-- API keys and idempotency records (PostgreSQL). Kept in step with ../sqlite/0002_access.sql.

-- API keys (访问密钥): the secret is never stored, only SHA-256 of it. A key belongs to one
-- department (NULL for administrators) and carries space-separated scopes.
CREATE TABLE api_keys (
    id              TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    department_uscc TEXT    REFERENCES departments (uscc),
    scopes          TEXT    NOT NULL,
    secret_hash     BYTEA   NOT NULL,
    created_at      BIGINT  NOT NULL,
    revoked_at      BIGINT
);

-- Idempotency-Key records for issuing: a retry with the same key and the same request gets
-- the licences issued the first time. Written in the issuing transaction.
CREATE TABLE idempotency_keys (
    owner        TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    request_hash BYTEA   NOT NULL,
    identifiers  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (owner, idem_key)
);
