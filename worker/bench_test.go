package worker_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// BenchmarkPublish100 submits 100 opportunities at once to workers facing the simulator with
// AWS's quotas on, and waits until all are ACTIVE. It fails on any ThrottlingException answer
// (the client-side limits must keep every call under the quotas) and reports how long it took
// as a multiple of the least time StartChangeSet's quota allows (100 calls at 5/s: 20 s) in
// the metric x_quota_time, which must stay under 1.3. Run it with -benchtime=1x.
func BenchmarkPublish100(b *testing.B) {
	const n = 100
	quota := awsmp.Quotas["Marketplace Catalog.StartChangeSet"]
	least := time.Duration(float64(n) / quota * float64(time.Second))
	for _, engine := range sqldbtest.Engines {
		b.Run(engine, func(b *testing.B) {
			e := newPubEnv(b, engine, sim.Config{ChangeSetDelay: time.Second}, func(c *worker.Config) {
				c.ChangeSetPoll = 2 * time.Second
			})
			round := 0
			for b.Loop() {
				round++
				start := time.Now()
				ids := make([]string, n)
				for i := range ids {
					ids[i] = e.submit(e.opportunity(fmt.Sprintf("Bench %d-%03d", round, i))).ID
				}
				pending := map[string]bool{}
				for _, id := range ids {
					pending[id] = true
				}
				timeout := time.After(5 * least)
				for len(pending) > 0 {
					select {
					case o := <-e.rec.outcomes:
						if o.Kind != dealdesk.OutcomePublished {
							b.Fatalf("outcome %+v; want PUBLISHED", o)
						}
						delete(pending, o.OfferID)
					case <-timeout:
						b.Fatalf("%d of %d opportunities not published within %s", len(pending), n, 5*least)
					}
				}
				elapsed := time.Since(start)
				b.Logf("StartChangeSet answers: %d, the first after %s, the last after %s; DescribeChangeSet answers: %d", len(e.http.starts), e.http.starts[0].Sub(start), e.http.starts[len(e.http.starts)-1].Sub(start), e.http.count("DescribeChangeSet", 200))
				for _, id := range ids {
					if o := e.offer(id); o.Status != dealdesk.OfferActive || o.ExternalID == "" {
						b.Fatalf("%s: status %s, externalId %q; want ACTIVE", id, o.Status, o.ExternalID)
					}
				}
				throttled := 0
				for _, op := range []string{"StartChangeSet", "DescribeChangeSet"} {
					throttled += e.http.count(op, http.StatusTooManyRequests)
				}
				if throttled != 0 {
					b.Fatalf("%d ThrottlingException answers; want none", throttled)
				}
				ratio := elapsed.Seconds() / least.Seconds()
				b.ReportMetric(ratio, "x_quota_time")
				b.ReportMetric(elapsed.Seconds(), "s/100_publishes")
				if ratio > 1.3 {
					b.Fatalf("100 publishes took %s, %.2f× the %s StartChangeSet's quota allows; want at most 1.3×", elapsed, ratio, least)
				}
			}
		})
	}
}
