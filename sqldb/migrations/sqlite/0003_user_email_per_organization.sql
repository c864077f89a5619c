-- A user's email is unique within its organization, not across organizations: a 409 for a taken
-- email must not tell one organization that an address exists in another (decision 005).
-- Sign-in looks users up by email alone, hence the plain index. SQLite cannot drop a column's
-- UNIQUE with ALTER TABLE, so the table is made anew; no table refers to users.
CREATE TABLE users_new (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES organizations (id),
	email         TEXT NOT NULL,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	CONSTRAINT users_org_id_email_key UNIQUE (org_id, email),
	UNIQUE (org_id, id)
);
INSERT INTO users_new (id, org_id, email, name, password_hash, created_at)
	SELECT id, org_id, email, name, password_hash, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_email ON users (email);
