-- A break the repair will not act on because the grant is not proven to be the issuance
-- service's (its proof is missing or does not verify, or no event or outbox row shows it):
-- status UNPROVEN, left for finance, with the evidence the repair found.
ALTER TABLE recon_break ADD COLUMN evidence VARCHAR(512) NULL;
ALTER TABLE recon_break DROP CONSTRAINT ck_recon_break_status;
ALTER TABLE recon_break ADD CONSTRAINT ck_recon_break_status
    CHECK (status IN ('OPEN', 'REPAIRED', 'CLEARED', 'UNPROVEN'));
