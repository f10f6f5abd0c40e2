-- A design's price, as Aurora's Retrieve Design Pricing gave it when the design was read
-- (`aurora_api::DesignPricing` as JSON); NULL where the tenant's plan provides no pricing,
-- and for designs read before prices were.
ALTER TABLE designs ADD COLUMN pricing_json TEXT;
