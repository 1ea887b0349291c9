-- Every operator action through the admin API: who, what, on what, from which value to which,
-- and why. Written in the same transaction as the change it records where the change is in
-- MySQL; for Redis switches, right after the switch is set.
CREATE TABLE admin_audit (
    audit_id            BIGINT       NOT NULL AUTO_INCREMENT,
    actor               VARCHAR(64)  NOT NULL,
    action              VARCHAR(64)  NOT NULL,
    target              VARCHAR(160) NOT NULL,
    before_value        VARCHAR(255) NULL,
    after_value         VARCHAR(255) NULL,
    reason              VARCHAR(512) NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (audit_id),
    KEY ix_admin_audit_target (target, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
