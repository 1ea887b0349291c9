-- A corrective journal may return a payout the bank sent back to the user's wallet
-- (issuance-service, finance: JournalKinds.RETURN_PAYOUT).
ALTER TABLE corrective_journal DROP CONSTRAINT ck_corrective_journal_kind;
ALTER TABLE corrective_journal ADD CONSTRAINT ck_corrective_journal_kind
    CHECK (kind IN ('BOOK_TOKEN', 'RETURN_PAYOUT'));
