-- The poll of a CRM without new-opportunity webhooks (Salesforce) joins the one lifecycle
-- of background work (0005_jobs.sql): each installation's poll is a piece of work that is
-- leased (one poller at a time, whatever the hosts or overlapping cron runs), counts its
-- attempts, backs off when it fails and dies, shown on the health section, after too many.
-- A poll that succeeds is due again a poll interval later, its attempts counted afresh
-- (`started_at` is when the current run of attempts began).
ALTER TABLE crm_poll_cursors ADD COLUMN started_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crm_poll_cursors ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crm_poll_cursors ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crm_poll_cursors ADD COLUMN lease_id TEXT;
ALTER TABLE crm_poll_cursors ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE crm_poll_cursors ADD COLUMN done_at INTEGER;
ALTER TABLE crm_poll_cursors ADD COLUMN dead_at INTEGER;
ALTER TABLE crm_poll_cursors ADD COLUMN last_error TEXT;
CREATE INDEX crm_poll_cursors_due ON crm_poll_cursors (done_at, dead_at, next_attempt_at);
