-- Redrain core schema. Runs on MySQL 8 and MariaDB 10.11 (the common subset: no JSON type, no
-- MySQL-only syntax). Money is BIGINT minor units with its asset code beside it. Times are
-- DATETIME(3) in UTC (connections set the session time zone to UTC). Ids are case-sensitive.

-- ---------------------------------------------------------------------------------------------
-- Unified accounts: one actId per person across the apps.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE unified_account (
    act_id              VARCHAR(64)  NOT NULL,
    -- The account-center id shared by the apps; the same person in several apps maps to one row.
    account_center_id   VARCHAR(64)  NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (act_id),
    UNIQUE KEY uk_unified_account_center (account_center_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE account_binding (
    app_id              VARCHAR(64)  NOT NULL,
    user_id             VARCHAR(64)  NOT NULL,
    act_id              VARCHAR(64)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (app_id, user_id),
    KEY ix_account_binding_act (act_id),
    CONSTRAINT fk_account_binding_act FOREIGN KEY (act_id) REFERENCES unified_account (act_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- ---------------------------------------------------------------------------------------------
-- Reward types are data: an asset is a row, an award type is a row.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE asset (
    asset_code          VARCHAR(16)  NOT NULL,
    asset_kind          VARCHAR(16)  NOT NULL,
    description         VARCHAR(255) NOT NULL,
    -- Only withdrawable assets (cash) can leave a wallet through a payout.
    withdrawable        BOOLEAN      NOT NULL DEFAULT FALSE,
    -- Minor units in one major unit (100 fen in a yuan; 1 for points, coupons, cards).
    minor_per_major     BIGINT       NOT NULL DEFAULT 1,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (asset_code),
    CONSTRAINT ck_asset_kind CHECK (asset_kind IN ('CASH', 'COUPON', 'POINTS', 'CARD', 'OTHER')),
    CONSTRAINT ck_asset_minor CHECK (minor_per_major > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE award_type (
    award_type          VARCHAR(64)  NOT NULL,
    asset_code          VARCHAR(16)  NOT NULL,
    description         VARCHAR(255) NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (award_type),
    CONSTRAINT fk_award_type_asset FOREIGN KEY (asset_code) REFERENCES asset (asset_code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO asset (asset_code, asset_kind, description, withdrawable, minor_per_major) VALUES
    ('CNY', 'CASH', 'Renminbi cash, in fen', TRUE, 100),
    ('CPN', 'COUPON', 'Shopping coupon, one per unit', FALSE, 1),
    ('PTS', 'POINTS', 'Loyalty points', FALSE, 1),
    ('CARD', 'CARD', 'Collectible card, one per unit', FALSE, 1);

INSERT INTO award_type (award_type, asset_code, description) VALUES
    ('CASH', 'CNY', 'Cash red packet'),
    ('COUPON', 'CPN', 'Coupon red packet'),
    ('POINTS', 'PTS', 'Points red packet'),
    ('CARD', 'CARD', 'Collectible card');

-- ---------------------------------------------------------------------------------------------
-- Activities: a parent with one child per stage; each child owns its templates and budgets.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE activity (
    activity_id         VARCHAR(64)  NOT NULL,
    parent_activity_id  VARCHAR(64)  NULL,
    name                VARCHAR(255) NOT NULL,
    -- A child's stage; NULL on a parent.
    stage               VARCHAR(16)  NULL,
    -- A parent's live stage: the child that grabs go to. NULL on a child.
    live_stage          VARCHAR(16)  NULL,
    -- GRAY admits this share of actIds (stable hash) plus the allow-list.
    gray_percent        SMALLINT     NOT NULL DEFAULT 0,
    starts_at           DATETIME(3)  NOT NULL,
    ends_at             DATETIME(3)  NOT NULL,
    status              VARCHAR(16)  NOT NULL DEFAULT 'DRAFT',
    version             BIGINT       NOT NULL DEFAULT 0,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (activity_id),
    UNIQUE KEY uk_activity_parent_stage (parent_activity_id, stage),
    CONSTRAINT fk_activity_parent FOREIGN KEY (parent_activity_id)
        REFERENCES activity (activity_id),
    CONSTRAINT ck_activity_stage CHECK (stage IS NULL OR stage IN ('INTERNAL_TEST', 'GRAY', 'FORMAL')),
    CONSTRAINT ck_activity_live_stage
        CHECK (live_stage IS NULL OR live_stage IN ('INTERNAL_TEST', 'GRAY', 'FORMAL')),
    CONSTRAINT ck_activity_status CHECK (status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'ENDED')),
    CONSTRAINT ck_activity_gray CHECK (gray_percent BETWEEN 0 AND 100),
    CONSTRAINT ck_activity_window CHECK (ends_at > starts_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE activity_allow_list (
    activity_id         VARCHAR(64)  NOT NULL,
    act_id              VARCHAR(64)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (activity_id, act_id),
    CONSTRAINT fk_allow_list_activity FOREIGN KEY (activity_id) REFERENCES activity (activity_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE reward_template (
    template_id         VARCHAR(64)  NOT NULL,
    activity_id         VARCHAR(64)  NOT NULL,
    award_type          VARCHAR(64)  NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    -- FIXED: fixed_amount_minor; UNIFORM: uniform in [min, max]; POOL: a rain's budget split
    -- ahead of time into pool_packet_count packets.
    amount_rule         VARCHAR(16)  NOT NULL,
    fixed_amount_minor  BIGINT       NULL,
    min_amount_minor    BIGINT       NULL,
    max_amount_minor    BIGINT       NULL,
    pool_packet_count   INT          NULL,
    budget_minor        BIGINT       NOT NULL,
    -- Redis shards the budget is spread over, so one template is not one hot key.
    budget_shards       INT          NOT NULL DEFAULT 8,
    -- Percentages of the budget whose crossing is recorded and alerted, ascending.
    alert_thresholds_pct VARCHAR(64) NOT NULL DEFAULT '50,80,95,100',
    -- Tried when this template is exhausted (cash -> coupon -> nothing).
    fallback_template_id VARCHAR(64) NULL,
    -- Budget monitor rule parameters.
    burn_margin_minutes INT          NOT NULL DEFAULT 10,
    unused_pct_max      INT          NOT NULL DEFAULT 20,
    spike_factor_pct    INT          NOT NULL DEFAULT 300,
    outcome_share_max_pct INT        NOT NULL DEFAULT 30,
    drift_tolerance_minor BIGINT     NOT NULL DEFAULT 0,
    drift_grace_seconds INT          NOT NULL DEFAULT 120,
    status              VARCHAR(16)  NOT NULL DEFAULT 'ACTIVE',
    version             BIGINT       NOT NULL DEFAULT 0,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (template_id),
    KEY ix_reward_template_activity (activity_id),
    CONSTRAINT fk_template_activity FOREIGN KEY (activity_id) REFERENCES activity (activity_id),
    CONSTRAINT fk_template_award_type FOREIGN KEY (award_type) REFERENCES award_type (award_type),
    CONSTRAINT fk_template_currency FOREIGN KEY (currency) REFERENCES asset (asset_code),
    CONSTRAINT fk_template_fallback FOREIGN KEY (fallback_template_id)
        REFERENCES reward_template (template_id),
    CONSTRAINT ck_template_rule CHECK (
        -- COALESCE because a CHECK that evaluates to NULL passes.
        (amount_rule = 'FIXED' AND COALESCE(fixed_amount_minor, 0) > 0)
        OR (amount_rule = 'UNIFORM' AND COALESCE(min_amount_minor, 0) > 0
            AND COALESCE(max_amount_minor, 0) >= min_amount_minor)
        OR (amount_rule = 'POOL' AND COALESCE(pool_packet_count, 0) > 0
            AND budget_minor >= pool_packet_count)),
    CONSTRAINT ck_template_budget CHECK (budget_minor >= 0),
    CONSTRAINT ck_template_shards CHECK (budget_shards BETWEEN 1 AND 1024),
    CONSTRAINT ck_template_status CHECK (status IN ('ACTIVE', 'CLOSED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- ---------------------------------------------------------------------------------------------
-- The double-entry ledger. Entries are signed: credit positive, debit negative; the entries of
-- one journal sum to zero, and an account's balance is the sum of its entries. A budget account
-- therefore goes negative by what it has paid out; a wallet is positive by what it holds.
-- No foreign key from ledger_entry to ledger_account on purpose: the shared lock an FK check
-- takes on the account row, followed by the balance update's exclusive lock, deadlocks two
-- concurrent credits of the same account.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE ledger_account (
    account_id          BIGINT       NOT NULL AUTO_INCREMENT,
    -- BUDGET:<activityId>:<stage>:<currency> | WALLET:<actId>:<currency> | ...
    account_code        VARCHAR(160) NOT NULL,
    account_type        VARCHAR(16)  NOT NULL,
    -- The actId of a wallet, the activityId of a budget.
    owner_ref           VARCHAR(64)  NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    balance_minor       BIGINT       NOT NULL DEFAULT 0,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (account_id),
    UNIQUE KEY uk_ledger_account_code (account_code),
    KEY ix_ledger_account_owner (owner_ref, currency),
    CONSTRAINT ck_ledger_account_type
        CHECK (account_type IN ('BUDGET', 'WALLET', 'PAYOUT_CLEARING', 'FUNDING'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE ledger_journal (
    journal_id          BIGINT       NOT NULL AUTO_INCREMENT,
    -- The award's (or withdrawal's) unique id: a replay hits this key and books nothing.
    out_trade_no        VARCHAR(64)  NOT NULL,
    journal_type        VARCHAR(24)  NOT NULL,
    act_id              VARCHAR(64)  NOT NULL,
    activity_id         VARCHAR(64)  NOT NULL,
    stage               VARCHAR(16)  NOT NULL,
    award_type          VARCHAR(64)  NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    amount_minor        BIGINT       NOT NULL,
    business_date       DATE         NOT NULL,
    source              VARCHAR(16)  NOT NULL,
    -- A random id of the transaction that inserted the row: after a multi-row insert that skips
    -- duplicates, the rows carrying this transaction's id are exactly the ones it booked.
    writer_txn_id       BIGINT       NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (journal_id),
    UNIQUE KEY uk_ledger_journal_out_trade_no (out_trade_no),
    KEY ix_ledger_journal_date (business_date, activity_id, stage),
    KEY ix_ledger_journal_act (act_id, created_at),
    CONSTRAINT ck_ledger_journal_amount CHECK (amount_minor > 0),
    CONSTRAINT ck_ledger_journal_source CHECK (source IN ('STREAM', 'FORCE', 'REPAIR', 'SERVICE'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE ledger_entry (
    entry_id            BIGINT       NOT NULL AUTO_INCREMENT,
    journal_id          BIGINT       NOT NULL,
    account_id          BIGINT       NOT NULL,
    -- Credit positive, debit negative.
    amount_minor        BIGINT       NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (entry_id),
    KEY ix_ledger_entry_journal (journal_id),
    KEY ix_ledger_entry_account (account_id, entry_id),
    CONSTRAINT fk_ledger_entry_journal FOREIGN KEY (journal_id) REFERENCES ledger_journal (journal_id),
    CONSTRAINT ck_ledger_entry_amount CHECK (amount_minor <> 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- ---------------------------------------------------------------------------------------------
-- Withdrawals and what the payment channel reports.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE wallet_withdrawal (
    withdrawal_id       BIGINT       NOT NULL AUTO_INCREMENT,
    act_id              VARCHAR(64)  NOT NULL,
    -- The caller's idempotency id; a retry with the same one gets the same withdrawal.
    request_id          VARCHAR(64)  NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    amount_minor        BIGINT       NOT NULL,
    status              VARCHAR(16)  NOT NULL,
    -- The journal that moved the money out of the wallet, and the payout's id at the channel.
    debit_out_trade_no  VARCHAR(64)  NULL,
    payout_out_trade_no VARCHAR(64)  NULL,
    channel_ref         VARCHAR(128) NULL,
    failure_reason      VARCHAR(255) NULL,
    attempts            INT          NOT NULL DEFAULT 0,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (withdrawal_id),
    UNIQUE KEY uk_withdrawal_request (act_id, request_id),
    KEY ix_withdrawal_status (status, updated_at),
    CONSTRAINT ck_withdrawal_amount CHECK (amount_minor > 0),
    CONSTRAINT ck_withdrawal_status
        CHECK (status IN ('REQUESTED', 'DEBITED', 'PAID', 'PAYOUT_FAILED', 'REVERSED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE payment_record (
    payment_id          BIGINT       NOT NULL AUTO_INCREMENT,
    -- FUNDING: the channel moved a credited cash token's money from the activity's funding
    -- account; PAYOUT: the channel paid a withdrawal out.
    payment_kind        VARCHAR(16)  NOT NULL,
    out_trade_no        VARCHAR(64)  NOT NULL,
    channel_ref         VARCHAR(128) NOT NULL,
    amount_minor        BIGINT       NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    channel_status      VARCHAR(16)  NOT NULL,
    paid_at             DATETIME(3)  NOT NULL,
    business_date       DATE         NOT NULL,
    source_file         VARCHAR(255) NULL,
    source_line         INT          NULL,
    imported_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (payment_id),
    -- Not unique on out_trade_no: a channel that pays twice is a DUPLICATE break to find.
    UNIQUE KEY uk_payment_channel_ref (channel_ref),
    KEY ix_payment_out_trade_no (out_trade_no),
    KEY ix_payment_date (business_date, payment_kind),
    CONSTRAINT ck_payment_kind CHECK (payment_kind IN ('FUNDING', 'PAYOUT'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- ---------------------------------------------------------------------------------------------
-- Events that could not reach Kafka at once; a relay publishes them in outbox_id order.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE outbox (
    outbox_id           BIGINT       NOT NULL AUTO_INCREMENT,
    topic               VARCHAR(255) NOT NULL,
    message_key         VARCHAR(255) NOT NULL,
    payload             MEDIUMBLOB   NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    published_at        DATETIME(3)  NULL,
    attempts            INT          NOT NULL DEFAULT 0,
    last_error          VARCHAR(1024) NULL,
    PRIMARY KEY (outbox_id),
    KEY ix_outbox_unpublished (published_at, outbox_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- ---------------------------------------------------------------------------------------------
-- Budget alerts, idempotent on alert_id.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE budget_alert (
    alert_id            VARCHAR(128) NOT NULL,
    dedupe_key          VARCHAR(255) NOT NULL,
    severity            VARCHAR(16)  NOT NULL,
    rule                VARCHAR(32)  NOT NULL,
    activity_id         VARCHAR(64)  NOT NULL,
    stage               VARCHAR(16)  NOT NULL,
    template_id         VARCHAR(64)  NOT NULL,
    observed_value      BIGINT       NOT NULL,
    expected_value      BIGINT       NOT NULL,
    value_unit          VARCHAR(16)  NOT NULL,
    window_start        DATETIME(3)  NOT NULL,
    window_end          DATETIME(3)  NOT NULL,
    projected_exhaustion_at DATETIME(3) NULL,
    runbook_url         VARCHAR(512) NOT NULL,
    summary             VARCHAR(1024) NOT NULL,
    fired_at            DATETIME(3)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (alert_id),
    KEY ix_budget_alert_dedupe (dedupe_key, fired_at),
    KEY ix_budget_alert_template (activity_id, stage, template_id, fired_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- ---------------------------------------------------------------------------------------------
-- Nightly settlement: runs, their report files, and reconciliation breaks.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE settlement_run (
    run_id              BIGINT       NOT NULL AUTO_INCREMENT,
    business_date       DATE         NOT NULL,
    status              VARCHAR(16)  NOT NULL,
    forced              BOOLEAN      NOT NULL DEFAULT FALSE,
    batch_job_execution_id BIGINT    NULL,
    started_at          DATETIME(3)  NOT NULL,
    finished_at         DATETIME(3)  NULL,
    summary             TEXT         NULL,
    PRIMARY KEY (run_id),
    KEY ix_settlement_run_date (business_date, run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE settlement_report_file (
    run_id              BIGINT       NOT NULL,
    file_name           VARCHAR(255) NOT NULL,
    file_path           VARCHAR(1024) NOT NULL,
    sha256_hex          CHAR(64)     NOT NULL,
    size_bytes          BIGINT       NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (run_id, file_name),
    CONSTRAINT fk_report_file_run FOREIGN KEY (run_id) REFERENCES settlement_run (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE recon_break (
    break_id            BIGINT       NOT NULL AUTO_INCREMENT,
    out_trade_no        VARCHAR(64)  NOT NULL,
    category            VARCHAR(32)  NOT NULL,
    -- Which legs disagree, e.g. 'REDIS,LEDGER' or 'LEDGER,PAYMENT'.
    legs                VARCHAR(64)  NOT NULL,
    activity_id         VARCHAR(64)  NULL,
    stage               VARCHAR(16)  NULL,
    award_type          VARCHAR(64)  NULL,
    currency            VARCHAR(16)  NOT NULL,
    redis_amount_minor  BIGINT       NULL,
    ledger_amount_minor BIGINT       NULL,
    payment_amount_minor BIGINT      NULL,
    -- The amount at stake.
    amount_minor        BIGINT       NOT NULL,
    first_seen_date     DATE         NOT NULL,
    last_seen_date      DATE         NOT NULL,
    cleared_date        DATE         NULL,
    status              VARCHAR(16)  NOT NULL,
    owner               VARCHAR(32)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (break_id),
    -- A break seen again the next night is the same break, older.
    UNIQUE KEY uk_recon_break (out_trade_no, category),
    KEY ix_recon_break_status (status, first_seen_date),
    CONSTRAINT ck_recon_break_category CHECK (category IN ('ISSUED_NOT_CREDITED',
        'CREDITED_NOT_ISSUED', 'CREDITED_NOT_PAID', 'PAID_NOT_CREDITED', 'AMOUNT_MISMATCH',
        'DUPLICATE', 'STATUS_MISMATCH')),
    CONSTRAINT ck_recon_break_status CHECK (status IN ('OPEN', 'REPAIRED', 'CLEARED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
