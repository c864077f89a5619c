package sim

import (
	"testing"
	"time"
)

// testClock is a clock the quota tests move by hand; nothing sleeps. Each subtest runs on one
// goroutine, so it needs no lock.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// allowed counts how many of n calls the quota lets through at the clock's current time.
func allowed(q *quotas, svc, op, acct string, n int) int {
	got := 0
	for range n {
		if q.allow(svc, op, acct) {
			got++
		}
	}
	return got
}

func TestQuotas_TokenBucketOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	const seller, reseller = "111122223333", "444455556666"
	tests := []struct {
		name string
		run  func(c *testClock, q *quotas) (got, want int)
	}{
		{"a full burst equals the rate", func(c *testClock, q *quotas) (int, int) {
			return allowed(q, svcCatalog, "StartChangeSet", seller, 8), 5
		}},
		{"a fifth of a second refills one StartChangeSet call", func(c *testClock, q *quotas) (int, int) {
			allowed(q, svcCatalog, "StartChangeSet", seller, 5)
			c.advance(200 * time.Millisecond)
			return allowed(q, svcCatalog, "StartChangeSet", seller, 5), 1
		}},
		{"a tenth of a second refills no StartChangeSet call", func(c *testClock, q *quotas) (int, int) {
			allowed(q, svcCatalog, "StartChangeSet", seller, 5)
			c.advance(100 * time.Millisecond)
			return allowed(q, svcCatalog, "StartChangeSet", seller, 5), 0
		}},
		{"an idle minute refills the burst, not more", func(c *testClock, q *quotas) (int, int) {
			allowed(q, svcMetering, "BatchMeterUsage", seller, 10)
			c.advance(time.Minute)
			return allowed(q, svcMetering, "BatchMeterUsage", seller, 100), 10
		}},
		{"each account has its own bucket", func(c *testClock, q *quotas) (int, int) {
			allowed(q, svcAgreement, "DescribeAgreement", seller, 5)
			return allowed(q, svcAgreement, "DescribeAgreement", reseller, 10), 5
		}},
		{"each operation has its own bucket", func(c *testClock, q *quotas) (int, int) {
			allowed(q, svcCatalog, "DescribeEntity", seller, 20)
			return allowed(q, svcCatalog, "ListEntities", seller, 20), 10
		}},
		{"an operation without a documented quota is never throttled", func(c *testClock, q *quotas) (int, int) {
			return allowed(q, svcSQS, "ReceiveMessage", seller, 1000), 1000
		}},
		{"switched off, nothing is throttled", func(c *testClock, q *quotas) (int, int) {
			q.setEnabled(false)
			return allowed(q, svcCatalog, "StartChangeSet", seller, 50), 50
		}},
		{"switched back on, the buckets start full", func(c *testClock, q *quotas) (int, int) {
			allowed(q, svcCatalog, "StartChangeSet", seller, 5)
			q.setEnabled(false)
			q.setEnabled(true)
			return allowed(q, svcCatalog, "StartChangeSet", seller, 10), 5
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &testClock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
			q := newQuotas(c.now)
			if got, want := tt.run(c, q); got != want {
				t.Errorf("allowed %d calls, want %d", got, want)
			}
		})
	}
}
