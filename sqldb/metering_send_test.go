package sqldb_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// pendingDeal is a usageDeal with four PENDING records: api_calls and seats of hours 07:00 and
// 08:00 (no grant, no commit used).
func pendingDeal(t *testing.T, db *sqldb.DB, name string, identity dealdesk.MeteringIdentity) usageDeal {
	t.Helper()
	d := newUsageDeal(t, db, name, dealTerms{commit: "100", apiPrice: "1", seatPrice: "1", identity: identity})
	report(t, db, d.ctx,
		d.group("7", time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC), "api_calls", "1", "seats", "2"),
		d.group("8", time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC), "api_calls", "3", "seats", "4"))
	if recs := closeHours(t, db, d, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), dealdesk.MeteringOptions{}); len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	return d
}

func sendIDs(s []*dealdesk.MeteringSend) []string {
	var ids []string
	for _, x := range s {
		ids = append(ids, x.Record.ID)
	}
	return ids
}

func requestsFor(ids []string, tag string) []json.RawMessage {
	out := make([]json.RawMessage, len(ids))
	for i, id := range ids {
		out[i] = json.RawMessage(fmt.Sprintf(`{"Record":%q,"Tag":%q}`, id, tag))
	}
	return out
}

func claimIDs(cs []dealdesk.MeteringClaim) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func findRecord(t *testing.T, db *sqldb.DB, d usageDeal, id string) *dealdesk.MeteringRecord {
	t.Helper()
	r, err := db.FindMeteringRecordByID(d.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMeteringSendStates(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := pendingDeal(t, db, "acme", "")
		now := e.clock.Now()
		next, err := db.NextMeteringRecords(d.ctx, 10, now.Add(-dealdesk.SendingLease))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range next {
			got = append(got, fmt.Sprintf("%s %s q=%d %s/%s/%s %s", s.Record.Hour.Format("15:04"), s.Record.DimensionKey, s.Record.Quantity,
				s.Customer.CustomerAWSAccountID, s.Customer.LicenseARN, s.Customer.CustomerIdentifier, s.Product.ProductCode))
		}
		want := []string{
			"07:00 api_calls q=1 210987654321/arn:aws:license-manager::1:license:l-acme/ codeacme",
			"07:00 seats q=2 210987654321/arn:aws:license-manager::1:license:l-acme/ codeacme",
			"08:00 api_calls q=3 210987654321/arn:aws:license-manager::1:license:l-acme/ codeacme",
			"08:00 seats q=4 210987654321/arn:aws:license-manager::1:license:l-acme/ codeacme",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("next records, oldest hour first:\n%v\nwant\n%v", got, want)
		}
		ids := sendIDs(next)

		t.Run("a claim stores the request and holds the records for the lease", func(t *testing.T) {
			claimed, err := db.MarkMeteringSending(d.ctx, ids[:3], requestsFor(ids[:3], "first"), now)
			if err != nil || !slices.Equal(claimIDs(claimed), ids[:3]) || string(claimed[0].Request) != string(requestsFor(ids[:1], "first")[0]) {
				t.Fatalf("claimed %v, %v", claimed, err)
			}
			r := findRecord(t, db, d, ids[0])
			if r.Status != dealdesk.MeteringSending || r.Attempts != 1 || string(r.Request) != string(requestsFor(ids[:1], "first")[0]) {
				t.Fatalf("claimed record %+v", r)
			}
			// A second sender within the lease claims nothing, and sees only the unclaimed one.
			again, err := db.MarkMeteringSending(d.ctx, ids, requestsFor(ids, "second"), now.Add(time.Minute))
			if err != nil || !slices.Equal(claimIDs(again), ids[3:]) {
				t.Fatalf("second sender claimed %v, %v", again, err)
			}
			left, err := db.NextMeteringRecords(d.ctx, 10, now.Add(time.Minute).Add(-dealdesk.SendingLease))
			if err != nil || len(left) != 0 {
				t.Fatalf("next within the lease %v, %v", sendIDs(left), err)
			}
		})
		t.Run("a claim older than the lease is taken over, with the request stored first", func(t *testing.T) {
			later := now.Add(dealdesk.SendingLease + time.Second)
			stale, err := db.NextMeteringRecords(d.ctx, 10, later.Add(-dealdesk.SendingLease))
			if err != nil || !slices.Equal(sendIDs(stale), ids[:3]) {
				t.Fatalf("stale records %v, %v", sendIDs(stale), err)
			}
			if string(stale[0].Record.Request) != string(requestsFor(ids[:1], "first")[0]) {
				t.Fatalf("stale record's request %s", stale[0].Record.Request)
			}
			claimed, err := db.MarkMeteringSending(d.ctx, ids[:1], requestsFor(ids[:1], "third"), later)
			// The claim answers the request stored first: the bytes to send.
			if err != nil || !slices.Equal(claimIDs(claimed), ids[:1]) || string(claimed[0].Request) != string(requestsFor(ids[:1], "first")[0]) ||
				!claimed[0].ClaimedAt.Equal(later.Truncate(time.Microsecond)) {
				t.Fatalf("claimed %v, %v", claimed, err)
			}
			r := findRecord(t, db, d, ids[0])
			if r.Attempts != 2 || string(r.Request) != string(requestsFor(ids[:1], "first")[0]) {
				t.Fatalf("taken over %+v: want attempt 2 and the first request", r)
			}
		})
		t.Run("results move SENDING records, once", func(t *testing.T) {
			at := now.Add(5 * time.Minute)
			later := now.Add(dealdesk.SendingLease + time.Second)
			// The first sender's answer for ids[0], whose claim was taken over, changes nothing.
			if err := db.SaveMeteringResults(d.ctx, ids[:1], []dealdesk.UsageRecordResult{{Status: "Success", MeteringRecordID: "aws-0"}}, now, at); err != nil {
				t.Fatal(err)
			}
			if r := findRecord(t, db, d, ids[0]); r.Status != dealdesk.MeteringSending || r.MeteringRecordID != "" {
				t.Fatalf("an old claim's answer was stored: %+v", r)
			}
			for _, save := range []struct {
				ids     []string
				claim   time.Time
				results []dealdesk.UsageRecordResult
			}{
				{ids[:1], later, []dealdesk.UsageRecordResult{{Status: "Success", MeteringRecordID: "aws-1", Response: json.RawMessage(`{"Status":"Success"}`)}}},
				{ids[1:3], now, []dealdesk.UsageRecordResult{{Status: "DuplicateRecord", Response: json.RawMessage(`{"Status":"DuplicateRecord"}`)}, {Status: ""}}},
				{ids[3:], now.Add(time.Minute), []dealdesk.UsageRecordResult{{Status: "CustomerNotSubscribed"}}},
			} {
				if err := db.SaveMeteringResults(d.ctx, save.ids, save.results, save.claim, at); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, id := range ids {
				r := findRecord(t, db, d, id)
				got = append(got, fmt.Sprintf("%s %s %s", r.Status, r.MeteringRecordID, r.Response))
				if (r.Status == dealdesk.MeteringSent) != (r.SentAt != nil && r.SentAt.Equal(at)) {
					t.Fatalf("record %s sent at %v", r.Status, r.SentAt)
				}
			}
			want := []string{`SENT aws-1 {"Status":"Success"}`, `DUPLICATE_RECORD  {"Status":"DuplicateRecord"}`, "PENDING  ", "CUSTOMER_NOT_SUBSCRIBED  "}
			if !slices.Equal(got, want) {
				t.Fatalf("after results:\n%q\nwant\n%q", got, want)
			}
			// A late answer of another sender changes nothing: none is SENDING now.
			if err := db.SaveMeteringResults(d.ctx, ids[1:2], []dealdesk.UsageRecordResult{{Status: "Success", MeteringRecordID: "aws-2"}}, now, at); err != nil {
				t.Fatal(err)
			}
			if r := findRecord(t, db, d, ids[1]); r.Status != dealdesk.MeteringDuplicateRecord || r.MeteringRecordID != "" {
				t.Fatalf("terminal record changed: %+v", r)
			}
		})
		t.Run("failures end PENDING and SENDING records and notify; only FAILED ones can be retried", func(t *testing.T) {
			if err := db.FailMeteringRecords(d.ctx, ids, time.Time{}, dealdesk.MeteringFailed, "InvalidLicenseException", json.RawMessage(`{"__type":"InvalidLicenseException"}`)); err != nil {
				t.Fatal(err)
			}
			r := findRecord(t, db, d, ids[2])
			if r.Status != dealdesk.MeteringFailed || r.Error != "InvalidLicenseException" || string(r.Response) != `{"__type":"InvalidLicenseException"}` {
				t.Fatalf("failed record %+v", r)
			}
			if r := findRecord(t, db, d, ids[0]); r.Status != dealdesk.MeteringSent {
				t.Fatalf("a sent record failed: %+v", r)
			}
			notes, _, err := db.FindNotifications(d.ctx, dealdesk.NotificationFilter{Kind: dealdesk.TimelineMeteringFailed})
			if err != nil || len(notes) != 1 || notes[0].EntitlementID != d.entitlement {
				t.Fatalf("notifications %+v, %v", notes, err)
			}
			retried, err := db.RetryMeteringRecord(d.ctx, ids[2])
			if err != nil || retried.Status != dealdesk.MeteringPending || retried.Error != "" {
				t.Fatalf("retried %+v, %v", retried, err)
			}
			for _, id := range []string{ids[0], ids[1], ids[3]} {
				_, err := db.RetryMeteringRecord(d.ctx, id)
				wantCode(t, err, dealdesk.ECONFLICT)
			}
			if err := db.FailMeteringRecords(d.ctx, ids[2:3], time.Time{}, dealdesk.MeteringExpired, "", nil); err != nil {
				t.Fatal(err)
			}
			_, err = db.RetryMeteringRecord(d.ctx, ids[2])
			wantCode(t, err, dealdesk.ECONFLICT)
			if notes, _, _ := db.FindNotifications(d.ctx, dealdesk.NotificationFilter{Kind: dealdesk.TimelineMeteringFailed}); len(notes) != 2 {
				t.Fatalf("%d notifications", len(notes))
			}
			wantField(t, db.FailMeteringRecords(d.ctx, ids, time.Time{}, dealdesk.MeteringSent, "", nil), "status")
		})
		t.Run("another organization's records are not found", func(t *testing.T) {
			o := newOrg(t, db, "globex")
			_, err := db.FindMeteringRecordByID(o, ids[0])
			wantCode(t, err, dealdesk.ENOTFOUND)
			_, err = db.RetryMeteringRecord(o, ids[0])
			wantCode(t, err, dealdesk.ENOTFOUND)
			if next, err := db.NextMeteringRecords(o, 10, now.Add(time.Hour)); err != nil || len(next) != 0 {
				t.Fatalf("next %v, %v", next, err)
			}
			if claimed, err := db.MarkMeteringSending(o, ids, requestsFor(ids, "x"), now.Add(time.Hour)); err != nil || len(claimed) != 0 {
				t.Fatalf("claimed %v, %v", claimed, err)
			}
		})
	})
}

func TestNextMeteringRecordsIdentity(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := pendingDeal(t, db, "acme", dealdesk.MeteringByCustomerIdentifier)
		next, err := db.NextMeteringRecords(d.ctx, 2, e.clock.Now())
		if err != nil || len(next) != 2 {
			t.Fatalf("next %v, %v", next, err)
		}
		if c := next[0].Customer; c.CustomerIdentifier != "cust-acme" || c.LicenseARN != "" || next[0].Product.MeteringIdentity != dealdesk.MeteringByCustomerIdentifier {
			t.Fatalf("customer %+v", c)
		}
		// An entitlement without the customer AWS needs is left out while its records can
		// still be sent, and shown waiting.
		if _, err := db.SQL().Exec(`UPDATE entitlements SET customer_identifier = ''`); err != nil {
			t.Fatal(err)
		}
		if next, err := db.NextMeteringRecords(d.ctx, 10, e.clock.Now()); err != nil || len(next) != 0 {
			t.Fatalf("next without a customer identifier %v, %v", next, err)
		}
		const why = "the customer identifier never arrived"
		if r := findRecord(t, db, d, next[0].Record.ID); !strings.HasPrefix(r.Waiting, why) {
			t.Fatalf("waiting record %q", r.Waiting)
		}
		if tot, err := db.MeteringTotals(d.ctx, d.entitlement); err != nil || !strings.Contains(tot.Waiting, "4 pending record(s) wait: "+why) {
			t.Fatalf("totals waiting %q, %v", tot.Waiting, err)
		}
		// Once out of the window, they are returned, unnamed, to be expired.
		e.clock.Advance(6 * time.Hour)
		late, err := db.NextMeteringRecords(d.ctx, 10, e.clock.Now())
		if err != nil || len(late) != 4 {
			t.Fatalf("next out of the window %d, %v", len(late), err)
		}
		for _, s := range late {
			if !strings.HasPrefix(s.Record.Waiting, why) || s.Customer != (dealdesk.MeteringCustomer{}) {
				t.Fatalf("late unnamed record %q %+v", s.Record.Waiting, s.Customer)
			}
		}
	})
}

// TestMeteringClaims: an answer or an expiry is tied to the claim that carried the record: a
// sender whose claim was taken over, or that saw a record unclaimed, cannot end or reset a
// record another live sender holds.
func TestMeteringClaims(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := pendingDeal(t, db, "acme", "")
		now := e.clock.Now()
		next, err := db.NextMeteringRecords(d.ctx, 10, now.Add(-dealdesk.SendingLease))
		if err != nil || len(next) != 4 {
			t.Fatalf("next %d, %v", len(next), err)
		}
		ids := sendIDs(next)
		if _, err := db.MarkMeteringSending(d.ctx, ids[:2], requestsFor(ids[:2], "old"), now); err != nil {
			t.Fatal(err)
		}
		later := now.Add(dealdesk.SendingLease + time.Second)
		e.clock.Advance(dealdesk.SendingLease + time.Second)
		taken, err := db.MarkMeteringSending(d.ctx, ids[:1], requestsFor(ids[:1], "new"), later)
		if err != nil || len(taken) != 1 {
			t.Fatalf("take over %v, %v", taken, err)
		}
		// The old sender (claim at now) expires and answers: the record taken over is untouched.
		if err := db.FailMeteringRecords(d.ctx, ids[:1], now, dealdesk.MeteringExpired, "old sender", nil); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveMeteringResults(d.ctx, ids[:1], []dealdesk.UsageRecordResult{{Status: ""}}, now, later); err != nil {
			t.Fatal(err)
		}
		// A sender that saw it unclaimed cannot expire it under a live claim either.
		if err := db.FailMeteringRecords(d.ctx, ids[:1], time.Time{}, dealdesk.MeteringExpired, "unclaimed", nil); err != nil {
			t.Fatal(err)
		}
		if r := findRecord(t, db, d, ids[0]); r.Status != dealdesk.MeteringSending || r.Attempts != 2 {
			t.Fatalf("another sender's record changed: %+v", r)
		}
		// The old sender's own claim on ids[1] (not taken over) it may end.
		if err := db.FailMeteringRecords(d.ctx, ids[1:2], now, dealdesk.MeteringFailed, "refused", nil); err != nil {
			t.Fatal(err)
		}
		if r := findRecord(t, db, d, ids[1]); r.Status != dealdesk.MeteringFailed {
			t.Fatalf("own claim not ended: %+v", r)
		}
		// The live claim's answer is stored.
		if err := db.SaveMeteringResults(d.ctx, ids[:1], []dealdesk.UsageRecordResult{{Status: "Success", MeteringRecordID: "aws-1"}}, taken[0].ClaimedAt, later); err != nil {
			t.Fatal(err)
		}
		if r := findRecord(t, db, d, ids[0]); r.Status != dealdesk.MeteringSent || r.MeteringRecordID != "aws-1" {
			t.Fatalf("live claim's answer not stored: %+v", r)
		}
	})
}

// TestMeteringMaybeMetered: a record expired after a call carried it (a stale SENDING one, or
// PENDING again with attempts) may have been metered: it is marked, notified as such and
// counted unknown, not failed; one never sent is plainly EXPIRED.
func TestMeteringMaybeMetered(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := pendingDeal(t, db, "acme", "")
		now := e.clock.Now()
		next, err := db.NextMeteringRecords(d.ctx, 10, now.Add(-dealdesk.SendingLease))
		if err != nil || len(next) != 4 {
			t.Fatalf("next %d, %v", len(next), err)
		}
		ids := sendIDs(next) // 07:00 api_calls q=1, 07:00 seats q=2, 08:00 api_calls q=3, 08:00 seats q=4
		// ids[0] left SENDING by a dead sender; ids[2] back to PENDING after a 5xx.
		if _, err := db.MarkMeteringSending(d.ctx, []string{ids[0], ids[2]}, requestsFor([]string{ids[0], ids[2]}, "x"), now); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveMeteringResults(d.ctx, ids[2:3], []dealdesk.UsageRecordResult{{Response: json.RawMessage(`{"__type":"InternalServiceErrorException"}`)}}, now, now); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(dealdesk.SendingLease + time.Second)
		if err := db.FailMeteringRecords(d.ctx, ids, time.Time{}, dealdesk.MeteringExpired, "out of the window", nil); err != nil {
			t.Fatal(err)
		}
		for i, want := range []bool{true, false, true, false} {
			r := findRecord(t, db, d, ids[i])
			if r.Status != dealdesk.MeteringExpired || r.MaybeMetered != want ||
				strings.HasPrefix(r.Error, "may have been metered: AWS's answer was lost") != want {
				t.Fatalf("record %d: %s maybe=%v %q, want maybe=%v", i, r.Status, r.MaybeMetered, r.Error, want)
			}
		}
		notes, _, err := db.FindNotifications(d.ctx, dealdesk.NotificationFilter{Kind: dealdesk.TimelineMeteringFailed})
		if err != nil || len(notes) != 2 {
			t.Fatalf("notifications %d, %v", len(notes), err)
		}
		maybe := 0
		for _, n := range notes {
			if strings.Contains(n.Summary, "may have been metered") {
				maybe++
			}
		}
		if maybe != 1 {
			t.Fatalf("%d notifications of records that may have been metered", maybe)
		}
		tot, err := db.MeteringTotals(d.ctx, d.entitlement)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]int64{}
		for _, x := range tot.Dimensions {
			got[x.DimensionKey] = [2]int64{x.Failed, x.Unknown}
		}
		if got["api_calls"] != [2]int64{0, 4} || got["seats"] != [2]int64{6, 0} {
			t.Fatalf("failed/unknown by dimension %v", got)
		}
	})
}

// TestMeteringRequestIsKeptAcrossAttempts: a record sent once and back to PENDING (a 5xx, a lost
// answer: AWS may have metered it) is sent again with the bytes stored first, even by a sender
// that built other bytes; an operator's retry of a FAILED record (its batch refused whole, nothing
// metered) drops the stored request, so the next claim stores the request built anew.
func TestMeteringRequestIsKeptAcrossAttempts(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := pendingDeal(t, db, "acme", "")
		now := e.clock.Now()
		next, err := db.NextMeteringRecords(d.ctx, 10, now.Add(-dealdesk.SendingLease))
		if err != nil || len(next) == 0 {
			t.Fatalf("next %d, %v", len(next), err)
		}
		ids := sendIDs(next)[:1]
		first, err := db.MarkMeteringSending(d.ctx, ids, requestsFor(ids, "R1"), now)
		if err != nil || len(first) != 1 {
			t.Fatalf("claim %v, %v", first, err)
		}
		if err := db.SaveMeteringResults(d.ctx, ids, []dealdesk.UsageRecordResult{{Status: ""}}, first[0].ClaimedAt, now); err != nil {
			t.Fatal(err)
		}
		again, err := db.MarkMeteringSending(d.ctx, ids, requestsFor(ids, "R2"), now.Add(time.Second))
		if err != nil || len(again) != 1 || string(again[0].Request) != string(first[0].Request) {
			t.Fatalf("second claim %s, %v: want the first request %s again", again, err, first[0].Request)
		}
		if err := db.FailMeteringRecords(d.ctx, ids, again[0].ClaimedAt, dealdesk.MeteringFailed, "refused", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RetryMeteringRecord(d.ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		third, err := db.MarkMeteringSending(d.ctx, ids, requestsFor(ids, "R3"), now.Add(2*time.Second))
		if err != nil || len(third) != 1 || string(third[0].Request) != string(requestsFor(ids, "R3")[0]) {
			t.Fatalf("claim after retry %s, %v: want the request built anew", third, err)
		}
	})
}
