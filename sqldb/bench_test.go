package sqldb_test

import (
	"testing"

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
