package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// benchEngines runs fn on a fresh SQLite file and a fresh PostgreSQL database.
func benchEngines(b *testing.B, fn func(b *testing.B, db *sqldb.DB)) {
	b.Run(sqldb.EngineSQLite, func(b *testing.B) { fn(b, newSQLiteEngine(b).open(b)) })
	b.Run(sqldb.EnginePostgres, func(b *testing.B) { fn(b, newPostgresEngine(b).open(b)) })
}

// BenchmarkCreateOffer measures validating and storing one complete opportunity.
func BenchmarkCreateOffer(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *sqldb.DB) {
		ctx := newOrg(b, db, "Bench")
		in := completeOffer(newProduct(b, db, ctx, "prod-bench1").ID)
		for b.Loop() {
			if _, err := db.CreateOffer(ctx, in, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSubmitOffer measures creating an opportunity and submitting it, which writes the
// status change and the publish job in one transaction.
func BenchmarkSubmitOffer(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *sqldb.DB) {
		ctx := newOrg(b, db, "Bench")
		in := completeOffer(newProduct(b, db, ctx, "prod-bench1").ID)
		for b.Loop() {
			o, err := db.CreateOffer(ctx, in, false)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFindOffers measures one filtered page of 50 among 2,000 opportunities.
func BenchmarkFindOffers(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *sqldb.DB) {
		ctx := newOrg(b, db, "Bench")
		in := completeOffer(newProduct(b, db, ctx, "prod-bench1").ID)
		for range 2000 {
			if _, err := db.CreateOffer(ctx, in, false); err != nil {
				b.Fatal(err)
			}
		}
		f := dealdesk.OfferFilter{Type: dealdesk.OfferCPPOOut, Status: dealdesk.OfferDraft, Limit: 50}
		for b.Loop() {
			items, next, err := db.FindOffers(ctx, f)
			if err != nil || len(items) != 50 || next == "" {
				b.Fatalf("page: %d items, next %q, %v", len(items), next, err)
			}
		}
	})
}

// BenchmarkFindOffers_NameContains measures a page of 25 found by name among 10,000
// opportunities (the console's budget: issue 9): "few" matches 10 names, so the search reads
// every row of the organization; "many" matches them all, so the first page ends it early.
func BenchmarkFindOffers_NameContains(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *sqldb.DB) {
		ctx := newOrg(b, db, "Bench")
		in := completeOffer(newProduct(b, db, ctx, "prod-bench1").ID)
		for i := range 10_000 {
			in.Name = ptr(fmt.Sprintf("Deal %05d", i))
			if _, err := db.CreateOffer(ctx, in, true); err != nil {
				b.Fatal(err)
			}
		}
		for _, tt := range []struct {
			name, search string
			want         int
		}{{"few", "deal 0500", 10}, {"many", "DEAL", 25}} {
			b.Run(tt.name, func(b *testing.B) {
				f := dealdesk.OfferFilter{Type: dealdesk.OfferCPPOOut, NameContains: tt.search, Limit: 25}
				for b.Loop() {
					items, _, err := db.FindOffers(ctx, f)
					if err != nil || len(items) != tt.want {
						b.Fatalf("page: %d items, want %d: %v", len(items), tt.want, err)
					}
				}
			})
		}
	})
}

// BenchmarkCloseUsageHours1M measures closing 1,000,000 stored usage records (500,000 groups
// of two dimensions over three hours) into hourly metering records on SQLite: the issue's
// target is at most 5 s. Each iteration puts the usage back to ACCEPTED and deletes the
// records first, outside the timer. Skipped with -short; run it alone:
//
//	go test ./sqldb/ -run '^$' -bench CloseUsageHours1M -benchtime 1x
func BenchmarkCloseUsageHours1M(b *testing.B) {
	if testing.Short() {
		b.Skip("1,000,000 records: not with -short")
	}
	const groups, perGroup = 500_000, 2
	e := newSQLiteEngine(b)
	db := e.open(b)
	d := newUsageDeal(b, db, "acme", dealTerms{grantSeats: 1000, commit: "100", apiPrice: "0.5", seatPrice: "1", meterAgainstCommit: true})
	batch := make([]dealdesk.UsageGroupInput, 0, dealdesk.MaxUsageBatchGroups)
	for i := range groups {
		ts := usageStart.Add(time.Duration(i) * (3 * time.Hour / groups))
		batch = append(batch, d.group(fmt.Sprintf("g-%d", i), ts, "api_calls", fmt.Sprintf("%d.%d", i%10, i%7), "seats", "0.25"))
		if len(batch) == cap(batch) || i == groups-1 {
			report(b, db, d.ctx, batch...)
			batch = batch[:0]
		}
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		for _, q := range []string{`UPDATE usage_groups SET status = 'ACCEPTED', metered_hour = NULL`,
			`DELETE FROM metering_records`, `DELETE FROM meter_states`} {
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		recs, err := db.CloseUsageHours(d.ctx, usageStart.Add(3*time.Hour), dealdesk.MeteringOptions{})
		if err != nil {
			b.Fatal(err)
		}
		// Hour 06:00 holds the groups i with i*3h/groups < 1h: 166,667 of them, 0.25 seats each.
		if len(recs) != 6 || recs[1].DimensionKey != "seats" || recs[1].Usage.String() != "41666.75" {
			b.Fatalf("%d records, first hour's %s %s", len(recs), recs[1].DimensionKey, recs[1].Usage)
		}
	}
	b.ReportMetric(float64(groups*perGroup)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReportUsage measures storing one batch of 10,000 usage groups of two records.
func BenchmarkReportUsage(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *sqldb.DB) {
		d := newUsageDeal(b, db, "acme", defaultTerms)
		n := 0
		for b.Loop() {
			batch := make([]dealdesk.UsageGroupInput, dealdesk.MaxUsageBatchGroups)
			for i := range batch {
				n++
				batch[i] = d.group(fmt.Sprintf("g-%d", n), usageStart.Add(time.Duration(n)*time.Millisecond), "api_calls", "1.5", "seats", "2")
			}
			report(b, db, d.ctx, batch...)
		}
		b.ReportMetric(float64(2*dealdesk.MaxUsageBatchGroups)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
