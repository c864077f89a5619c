package sim

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// quotaRates are AWS's documented per-account request rates (requests per second) for the
// operations the simulator serves (reference §1.1, §3.1, §4.1, §4.5). The burst equals the rate.
var quotaRates = map[string]float64{
	"catalog.ListEntities":          10,
	"catalog.DescribeEntity":        20,
	"catalog.BatchDescribeEntities": 10,
	"catalog.StartChangeSet":        5,
	"catalog.ListChangeSets":        5,
	"catalog.DescribeChangeSet":     10,
	"catalog.CancelChangeSet":       5,
	"agreement.DescribeAgreement":   5,
	"agreement.SearchAgreements":    5,
	"agreement.GetAgreementTerms":   10,
	"metering.BatchMeterUsage":      10,
	"metering.ResolveCustomer":      20,
	"entitlement.GetEntitlements":   20,
}

// quotas is a token bucket per account and operation (golang.org/x/time/rate), driven by the
// injected clock: every call passes the simulator's "now" to the limiter, so tests advance time
// instead of sleeping.
type quotas struct {
	now     func() time.Time
	mu      sync.Mutex
	enabled bool
	// set records that the control API (or a restored state file) chose enabled, which then
	// outlives the command-line default across restarts.
	set      bool
	limiters map[string]*rate.Limiter
}

func newQuotas(now func() time.Time) *quotas {
	return &quotas{now: now, enabled: true, limiters: map[string]*rate.Limiter{}}
}

// setDefault sets the command-line default, unless the control API has chosen.
func (q *quotas) setDefault(on bool) {
	q.mu.Lock()
	if !q.set {
		q.enabled = on
	}
	q.mu.Unlock()
}

// setEnabled switches quotas on or off as the control API asks.
func (q *quotas) setEnabled(on bool) {
	q.mu.Lock()
	q.enabled, q.set = on, true
	q.limiters = map[string]*rate.Limiter{}
	q.mu.Unlock()
}

// override returns the control API's choice, nil when it made none.
func (q *quotas) override() *bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.set {
		return nil
	}
	on := q.enabled
	return &on
}

func (q *quotas) isEnabled() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.enabled
}

// allow takes a token for acct's call of svc.op, reporting false when the rate is exceeded.
func (q *quotas) allow(svc, op, acct string) bool {
	perSecond, ok := quotaRates[svc+"."+op]
	if !ok {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.enabled {
		return true
	}
	key := acct + "/" + svc + "." + op
	l := q.limiters[key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(perSecond), int(perSecond))
		q.limiters[key] = l
	}
	return l.AllowN(q.now(), 1)
}

// throttled is each service's ThrottlingException.
func throttled(svc, op string) *apiError {
	status := http.StatusBadRequest
	if svc == svcCatalog || svc == svcAgreement {
		status = http.StatusTooManyRequests
	}
	return &apiError{Status: status, Type: "ThrottlingException", Message: "Rate exceeded for " + op}
}

// guard applies injected faults, then quotas, before an AWS operation runs.
func (s *Server) guard(r *http.Request, svc, op, acct string) *apiError {
	if ae := s.faults.apply(r, svc, op); ae != nil {
		return ae
	}
	if !s.quotas.allow(svc, op, acct) {
		return throttled(svc, op)
	}
	return nil
}

type quotasInput struct {
	Enabled *bool `json:"enabled"`
}

func (s *Server) putQuotas(r *http.Request, body []byte) (any, error) {
	if err := requireConfiguration(body); err != nil {
		return nil, err
	}
	var in quotasInput
	if err := decodeControl(body, &in); err != nil {
		return nil, err
	}
	if in.Enabled == nil {
		return nil, ctlErr(http.StatusBadRequest, "VALIDATION", "enabled: is required (true or false)")
	}
	s.quotas.setEnabled(*in.Enabled)
	s.markDirty()
	return map[string]any{"enabled": *in.Enabled, "rates": quotaRates}, nil
}
