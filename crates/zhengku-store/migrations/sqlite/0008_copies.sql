-- Annotated copies (加注件) and their single-use download links (docs/copies.md). A copy is
-- kept as made, so every download of it is the same file; a link is kept by the SHA-256 of
-- its token, never the token. Kept in step with ../postgres/0008_copies.sql.
CREATE TABLE licence_copies (
    id            TEXT    PRIMARY KEY,
    identifier    TEXT    NOT NULL REFERENCES licences (identifier),
    department    TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    use_cause     TEXT    NOT NULL,
    matter        TEXT    NOT NULL,
    made_at       INTEGER NOT NULL,
    valid_until   TEXT    NOT NULL,
    format        TEXT    NOT NULL CHECK (format IN ('ofd', 'pdf')),
    file          BLOB    NOT NULL
);

CREATE INDEX licence_copies_identifier ON licence_copies (identifier);

CREATE TABLE copy_links (
    token_sha256  BLOB    PRIMARY KEY,
    copy_id       TEXT    NOT NULL REFERENCES licence_copies (id),
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);
