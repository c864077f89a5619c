package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// recordLine writes a metering record as "hour dimension usage grant commit $amount overage
// carried-in→carried-out quantity status", for comparing with what the rules give.
func recordLine(r *dealdesk.MeteringRecord) string {
	return fmt.Sprintf("%s %s usage=%s grant=%s commit=%s $%s overage=%s carry=%s→%s q=%d %s", r.Hour.Format("15:04"), r.DimensionKey,
		norm(r.Usage), norm(r.CoveredByGrant), norm(r.CoveredByCommit), norm(r.CommitAmount), norm(r.Overage),
		norm(r.CarriedIn), norm(r.CarriedOut), r.Quantity, r.Status)
}

// norm writes d without trailing zeros: the engines keep the scales they are given differently.
func norm(d dealdesk.Decimal) string {
	s := d.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// records lists the entitlement's metering records, oldest hour first, as recordLines.
func recordLines(t *testing.T, db *sqldb.DB, d usageDeal) []string {
	t.Helper()
	recs, _, err := db.FindMeteringRecords(d.ctx, dealdesk.MeteringRecordFilter{EntitlementID: d.entitlement, Limit: dealdesk.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, recordLine(r))
	}
	slices.Sort(out)
	return out
}

func closeHours(t *testing.T, db *sqldb.DB, d usageDeal, before time.Time, opts dealdesk.MeteringOptions) []*dealdesk.MeteringRecord {
	t.Helper()
	recs, err := db.CloseUsageHours(d.ctx, before, opts)
	if err != nil {
		t.Fatalf("close usage hours: %v", err)
	}
	return recs
}

func TestCloseUsageHours(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		// Grant 100 seats; a $100 commit consumed at $0.5 per API call and $1 per seat.
		terms := defaultTerms
		terms.meterAgainstCommit = true
		d := newUsageDeal(t, db, "acme", terms)
		other := newUsageDeal(t, db, "globex", terms)
		h := func(hh, mm int) time.Time { return time.Date(2026, 11, 26, hh, mm, 0, 0, time.UTC) }
		report(t, db, d.ctx,
			d.group("6a", h(6, 5), "api_calls", "100", "seats", "60"),
			d.group("6b", h(6, 59), "api_calls", "50.3"),
			d.group("7a", h(7, 0), "api_calls", "80.5", "seats", "50.5"),
			d.group("8a", h(8, 30), "api_calls", "10.7", "seats", "10"),
			d.group("9a", h(8, 59), "api_calls", "0"),
		)
		report(t, db, other.ctx, other.group("o", h(7, 0), "api_calls", "1000"))

		t.Run("hours are covered by the grant, then the commit, and the overage metered in whole units, fractions carried", func(t *testing.T) {
			recs := closeHours(t, db, d, h(9, 0), dealdesk.MeteringOptions{})
			want := []string{
				// Hour 6: $75.15 of the commit covers 150.3 calls; the grant covers 60 seats.
				"06:00 api_calls usage=150.3 grant=0 commit=150.3 $75.15 overage=0 carry=0→0 q=0 NOT_METERED",
				"06:00 seats usage=60 grant=60 commit=0 $0 overage=0 carry=0→0 q=0 NOT_METERED",
				// Hour 7: the commit's last $24.85 covers 49.7 calls; 30.8 are overage: 30
				// metered, 0.8 carried. The grant's last 40 seats; 10.5 overage, the commit
				// used up.
				"07:00 api_calls usage=80.5 grant=0 commit=49.7 $24.85 overage=30.8 carry=0→0.8 q=30 PENDING",
				"07:00 seats usage=50.5 grant=40 commit=0 $0 overage=10.5 carry=0→0.5 q=10 PENDING",
				// Hour 8: everything is overage; the carried fractions add up.
				"08:00 api_calls usage=10.7 grant=0 commit=0 $0 overage=10.7 carry=0.8→0.5 q=11 PENDING",
				"08:00 seats usage=10 grant=0 commit=0 $0 overage=10 carry=0.5→0.5 q=10 PENDING",
			}
			var got []string
			for _, r := range recs {
				got = append(got, recordLine(r))
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("records made:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if stored := recordLines(t, db, d); !slices.Equal(stored, want) {
				t.Fatalf("records stored:\n%s", strings.Join(stored, "\n"))
			}
			gs, _, err := db.FindUsageGroups(d.ctx, dealdesk.UsageGroupFilter{Status: dealdesk.UsageAggregated})
			if err != nil || len(gs) != 5 {
				t.Fatalf("aggregated groups %d, %v", len(gs), err)
			}
			for _, g := range gs {
				if g.MeteredHour == nil || !g.MeteredHour.Equal(dealdesk.Hour(g.Timestamp)) {
					t.Fatalf("group %s metered in %v", g.ID, g.MeteredHour)
				}
			}
			if n := count(t, db, "metering_records", "entitlement_id = $1", other.entitlement); n != 0 {
				t.Fatalf("another organization's usage was closed: %d records", n)
			}
		})
		t.Run("closing again makes nothing new", func(t *testing.T) {
			if recs := closeHours(t, db, d, h(9, 0), dealdesk.MeteringOptions{}); len(recs) != 0 {
				t.Fatalf("made %d records", len(recs))
			}
			if n := count(t, db, "metering_records", ""); n != 6 {
				t.Fatalf("%d records", n)
			}
		})
		t.Run("usage of an hour already closed counts in the next hour closed", func(t *testing.T) {
			e.clock.Advance(10 * time.Minute)
			report(t, db, d.ctx, d.group("late", h(7, 10), "api_calls", "2.5"), d.group("open", h(9, 5), "seats", "1"))
			if recs := closeHours(t, db, d, h(9, 10), dealdesk.MeteringOptions{}); len(recs) != 0 {
				t.Fatalf("made %d records before hour 9 ended", len(recs))
			}
			e.clock.Advance(55 * time.Minute) // 10:05
			recs := closeHours(t, db, d, h(10, 0), dealdesk.MeteringOptions{})
			var got []string
			for _, r := range recs {
				got = append(got, recordLine(r))
			}
			slices.Sort(got)
			want := []string{
				"09:00 api_calls usage=2.5 grant=0 commit=0 $0 overage=2.5 carry=0.5→0 q=3 PENDING",
				"09:00 seats usage=1 grant=0 commit=0 $0 overage=1 carry=0.5→0.5 q=1 PENDING",
			}
			if !slices.Equal(got, want) {
				t.Fatalf("records made:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			res := report(t, db, d.ctx, d.group("late", h(7, 10), "api_calls", "2.5"))
			if g := res[0].Group; g.Status != dealdesk.UsageAggregated || g.MeteredHour == nil || !g.MeteredHour.Equal(h(9, 0)) {
				t.Fatalf("late group %+v", g)
			}
		})
		t.Run("totals", func(t *testing.T) {
			report(t, db, d.ctx, d.group("pending", h(10, 1), "api_calls", "0.25"), d.group("pending2", h(10, 2), "api_calls", "0.5"))
			tot, err := db.MeteringTotals(d.ctx, d.entitlement)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("commit %s of %s; pending %s", norm(tot.CommitUsed), tot.CommitAmount, norm(tot.Pending["api_calls"]))
			for _, x := range tot.Dimensions {
				got += fmt.Sprintf("; %s reported=%s grant=%s commit=%s metered=%d unsent=%d failed=%d carry=%s", x.DimensionKey,
					norm(x.Reported), norm(x.CoveredByGrant), norm(x.CoveredByCommit), x.Metered, x.Unsent, x.Failed, norm(x.Carry))
			}
			want := "commit 100 of 100; pending 0.75" +
				"; api_calls reported=244 grant=0 commit=200 metered=0 unsent=44 failed=0 carry=0" +
				"; seats reported=121.5 grant=100 commit=0 metered=0 unsent=21 failed=0 carry=0.5"
			if got != want {
				t.Fatalf("totals\n%s\nwant\n%s", got, want)
			}
			if tot.RecordsByStatus[dealdesk.MeteringPending] != 6 || tot.RecordsByStatus[dealdesk.MeteringNotMetered] != 2 {
				t.Fatalf("records by status %v", tot.RecordsByStatus)
			}
			_, err = db.MeteringTotals(d.ctx, other.entitlement)
			wantCode(t, err, dealdesk.ENOTFOUND)
		})
		t.Run("a meter state kept before its totals were (migration 0012) adds up its records once", func(t *testing.T) {
			before, err := db.MeteringTotals(d.ctx, d.entitlement)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.ExecInTx(context.Background(), `UPDATE meter_states SET totals = NULL WHERE entitlement_id = $1`, d.entitlement); err != nil {
				t.Fatal(err)
			}
			after, err := db.MeteringTotals(d.ctx, d.entitlement)
			if err != nil || fmt.Sprint(after.Dimensions) != fmt.Sprint(before.Dimensions) {
				t.Fatalf("totals added up from the records:\n%v, %v\nwant the kept ones:\n%v", after.Dimensions, err, before.Dimensions)
			}
			if n := count(t, db, "meter_states", "entitlement_id = $1 AND totals IS NULL", d.entitlement); n != 0 {
				t.Fatal("the read did not keep the totals it added up")
			}
			if kept, err := db.MeteringTotals(d.ctx, d.entitlement); err != nil || fmt.Sprint(kept.Dimensions) != fmt.Sprint(before.Dimensions) {
				t.Fatalf("the totals the read kept:\n%v, %v\nwant:\n%v", kept.Dimensions, err, before.Dimensions)
			}
			if err := db.ExecInTx(context.Background(), `UPDATE meter_states SET totals = NULL WHERE entitlement_id = $1`, d.entitlement); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour) // 11:05: hour 10 (0.75 calls) closes
			if recs := closeHours(t, db, d, h(11, 0), dealdesk.MeteringOptions{}); len(recs) != 1 {
				t.Fatalf("closing hour 10 made %d records, want 1", len(recs))
			}
			if n := count(t, db, "meter_states", "entitlement_id = $1 AND totals IS NULL", d.entitlement); n != 0 {
				t.Fatal("the close did not keep the totals")
			}
			tot, err := db.MeteringTotals(d.ctx, d.entitlement)
			if err != nil {
				t.Fatal(err)
			}
			if x := tot.Dimensions[0]; x.DimensionKey != "api_calls" || norm(x.Reported) != "244.75" || norm(x.CoveredByCommit) != "200" || x.Unsent != 44 || norm(x.Carry) != "0.75" {
				t.Fatalf("api_calls after hour 10: %+v; want reported 244.75, commit 200, unsent 44, carry 0.75", x)
			}
			if x := tot.Dimensions[1]; x.DimensionKey != "seats" || norm(x.Reported) != "121.5" || norm(x.CoveredByGrant) != "100" {
				t.Fatalf("seats after hour 10: %+v; want them unchanged", x)
			}
		})
	})
}

func TestCloseUsageHoursZeroRecords(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := newUsageDeal(t, db, "acme", dealTerms{grantSeats: 0, commit: "100", apiPrice: "1", seatPrice: "1"})
		report(t, db, d.ctx, d.group("a", time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC), "api_calls", "1.5"))
		recs := closeHours(t, db, d, e.clock.Now(), dealdesk.MeteringOptions{ZeroRecords: true})
		var got []string
		for _, r := range recs {
			got = append(got, fmt.Sprintf("%s %s q=%d %s", r.Hour.Format("15:04"), r.DimensionKey, r.Quantity, r.Status))
		}
		// The entitlement started at 06:00; every hour gets a record per metered dimension, the
		// contract dimension none.
		want := []string{
			"06:00 api_calls q=0 PENDING", "06:00 seats q=0 PENDING",
			"07:00 api_calls q=1 PENDING", "07:00 seats q=0 PENDING",
			"08:00 api_calls q=0 PENDING", "08:00 seats q=0 PENDING",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if recs := closeHours(t, db, d, e.clock.Now(), dealdesk.MeteringOptions{ZeroRecords: true}); len(recs) != 0 {
			t.Fatalf("closing again made %d records", len(recs))
		}
	})
}

func TestCloseUsageHoursEndedEntitlement(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := newUsageDeal(t, db, "acme", dealTerms{commit: "100", apiPrice: "1", seatPrice: "1"})
		report(t, db, d.ctx, d.group("a", time.Date(2026, 11, 26, 8, 40, 0, 0, time.UTC), "api_calls", "4"))
		end := time.Date(2026, 11, 26, 8, 45, 0, 0, time.UTC)
		ent := findEntitlement(t, db, d.ctx, d.entitlement)
		ent.EndTime, ent.Status = &end, dealdesk.EntitlementExpired
		if _, err := db.SaveEntitlement(d.ctx, ent, ""); err != nil {
			t.Fatal(err)
		}
		// At 09:00 the hour 08:00 would close anyway; at 08:50 only because the entitlement ended.
		e.clock.Advance(-10 * time.Minute)
		recs := closeHours(t, db, d, e.clock.Now().Add(-5*time.Minute), dealdesk.MeteringOptions{})
		if len(recs) != 1 || recs[0].Quantity != 4 || !recs[0].Hour.Equal(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)) {
			t.Fatalf("records %+v", recs)
		}

		t.Run("usage after the final hour was metered is refused naming timestamp", func(t *testing.T) {
			e.clock.Advance(time.Minute) // 08:51
			res, err := db.ReportUsage(d.ctx, []dealdesk.UsageGroupInput{d.group("late", time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC), "api_calls", "2")})
			if err != nil {
				t.Fatal(err)
			}
			wantField(t, res[0].Err, "timestamp")
			if !strings.Contains(res[0].Err.Error(), "final hour was already metered") {
				t.Fatalf("answer %v", res[0].Err)
			}
			if n := count(t, db, "usage_groups", "entitlement_id = $1 AND id = 'late'", d.entitlement); n != 0 {
				t.Fatalf("refused usage stored: %d", n)
			}
		})
		t.Run("usage that slipped in past the check is UNMETERED with a notification, never put after the end", func(t *testing.T) {
			// Stored while the final hour was being closed: the end moved later (an extension
			// seen then undone), so the check at ingest let it in.
			later := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
			ent := findEntitlement(t, db, d.ctx, d.entitlement)
			ent.EndTime, ent.Status = &later, dealdesk.EntitlementActive
			if _, err := db.SaveEntitlement(d.ctx, ent, ""); err != nil {
				t.Fatal(err)
			}
			report(t, db, d.ctx, d.group("slipped", time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC), "api_calls", "3"))
			ent.EndTime, ent.Status = &end, dealdesk.EntitlementExpired
			if _, err := db.SaveEntitlement(d.ctx, ent, ""); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(75 * time.Minute) // 10:06
			if recs := closeHours(t, db, d, e.clock.Now().Add(-5*time.Minute), dealdesk.MeteringOptions{}); len(recs) != 0 {
				t.Fatalf("made records after the entitlement's end: %s", recordLine(recs[0]))
			}
			endHour := dealdesk.Hour(end).Add(time.Hour) // 09:00, the first hour after the end
			if after, _, err := db.FindMeteringRecords(d.ctx, dealdesk.MeteringRecordFilter{EntitlementID: d.entitlement, From: &endHour}); err != nil || len(after) != 0 {
				t.Fatalf("records of hours after the end: %d, %v", len(after), err)
			}
			gs, _, err := db.FindUsageGroups(d.ctx, dealdesk.UsageGroupFilter{Status: dealdesk.UsageUnmetered})
			if err != nil || len(gs) != 1 || gs[0].ID != "slipped" {
				t.Fatalf("unmetered groups %+v, %v", gs, err)
			}
			if n := count(t, db, "timeline_entries", "entitlement_id = $1 AND kind = $2 AND summary LIKE '%UNMETERED%'",
				d.entitlement, dealdesk.TimelineMeteringFailed); n != 1 {
				t.Fatalf("%d notifications of unmetered usage", n)
			}
			if recs := closeHours(t, db, d, e.clock.Now(), dealdesk.MeteringOptions{}); len(recs) != 0 {
				t.Fatalf("closing again made %d records", len(recs))
			}
			if n := count(t, db, "timeline_entries", "entitlement_id = $1 AND kind = $2", d.entitlement, dealdesk.TimelineMeteringFailed); n != 1 {
				t.Fatalf("notified %d times", n)
			}
		})
	})
}
