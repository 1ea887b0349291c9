-- Finance's break workflow (the issuance service's admin API under /admin/finance): what a
-- reviewer decided about each break, the corrective journals they proposed and approved, and
-- the nights they signed. recon_break stays the settlement's table; these are the workflow's.
-- Each side reads the other only through the views at the end of this file.

-- One row per break someone worked on; a break without a row is NEW.
CREATE TABLE break_case (
    break_id            BIGINT       NOT NULL,
    state               VARCHAR(16)  NOT NULL,
    assignee            VARCHAR(64)  NULL,
    acknowledged_by     VARCHAR(64)  NULL,
    acknowledged_at     DATETIME(3)  NULL,
    resolution          VARCHAR(24)  NULL,
    -- What the resolution covered: a break whose amount changes later is open again.
    resolved_amount_minor BIGINT     NULL,
    resolved_by         VARCHAR(64)  NULL,
    resolved_at         DATETIME(3)  NULL,
    updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (break_id),
    KEY ix_break_case_state (state, break_id),
    CONSTRAINT fk_break_case_break FOREIGN KEY (break_id) REFERENCES recon_break (break_id),
    CONSTRAINT ck_break_case_state CHECK (state IN ('ACKNOWLEDGED', 'RESOLVED')),
    CONSTRAINT ck_break_case_resolution CHECK (resolution IS NULL OR resolution IN ('TIMING',
        'CHANNEL_ERROR', 'WRITTEN_OFF', 'CORRECTED_BY_JOURNAL')),
    CONSTRAINT ck_break_case_resolved CHECK ((state = 'RESOLVED') = (resolution IS NOT NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A break's timeline: every action on it, with its note, in order.
CREATE TABLE break_note (
    note_id             BIGINT       NOT NULL AUTO_INCREMENT,
    break_id            BIGINT       NOT NULL,
    actor               VARCHAR(64)  NOT NULL,
    action              VARCHAR(32)  NOT NULL,
    note                VARCHAR(1024) NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (note_id),
    KEY ix_break_note_break (break_id, note_id),
    CONSTRAINT fk_break_note_break FOREIGN KEY (break_id) REFERENCES recon_break (break_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A corrective journal: proposed by one finance reviewer, approved by another (never the
-- same), then booked once through the ledger write path under the token's own outTradeNo.
CREATE TABLE corrective_journal (
    journal_request_id  BIGINT       NOT NULL AUTO_INCREMENT,
    break_id            BIGINT       NOT NULL,
    kind                VARCHAR(24)  NOT NULL,
    out_trade_no        VARCHAR(64)  NOT NULL,
    act_id              VARCHAR(64)  NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    amount_minor        BIGINT       NOT NULL,
    status              VARCHAR(16)  NOT NULL,
    -- 1 while PROPOSED, APPROVED or POSTED, NULL once REJECTED: the unique key below then
    -- allows one live journal per break, and a new proposal after a rejection.
    live                TINYINT      NULL,
    proposed_by         VARCHAR(64)  NOT NULL,
    proposed_at         DATETIME(3)  NOT NULL,
    reason              VARCHAR(512) NOT NULL,
    decided_by          VARCHAR(64)  NULL,
    decided_at          DATETIME(3)  NULL,
    ledger_journal_id   BIGINT       NULL,
    outcome             VARCHAR(255) NULL,
    PRIMARY KEY (journal_request_id),
    UNIQUE KEY uk_corrective_journal_live (break_id, live),
    CONSTRAINT fk_corrective_journal_break FOREIGN KEY (break_id)
        REFERENCES recon_break (break_id),
    CONSTRAINT ck_corrective_journal_status CHECK (status IN ('PROPOSED', 'APPROVED', 'POSTED',
        'REJECTED')),
    CONSTRAINT ck_corrective_journal_kind CHECK (kind IN ('BOOK_TOKEN')),
    CONSTRAINT ck_corrective_journal_amount CHECK (amount_minor > 0),
    -- Four eyes: whoever approves is not who proposed (a proposer may only withdraw).
    CONSTRAINT ck_corrective_journal_four_eyes CHECK (status = 'REJECTED'
        OR decided_by IS NULL OR decided_by <> proposed_by)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A night signed by finance: which run, and the SHA-256 of the report they read. Never updated.
CREATE TABLE night_signoff (
    business_date       DATE         NOT NULL,
    run_id              BIGINT       NOT NULL,
    report_sha256       CHAR(64)     NOT NULL,
    signed_by           VARCHAR(64)  NOT NULL,
    signed_at           DATETIME(3)  NOT NULL,
    note                VARCHAR(512) NOT NULL,
    PRIMARY KEY (business_date),
    CONSTRAINT fk_night_signoff_run FOREIGN KEY (run_id) REFERENCES settlement_run (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The ledger learns who booked a corrective journal.
ALTER TABLE ledger_journal DROP CONSTRAINT ck_ledger_journal_source;
ALTER TABLE ledger_journal ADD CONSTRAINT ck_ledger_journal_source CHECK (source IN ('STREAM',
    'FORCE', 'REPAIR', 'SERVICE', 'JOURNAL'));

-- A break finance resolved stays RESOLVED while it is seen with the amount they resolved.
ALTER TABLE recon_break DROP CONSTRAINT ck_recon_break_status;
ALTER TABLE recon_break ADD CONSTRAINT ck_recon_break_status CHECK (status IN (
    'OPEN', 'REPAIRED', 'CLEARED', 'UNPROVEN', 'EXPECTED', 'RESOLVED'));

-- Views each side publishes for the other (see V13): the workflow reads the settlement's breaks
-- and its runs' reports; the settlement reads the workflow's resolutions and sign-offs.
CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW settlement_break AS
    SELECT break_id, out_trade_no, act_id, category, legs, activity_id, stage, award_type,
           currency, redis_amount_minor, ledger_amount_minor, payment_amount_minor,
           amount_minor, first_seen_date, last_seen_date, status, owner, evidence
      FROM recon_break;

CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW settlement_night_report AS
    SELECT r.run_id, r.business_date, r.status, r.forced, r.started_at, r.finished_at,
           f.sha256_hex AS report_sha256
      FROM settlement_run r
      LEFT JOIN settlement_report_file f ON f.run_id = r.run_id AND f.file_name = 'report.html';

CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW finance_case AS
    SELECT break_id, state
      FROM break_case;

CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW finance_resolution AS
    SELECT break_id, resolution, resolved_amount_minor
      FROM break_case
     WHERE state = 'RESOLVED';

CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW finance_signoff AS
    SELECT business_date, run_id, report_sha256
      FROM night_signoff;
