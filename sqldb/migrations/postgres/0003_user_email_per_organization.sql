-- A user's email is unique within its organization, not across organizations: a 409 for a taken
-- email must not tell one organization that an address exists in another (decision 005).
-- Sign-in looks users up by email alone, hence the plain index.
ALTER TABLE users DROP CONSTRAINT users_email_key;
ALTER TABLE users ADD CONSTRAINT users_org_id_email_key UNIQUE (org_id, email);
CREATE INDEX users_email ON users (email);
