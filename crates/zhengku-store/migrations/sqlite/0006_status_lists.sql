-- Status lists (状态列表): the lists a licence's (and later a seal's) status is published in,
-- as IETF Token Status Lists (docs/status-lists.md). Kept in step with
-- ../postgres/0006_status_lists.sql.

-- One row per list; its number is the id (the n of /sl/{n}). A list has 2^bits entries;
-- the n-th entry handed out gets index permute(seed, n) (a keyed permutation, so indices
-- are never reused and never reveal the order of issue). allocated counts the entries
-- handed out (reserved by a replica, used or not); last_take is what the latest
-- reservation took, so that one UPDATE ... RETURNING tells where that reservation starts.
-- The seed is secret: it is never published.
CREATE TABLE status_lists (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('licence', 'seal')),
    bits       INTEGER NOT NULL CHECK (bits BETWEEN 2 AND 32),
    seed       BLOB   NOT NULL,
    allocated  INTEGER NOT NULL,
    last_take  INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX status_lists_kind ON status_lists (kind, id);

-- Where each licence's status is published. NULL for licences issued before status lists
-- (verifiers check those against the library or a verifier bundle's records).
ALTER TABLE licences ADD COLUMN status_list INTEGER REFERENCES status_lists (id);
ALTER TABLE licences ADD COLUMN status_idx INTEGER;
CREATE UNIQUE INDEX licences_status_entry ON licences (status_list, status_idx);

-- Signed tokens kept for history (GET /sl/{n}?time=T, for auditors): a token is kept when
-- its list changed since the last one kept, or when that one is a day old, so for every
-- time the service ran there is a kept token whose iat <= T < exp (exp is 72 hours).
CREATE TABLE status_list_tokens (
    list  INTEGER NOT NULL REFERENCES status_lists (id),
    iat   INTEGER NOT NULL,
    exp   INTEGER NOT NULL,
    bits_sha256 BLOB NOT NULL,
    token BLOB NOT NULL,
    PRIMARY KEY (list, iat)
);
