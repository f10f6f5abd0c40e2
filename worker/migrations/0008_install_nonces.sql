-- An install's `state` works once (security review L4): the nonce it carries is recorded
-- when its callback is taken, as a SHA-256, and a second callback with it is refused.
CREATE TABLE install_nonces (
    nonce_hash TEXT PRIMARY KEY,
    used_at INTEGER NOT NULL
);
