-- Pacing of calls to Aurora, one row per Aurora key (a hash of it): Aurora allows 90
-- requests a minute per key, and the application key is shared by every customer. Kept in
-- storage so that every request, the sweeper and every Workers isolate wait their turn on
-- the same schedule (worker/src/aurora_pacing.rs).
CREATE TABLE aurora_pacing (
    key_hash TEXT PRIMARY KEY,
    -- The theoretical arrival time of the next request (GCRA), unix milliseconds.
    tat_ms INTEGER NOT NULL
);
