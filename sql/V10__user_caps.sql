-- Per-user caps of a template: how many awards, and how much, one user may be granted from it
-- over the whole activity and per business day. NULL is no cap. The issuer counts grants of a
-- capped template in the user's Redis slot, in the same script that commits the grab; a
-- rebuild recounts them from the proven grants. A user at a cap is treated like an exhausted
-- budget: the grab falls back along the template chain.
ALTER TABLE reward_template
    ADD COLUMN user_cap_count       INT    NULL,
    ADD COLUMN user_cap_minor       BIGINT NULL,
    ADD COLUMN user_daily_cap_count INT    NULL,
    ADD COLUMN user_daily_cap_minor BIGINT NULL,
    ADD CONSTRAINT ck_template_user_caps CHECK (
        COALESCE(user_cap_count, 1) > 0 AND COALESCE(user_cap_minor, 1) > 0
        AND COALESCE(user_daily_cap_count, 1) > 0 AND COALESCE(user_daily_cap_minor, 1) > 0);
