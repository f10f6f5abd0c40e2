-- A CRM's app-wide journal of what happened to our app (HubSpot's Webhooks Journal: a
-- portal uninstalling the app, which HubSpot calls no one about), read as recurring
-- background work in the one lifecycle (0005_jobs.sql): one row per CRM, with the offset
-- the reading has reached (NULL: not read yet; the first reading starts at the latest entry).
CREATE TABLE crm_journals (
    crm TEXT PRIMARY KEY,
    journal_offset TEXT,
    started_at INTEGER NOT NULL,
    polled_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_id TEXT,
    lease_expires_at INTEGER,
    done_at INTEGER,
    dead_at INTEGER,
    last_error TEXT
);
CREATE INDEX crm_journals_due ON crm_journals (done_at, dead_at, next_attempt_at);
