-- Decision 023, "Ended entitlements": a usage group that came in after its ended entitlement's
-- final hour was metered (concurrently with that hour's close, past the check at ingest) can
-- never reach AWS: the close marks it UNMETERED, with a notification, instead of counting it in
-- an hour after the entitlement's end, which AWS would refuse (CustomerNotSubscribed).
ALTER TABLE usage_groups DROP CONSTRAINT usage_groups_status_check;
ALTER TABLE usage_groups ADD CONSTRAINT usage_groups_status_check CHECK (status IN ('ACCEPTED', 'AGGREGATED', 'UNMETERED'));

-- A record EXPIRED after an earlier call carried it whose answer was lost (its sender died while
-- SENDING, or AWS failed or did not answer) may have been metered by AWS: it is marked, notified
-- as such and counted as unknown, not failed (dealdesk.MeteringRecord.MaybeMetered).
ALTER TABLE metering_records ADD COLUMN maybe_metered BOOLEAN NOT NULL DEFAULT FALSE;
