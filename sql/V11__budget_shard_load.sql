-- Every budget shard the service has loaded into Redis, by namespace. Owned by the issuer's
-- budget guard (ShardLoads). A shard is loaded at its full share only by the call that
-- inserts its row (PENDING, then LOADED once Redis has it). A shard whose row is LOADED but
-- which Redis no longer has was lost (a partial loss, a failover to a lagging replica, an
-- eviction): the row turns LOST, its template grants nothing on any instance, and the rebuild
-- restores the shard from the durable record of grants (never at its full share), then marks
-- it LOADED again with restored_at.
CREATE TABLE budget_shard_load (
    redis_namespace     VARCHAR(64)  NOT NULL,
    template_id         VARCHAR(64)  NOT NULL,
    shard               INT          NOT NULL,
    state               VARCHAR(16)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    lost_at             DATETIME(3)  NULL,
    restored_at         DATETIME(3)  NULL,
    PRIMARY KEY (redis_namespace, template_id, shard),
    CONSTRAINT ck_shard_load_state CHECK (state IN ('PENDING', 'LOADED', 'LOST'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
