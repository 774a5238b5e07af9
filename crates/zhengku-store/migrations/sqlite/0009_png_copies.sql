-- Annotated copies may also be PNG pictures (docs/copies.md). SQLite cannot change a CHECK
-- constraint in place, so both copy tables are rebuilt: the links first point at the new
-- copies table, the old tables go (links before copies, so no foreign key is left
-- dangling), and renaming the new copies table carries the links' reference with it.
-- Kept in step with ../postgres/0009_png_copies.sql.
CREATE TABLE licence_copies_new (
    id            TEXT    PRIMARY KEY,
    identifier    TEXT    NOT NULL REFERENCES licences (identifier),
    department    TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    use_cause     TEXT    NOT NULL,
    matter        TEXT    NOT NULL,
    made_at       INTEGER NOT NULL,
    valid_until   TEXT    NOT NULL,
    format        TEXT    NOT NULL CHECK (format IN ('ofd', 'pdf', 'png')),
    file          BLOB    NOT NULL
);
INSERT INTO licence_copies_new SELECT * FROM licence_copies;

CREATE TABLE copy_links_new (
    token_sha256  BLOB    PRIMARY KEY,
    copy_id       TEXT    NOT NULL REFERENCES licence_copies_new (id),
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);
INSERT INTO copy_links_new SELECT * FROM copy_links;

DROP TABLE copy_links;
DROP TABLE licence_copies;
ALTER TABLE licence_copies_new RENAME TO licence_copies;
ALTER TABLE copy_links_new RENAME TO copy_links;
CREATE INDEX licence_copies_identifier ON licence_copies (identifier);
