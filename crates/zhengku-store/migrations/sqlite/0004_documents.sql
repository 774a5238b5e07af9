-- Licence documents (sqlite). Kept in step with ../postgres/0004_documents.sql.

-- The QR payload (ZK1:, signed by the issuing department's key) of each licence, made once
-- at its first document and kept: ECDSA and SM2 signatures are randomised, and the QR code
-- printed on a PDF, shown as an image and read back by a verifier must be the same text.
-- A payload holds no secret (it is printed on the licence). Times are Unix seconds.
CREATE TABLE licence_qr_payloads (
    identifier TEXT    PRIMARY KEY REFERENCES licences (identifier),
    payload    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
