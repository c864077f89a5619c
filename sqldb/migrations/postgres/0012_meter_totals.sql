-- The running sums of an entitlement's metering records per dimension (usage reported, units
-- covered by the grant and by the commit), as JSON keyed by dimension, kept by every close in
-- the transaction that stores the records, so that an entitlement's totals are read without
-- adding up each of its records (issue 9: the entitlement page within 100 ms on a long term).
-- NULL: not kept yet (a state from before this migration); the next close or read adds up the
-- records once.
ALTER TABLE meter_states ADD COLUMN totals TEXT;
