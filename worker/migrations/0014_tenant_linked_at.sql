-- When the installation linked its current tenant: what the tenant's Aurora events did
-- before (under a previous owner) is not this installation's to see on its health section.
-- Links from before this column count from the start (as they were shown until now).
ALTER TABLE installations ADD COLUMN tenant_linked_at INTEGER;
UPDATE installations SET tenant_linked_at = 0 WHERE aurora_tenant_id IS NOT NULL;
