package awsmp

import (
	"context"
	"fmt"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// Quotas are AWS's per-account request rates, in requests per second, of the operations
// dealdesk calls, keyed by the SDK's service ID and the operation name. Sources: the Catalog
// API's, Agreement API's and Metering Service's quota pages (reference §1.1, §3.1, §4.1, §4.5);
// BatchDescribeEntities and ResolveCustomer are not in the reference and take the simulator's
// rates (10 and 20). An operation not listed is not limited on the client side.
var Quotas = map[string]float64{
	"Marketplace Catalog.ListEntities":                10,
	"Marketplace Catalog.DescribeEntity":              20,
	"Marketplace Catalog.BatchDescribeEntities":       10,
	"Marketplace Catalog.StartChangeSet":              5,
	"Marketplace Catalog.ListChangeSets":              5,
	"Marketplace Catalog.DescribeChangeSet":           10,
	"Marketplace Catalog.CancelChangeSet":             5,
	"Marketplace Agreement.DescribeAgreement":         5,
	"Marketplace Agreement.SearchAgreements":          5,
	"Marketplace Agreement.GetAgreementTerms":         10,
	"Marketplace Metering.BatchMeterUsage":            10,
	"Marketplace Metering.MeterUsage":                 10,
	"Marketplace Metering.RegisterUsage":              5,
	"Marketplace Metering.ResolveCustomer":            20,
	"Marketplace Entitlement Service.GetEntitlements": 20,
}

// QuotasPerReplica returns Quotas divided by replicas (at least 1): the rates one of that many
// processes may use so that together they stay within AWS's per-account quotas, each process
// having its own buckets (decision 022; `serve --aws-replicas`). The client side never shares
// buckets between processes; AWS's ThrottlingException, retried with backoff, covers the rest.
func QuotasPerReplica(replicas int) map[string]float64 {
	replicas = max(replicas, 1)
	out := make(map[string]float64, len(Quotas))
	for k, v := range Quotas {
		out[k] = v / float64(replicas)
	}
	return out
}

// Limits holds one token bucket (golang.org/x/time/rate) per seller account and operation.
// AWS counts its quotas per account, so every organization that uses the same seller account
// shares the account's buckets: SharedLimits is the process's one registry. A bucket allows
// the quota's rate with a burst of one, so calls leave evenly spaced and AWS's own bucket
// (whose burst is the rate) absorbs network jitter: a process alone on an account is never
// throttled (decision 012).
type Limits struct {
	rates    map[string]float64
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// SharedLimits is the process-wide registry every Config uses unless WithLimits says otherwise;
// it allows a whole quota to this process (one replica; see QuotasPerReplica).
var SharedLimits = NewLimits(Quotas)

// NewLimits returns a registry with the given rates (see Quotas for the keys).
func NewLimits(rates map[string]float64) *Limits {
	return &Limits{rates: rates, limiters: map[string]*rate.Limiter{}}
}

// Limiter returns the bucket of account's calls of service's operation, or nil when that
// operation has no quota.
func (l *Limits) Limiter(account, service, operation string) *rate.Limiter {
	perSecond, ok := l.rates[service+"."+operation]
	if !ok {
		return nil
	}
	key := account + "/" + service + "." + operation
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.limiters[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(perSecond), 1)
		l.limiters[key] = lim
	}
	return lim
}

// middleware waits for a token of account's bucket before every attempt of a call (it runs
// after the SDK's retry step, so retries queue too, and before signing, so a signature never
// ages in the queue).
func (l *Limits) middleware(account string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		mw := middleware.FinalizeMiddlewareFunc("dealdesk.RateLimit", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if lim := l.Limiter(account, awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)); lim != nil {
				if err := lim.Wait(ctx); err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("awsmp: wait for the rate limit: %w", err)
				}
			}
			return next.HandleFinalize(ctx, in)
		})
		return stack.Finalize.Insert(mw, "Retry", middleware.After)
	}
}
