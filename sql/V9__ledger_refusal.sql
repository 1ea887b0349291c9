-- Credits the ledger refused because they would draw their activity stage's budget beyond its
-- templates' budgets (LedgerWriter's budget guard), written in the refusing transaction. The
-- ledger owns it; the nightly settlement reads it to name such tokens OVER_BUDGET.
CREATE TABLE ledger_refusal (
    out_trade_no        VARCHAR(64)  NOT NULL,
    reason              VARCHAR(32)  NOT NULL,
    act_id              VARCHAR(64)  NOT NULL,
    activity_id         VARCHAR(64)  NOT NULL,
    stage               VARCHAR(16)  NOT NULL,
    award_type          VARCHAR(64)  NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    amount_minor        BIGINT       NOT NULL,
    source              VARCHAR(16)  NOT NULL,
    refusals            INT          NOT NULL DEFAULT 1,
    first_refused_at    DATETIME(3)  NOT NULL,
    last_refused_at     DATETIME(3)  NOT NULL,
    PRIMARY KEY (out_trade_no),
    CONSTRAINT ck_ledger_refusal_reason CHECK (reason IN ('OVER_BUDGET'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE recon_break DROP CONSTRAINT ck_recon_break_category;
ALTER TABLE recon_break ADD CONSTRAINT ck_recon_break_category CHECK (category IN (
    'ISSUED_NOT_CREDITED', 'CREDITED_NOT_ISSUED', 'CREDITED_NOT_PAID', 'PAID_NOT_CREDITED',
    'AMOUNT_MISMATCH', 'DUPLICATE', 'STATUS_MISMATCH', 'OVER_BUDGET'));
