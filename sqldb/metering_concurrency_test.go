package sqldb_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// TestCloseUsageHoursConcurrentReports closes hours again and again while usage of those very
// hours keeps coming in from several writers: no quantity is lost or counted twice. Usage
// stored while a close runs is either in that close or left ACCEPTED for the next, which counts
// it in the next hour closed. On PostgreSQL the writers and the closer run at once.
func TestCloseUsageHoursConcurrentReports(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		d := newUsageDeal(t, db, "acme", dealTerms{commit: "100", apiPrice: "1", seatPrice: "1"})
		const writers, calls, perCall = 4, 40, 5
		var wg sync.WaitGroup
		var done atomic.Bool
		errs := make(chan error, writers+1)
		var mu sync.Mutex
		reported := decimal.Zero
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range calls {
					var groups []dealdesk.UsageGroupInput
					sum := decimal.Zero
					for g := range perCall {
						n := (w*calls+c)*perCall + g
						q := fmt.Sprintf("%d.%03d", n%7, n%1000)
						ts := time.Date(2026, 11, 26, 6+n%3, n%60, 0, 0, time.UTC)
						groups = append(groups, d.group(fmt.Sprintf("w%d-%d-%d", w, c, g), ts, "api_calls", q))
						sum = sum.Add(decimal.RequireFromString(q))
					}
					res, err := db.ReportUsage(d.ctx, groups)
					if err == nil {
						for _, r := range res {
							if r.Err != nil || !r.Created {
								err = fmt.Errorf("group %s: %+v", r.ID, r)
							}
						}
					}
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					reported = reported.Add(sum)
					mu.Unlock()
				}
			}()
		}
		closes := 0
		closer := make(chan struct{})
		go func() {
			defer close(closer)
			for !done.Load() {
				if _, err := db.CloseUsageHours(d.ctx, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), dealdesk.MeteringOptions{}); err != nil {
					errs <- err
					return
				}
				closes++
			}
		}()
		wg.Wait()
		done.Store(true)
		<-closer
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// What came in after the first close of hours 6 to 8 counts in hour 9.
		e.clock.Advance(65 * time.Minute)
		closeHours(t, db, d, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), dealdesk.MeteringOptions{})
		if n := count(t, db, "usage_groups", "status = 'ACCEPTED'"); n != 0 {
			t.Fatalf("%d groups left unaggregated", n)
		}
		recs, _, err := db.FindMeteringRecords(d.ctx, dealdesk.MeteringRecordFilter{Limit: dealdesk.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		metered := decimal.Zero
		var quantity int64
		for _, r := range recs {
			metered = metered.Add(r.Usage.Decimal)
			quantity += r.Quantity
		}
		if !metered.Equal(reported) {
			t.Fatalf("usage in metering records %s, reported %s (%d closes)", metered, reported, closes)
		}
		if want := reported.Floor().IntPart(); quantity != want {
			t.Fatalf("quantity metered %d for usage %s", quantity, reported)
		}
		t.Logf("%d closes, %d records, usage %s", closes, len(recs), reported)
	})
}
