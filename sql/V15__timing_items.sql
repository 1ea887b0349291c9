-- Timing items: a break whose counterpart may still arrive (a funding line on the next day's
-- bill) is EXPECTED, not a break, until expected_until, the cut-off of the night it was first
-- seen plus its category's grace. A night whose cut-off reaches expected_until makes it OPEN.
-- last_seen_run: which settlement of last_seen_date saw it (0, then one more per forced
-- rerun), so a rerun's report tells what it saw from what an earlier run of the date left.
ALTER TABLE recon_break
    ADD COLUMN expected_until DATETIME(3) NULL AFTER cleared_date,
    ADD COLUMN last_seen_run INT NULL AFTER last_seen_date;
ALTER TABLE recon_break DROP CONSTRAINT ck_recon_break_status;
ALTER TABLE recon_break ADD CONSTRAINT ck_recon_break_status CHECK (status IN (
    'OPEN', 'REPAIRED', 'CLEARED', 'UNPROVEN', 'EXPECTED'));
