-- Seals in status lists (docs/status-lists.md): where each seal's status is published, as
-- the seal itself names it (an extension of SES_SealInfo the seal maker signs). NULL for
-- seals made before seal status lists. Kept in step with ../postgres/0007_seal_status_lists.sql.
ALTER TABLE seals ADD COLUMN status_list INTEGER REFERENCES status_lists (id);
ALTER TABLE seals ADD COLUMN status_idx INTEGER;
CREATE UNIQUE INDEX seals_status_entry ON seals (status_list, status_idx);
