-- Annotated copies may also be PNG pictures (docs/copies.md). Kept in step with
-- ../sqlite/0009_png_copies.sql.
ALTER TABLE licence_copies DROP CONSTRAINT licence_copies_format_check;
ALTER TABLE licence_copies
    ADD CONSTRAINT licence_copies_format_check CHECK (format IN ('ofd', 'pdf', 'png'));
