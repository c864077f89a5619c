package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// advance moves the deal's clock by d.
func (d *meterDeal) advance(dur time.Duration) {
	d.clock.mu.Lock()
	d.clock.now = d.clock.now.Add(dur)
	d.clock.mu.Unlock()
}

// TestMeteringWorker_TimestampOutOfBoundsKeepsGoodRecords: a record crosses AWS's window
// while its batch is in the call (a slow call), and AWS refuses the whole batch with
// TimestampOutOfBoundsException. The good record of the batch is never FAILED: the one out of
// the window is EXPIRED on its own, the good one goes back to PENDING and is sent in the next
// batch.
func TestMeteringWorker_TimestampOutOfBoundsKeepsGoodRecords(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newMeterDeal(t, engine, dealSetup{storeWindow: 24 * time.Hour, acceptedAgo: 5*time.Hour + 30*time.Minute})
		d.report(d.hour.Add(-5*time.Hour+10*time.Minute), map[string]string{"api_calls": "40"})
		d.report(d.hour.Add(-time.Hour+10*time.Minute), map[string]string{"api_calls": "30"})
		// The first call takes 51 minutes: hour H-5 leaves AWS's 6-hour window meanwhile.
		d.meter.onCall = func(n int) {
			if n == 1 {
				d.advance(51 * time.Minute)
			}
		}
		res, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil {
			t.Fatalf("Flush: %v", err)
		}
		if calls := d.meter.sent(); len(calls) != 2 || len(calls[0]) != 2 || len(calls[1]) != 1 {
			t.Fatalf("calls %v: want the batch of two refused, then the good record alone", calls)
		}
		if res.Sent != 1 || res.Failed != 1 {
			t.Errorf("flush sent %d, failed %d; want 1 and 1", res.Sent, res.Failed)
		}
		recs := d.records()
		if r := recs["H-5 api_calls"]; r == nil || r.Status != dealdesk.MeteringExpired || r.MaybeMetered ||
			!strings.Contains(string(r.Response), "TimestampOutOfBoundsException") {
			t.Fatalf("record out of the window %+v, want EXPIRED (not maybe metered) with AWS's answer", r)
		}
		if r := recs["H-1 api_calls"]; r == nil || r.Status != dealdesk.MeteringSent || r.Attempts != 2 {
			t.Fatalf("good record %+v, want SENT at the second attempt", r)
		}
		if got, want := d.ledger(), map[string]int64{"H-1 api_calls": 30}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ledger = %v, want %v", got, want)
		}
	})
}

// TestMeteringWorker_UnnamedCustomerExpires: records of an entitlement whose license ARN never
// arrived wait, shown with the reason, while they can still be sent; once out of the window
// they are EXPIRED with that reason and a notification, not left unseen.
func TestMeteringWorker_UnnamedCustomerExpires(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newMeterDeal(t, engine, dealSetup{acceptedAgo: 3 * time.Hour})
		d.report(d.hour.Add(-time.Hour+10*time.Minute), map[string]string{"api_calls": "9"})
		if _, err := d.db.SQL().Exec(`UPDATE entitlements SET license_arn = ''`); err != nil {
			t.Fatal(err)
		}
		const why = "the customer's license ARN never arrived"
		if res, err := d.w.Flush(context.Background(), d.o.id); err != nil || res.Closed != 1 || res.Sent != 0 || res.Failed != 0 {
			t.Fatalf("flush = %+v, %v; want the record closed, nothing sent", res, err)
		}
		if r := d.records()["H-1 api_calls"]; r == nil || r.Status != dealdesk.MeteringPending || !strings.HasPrefix(r.Waiting, why) {
			t.Fatalf("record %+v, want PENDING, waiting for the license", r)
		}
		d.advance(6 * time.Hour)
		res, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil || res.Failed != 1 || len(d.meter.sent()) != 0 {
			t.Fatalf("flush out of the window = %+v, %v, %d calls; want the record expired, never sent", res, err, len(d.meter.sent()))
		}
		if r := d.records()["H-1 api_calls"]; r == nil || r.Status != dealdesk.MeteringExpired || !strings.HasPrefix(r.Error, why) {
			t.Fatalf("record %+v, want EXPIRED because the license never arrived", r)
		}
		notes, _, err := d.db.FindNotifications(d.o.ctx, dealdesk.NotificationFilter{Kind: dealdesk.TimelineMeteringFailed})
		if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Summary, why) {
			t.Fatalf("notifications %+v, %v", notes, err)
		}
	})
}

// TestMeteringWorker_SendsTheClaimedRequest: between the worker's fetch and its claim, another
// sender claimed the record, stored its request and died; the worker's claim takes it over
// and keeps that request, which may have reached AWS: the worker sends exactly those bytes,
// not the request it built.
func TestMeteringWorker_SendsTheClaimedRequest(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newMeterDeal(t, engine, dealSetup{acceptedAgo: 3 * time.Hour})
		d.report(d.hour.Add(-time.Hour+10*time.Minute), map[string]string{"api_calls": "5"})
		var stored string
		d.meter.onBuild = func(rec *dealdesk.MeteringRecord, req json.RawMessage) {
			if stored != "" {
				return
			}
			stored = " " + string(req) + " " // the same usage record, other bytes
			stale := d.clock.Now().Add(-dealdesk.SendingLease - time.Second)
			if c, err := d.db.MarkMeteringSending(d.o.ctx, []string{rec.ID}, []json.RawMessage{json.RawMessage(stored)}, stale); err != nil || len(c) != 1 {
				t.Errorf("the other sender's claim: %v, %v", c, err)
			}
		}
		res, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil || res.Sent != 1 {
			t.Fatalf("flush = %+v, %v; want the record sent", res, err)
		}
		r := d.records()["H-1 api_calls"]
		if r == nil || string(r.Request) != stored || d.meter.sentRequest(r.ID) != stored {
			t.Fatalf("sent %q, stored %q; want both the other sender's %q", d.meter.sentRequest(r.ID), r.Request, stored)
		}
	})
}

// TestMeteringWorker_LostAnswerExpiresAsUnknown: a sender claimed a record, called AWS and
// died before storing the answer; by the time the lease lets another take it over, its hour
// has left the window. It is EXPIRED as maybe metered (AWS may have billed it), counted
// unknown, not failed, and notified as such.
func TestMeteringWorker_LostAnswerExpiresAsUnknown(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newMeterDeal(t, engine, dealSetup{acceptedAgo: 3 * time.Hour})
		d.report(d.hour.Add(-time.Hour+10*time.Minute), map[string]string{"api_calls": "5"})
		if _, err := d.db.CloseUsageHours(d.o.ctx, d.clock.Now(), dealdesk.MeteringOptions{}); err != nil {
			t.Fatal(err)
		}
		sends, err := d.db.NextMeteringRecords(d.o.ctx, 10, d.clock.Now())
		if err != nil || len(sends) != 1 {
			t.Fatalf("next %d, %v", len(sends), err)
		}
		if c, err := d.db.MarkMeteringSending(d.o.ctx, []string{sends[0].Record.ID}, []json.RawMessage{json.RawMessage(`{}`)}, d.clock.Now()); err != nil || len(c) != 1 {
			t.Fatalf("the dead sender's claim: %v, %v", c, err)
		}
		d.advance(6 * time.Hour)
		res, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil || res.Unknown != 1 || res.Failed != 0 || len(d.meter.sent()) != 0 {
			t.Fatalf("flush = %+v, %v; want one unknown, none failed, nothing sent", res, err)
		}
		r := d.records()["H-1 api_calls"]
		if r == nil || r.Status != dealdesk.MeteringExpired || !r.MaybeMetered || !strings.HasPrefix(r.Error, "may have been metered: AWS's answer was lost") {
			t.Fatalf("record %+v, want EXPIRED, maybe metered", r)
		}
		tot, err := d.db.MeteringTotals(d.o.ctx, d.ent.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range tot.Dimensions {
			if x.DimensionKey == "api_calls" && (x.Unknown != 5 || x.Failed != 0) {
				t.Fatalf("totals failed %d, unknown %d; want 0 and 5", x.Failed, x.Unknown)
			}
		}
		notes, _, err := d.db.FindNotifications(d.o.ctx, dealdesk.NotificationFilter{Kind: dealdesk.TimelineMeteringFailed})
		if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Summary, "may have been metered") {
			t.Fatalf("notifications %+v, %v", notes, err)
		}
	})
}
