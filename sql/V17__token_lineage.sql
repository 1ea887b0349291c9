-- The reconciliation publishes the channel's statement lines as imported, for the token
-- lineage (issuance-service, lineage): a token's funding line and a payout's lines, with the
-- file and line they came from. Read-only, like every published view (see V13).
CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW settlement_statement_line AS
    SELECT payment_id, payment_kind, out_trade_no, channel_ref, amount_minor, fee_minor,
           batch_ref, currency, channel_status, paid_at, business_date, source_file,
           source_line, imported_at
      FROM payment_record;

-- The reconciliation's repairs (each made by a settlement run under its safe-repair rules), for
-- the lineage's "any repair, and who made it".
CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW settlement_repair AS
    SELECT repair_id, business_date, break_id, out_trade_no, category, action, outcome,
           amount_minor, currency, created_at
      FROM recon_repair;

-- A corrective journal is looked up by the token it books.
ALTER TABLE corrective_journal ADD KEY ix_corrective_journal_out_trade_no (out_trade_no);
