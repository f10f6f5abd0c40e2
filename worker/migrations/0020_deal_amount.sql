-- The admin's choice to write the design's price to the opportunity's own amount (the
-- CRM's Amount, amount, deal value), beside our fields: off by default, as an amount is
-- often a person's to set.
ALTER TABLE installations ADD COLUMN write_amount INTEGER NOT NULL DEFAULT 0;
