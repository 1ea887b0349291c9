-- The budget epoch of each Redis namespace. Written once, when the service first loads budgets
-- into Redis, and mirrored in Redis (RedisKeys.budgetEpoch). If Redis comes back empty, its
-- copy is gone while this row remains: the service refuses grabs until budgets are rebuilt
-- from durable records, instead of granting every budget a second time.
CREATE TABLE budget_epoch (
    redis_namespace     VARCHAR(64)  NOT NULL,
    epoch_id            VARCHAR(64)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    rebuilt_at          DATETIME(3)  NULL,
    PRIMARY KEY (redis_namespace)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
