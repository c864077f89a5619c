-- Issue 7 (decision 016): each organization's inbound endpoint, where AWS delivers its events:
-- a public, random org key for the webhook URLs and the SHA-256 of the EventBridge secret
-- (NULL until one is made; the secret itself is never stored).
CREATE TABLE inbound_endpoints (
	org_id            TEXT COLLATE "C" PRIMARY KEY REFERENCES organizations (id),
	org_key           TEXT COLLATE "C" NOT NULL UNIQUE,
	secret_hash       BYTEA,
	secret_rotated_at TIMESTAMPTZ,
	created_at        TIMESTAMPTZ NOT NULL
);
