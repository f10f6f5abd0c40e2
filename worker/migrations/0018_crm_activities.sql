-- The sale's events waiting to be written to the opportunity's timeline in its CRM (a
-- Salesforce Task, a HubSpot note, a Pipedrive note, the demo CRM's activity): one row
-- per event, keyed by what the event was (a repeat of Aurora's delivery is the same row),
-- in the one lifecycle of background work (0005_jobs.sql).
CREATE TABLE crm_activities (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    -- What happened, e.g. `agreement:<id>:signed`, `drift:<design id>`.
    activity_key TEXT NOT NULL,
    -- crm::SaleActivity as JSON.
    activity_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_id TEXT,
    lease_expires_at INTEGER,
    done_at INTEGER,
    dead_at INTEGER,
    last_error TEXT,
    PRIMARY KEY (crm, account_id, opportunity_id, activity_key)
);
CREATE INDEX crm_activities_due ON crm_activities (done_at, dead_at, next_attempt_at);
