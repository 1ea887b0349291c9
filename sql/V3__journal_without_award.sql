-- Wallet journals (withdrawals and their reversals) belong to no activity, stage or award type:
-- those columns are set for award journals only.
ALTER TABLE ledger_journal
    MODIFY activity_id VARCHAR(64) NULL,
    MODIFY stage VARCHAR(16) NULL,
    MODIFY award_type VARCHAR(64) NULL;
