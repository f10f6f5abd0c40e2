-- Installs through the CRM's marketplace (OAuth), automatic project creation from CRM
-- webhooks, and writing design figures back to the CRM.

-- Contexts are now verified with the CRM app's client secret (as CRMs sign for their
-- apps), not a secret per installation.
ALTER TABLE installations DROP COLUMN shared_secret;
-- 1: create the Aurora project when the CRM reports a new opportunity.
ALTER TABLE installations ADD COLUMN auto_create INTEGER NOT NULL DEFAULT 0;
-- The CRM user who installed the app (an admin of the account).
ALTER TABLE installations ADD COLUMN installed_by TEXT;
-- The CRM's OAuth tokens, sealed (AES-256-GCM, base64 of nonce || ciphertext): never
-- readable from the database alone, never returned by any endpoint.
ALTER TABLE installations ADD COLUMN crm_tokens_sealed TEXT;
-- Health, for the settings page.
ALTER TABLE installations ADD COLUMN last_crm_webhook_at INTEGER;
ALTER TABLE installations ADD COLUMN last_error TEXT;
ALTER TABLE installations ADD COLUMN last_error_at INTEGER;

-- CRM webhook deliveries, recorded before we answer: never lost once acknowledged; a
-- delivery id seen before is a replay or a retry and does nothing.
CREATE TABLE crm_webhook_events (
    crm TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    event TEXT NOT NULL,
    -- The opportunity as the CRM sent it (JSON).
    payload_json TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    processed_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    PRIMARY KEY (crm, delivery_id)
);

CREATE INDEX crm_webhook_events_pending ON crm_webhook_events (processed_at, next_attempt_at);

-- Figures to write to the CRM opportunity, newest design wins; pending until the CRM
-- accepted them (the sweeper retries).
CREATE TABLE write_backs (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    aurora_design_id TEXT NOT NULL,
    -- The fields, as the CRM's API takes them (JSON object).
    fields_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    done_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    PRIMARY KEY (crm, account_id, opportunity_id)
);

CREATE INDEX write_backs_pending ON write_backs (done_at, next_attempt_at);
