package sim

import (
	"log/slog"
	"net/http"
	"time"
)

// Config configures a simulator Server. The zero value is usable: demo seed, no persistence,
// the wall clock, quotas on.
type Config struct {
	// StatePath is the JSON file the state is kept in across restarts; empty keeps it in memory.
	StatePath string
	// Seed declares the accounts and products; nil uses DemoSeed.
	Seed *Seed
	// Now is the clock (UTC); nil uses time.Now. Tests inject a controllable clock.
	Now func() time.Time
	// MeteringWindow is how far in the past BatchMeterUsage accepts a timestamp (default 6h).
	MeteringWindow time.Duration
	// ChangeSetDelay is how long a change set takes from PREPARING to its end (default 2s; the
	// first half PREPARING, the second APPLYING). Negative means immediately.
	ChangeSetDelay time.Duration
	// ManufacturerReadsAgreements lets the vendor DescribeAgreement and GetAgreementTerms on CPPO
	// agreements it is not a party to. AWS documents the Agreement API for proposers and
	// acceptors only, so this is off by default.
	ManufacturerReadsAgreements bool
	// DisableQuotas turns off AWS's per-operation rate limits (ThrottlingException).
	DisableQuotas bool
	// SaveDelay debounces state writes (default 200ms).
	SaveDelay time.Duration
	// TickInterval is how often change sets are advanced in the background (default 100ms);
	// they are also advanced on every Catalog call.
	TickInterval time.Duration
	// Region is the AWS region requests must be signed for (default us-east-1, the only region
	// of the Catalog and Agreement APIs); a request signed for another region, or for another
	// service, gets AWS's InvalidSignatureException (decision 009).
	Region string
	// BaseURL is the simulator's public URL, used in SQS queue URLs and the SNS signing
	// certificate URL; empty derives it from each request's Host.
	BaseURL string
	// EventHTTPClient delivers events to HTTP targets; nil uses a client with a 10s timeout.
	EventHTTPClient *http.Client
	// OnSave, when set, is called after each background write of the state file (a test signal).
	OnSave func(error)
	// Logger receives the simulator's logs; nil discards them.
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultRegion         = "us-east-1"
	DefaultMeteringWindow = 6 * time.Hour
	DefaultChangeSetDelay = 2 * time.Second
	defaultSaveDelay      = 200 * time.Millisecond
	defaultTickInterval   = 100 * time.Millisecond
	maxRequestBody        = 1 << 20
)

func (c Config) withDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.MeteringWindow <= 0 {
		c.MeteringWindow = DefaultMeteringWindow
	}
	if c.ChangeSetDelay == 0 {
		c.ChangeSetDelay = DefaultChangeSetDelay
	}
	if c.ChangeSetDelay < 0 {
		c.ChangeSetDelay = 0
	}
	if c.SaveDelay <= 0 {
		c.SaveDelay = defaultSaveDelay
	}
	if c.TickInterval <= 0 {
		c.TickInterval = defaultTickInterval
	}
	if c.EventHTTPClient == nil {
		c.EventHTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
