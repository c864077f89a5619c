package awsmp_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
)

// publishUntilDone calls StartResaleAuthorization with token until it answers, retrying what
// dealdesk.Retryable allows, as the publish job does; it returns the change set ID and the
// retryable errors it got past.
func publishUntilDone(t *testing.T, e *simEnv, cat *awsmp.Catalog, tc opportunity, token string) (string, []*dealdesk.AWSError) {
	t.Helper()
	var seen []*dealdesk.AWSError
	for range 50 {
		id, err := cat.StartResaleAuthorization(context.Background(), e.conn, tc.offer, tc.product, token)
		if err == nil {
			return id, seen
		}
		var ae *dealdesk.AWSError
		if !dealdesk.Retryable(err) || !errors.As(err, &ae) {
			t.Fatalf("StartResaleAuthorization: terminal error %v", err)
		}
		seen = append(seen, ae)
	}
	t.Fatal("StartResaleAuthorization did not get through 50 attempts")
	return "", nil
}

// TestSameTokenUnderFaultsCreatesOneResaleAuthorization: with quotas on and StartChangeSet
// failing half the time with throttling, then 423 ResourceInUseException, then 500, the same
// ClientRequestToken sent again and again (SDK retries, and the caller retrying what
// Retryable allows) yields one change set and exactly one resale authorization.
func TestSameTokenUnderFaultsCreatesOneResaleAuthorization(t *testing.T) {
	t.Parallel()
	e := newSim(t, true)
	cat := e.catalog()
	tc := opportunities()[0]
	token := dealdesk.PublishToken(tc.offer.ID, 1)
	ids := map[string]bool{}
	for _, fault := range []struct {
		typ    string
		status int
	}{{"ThrottlingException", 429}, {"ResourceInUseException", 423}, {"InternalServiceException", 500}} {
		e.control("PUT", "/_sim/faults", map[string]any{"seed": 7, "operations": map[string]any{
			"StartChangeSet": map[string]any{"errorRate": 0.5, "errorType": fault.typ, "errorStatus": fault.status},
		}}, nil)
		var got []*dealdesk.AWSError
		for range 4 {
			id, seen := publishUntilDone(t, e, cat, tc, token)
			ids[id] = true
			got = append(got, seen...)
		}
		if fault.typ == "ResourceInUseException" {
			// The SDK does not retry 423: the caller saw it, classified retryable.
			if len(got) == 0 || got[0].Code != fault.typ || got[0].Status != 423 || !got[0].Retryable {
				t.Errorf("%s: the caller saw %v, want retryable 423 errors", fault.typ, got)
			}
		}
	}
	e.control("PUT", "/_sim/faults", map[string]any{"operations": map[string]any{}}, nil)
	if len(ids) != 1 {
		t.Fatalf("change sets = %v, want one", ids)
	}
	ras, err := cat.ListResaleAuthorizations(context.Background(), e.conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(ras) != 1 {
		t.Fatalf("%d resale authorizations, want exactly 1", len(ras))
	}
}

// TestRateLimitKeepsUnderStartChangeSetQuota: with the simulator's quotas on and no SDK retry,
// 8 concurrent publishes through the client-side limiter get no ThrottlingException and take
// at least the 7 intervals of 200ms that 5 calls a second allow; without the limiter the
// simulator throttles some of them.
func TestRateLimitKeepsUnderStartChangeSetQuota(t *testing.T) {
	t.Parallel()
	publish := func(e *simEnv, cat *awsmp.Catalog, n int) []error {
		tc := opportunities()[3]
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = cat.StartResaleAuthorization(context.Background(), e.conn, tc.offer, tc.product, fmt.Sprintf("dd-rate-%d", i))
			})
		}
		wg.Wait()
		return errs
	}
	t.Run("with the limiter", func(t *testing.T) {
		t.Parallel()
		e := newSim(t, true)
		start := time.Now()
		errs := publish(e, e.catalog(awsmp.WithRetry(1, time.Millisecond)), 8)
		for i, err := range errs {
			if err != nil {
				t.Errorf("publish %d: %v", i, err)
			}
		}
		if d := time.Since(start); d < 1400*time.Millisecond {
			t.Errorf("8 calls took %v, faster than 5 a second allows", d)
		}
	})
	t.Run("without the limiter the quota bites", func(t *testing.T) {
		t.Parallel()
		e := newSim(t, true)
		errs := publish(e, e.catalog(awsmp.WithRetry(1, time.Millisecond), awsmp.WithLimits(nil)), 8)
		throttled := 0
		for _, err := range errs {
			var ae *dealdesk.AWSError
			if errors.As(err, &ae) && ae.Code == "ThrottlingException" && ae.Retryable {
				throttled++
			}
		}
		if throttled == 0 {
			t.Fatal("no call was throttled: the simulator's quota is not in force, so the test above proves nothing")
		}
	})
}

// TestLimitsShareOneBucketPerAccountAndOperation: every connection of one seller account
// shares its buckets; another account or operation has its own; an operation without a quota
// has none.
func TestLimitsShareOneBucketPerAccountAndOperation(t *testing.T) {
	t.Parallel()
	l := awsmp.NewLimits(awsmp.Quotas)
	a := l.Limiter(seller, "Marketplace Catalog", "StartChangeSet")
	if a == nil || a != l.Limiter(seller, "Marketplace Catalog", "StartChangeSet") {
		t.Fatal("one account and operation must share one bucket")
	}
	if a.Limit() != 5 || a.Burst() != 1 {
		t.Errorf("StartChangeSet bucket = %v/s burst %d, want 5/s burst 1", a.Limit(), a.Burst())
	}
	if b := l.Limiter("999988887777", "Marketplace Catalog", "StartChangeSet"); b == nil || b == a {
		t.Error("another account must have its own bucket")
	}
	if d := l.Limiter(seller, "Marketplace Catalog", "DescribeEntity"); d == nil || d.Limit() != 20 {
		t.Errorf("DescribeEntity bucket = %v, want 20/s", d)
	}
	if l.Limiter(seller, "STS", "AssumeRole") != nil {
		t.Error("an operation without a quota must not be limited")
	}
}

// TestQuotasPerReplica: N replicas each keep to 1/N of every quota, so together they keep to
// AWS's; fewer than one replica is one.
func TestQuotasPerReplica(t *testing.T) {
	t.Parallel()
	four := awsmp.QuotasPerReplica(4)
	if len(four) != len(awsmp.Quotas) || four["Marketplace Catalog.StartChangeSet"] != 1.25 || four["Marketplace Catalog.DescribeEntity"] != 5 {
		t.Errorf("awsmp.QuotasPerReplica(4) = %v, want every quota divided by 4", four)
	}
	for k, v := range awsmp.QuotasPerReplica(0) {
		if v != awsmp.Quotas[k] {
			t.Errorf("awsmp.QuotasPerReplica(0)[%s] = %v, want %v", k, v, awsmp.Quotas[k])
		}
	}
	if awsmp.Quotas["Marketplace Catalog.StartChangeSet"] != 5 {
		t.Error("QuotasPerReplica changed Quotas")
	}
}
