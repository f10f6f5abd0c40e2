-- The admin's choice of the CRM stage each step of the sale moves an opportunity to
-- (`stages::StageMap` as JSON: step -> the CRM's stage id); NULL: stages are left alone.
ALTER TABLE installations ADD COLUMN stage_map_json TEXT;

-- Stage moves waiting to be made in the CRM: one per opportunity and step of the sale,
-- in the one lifecycle of background work (0005_jobs.sql). Forward only: the move is
-- decided when it runs, against the stage the opportunity has then.
CREATE TABLE stage_moves (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    -- stages::SaleStep: design_ready | agreement_sent | agreement_signed | financing_approved | sold
    step TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_id TEXT,
    lease_expires_at INTEGER,
    done_at INTEGER,
    dead_at INTEGER,
    last_error TEXT,
    PRIMARY KEY (crm, account_id, opportunity_id, step)
);
CREATE INDEX stage_moves_due ON stage_moves (done_at, dead_at, next_attempt_at);
