-- Linking an Aurora tenant needs proof from Aurora's side (security review H1): a user of
-- the tenant opens our app from Aurora, which hands us a session token; the worker
-- exchanges it (proving the user acts in that tenant) and shows a one-time link code,
-- which the CRM admin enters in the app's settings. Both sides are signed in.

-- One-time link codes, stored as a SHA-256 of the code (never the code itself).
CREATE TABLE tenant_link_codes (
    code_hash TEXT PRIMARY KEY,
    aurora_tenant_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Set when redeemed: a code works once.
    used_at INTEGER
);

-- Fixed-window counters (link attempts per installation, connect attempts overall): in
-- storage, so every Workers isolate counts against the same limit.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL
);

-- When the tenant link was proven with Aurora; NULL for links made before proof was
-- needed (shown as unverified until an admin links again) and for the operator's CLI.
ALTER TABLE installations ADD COLUMN tenant_verified_at INTEGER;
-- Changes on every install: admin sessions name it, so reinstalling or uninstalling
-- revokes every earlier session (security review L2).
ALTER TABLE installations ADD COLUMN session_epoch TEXT NOT NULL DEFAULT '';

-- One tenant, one installation. Where earlier versions let several accounts link the same
-- tenant, the first installed keeps it; the others are unlinked and told why.
UPDATE installations
SET aurora_tenant_id = NULL,
    last_error = 'The Aurora tenant this account was linked to is also linked to another CRM account. A tenant can be linked to one account only: link it again with a code from Aurora (Settings > Apps > Aurora Solar for CRMs) if it is yours.',
    last_error_at = updated_at
WHERE aurora_tenant_id IS NOT NULL
  AND rowid NOT IN (
      SELECT MIN(rowid) FROM installations WHERE aurora_tenant_id IS NOT NULL GROUP BY aurora_tenant_id
  );

DROP INDEX installations_by_tenant;
CREATE UNIQUE INDEX installations_by_tenant ON installations (aurora_tenant_id) WHERE aurora_tenant_id IS NOT NULL;
