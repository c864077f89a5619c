-- Decision 021: whether the current publish attempt is settled (AWS is known to have created
-- nothing under its token that change_set_id does not show), whether it was carried over from
-- an earlier submission, and which restriction attempt (token) is current. Rows from before
-- are not known to be settled: a resubmission settles them first.
ALTER TABLE publications ADD COLUMN settled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE publications ADD COLUMN carried_over BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE publications ADD COLUMN restrict_attempt INTEGER NOT NULL DEFAULT 0;
