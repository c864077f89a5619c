-- Issue 7 (decision 014): each organization's AWS connection, the raw event inbox, the timeline
-- of every deal and its notifications; and AWS's time of the newest report a CPPO offer or an
-- entitlement was changed by, so that a late report never undoes a newer one.

ALTER TABLE offers ADD COLUMN reported_at TIMESTAMPTZ;
ALTER TABLE entitlements ADD COLUMN reported_at TIMESTAMPTZ;

-- One row per organization. The secret access key is AES-256-GCM ciphertext (a version byte,
-- the 12-byte nonce, then the sealed key) under the server's key, with the organization's ID as
-- additional data; NULL when none is stored.
CREATE TABLE aws_connections (
	org_id            TEXT COLLATE "C" PRIMARY KEY REFERENCES organizations (id),
	seller_account_id TEXT NOT NULL,
	region            TEXT NOT NULL,
	credentials_mode  TEXT NOT NULL,
	access_key_id     TEXT NOT NULL,
	secret_access_key BYTEA,
	role_arn          TEXT NOT NULL,
	external_id       TEXT NOT NULL,
	endpoint_url      TEXT NOT NULL,
	sqs_queue_url     TEXT NOT NULL,
	created_at        TIMESTAMPTZ NOT NULL,
	updated_at        TIMESTAMPTZ NOT NULL
);

-- Every event from AWS, raw, once per organization and event ID, whatever channel brought it.
CREATE TABLE inbox_events (
	id          TEXT COLLATE "C" PRIMARY KEY,
	org_id      TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	channel     TEXT NOT NULL,
	event_id    TEXT NOT NULL,
	body        BYTEA NOT NULL,
	received_at TIMESTAMPTZ NOT NULL,
	status      TEXT NOT NULL,
	error       TEXT NOT NULL,
	applied_at  TIMESTAMPTZ,
	UNIQUE (org_id, event_id),
	UNIQUE (org_id, id)
);
CREATE INDEX inbox_events_org_id_status ON inbox_events (org_id, status, id);
CREATE INDEX inbox_events_org_id_channel ON inbox_events (org_id, channel, id);

-- What happened to an offer or an entitlement (exactly one of the two), when and from which
-- source; the same kind, subject, source and reference is recorded once.
CREATE TABLE timeline_entries (
	id             TEXT COLLATE "C" PRIMARY KEY,
	org_id         TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	opportunity_id TEXT COLLATE "C",
	offer_id       TEXT COLLATE "C",
	entitlement_id TEXT COLLATE "C",
	kind           TEXT NOT NULL,
	at             TIMESTAMPTZ NOT NULL,
	source         TEXT NOT NULL,
	source_ref     TEXT NOT NULL,
	summary        TEXT NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL,
	CHECK ((offer_id IS NULL) <> (entitlement_id IS NULL)),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, opportunity_id) REFERENCES offers (org_id, id),
	FOREIGN KEY (org_id, offer_id) REFERENCES offers (org_id, id),
	FOREIGN KEY (org_id, entitlement_id) REFERENCES entitlements (org_id, id)
);
CREATE UNIQUE INDEX timeline_entries_once ON timeline_entries (org_id, COALESCE(offer_id, entitlement_id), kind, source, source_ref);
CREATE INDEX timeline_entries_org_id_offer_id ON timeline_entries (org_id, offer_id, at);
CREATE INDEX timeline_entries_org_id_entitlement_id ON timeline_entries (org_id, entitlement_id, at);

-- A notification per timeline entry whose kind notifies.
CREATE TABLE notifications (
	id                TEXT COLLATE "C" PRIMARY KEY,
	org_id            TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	kind              TEXT NOT NULL,
	timeline_entry_id TEXT COLLATE "C" NOT NULL,
	offer_id          TEXT COLLATE "C",
	entitlement_id    TEXT COLLATE "C",
	summary           TEXT NOT NULL,
	at                TIMESTAMPTZ NOT NULL,
	created_at        TIMESTAMPTZ NOT NULL,
	read_at           TIMESTAMPTZ,
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, timeline_entry_id) REFERENCES timeline_entries (org_id, id),
	FOREIGN KEY (org_id, offer_id) REFERENCES offers (org_id, id),
	FOREIGN KEY (org_id, entitlement_id) REFERENCES entitlements (org_id, id)
);
CREATE INDEX notifications_org_id_kind ON notifications (org_id, kind, id);
CREATE INDEX notifications_org_id_unread ON notifications (org_id, id) WHERE read_at IS NULL;
