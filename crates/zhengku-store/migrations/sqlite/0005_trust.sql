-- What verification needs from the library (SQLite). Kept in step with
-- ../postgres/0005_trust.sql.

-- Stamps (用印) the library made, by the SHA-256 of the SES_Signature it produced, with the
-- library's own clock: the only attestation of when a stamp was made (the 签章时间 inside a
-- signature is its signer's claim). Times are Unix seconds.
CREATE TABLE seal_stamps (
    signature_sha256 TEXT    PRIMARY KEY,
    esid             TEXT    NOT NULL REFERENCES seals (esid),
    at               INTEGER NOT NULL,
    what             TEXT    NOT NULL
);

CREATE INDEX seal_stamps_esid ON seal_stamps (esid);

-- When a seal was revoked because its key was compromised: every stamp made with it is
-- then invalid, whenever it was made. NULL for every other seal.
ALTER TABLE seals ADD COLUMN key_compromised_at INTEGER;
