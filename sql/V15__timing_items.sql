-- Timing items: a break whose counterpart may still arrive (a funding line on the next day's
-- bill) is EXPECTED, not a break, until expected_until, the cut-off of the night it was first
-- seen plus its category's grace. A night whose cut-off reaches expected_until makes it OPEN.
ALTER TABLE recon_break
    ADD COLUMN expected_until DATETIME(3) NULL AFTER cleared_date;
ALTER TABLE recon_break DROP CONSTRAINT ck_recon_break_status;
ALTER TABLE recon_break ADD CONSTRAINT ck_recon_break_status CHECK (status IN (
    'OPEN', 'REPAIRED', 'CLEARED', 'UNPROVEN', 'EXPECTED'));
