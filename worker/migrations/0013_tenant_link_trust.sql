-- The tenant link no longer rests on an unchecked Aurora behaviour (security review H2, M7).

-- How each link was made: 'proven' (a session token Aurora exchanged, while Aurora was
-- seen refusing forged ones), 'operator' (the operator's CLI, or approved by them),
-- 'awaiting_operator' (a code redeemed while Aurora was not seen refusing forged session
-- tokens: the operator approves it). NULL with a tenant: a link from before proof existed;
-- it creates nothing until linked again with a code from Aurora.
ALTER TABLE installations ADD COLUMN tenant_link TEXT;
UPDATE installations SET tenant_link = 'proven'
WHERE aurora_tenant_id IS NOT NULL AND tenant_verified_at IS NOT NULL;

-- What Aurora answered when the worker tried its session-token rules: a made-up token,
-- and a token of another tenant ('refused' or 'accepted'), and when.
CREATE TABLE aurora_checks (
    check_name TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    checked_at INTEGER NOT NULL
);

-- Held session tokens are sealed from now on; the plaintext ones (an hour's worth at
-- most, each good for one exchange) are dropped rather than kept readable.
DELETE FROM session_tokens;
