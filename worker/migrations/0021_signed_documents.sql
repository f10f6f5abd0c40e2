-- Signed agreements waiting to be attached to their opportunity in its CRM: one per
-- opportunity and agreement, in the one lifecycle of background work (0005_jobs.sql).
-- Aurora makes the document's download link in a job of its own: its id is kept while it
-- runs (the link lasts 15 minutes once made).
CREATE TABLE signed_documents (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    aurora_tenant_id TEXT NOT NULL,
    -- Aurora's download-link job, once started.
    aurora_job_id TEXT,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_id TEXT,
    lease_expires_at INTEGER,
    done_at INTEGER,
    dead_at INTEGER,
    last_error TEXT,
    PRIMARY KEY (crm, account_id, opportunity_id, agreement_id)
);
CREATE INDEX signed_documents_due ON signed_documents (done_at, dead_at, next_attempt_at);
