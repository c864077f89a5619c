-- Issue 7 (decision 015): where the publishing of each opportunity on AWS is. One row per
-- opportunity that was ever submitted: the attempt whose ClientRequestToken the current change
-- set uses (dealdesk.PublishToken), the River job that owns that attempt, the change set, and
-- the restriction of its resale authorization once cancelled.
CREATE TABLE publications (
	org_id                 TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	offer_id               TEXT COLLATE "C" NOT NULL,
	attempt                INTEGER NOT NULL,
	job_id                 BIGINT NOT NULL,
	change_set_id          TEXT NOT NULL,
	restrict_change_set_id TEXT NOT NULL,
	restrict_result        TEXT NOT NULL,
	updated_at             TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, offer_id),
	FOREIGN KEY (org_id, offer_id) REFERENCES offers (org_id, id) ON DELETE CASCADE
);
