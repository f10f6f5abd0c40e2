-- What real traffic has shown of each CRM's undocumented or changed behaviour (keys and
-- shapes only, never values): how the admin's health section tells, within minutes of a
-- first real install, which reading of the vendor was right (worker/src/crm.rs, observe).
CREATE TABLE vendor_observations (
    crm TEXT NOT NULL,
    -- What was seen, in words (e.g. "card calls: portalId and userId appended by HubSpot").
    observation TEXT NOT NULL,
    -- Unix seconds.
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (crm, observation)
);
