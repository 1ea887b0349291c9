-- Rains are declared by operators, never named by clients: a grab must name a rain of its
-- activity that is open now, and one of the rain's scenes. Each scene grants one award type
-- (the published design's "one reward type per scene"); the scene's entry template is the
-- stage child's template of that type. The issuance service owns both tables.
CREATE TABLE rain (
    parent_activity_id  VARCHAR(64)  NOT NULL,
    rain_id             VARCHAR(64)  NOT NULL,
    opens_at            DATETIME(3)  NOT NULL,
    closes_at           DATETIME(3)  NOT NULL,
    -- SCHEDULED takes grabs inside its window; CANCELLED never again.
    status              VARCHAR(16)  NOT NULL DEFAULT 'SCHEDULED',
    version             BIGINT       NOT NULL DEFAULT 0,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (parent_activity_id, rain_id),
    CONSTRAINT fk_rain_activity FOREIGN KEY (parent_activity_id)
        REFERENCES activity (activity_id),
    CONSTRAINT ck_rain_window CHECK (closes_at > opens_at),
    CONSTRAINT ck_rain_status CHECK (status IN ('SCHEDULED', 'CANCELLED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE rain_scene (
    parent_activity_id  VARCHAR(64)  NOT NULL,
    rain_id             VARCHAR(64)  NOT NULL,
    scene_id            VARCHAR(64)  NOT NULL,
    award_type          VARCHAR(64)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (parent_activity_id, rain_id, scene_id),
    CONSTRAINT fk_rain_scene_rain FOREIGN KEY (parent_activity_id, rain_id)
        REFERENCES rain (parent_activity_id, rain_id),
    CONSTRAINT fk_rain_scene_award_type FOREIGN KEY (award_type)
        REFERENCES award_type (award_type)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
