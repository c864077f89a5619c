-- When a user's console sessions were last ended (decision 026): a signed session cookie issued
-- before it is refused. NULL: never.
ALTER TABLE users ADD COLUMN sessions_ended_at TIMESTAMPTZ;
