-- Initial schema (SQLite). Kept in step with ../postgres/0001_initial.sql: same tables,
-- columns, constraints and indexes; only the type names differ.
-- Times are integer Unix seconds; dates are 'YYYY-MM-DD' text (sorts as dates).

CREATE TABLE departments (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    uscc            TEXT    NOT NULL UNIQUE,
    region_code     TEXT    NOT NULL,
    key_label       TEXT    NOT NULL,
    certificate_der BLOB,
    created_at      INTEGER NOT NULL
);

CREATE TABLE licences (
    identifier       TEXT    PRIMARY KEY,
    type_code        TEXT    NOT NULL,
    issuer_uscc      TEXT    NOT NULL REFERENCES departments (uscc),
    holder_code      TEXT    NOT NULL,
    holder_code_type TEXT    NOT NULL CHECK (holder_code_type IN ('001', '111')),
    status           TEXT    NOT NULL CHECK (status IN ('valid', 'suspended', 'revoked', 'cancelled', 'expired', 'withdrawn')),
    signed           BLOB    NOT NULL,
    valid_from       TEXT    NOT NULL,
    valid_until      TEXT,
    issued_at        INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE INDEX licences_holder ON licences (holder_code, type_code);
CREATE INDEX licences_issuer ON licences (issuer_uscc, type_code);

CREATE TABLE licence_events (
    id          INTEGER PRIMARY KEY,
    identifier  TEXT    NOT NULL REFERENCES licences (identifier),
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    at          INTEGER NOT NULL
);

CREATE INDEX licence_events_identifier ON licence_events (identifier, id);

CREATE TABLE identifier_sequences (
    issuer_uscc TEXT    NOT NULL,
    type_code   TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    next_value  INTEGER NOT NULL,
    PRIMARY KEY (issuer_uscc, type_code, year)
);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    use_cause  TEXT,
    request_id TEXT    NOT NULL,
    prev_hash  BLOB    NOT NULL,
    hash       BLOB    NOT NULL UNIQUE
);

-- The chain's head, one row. Every audited transaction updates it first: that row lock
-- serialises appends (and, on SQLite, takes the write lock before any read), and the head
-- lets verification notice entries cut from the end of the log.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB    NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));
