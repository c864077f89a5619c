-- Decision 021 (review of publish attempts): the restrict job that works the current
-- restriction, so that one River discarded is found (RestartOrphanedPublications), and whether
-- the current publish attempt's change set is named after its token (awsmp.ChangeSetName), so
-- that ListChangeSets by name can show that AWS created nothing under it. Rows from before have
-- neither: their attempts are never settled by a lookup by name.
ALTER TABLE publications ADD COLUMN restrict_job_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE publications ADD COLUMN named BOOLEAN NOT NULL DEFAULT FALSE;
