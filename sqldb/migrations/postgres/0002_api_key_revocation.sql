-- A revoked API key keeps its row, for audit, with the time it was revoked (decision 007).
ALTER TABLE api_keys ADD COLUMN revoked_at TIMESTAMPTZ;
