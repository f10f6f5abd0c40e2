-- After the design: the sale as Aurora reports it, per opportunity (the agreement, the
-- design's financings and lender statuses, the web proposal, the milestones), and the
-- design as it was sold: written once, when the agreement is signed (or Aurora records
-- the "sold" milestone), and never changed after, so later designs are compared with it.
CREATE TABLE sales (
    crm TEXT NOT NULL,
    account_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    -- aurora_api::Agreement as JSON: the newest agreement reported for the project.
    agreement_json TEXT,
    -- aurora_api::AgreementStatus::progress of it: a late delivery never moves it back.
    agreement_progress INTEGER NOT NULL DEFAULT 0,
    -- Vec<aurora_api::Financing> as JSON, of the design named beside it.
    financings_json TEXT,
    financings_design_id TEXT,
    -- The homeowner's web proposal link, while Aurora has one.
    web_proposal_url TEXT,
    -- Vec<widget_api::Milestone> as JSON, in the order they arrived.
    milestones_json TEXT NOT NULL DEFAULT '[]',
    -- widget_api::SoldDesign as JSON: write-once.
    sold_json TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (crm, account_id, opportunity_id)
);

-- What a delivery of the sale's events names beside a design: the project, and the
-- agreement or financing it is about.
ALTER TABLE aurora_events ADD COLUMN project_id TEXT;
ALTER TABLE aurora_events ADD COLUMN object_id TEXT;
