package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/dealdesk/dealdesk/sim/eventbus"
	"github.com/dealdesk/dealdesk/sim/sqs"
	"github.com/dealdesk/dealdesk/sim/wire"
)

// Server is the simulator: an http.Handler serving the AWS APIs and the /_sim/ control API.
// Close it to stop its background work and write its state.
type Server struct {
	cfg  Config
	seed *seedIndex
	now  func() time.Time
	log  *slog.Logger

	mu         sync.Mutex // guards st and the indexes below
	st         *state
	locks      map[string]string // entity id -> id of the running change set that locks it
	meter      meterIndex
	byLicense  map[string]*Agreement // license ARN -> agreement
	byCustomer map[string]*Agreement // product code + "/" + customer identifier -> latest agreement
	byToken    map[string]*Agreement // registration token -> agreement

	sqs     *sqs.Service
	bus     *eventbus.Bus
	quotas  *quotas
	faults  *faults
	ctl     *http.ServeMux
	rpc     map[string]rpcHandler
	catalog map[string]catalogRoute

	saveMu    sync.Mutex // serialises state file writes
	dirty     chan struct{}
	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New builds a simulator from cfg, restoring the state file when it exists.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	seed := DemoSeed()
	if cfg.Seed != nil {
		seed = *cfg.Seed
	}
	if err := seed.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:   cfg,
		seed:  newSeedIndex(seed),
		now:   func() time.Time { return cfg.Now().UTC() },
		log:   cfg.Logger,
		dirty: make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	s.st = newState()
	s.sqs = sqs.New(sqs.Config{Now: s.now, Account: seed.Seller.AccountID, BaseURL: cfg.BaseURL,
		OnChange: s.markDirty, Logger: cfg.Logger})
	s.quotas = newQuotas(s.now)
	s.quotas.setDefault(!cfg.DisableQuotas)
	s.faults = newFaults()
	s.bus = eventbus.New(eventbus.Config{
		Clock:       s.now,
		QueueSender: s.sqs,
		HTTPClient:  cfg.EventHTTPClient,
		Logger:      cfg.Logger,
		Account:     seed.Seller.AccountID,
		CertURL:     publicURL(cfg.BaseURL) + certPath,
		// SNS targets confirm their subscriptions here, to the legacy topics of the seed's products.
		SubscribeURL: publicURL(cfg.BaseURL) + snsPath,
		ProductCodes: seed.productCodes(),
	})
	if cfg.StatePath != "" {
		if err := s.load(cfg.StatePath); err != nil {
			s.bus.Close()
			return nil, err
		}
	}
	s.rebuildIndexes()
	s.ctl = s.controlRoutes()
	s.rpc = s.rpcHandlers()
	s.catalog = s.catalogRoutes()
	s.wg.Add(2)
	go s.saveLoop()
	go s.tickLoop()
	return s, nil
}

// Close stops background work, waits for pending event deliveries to be attempted no longer,
// and writes the state file. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.faults.close()
		s.wg.Wait()
		s.sqs.Close()
		s.bus.Close()
		if s.cfg.StatePath != "" {
			s.closeErr = s.save()
		}
	})
	return s.closeErr
}

// Seed returns the seed in force.
func (s *Server) Seed() Seed { return s.seed.seed }

// Bus returns the event bus (tests flush it and read its log).
func (s *Server) Bus() *eventbus.Bus { return s.bus }

// Advance applies every change set whose delay has passed; the server also does this on each
// Catalog call and from a background ticker.
func (s *Server) Advance() {
	s.mu.Lock()
	s.advanceLocked(s.now())
	s.mu.Unlock()
}

func (s *Server) tickLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			s.Advance()
		}
	}
}

// ServeHTTP routes by protocol: the control API by path, RPC calls by ParseCall, and the
// Catalog's restJson1 operations by path. Every AWS call must be signed for the configured
// region and its service's signing name; the control API is not AWS and needs no signature.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.ctl.ServeHTTP(w, r)
		return
	}
	call, ok, err := wire.ParseCall(r, maxRequestBody)
	if ok {
		if !s.authenticated(w, r, call) {
			return
		}
		if err != nil {
			wire.WriteRequestError(w, call, err)
			return
		}
		s.serveRPC(w, r, call)
		return
	}
	if !s.authenticated(w, r, wire.Call{Protocol: wire.RestJSON1, Service: catalogService}) {
		return
	}
	s.serveCatalog(w, r)
}

// catalogService is the Catalog API's service shape.
const catalogService = "AWSMPSeymour"

// authenticated checks, before anything else of the request is looked at (as AWS does), that r
// is signed for the simulator's region and for the signing name of c's service (decision 009);
// otherwise it answers with AWS's authentication error in c's protocol and returns false. Only
// the credential scope is checked: the simulator has no secret to check the signature with.
func (s *Server) authenticated(w http.ResponseWriter, r *http.Request, c wire.Call) bool {
	err := wire.CheckScope(r, s.cfg.Region, wire.SigningName(c.Service))
	if err == nil {
		return true
	}
	var re *wire.RequestError
	if !errors.As(err, &re) {
		re = &wire.RequestError{Type: wire.IncompleteSignature, Message: "the request signature could not be read"}
	}
	wire.WriteAuthError(w, c, re)
	return false
}

// rpcHandler serves one RPC operation: it decodes c and returns an output or an *apiError.
type rpcHandler func(r *http.Request, acct string, c wire.Call) (any, error)

func (s *Server) rpcHandlers() map[string]rpcHandler {
	return map[string]rpcHandler{
		"AWSMPMeteringService.BatchMeterUsage":             s.batchMeterUsage,
		"AWSMPMeteringService.ResolveCustomer":             s.resolveCustomer,
		"AWSMPEntitlementService.GetEntitlements":          s.getEntitlements,
		"AWSMPCommerceService_v20200301.SearchAgreements":  s.searchAgreements,
		"AWSMPCommerceService_v20200301.DescribeAgreement": s.describeAgreement,
		"AWSMPCommerceService_v20200301.GetAgreementTerms": s.getAgreementTerms,
	}
}

func (s *Server) serveRPC(w http.ResponseWriter, r *http.Request, c wire.Call) {
	h := s.rpc[c.Service+"."+c.Operation]
	sqsCall := c.Service == sqs.ServiceName && s.sqs.Handles(c.Operation)
	if h == nil && !sqsCall {
		wire.WriteError(w, c, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("the simulator does not implement %s.%s", c.Service, c.Operation), nil)
		return
	}
	acct := s.caller(r)
	if ae := s.guard(r, serviceOf(c.Service), c.Operation, acct); ae != nil {
		s.writeRPCError(w, c, ae)
		return
	}
	if sqsCall {
		s.sqs.ServeCall(w, r, acct, c)
		return
	}
	out, err := h(r, acct, c)
	if err != nil {
		s.writeRPCError(w, c, err)
		return
	}
	if raw, ok := out.(rawJSON); ok && c.Protocol != wire.RPCv2CBOR {
		writeRawJSON(w, c, raw)
		return
	}
	wire.WriteResult(w, c, out)
}

// rawJSON is an output a handler has already encoded as JSON (the metering hot path).
type rawJSON []byte

// writeRawJSON writes pre-encoded JSON output with the call's protocol headers, sparing the
// generic encoder a second pass over a large body.
func writeRawJSON(w http.ResponseWriter, c wire.Call, body rawJSON) {
	h := w.Header()
	h.Set("Content-Type", c.Protocol.ContentType())
	h.Set("X-Amzn-Requestid", uuid.NewString())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (s *Server) writeRPCError(w http.ResponseWriter, c wire.Call, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("sim: handler failed", "operation", c.Operation, "err", err)
		ae = &apiError{Status: 500, Type: internalErrorType(serviceOf(c.Service)), Message: "internal error"}
	}
	if c.Service == sqs.ServiceName {
		sqs.WriteError(w, c, ae.Status, ae.Type, ae.Message)
		return
	}
	wire.WriteError(w, c, ae.Status, ae.Type, ae.Message, ae.Extra)
}

// publicURL is the simulator's base URL without a trailing slash, the default address when
// none is configured.
func publicURL(base string) string {
	if base == "" {
		return "http://127.0.0.1:4566"
	}
	return strings.TrimSuffix(base, "/")
}

// caller identifies the calling account from the SigV4 access key id when it is a 12-digit
// account of the seed; anything else is the vendor's seller account.
func (s *Server) caller(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		cred := auth[i+len("Credential="):]
		if j := strings.IndexByte(cred, '/'); j > 0 {
			if akid := cred[:j]; s.seed.known(akid) {
				return akid
			}
		}
	}
	return s.seed.seed.Seller.AccountID
}

// Service names used for quotas, faults and error shapes.
const (
	svcCatalog     = "catalog"
	svcMetering    = "metering"
	svcEntitlement = "entitlement"
	svcAgreement   = "agreement"
	svcSQS         = "sqs"
)

func serviceOf(shape string) string {
	switch shape {
	case "AWSMPMeteringService":
		return svcMetering
	case "AWSMPEntitlementService":
		return svcEntitlement
	case "AWSMPCommerceService_v20200301":
		return svcAgreement
	case sqs.ServiceName:
		return svcSQS
	}
	return svcCatalog
}

// internalErrorType is each service's 500 error shape.
func internalErrorType(svc string) string {
	switch svc {
	case svcCatalog:
		return "InternalServiceException"
	case svcMetering, svcEntitlement:
		return "InternalServiceErrorException"
	case svcAgreement:
		return "InternalServerException"
	}
	return "InternalFailure"
}
