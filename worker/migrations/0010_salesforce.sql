-- Salesforce (Canvas) joins the demo CRM.
--
-- A Canvas signed request has no freshness: the first POST of one opens a session and a
-- repeat within minutes is refused. Kept as SHA-256 hashes of the signature, never the
-- request (it carries the user's Salesforce session).
CREATE TABLE spent_signed_requests (
    signature_hash TEXT PRIMARY KEY,
    spent_at INTEGER NOT NULL
);
CREATE INDEX spent_signed_requests_by_age ON spent_signed_requests (spent_at);

-- CRMs without webhooks for new opportunities (Salesforce) are polled: where each
-- installation's poll has read up to (the CRM's own creation time of the newest record
-- seen, in the CRM's query syntax), and when it last ran.
CREATE TABLE crm_poll_cursors (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    cursor TEXT NOT NULL,
    polled_at INTEGER,
    PRIMARY KEY (crm, account_id)
);

-- Where an opportunity's site is read from, for CRMs that offer a choice (Salesforce: the
-- Account's billing or shipping address, or a Person Account's mailing address). NULL:
-- the CRM's first choice.
ALTER TABLE installations ADD COLUMN site_source TEXT;
