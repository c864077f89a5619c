-- dealdesk schema 1 for PostgreSQL. Money is NUMERIC without a fixed scale, so "12000.00" keeps
-- its scale; times are TIMESTAMPTZ; dates are DATE; lists inside an offer are JSONB. Every table
-- carries org_id.
-- Tenancy is in the keys (decision 005): every tenant table has UNIQUE (org_id, id), and a row
-- refers to another tenant row by the composite key (org_id, x_id), so it cannot point at a row
-- of another organization.

CREATE TABLE organizations (
	id         TEXT COLLATE "C" PRIMARY KEY,
	org_id     TEXT COLLATE "C" NOT NULL CHECK (org_id = id),
	name       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
	id            TEXT COLLATE "C" PRIMARY KEY,
	org_id        TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, id)
);

CREATE TABLE api_keys (
	id           TEXT COLLATE "C" PRIMARY KEY,
	org_id       TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	secret_hash  TEXT NOT NULL UNIQUE,
	created_at   TIMESTAMPTZ NOT NULL,
	last_used_at TIMESTAMPTZ,
	UNIQUE (org_id, id)
);

CREATE TABLE products (
	id                TEXT COLLATE "C" PRIMARY KEY,
	org_id            TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	external_id       TEXT NOT NULL,
	product_code      TEXT NOT NULL,
	title             TEXT NOT NULL,
	metering_identity TEXT NOT NULL,
	dimensions        JSONB NOT NULL,
	created_at        TIMESTAMPTZ NOT NULL,
	updated_at        TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, external_id),
	UNIQUE (org_id, id)
);

CREATE TABLE resellers (
	id         TEXT COLLATE "C" PRIMARY KEY,
	org_id     TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	account_id TEXT NOT NULL,
	legal_name TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, account_id),
	UNIQUE (org_id, id)
);

CREATE TABLE buyers (
	id         TEXT COLLATE "C" PRIMARY KEY,
	org_id     TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	account_id TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, account_id),
	UNIQUE (org_id, id)
);

CREATE TABLE offers (
	id                       TEXT COLLATE "C" PRIMARY KEY,
	org_id                   TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	type                     TEXT NOT NULL,
	status                   TEXT NOT NULL,
	external_id              TEXT,
	name                     TEXT NOT NULL,
	description              TEXT NOT NULL,
	product_id               TEXT COLLATE "C",
	reseller_account_id      TEXT NOT NULL,
	buyer_account_ids        JSONB NOT NULL,
	renewal                  BOOLEAN NOT NULL,
	renewal_channel          TEXT NOT NULL,
	commit_amount            NUMERIC,
	currency                 TEXT NOT NULL,
	contract_duration        TEXT NOT NULL,
	entitled_dimensions      JSONB NOT NULL,
	dimension_prices         JSONB NOT NULL,
	expiry_date              DATE,
	one_time                 BOOLEAN NOT NULL,
	eula                     JSONB,
	reseller_contract        JSONB,
	installments             JSONB NOT NULL,
	opportunity_id           TEXT COLLATE "C",
	resale_authorization_id  TEXT NOT NULL,
	markup_percentage        NUMERIC,
	publish_errors           JSONB NOT NULL,
	created_at               TIMESTAMPTZ NOT NULL,
	updated_at               TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, external_id),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, product_id) REFERENCES products (org_id, id),
	FOREIGN KEY (org_id, opportunity_id) REFERENCES offers (org_id, id)
);
CREATE INDEX offers_org_id_type_status ON offers (org_id, type, status, id);
CREATE INDEX offers_org_id_product_id ON offers (org_id, product_id, id);
CREATE INDEX offers_org_id_reseller ON offers (org_id, reseller_account_id, id);
CREATE INDEX offers_org_id_opportunity_id ON offers (org_id, opportunity_id, id);
CREATE INDEX offers_org_id_resale_authorization_id ON offers (org_id, resale_authorization_id);

CREATE TABLE entitlements (
	id                  TEXT COLLATE "C" PRIMARY KEY,
	org_id              TEXT COLLATE "C" NOT NULL REFERENCES organizations (id),
	type                TEXT NOT NULL,
	status              TEXT NOT NULL,
	external_id         TEXT NOT NULL,
	product_id          TEXT COLLATE "C",
	offer_id            TEXT COLLATE "C",
	offer_external_id   TEXT NOT NULL,
	opportunity_id      TEXT COLLATE "C",
	buyer_account_id    TEXT NOT NULL,
	reseller_account_id TEXT NOT NULL,
	license_arn         TEXT NOT NULL,
	customer_identifier TEXT NOT NULL,
	start_time          TIMESTAMPTZ,
	end_time            TIMESTAMPTZ,
	created_at          TIMESTAMPTZ NOT NULL,
	updated_at          TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, external_id),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, product_id) REFERENCES products (org_id, id),
	FOREIGN KEY (org_id, offer_id) REFERENCES offers (org_id, id),
	FOREIGN KEY (org_id, opportunity_id) REFERENCES offers (org_id, id)
);
CREATE INDEX entitlements_org_id_offer_id ON entitlements (org_id, offer_id);
CREATE INDEX entitlements_org_id_offer_external_id ON entitlements (org_id, offer_external_id);
CREATE INDEX entitlements_org_id_opportunity_id ON entitlements (org_id, opportunity_id);
