-- A channel's bill, beside Redrain's own statement: fees on a line or as lines of their own,
-- payouts in batches (a batch's line ties to its items), and the bank's refunds of payouts.

-- fee_minor: the channel's fee on the line (0 when it charges none; a FEE line's money is its
-- amount). batch_ref: the payout batch a PAYOUT item belongs to. For a PAYOUT_BATCH line, and
-- a FEE charged for a batch, out_trade_no holds the batch's number.
ALTER TABLE payment_record
    ADD COLUMN fee_minor BIGINT NOT NULL DEFAULT 0 AFTER amount_minor,
    ADD COLUMN batch_ref VARCHAR(64) NULL AFTER fee_minor,
    ADD KEY ix_payment_batch (batch_ref);
ALTER TABLE payment_record DROP CONSTRAINT ck_payment_kind;
ALTER TABLE payment_record ADD CONSTRAINT ck_payment_kind CHECK (payment_kind IN (
    'FUNDING', 'PAYOUT', 'PAYOUT_BATCH', 'FEE', 'REFUND'));
ALTER TABLE payment_record ADD CONSTRAINT ck_payment_fee CHECK (fee_minor >= 0);

-- FEE_MISMATCH: the channel charged a fee the contract does not give. PAYOUT_RETURNED: the
-- bank returned a payout the wallet counts as paid.
ALTER TABLE recon_break DROP CONSTRAINT ck_recon_break_category;
ALTER TABLE recon_break ADD CONSTRAINT ck_recon_break_category CHECK (category IN (
    'ISSUED_NOT_CREDITED', 'CREDITED_NOT_ISSUED', 'CREDITED_NOT_PAID', 'PAID_NOT_CREDITED',
    'AMOUNT_MISMATCH', 'DUPLICATE', 'STATUS_MISMATCH', 'OVER_BUDGET', 'FEE_MISMATCH',
    'PAYOUT_RETURNED'));
