-- Issue 8 (decision 023): usage metering. A vendor reports usage in groups (a client key, an
-- entitlement, a time and a quantity per metered dimension); each closed hour of an entitlement
-- becomes one metering record per dimension, sent to AWS exactly once.

-- Whether the opportunity's usage consumes its commit before any is metered
-- (dealdesk.Offer.MeterUsageAgainstCommit).
ALTER TABLE offers ADD COLUMN meter_usage_against_commit BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per usage group: id is the client's idempotency key, unique in the organization, and
-- seq orders the groups as they were stored. records is the group's quantities as dealdesk
-- writes them: a JSON object of decimal strings, keys sorted ({"api_calls":"1200",
-- "storage_gb":"0.25"}); it is read whole, by the close of an hour and by lists, never queried
-- into. A group is ACCEPTED until a close counts it and makes it AGGREGATED, in the statement
-- that reads it: a group stored while a close runs stays ACCEPTED for the next close (decision
-- 023). metered_hour is set only when the group was counted in a later hour than its own, having
-- come in after its hour was closed. Rows are kept narrow: a close rewrites each of them.
CREATE TABLE usage_groups (
	seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id         TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	id             TEXT COLLATE "C" NOT NULL,
	entitlement_id TEXT COLLATE "C" NOT NULL,
	timestamp      TIMESTAMPTZ NOT NULL,
	content_hash   TEXT NOT NULL,
	records        TEXT NOT NULL,
	status         TEXT NOT NULL CHECK (status IN ('ACCEPTED', 'AGGREGATED')),
	metered_hour   TIMESTAMPTZ,
	created_at     TIMESTAMPTZ NOT NULL,
	CHECK (status = 'AGGREGATED' OR metered_hour IS NULL),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, entitlement_id) REFERENCES entitlements (org_id, id)
);
CREATE INDEX usage_groups_accepted ON usage_groups (org_id, entitlement_id, timestamp) WHERE status = 'ACCEPTED';
CREATE INDEX usage_groups_org_id_entitlement_id ON usage_groups (org_id, entitlement_id, seq);

-- What an entitlement's term has used (dealdesk.MeterState), written with the metering records
-- it produced: commit used (USD), per dimension key the grant used and the fraction carried
-- ({"api_calls":{"grantUsed":"100","carry":"0.5"}}), and the newest hour closed.
CREATE TABLE meter_states (
	org_id         TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	entitlement_id TEXT COLLATE "C" NOT NULL,
	commit_used    NUMERIC NOT NULL,
	dimensions     TEXT NOT NULL,
	closed_through TIMESTAMPTZ,
	updated_at     TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, entitlement_id),
	FOREIGN KEY (org_id, entitlement_id) REFERENCES entitlements (org_id, id)
);

-- One row per entitlement, dimension and closed hour (dealdesk.MeteringRecord): an hour is
-- never metered twice. request is the usage record exactly as sent (byte for byte, so that a
-- retry is identical) and response AWS's answer; claimed_at is when the current SENDING claim
-- was taken (a claim older than dealdesk.SendingLease may be taken over).
CREATE TABLE metering_records (
	id                 TEXT COLLATE "C" PRIMARY KEY,
	org_id             TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	entitlement_id     TEXT COLLATE "C" NOT NULL,
	product_id         TEXT COLLATE "C" NOT NULL,
	dimension_key      TEXT NOT NULL,
	hour               TIMESTAMPTZ NOT NULL,
	usage              NUMERIC NOT NULL,
	covered_by_grant   NUMERIC NOT NULL,
	covered_by_commit  NUMERIC NOT NULL,
	commit_amount      NUMERIC NOT NULL,
	overage            NUMERIC NOT NULL,
	carried_in         NUMERIC NOT NULL,
	carried_out        NUMERIC NOT NULL,
	quantity           BIGINT NOT NULL CHECK (quantity >= 0),
	status             TEXT NOT NULL CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'NOT_METERED',
		'DUPLICATE_RECORD', 'CUSTOMER_NOT_SUBSCRIBED', 'EXPIRED', 'FAILED')),
	attempts           INTEGER NOT NULL,
	metering_record_id TEXT NOT NULL,
	request            TEXT,
	response           TEXT,
	error              TEXT NOT NULL,
	sent_at            TIMESTAMPTZ,
	claimed_at         TIMESTAMPTZ,
	created_at         TIMESTAMPTZ NOT NULL,
	updated_at         TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, entitlement_id, dimension_key, hour),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, entitlement_id) REFERENCES entitlements (org_id, id),
	FOREIGN KEY (org_id, product_id) REFERENCES products (org_id, id)
);
CREATE INDEX metering_records_to_send ON metering_records (org_id, hour, id) WHERE status IN ('PENDING', 'SENDING');
CREATE INDEX metering_records_org_id_status ON metering_records (org_id, status, id);
