-- "Newest wins" orders simulations by when they finished, not by the design's created_at
-- (a design's date stays when it is re-simulated, and Aurora's examples leave it out).
-- Aurora tells us a simulation finished by delivering its webhook, so the order is the
-- order the deliveries arrived in: the aurora_events row's rowid, which only grows (rows
-- of that table are never deleted, and SQLite gives a new row max(rowid) + 1).
-- Designs stored before this keep 0: any later simulation replaces them.
ALTER TABLE designs ADD COLUMN simulation_order INTEGER NOT NULL DEFAULT 0;
