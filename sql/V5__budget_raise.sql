-- Budget raises of a template, each with the caller's id (a retry applies nothing twice). The
-- template's budget_minor is raised in the same transaction; applied_at is set once every
-- Redis shard has its part (each shard records the raise id, so a partial apply completes
-- without adding twice).
CREATE TABLE budget_raise (
    raise_id            VARCHAR(64)  NOT NULL,
    template_id         VARCHAR(64)  NOT NULL,
    add_minor           BIGINT       NOT NULL,
    actor               VARCHAR(64)  NOT NULL,
    reason              VARCHAR(512) NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_at          DATETIME(3)  NULL,
    PRIMARY KEY (raise_id),
    KEY ix_budget_raise_pending (applied_at),
    CONSTRAINT fk_budget_raise_template FOREIGN KEY (template_id)
        REFERENCES reward_template (template_id),
    CONSTRAINT ck_budget_raise_amount CHECK (add_minor > 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
