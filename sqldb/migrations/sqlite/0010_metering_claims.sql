-- Decision 023, "Ended entitlements": a usage group that came in after its ended entitlement's
-- final hour was metered (concurrently with that hour's close, past the check at ingest) can
-- never reach AWS: the close marks it UNMETERED, with a notification, instead of counting it in
-- an hour after the entitlement's end, which AWS would refuse (CustomerNotSubscribed). SQLite
-- cannot change a CHECK constraint: the table is rebuilt, rows, seq and indexes kept.
CREATE TABLE usage_groups_0009 (
	seq            INTEGER PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES organizations (id),
	id             TEXT NOT NULL,
	entitlement_id TEXT NOT NULL,
	timestamp      TEXT NOT NULL,
	content_hash   TEXT NOT NULL,
	records        TEXT NOT NULL,
	status         TEXT NOT NULL CHECK (status IN ('ACCEPTED', 'AGGREGATED', 'UNMETERED')),
	metered_hour   TEXT,
	created_at     TEXT NOT NULL,
	CHECK (status = 'AGGREGATED' OR metered_hour IS NULL),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, entitlement_id) REFERENCES entitlements (org_id, id)
);
INSERT INTO usage_groups_0009 (seq, org_id, id, entitlement_id, timestamp, content_hash, records, status, metered_hour, created_at)
	SELECT seq, org_id, id, entitlement_id, timestamp, content_hash, records, status, metered_hour, created_at FROM usage_groups;
DROP TABLE usage_groups;
ALTER TABLE usage_groups_0009 RENAME TO usage_groups;
CREATE INDEX usage_groups_accepted ON usage_groups (org_id, entitlement_id, timestamp) WHERE status = 'ACCEPTED';
CREATE INDEX usage_groups_org_id_entitlement_id ON usage_groups (org_id, entitlement_id, seq);

-- A record EXPIRED after an earlier call carried it whose answer was lost (its sender died while
-- SENDING, or AWS failed or did not answer) may have been metered by AWS: it is marked, notified
-- as such and counted as unknown, not failed (dealdesk.MeteringRecord.MaybeMetered).
ALTER TABLE metering_records ADD COLUMN maybe_metered BOOLEAN NOT NULL DEFAULT FALSE;
