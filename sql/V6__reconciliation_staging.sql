-- Nightly settlement: what it stages and records besides recon_break.

-- Redis token states of one business date, copied (SCAN, in bounded chunks) before matching so
-- the match does not depend on Redis staying up. bucket = CRC32(out_trade_no) % 64, the unit
-- the match is partitioned by.
CREATE TABLE recon_redis_token (
    business_date       DATE         NOT NULL,
    out_trade_no        VARCHAR(64)  NOT NULL,
    bucket              SMALLINT     NOT NULL,
    act_id              VARCHAR(64)  NOT NULL,
    activity_id         VARCHAR(64)  NULL,
    stage               VARCHAR(16)  NULL,
    award_type          VARCHAR(64)  NULL,
    template_id         VARCHAR(64)  NULL,
    currency            VARCHAR(16)  NOT NULL,
    amount_minor        BIGINT       NOT NULL,
    status              VARCHAR(16)  NOT NULL,
    issued_at           DATETIME(3)  NULL,
    -- Bucket first: a match partition reads its bucket range, and one index, not two, is what
    -- the snapshot's million inserts (in SCAN's hash order) maintain.
    PRIMARY KEY (business_date, bucket, out_trade_no)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Lines of a payment statement file the import refused, with the reason.
CREATE TABLE recon_import_error (
    business_date       DATE         NOT NULL,
    source_file         VARCHAR(255) NOT NULL,
    line_number         INT          NOT NULL,
    reason              VARCHAR(512) NOT NULL,
    raw_line            VARCHAR(1024) NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (business_date, source_file, line_number)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per repair action taken: the unique key makes a repair happen once, even when the
-- job is rerun or restarted in the middle of repairing.
CREATE TABLE recon_repair (
    repair_id           BIGINT       NOT NULL AUTO_INCREMENT,
    business_date       DATE         NOT NULL,
    break_id            BIGINT       NOT NULL,
    out_trade_no        VARCHAR(64)  NOT NULL,
    category            VARCHAR(32)  NOT NULL,
    action              VARCHAR(32)  NOT NULL,
    outcome             VARCHAR(255) NOT NULL,
    amount_minor        BIGINT       NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (repair_id),
    UNIQUE KEY uk_recon_repair (out_trade_no, category, action),
    KEY ix_recon_repair_date (business_date)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- What a break needs to be rechecked and repaired on a later night.
ALTER TABLE recon_break
    ADD COLUMN act_id VARCHAR(64) NULL AFTER out_trade_no,
    ADD COLUMN issued_at DATETIME(3) NULL AFTER award_type,
    ADD COLUMN redis_status VARCHAR(16) NULL AFTER issued_at;

-- The settlement matches the channel's payout lines to withdrawals by the payout's id.
ALTER TABLE wallet_withdrawal ADD KEY ix_withdrawal_payout (payout_out_trade_no);

-- Tokens the match found in agreement, per partition of a date (kept with the partition's
-- restart state, so a resumed match counts each token once).
CREATE TABLE recon_match_tally (
    business_date       DATE         NOT NULL,
    partition_name      VARCHAR(64)  NOT NULL,
    currency            VARCHAR(16)  NOT NULL,
    matched_tokens      BIGINT       NOT NULL,
    matched_minor       BIGINT       NOT NULL,
    PRIMARY KEY (business_date, partition_name, currency)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
