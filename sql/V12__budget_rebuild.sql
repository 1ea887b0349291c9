-- Every rebuild of a namespace's Redis state from the durable record, and its progress while it
-- runs. Owned by the issuer's rebuild runner (RebuildRuns). One runs at a time per namespace, on
-- one instance; on-call (and a second call of the rebuild endpoint) follows it here. The running
-- instance writes heartbeat_at every second: a RUNNING row whose heartbeat stopped is a rebuild
-- whose instance died, marked ABANDONED and replaced by the next call.
CREATE TABLE budget_rebuild (
    rebuild_id          BIGINT       NOT NULL AUTO_INCREMENT,
    redis_namespace     VARCHAR(64)  NOT NULL,
    -- FULL after Redis came back empty; LOST_SHARDS for the DEGRADED templates of a partial loss.
    kind                VARCHAR(16)  NOT NULL,
    status              VARCHAR(16)  NOT NULL,
    phase               VARCHAR(24)  NOT NULL,
    records_read        BIGINT       NOT NULL DEFAULT 0,
    -- Known once the read starts: outbox rows plus topic records up to the end offsets.
    records_total       BIGINT       NULL,
    answers_restored    BIGINT       NOT NULL DEFAULT 0,
    answers_total       BIGINT       NULL,
    instance            VARCHAR(128) NOT NULL,
    reason              VARCHAR(512) NOT NULL,
    -- The result, once DONE; all NULL when the run found budgets live (another rebuild did it).
    events              INT          NULL,
    templates           INT          NULL,
    granted_minor       BIGINT       NULL,
    pending_tokens      INT          NULL,
    unproven_events     INT          NULL,
    read_ms             BIGINT       NULL,
    restore_ms          BIGINT       NULL,
    error               VARCHAR(1024) NULL,
    started_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    heartbeat_at        DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    finished_at         DATETIME(3)  NULL,
    PRIMARY KEY (rebuild_id),
    KEY ix_budget_rebuild_namespace (redis_namespace, status),
    CONSTRAINT ck_budget_rebuild_kind CHECK (kind IN ('FULL', 'LOST_SHARDS')),
    CONSTRAINT ck_budget_rebuild_status CHECK (status IN ('RUNNING', 'DONE', 'FAILED',
        'ABANDONED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
