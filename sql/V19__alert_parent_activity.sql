-- A budget alert names the parent activity too: the switches on-call flips name the parent,
-- while the alert's activity_id is the stage's child (budget-monitor-job, Alerts).
ALTER TABLE budget_alert ADD COLUMN parent_activity_id VARCHAR(64) NULL AFTER activity_id;
