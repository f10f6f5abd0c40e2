-- Aurora webhook deliveries, recorded before we answer 200: once acknowledged, an event is
-- never lost. Duplicates collapse on dedupe_key; a sweeper retries unprocessed events.
CREATE TABLE webhook_events (
    dedupe_key TEXT PRIMARY KEY,
    -- performance_simulation_job_completed | app_status_changed
    event TEXT NOT NULL,
    aurora_tenant_id TEXT NOT NULL,
    design_id TEXT,
    job_id TEXT,
    status TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    processed_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT
);

CREATE INDEX webhook_events_pending ON webhook_events (processed_at, next_attempt_at);

-- The newest session token Aurora gave us per tenant (each delivery carries a fresh one,
-- good for ONE create_token within the hour).
CREATE TABLE session_tokens (
    aurora_tenant_id TEXT PRIMARY KEY,
    session_token TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

-- The design shown for each opportunity: the newest simulation wins, whatever the order
-- the webhooks arrived in.
CREATE TABLE designs (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    aurora_design_id TEXT NOT NULL,
    -- succeeded | failed
    simulation_status TEXT NOT NULL,
    -- The design's created_at as unix milliseconds: the order of simulations.
    designed_at_ms INTEGER NOT NULL,
    -- aurora_api::DesignSummary as JSON.
    summary_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (crm, account_id, opportunity_id)
);
