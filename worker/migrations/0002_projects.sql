-- One Aurora project per opportunity. The row is claimed (status 'creating') BEFORE Aurora
-- is called, so concurrent clicks, retries and restarts never create a second project.
CREATE TABLE projects (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    aurora_tenant_id TEXT NOT NULL,
    -- What we send as the project's external_provider_id, and look it up by when an
    -- attempt's outcome is unknown.
    external_provider_id TEXT NOT NULL UNIQUE,
    -- creating | created | failed
    status TEXT NOT NULL,
    aurora_project_id TEXT,
    -- When status = 'failed': our error code, a message for the rep, 1 if a retry may work.
    error_code TEXT,
    error_message TEXT,
    retryable INTEGER NOT NULL DEFAULT 0,
    -- When the current attempt started; a 'creating' claim older than the claim timeout
    -- belongs to an attempt that died, and may be taken over (after reconciling).
    claimed_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (crm, account_id, opportunity_id)
);

CREATE INDEX projects_by_aurora_project ON projects (aurora_tenant_id, aurora_project_id);
