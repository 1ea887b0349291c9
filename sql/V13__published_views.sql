-- Read-only views a table family publishes for other modules to read. The family's owner still
-- writes its tables; the nightly settlement's set-based match and report read these instead of
-- naming the ledger's and the wallet's tables, so a change to those tables keeps the views'
-- columns and nobody else changes. MERGE keeps each view a rewrite of the query that uses it
-- (indexes and plans as on the table); INVOKER checks the reader's own grants.

-- The ledger: each booked token credit, one row per out_trade_no.
CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW ledger_booking AS
    SELECT journal_id, out_trade_no, business_date, act_id, activity_id, stage, award_type,
           currency, amount_minor, source
      FROM ledger_journal
     WHERE journal_type = 'TOKEN_CREDIT';

-- The ledger: each token credit it refused, one row per out_trade_no.
CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW ledger_refused_credit AS
    SELECT out_trade_no, reason, act_id, activity_id, stage, award_type, currency, amount_minor,
           source
      FROM ledger_refusal;

-- The wallet: each withdrawal's payout, with the business date of the journal that debited it
-- (NULL while it has none).
CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW wallet_payout AS
    SELECT w.payout_out_trade_no, w.act_id, w.currency, w.amount_minor, w.status,
           j.business_date AS debit_business_date
      FROM wallet_withdrawal w
      LEFT JOIN ledger_journal j ON j.out_trade_no = w.debit_out_trade_no;
