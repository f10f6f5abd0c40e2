-- One lifecycle for every kind of background work (worker/src/jobs.rs, ARCHITECTURE.md
-- "Acknowledged means never lost"). Each queue keeps its own table (what dedupes and what
-- replaces differs by kind) with the same lifecycle columns:
--   attempts          leases taken so far (a lease counts as an attempt, so work that was
--                     cut off mid-run still backs off)
--   next_attempt_at   not taken before this (unix seconds)
--   lease_id          the sweep or request that holds the work now; its outcome is recorded
--                     only while this still names it
--   lease_expires_at  after this the lease is void and the work may be taken again
--   done_at           finished
--   dead_at           given up on (a permanent refusal, too many attempts, too old): kept,
--                     counted on the admin's health section, never deleted by the lifecycle
--   last_error        why the last attempt failed

-- Names that say what the tables hold: Aurora's events and the CRM's events.
ALTER TABLE webhook_events RENAME TO aurora_events;
ALTER TABLE aurora_events RENAME COLUMN processed_at TO done_at;
ALTER TABLE aurora_events ADD COLUMN lease_id TEXT;
ALTER TABLE aurora_events ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE aurora_events ADD COLUMN dead_at INTEGER;
DROP INDEX webhook_events_pending;
CREATE INDEX aurora_events_due ON aurora_events (done_at, dead_at, next_attempt_at);

ALTER TABLE crm_webhook_events RENAME TO crm_events;
ALTER TABLE crm_events RENAME COLUMN processed_at TO done_at;
ALTER TABLE crm_events ADD COLUMN lease_id TEXT;
ALTER TABLE crm_events ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE crm_events ADD COLUMN dead_at INTEGER;
DROP INDEX crm_webhook_events_pending;
CREATE INDEX crm_events_due ON crm_events (done_at, dead_at, next_attempt_at);

ALTER TABLE write_backs ADD COLUMN lease_id TEXT;
ALTER TABLE write_backs ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE write_backs ADD COLUMN dead_at INTEGER;
DROP INDEX write_backs_pending;
CREATE INDEX write_backs_due ON write_backs (done_at, dead_at, next_attempt_at);

-- A project claim whose attempt may have died (a crash, an isolate cut off) or ended with
-- an unknown outcome is looked at again from here: scheduled when the claim is taken,
-- settled when the attempt records its outcome.
CREATE TABLE project_rechecks (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_id TEXT,
    lease_expires_at INTEGER,
    done_at INTEGER,
    dead_at INTEGER,
    last_error TEXT,
    PRIMARY KEY (crm, account_id, opportunity_id)
);

CREATE INDEX project_rechecks_due ON project_rechecks (done_at, dead_at, next_attempt_at);

-- Fencing: every claim and takeover of a project row gets the next token; only the
-- attempt holding the current token may record the outcome.
ALTER TABLE projects ADD COLUMN claim_token INTEGER NOT NULL DEFAULT 1;

-- A project a late attempt created after its claim had been taken over: Aurora may now
-- hold two projects for one opportunity. Recorded (never overwriting the opportunity's
-- project) for an operator to reconcile.
CREATE TABLE late_projects (
    aurora_tenant_id TEXT NOT NULL,
    aurora_project_id TEXT NOT NULL,
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (aurora_tenant_id, aurora_project_id)
);
