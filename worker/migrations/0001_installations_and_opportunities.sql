-- Plain SQLite: the native host applies these files itself; on Cloudflare,
-- `wrangler d1 migrations apply` applies the very same files to D1.

-- One row per CRM account that installed the app: how its contexts are verified and
-- which Aurora tenant it is linked to.
CREATE TABLE installations (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    -- The secret this CRM account signs iframe contexts with (HS256).
    shared_secret TEXT NOT NULL,
    -- NULL until an admin links the Aurora tenant.
    aurora_tenant_id TEXT,
    -- Aurora's app_status_changed: 0 when the tenant disabled our app.
    app_enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (crm, account_id)
);

CREATE INDEX installations_by_tenant ON installations (aurora_tenant_id);

-- The last verified context of each opportunity a rep opened: what a project is created
-- from, and what a design is mapped back to.
CREATE TABLE opportunities (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- widget_api::Location as JSON: {"property_address": ...} or {"latitude": .., "longitude": ..}
    location_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (crm, account_id, opportunity_id)
);
