package sim

import (
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

// FaultConfig is the body of PUT /_sim/faults: per operation name ("BatchMeterUsage",
// "StartChangeSet", ...; "*" for every operation) an error rate and type, a latency and a
// timeout rate.
type FaultConfig struct {
	Seed       *uint64            `json:"seed,omitempty"`
	Operations map[string]OpFault `json:"operations"`
}

// OpFault is the fault injected into one operation.
type OpFault struct {
	// ErrorRate is the share of calls (0..1) answered with ErrorType instead of being served.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// ErrorType is the error shape (default: the service's internal error, e.g.
	// InternalServiceErrorException); ErrorStatus its HTTP status (default by type).
	ErrorType    string `json:"errorType,omitempty"`
	ErrorStatus  int    `json:"errorStatus,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	// LatencyMs delays every call.
	LatencyMs int `json:"latencyMs,omitempty"`
	// ThrottleRate is the share of calls answered with the service's ThrottlingException (as
	// when the account's quota is used up), drawn besides ErrorRate: one operation can fail with
	// internal errors and be throttled in one run.
	ThrottleRate float64 `json:"throttleRate,omitempty"`
	// TimeoutRate is the share of calls held without an answer until the client gives up.
	TimeoutRate float64 `json:"timeoutRate,omitempty"`
	// LostAnswerRate (BatchMeterUsage only) is the share of calls served, their records
	// metered, whose answer is then replaced by an InternalServiceErrorException: the client
	// cannot know what AWS kept, and only a byte-identical retry is safe.
	LostAnswerRate float64 `json:"lostAnswerRate,omitempty"`
	// UnprocessedRate (BatchMeterUsage only) is the share of records returned in
	// UnprocessedRecords, as AWS does on transient failures, instead of being metered.
	UnprocessedRate float64 `json:"unprocessedRate,omitempty"`
	// ServerFaultRate (StartChangeSet only) is the share of accepted change sets that end FAILED
	// with FailureCode SERVER_FAULT, applying nothing.
	ServerFaultRate float64 `json:"serverFaultRate,omitempty"`
}

type faults struct {
	mu   sync.Mutex
	cfg  FaultConfig
	rng  *rand.Rand
	stop chan struct{}
}

func newFaults() *faults {
	return &faults{cfg: FaultConfig{Operations: map[string]OpFault{}}, rng: rand.New(rand.NewPCG(1, 2)), stop: make(chan struct{})}
}

func (f *faults) get() FaultConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := FaultConfig{Seed: f.cfg.Seed, Operations: map[string]OpFault{}}
	for k, v := range f.cfg.Operations {
		out.Operations[k] = v
	}
	return out
}

// apply injects the configured faults of op: latency first, then a timeout or an error.
func (f *faults) apply(r *http.Request, svc, op string) *apiError {
	f.mu.Lock()
	of, ok := f.cfg.Operations[op]
	if !ok {
		of, ok = f.cfg.Operations["*"]
	}
	if !ok {
		f.mu.Unlock()
		return nil
	}
	timeout := of.TimeoutRate > 0 && f.rng.Float64() < of.TimeoutRate
	fail := !timeout && of.ErrorRate > 0 && f.rng.Float64() < of.ErrorRate
	throttle := !timeout && !fail && of.ThrottleRate > 0 && f.rng.Float64() < of.ThrottleRate
	f.mu.Unlock()
	if of.LatencyMs > 0 {
		t := time.NewTimer(time.Duration(of.LatencyMs) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		case <-f.stop:
			t.Stop()
		}
	}
	if timeout {
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
		return &apiError{Status: http.StatusGatewayTimeout, Type: internalErrorType(svc), Message: "injected timeout"}
	}
	if throttle {
		ae := throttled(svc, op)
		ae.Message = "injected fault: " + ae.Message
		return ae
	}
	if !fail {
		return nil
	}
	typ := of.ErrorType
	if typ == "" {
		typ = internalErrorType(svc)
	}
	status := of.ErrorStatus
	if status == 0 {
		switch {
		case typ == "ThrottlingException":
			status = throttled(svc, op).Status
		case typ == internalErrorType(svc) || typ == "InternalServiceErrorException" || typ == "InternalServerException" || typ == "InternalServiceException":
			status = http.StatusInternalServerError
		default:
			status = http.StatusBadRequest
		}
	}
	msg := of.ErrorMessage
	if msg == "" {
		msg = "injected fault: " + typ
	}
	return &apiError{Status: status, Type: typ, Message: msg}
}

// draw reports whether op's fault of the given rate (picked by rate) happens this time.
func (f *faults) draw(op string, rate func(OpFault) float64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	of, ok := f.cfg.Operations[op]
	if !ok || rate(of) <= 0 {
		return false
	}
	return f.rng.Float64() < rate(of)
}

// unprocessed returns a function that draws, per record, whether op leaves it unprocessed; nil
// when no such fault is configured.
func (f *faults) unprocessed(op string) func() bool {
	f.mu.Lock()
	of, ok := f.cfg.Operations[op]
	f.mu.Unlock()
	if !ok || of.UnprocessedRate <= 0 {
		return nil
	}
	return func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.rng.Float64() < of.UnprocessedRate
	}
}

func (f *faults) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
}

func (s *Server) putFaults(r *http.Request, body []byte) (any, error) {
	if err := requireConfiguration(body); err != nil {
		return nil, err
	}
	var in FaultConfig
	if err := decodeControl(body, &in); err != nil {
		return nil, err
	}
	if err := s.faults.set(in, s.faultTargets()); err != nil {
		return nil, err
	}
	s.markDirty()
	return s.faults.get(), nil
}

// set validates and installs a fault configuration; the error names every bad field. ops are
// the operations faults can target (Server.faultTargets).
func (f *faults) set(in FaultConfig, ops map[string]bool) error {
	if err := in.validate(ops); err != nil {
		return err
	}
	if in.Operations == nil {
		in.Operations = map[string]OpFault{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = in
	if in.Seed != nil {
		f.rng = rand.New(rand.NewPCG(*in.Seed, *in.Seed^0x5bd1e995))
	}
	return nil
}

// validate checks every operation's fault against the operations ops; the error is a 400
// control error naming the fields.
func (in FaultConfig) validate(ops map[string]bool) error {
	var errs invalid.Fields
	bad := errs.Add
	names := make([]string, 0, len(in.Operations))
	for k := range in.Operations {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, op := range names {
		of := in.Operations[op]
		f := "operations." + op
		if op != "*" && !ops[op] {
			bad(f, "is not an operation of the simulator; want \"*\" or one of %s", strings.Join(slices.Sorted(maps.Keys(ops)), ", "))
		}
		if of.ErrorRate < 0 || of.ErrorRate > 1 {
			bad(f+".errorRate", "must be between 0 and 1, got %v", of.ErrorRate)
		}
		if of.TimeoutRate < 0 || of.TimeoutRate > 1 {
			bad(f+".timeoutRate", "must be between 0 and 1, got %v", of.TimeoutRate)
		}
		if of.ThrottleRate < 0 || of.ThrottleRate > 1 {
			bad(f+".throttleRate", "must be between 0 and 1, got %v", of.ThrottleRate)
		}
		if of.LostAnswerRate < 0 || of.LostAnswerRate > 1 {
			bad(f+".lostAnswerRate", "must be between 0 and 1, got %v", of.LostAnswerRate)
		} else if of.LostAnswerRate > 0 && op != "BatchMeterUsage" {
			bad(f+".lostAnswerRate", "applies to BatchMeterUsage only")
		}
		if of.UnprocessedRate < 0 || of.UnprocessedRate > 1 {
			bad(f+".unprocessedRate", "must be between 0 and 1, got %v", of.UnprocessedRate)
		} else if of.UnprocessedRate > 0 && op != "BatchMeterUsage" {
			bad(f+".unprocessedRate", "applies to BatchMeterUsage only")
		}
		if of.ServerFaultRate < 0 || of.ServerFaultRate > 1 {
			bad(f+".serverFaultRate", "must be between 0 and 1, got %v", of.ServerFaultRate)
		} else if of.ServerFaultRate > 0 && op != "StartChangeSet" {
			bad(f+".serverFaultRate", "applies to StartChangeSet only")
		}
		if of.LatencyMs < 0 || of.LatencyMs > 60000 {
			bad(f+".latencyMs", "must be 0-60000, got %d", of.LatencyMs)
		}
		if of.ErrorStatus != 0 && (of.ErrorStatus < 400 || of.ErrorStatus > 599) {
			bad(f+".errorStatus", "must be an HTTP error status 400-599, got %d", of.ErrorStatus)
		}
	}
	if len(errs) > 0 {
		return controlInvalid(errs)
	}
	return nil
}

// faultTargets returns the operation names faults can target: those of the route tables that
// serve requests (the Catalog's restJson1 paths, the RPC targets and SQS's operations), so that an operation
// cannot be served without being a fault target, nor named in a fault without being served.
func (s *Server) faultTargets() map[string]bool {
	ops := map[string]bool{}
	for _, r := range s.catalogRoutes() {
		ops[r.op] = true
	}
	for target := range s.rpcHandlers() {
		_, op, _ := strings.Cut(target, ".")
		ops[op] = true
	}
	for _, op := range s.sqs.Operations() {
		ops[op] = true
	}
	return ops
}
