-- Electronic seals (SQLite). Kept in step with ../postgres/0003_seals.sql.

-- A seal (电子印章) as made: its DER (.esl) as signed by the seal maker, with copies of the
-- fields the library searches and checks. Status lives beside the signed seal, as for
-- licences. Times are Unix seconds.
CREATE TABLE seals (
    esid            TEXT    PRIMARY KEY,
    department_uscc TEXT    NOT NULL REFERENCES departments (uscc),
    name            TEXT    NOT NULL,
    seal_type       INTEGER NOT NULL,
    key_label       TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    valid_start     INTEGER NOT NULL,
    valid_end       INTEGER NOT NULL,
    esl             BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX seals_department ON seals (department_uscc);

CREATE TABLE seal_events (
    id          INTEGER PRIMARY KEY,
    esid        TEXT    NOT NULL REFERENCES seals (esid),
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    at          INTEGER NOT NULL
);

CREATE INDEX seal_events_esid ON seal_events (esid, id);

-- Which API keys may stamp with which seal (用印授权).
CREATE TABLE seal_authorisations (
    esid       TEXT    NOT NULL REFERENCES seals (esid),
    api_key_id TEXT    NOT NULL REFERENCES api_keys (id),
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (esid, api_key_id)
);
