package eventbus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

// Target types.
const (
	TargetHTTP = "http" // POST of the EventBridge envelope, as an EventBridge API destination
	TargetSNS  = "sns"  // POST of a signed SNS Notification envelope, as an SNS HTTP subscription
	TargetSQS  = "sqs"  // SendMessage to a queue of the simulator's SQS
)

// Streams a target can receive.
const (
	StreamEventBridge  = "eventbridge"  // the EventBridge events (default)
	StreamSubscription = "subscription" // legacy aws-mp-subscription-notification messages
	StreamEntitlement  = "entitlement"  // legacy aws-mp-entitlement-notification messages
)

// DefaultSecretHeader is the header that carries a target's secret when no name is given.
const DefaultSecretHeader = "X-Dealdesk-Webhook-Secret"

// Limits of the delivery configuration.
const (
	MaxTargets      = 20
	MaxDelayMs      = 3_600_000 // one hour
	MaxAttempts     = 20
	MaxBackoffMs    = 600_000 // ten minutes
	defaultAttempts = 3
	defaultBackoff  = 200
	defaultMaxBack  = 5_000
)

// Targets is the delivery configuration, and the JSON body of PUT /_sim/events.
type Targets struct {
	Targets []Target `json:"targets"`
	Faults  Faults   `json:"faults"`
	Retry   Retry    `json:"retry"`
}

// Target is one place events are delivered to.
type Target struct {
	Name string `json:"name"` // unique; letters, digits, '-' and '_'
	Type string `json:"type"` // http, sns or sqs

	URL              string            `json:"url,omitempty"`              // http, sns: absolute http(s) URL
	SecretHeader     string            `json:"secretHeader,omitempty"`     // http: header carrying Secret
	Secret           string            `json:"secret,omitempty"`           // http: the API destination's API key value
	Headers          map[string]string `json:"headers,omitempty"`          // http, sns: extra headers
	SignatureVersion string            `json:"signatureVersion,omitempty"` // sns, sqs (legacy streams): "1" (SHA1withRSA, default) or "2" (SHA256withRSA)
	TopicArn         string            `json:"topicArn,omitempty"`         // sns: topic EventBridge events are published to
	QueueName        string            `json:"queueName,omitempty"`        // sqs: queue of the simulator

	Streams     []string `json:"streams,omitempty"`     // eventbridge (default), subscription, entitlement
	DetailTypes []string `json:"detailTypes,omitempty"` // only these EventBridge detail types (default: all)
}

// Faults are delivery fault rates, each between 0 and 1, drawn per event and target from a
// seeded random source so a run can be reproduced.
type Faults struct {
	DropRate      float64 `json:"dropRate"`      // the delivery never happens (it is logged as dropped)
	DuplicateRate float64 `json:"duplicateRate"` // the event is delivered twice
	DelayRate     float64 `json:"delayRate"`     // the delivery waits a random time up to MaxDelayMs
	MaxDelayMs    int64   `json:"maxDelayMs"`
	ReorderRate   float64 `json:"reorderRate"`    // the delivery is held back behind the target's next event
	Seed          *uint64 `json:"seed,omitempty"` // reseeds the random source when given
}

// Retry bounds the redelivery of failed deliveries (network errors, 401, 407, 409, 429, 5xx).
type Retry struct {
	MaxAttempts  int   `json:"maxAttempts"`  // attempts in all, 1..20; default 3
	BackoffMs    int64 `json:"backoffMs"`    // wait before the first retry, doubled each time; default 200
	MaxBackoffMs int64 `json:"maxBackoffMs"` // cap of the wait; default 5000
}

// invalidConfiguration is the context of the *invalid.Error Configure and DecodeTargets return.
const invalidConfiguration = "invalid event delivery configuration"

// badBody is the error of a body that is not one JSON object of the right shape.
func badBody(field, msg string) error {
	return invalid.Fields{{Field: field, Message: msg}}.Err(invalidConfiguration)
}

// DecodeTargets parses a PUT /_sim/events body strictly: unknown fields, trailing data and
// wrong types are errors naming the field. The result is not yet validated (Configure does).
func DecodeTargets(body []byte) (Targets, error) {
	var t Targets
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return Targets{}, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Targets{}, badBody("(body)", "unexpected data after the JSON object")
	}
	return t, nil
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		return badBody(field, "must be "+jsonKind(typeErr.Type.Kind().String())+", not "+typeErr.Value)
	case errors.As(err, &syntaxErr):
		return badBody("(body)", fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, err))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badBody(name, "unknown field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badBody("(body)", "malformed JSON: the body ends in the middle of a value")
	case errors.Is(err, io.EOF):
		return badBody("(body)", "empty body; want a JSON object")
	default:
		return badBody("(body)", err.Error())
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "float64", "float32", "int", "int64", "uint64":
		return "a number"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	case "ptr":
		return "a number"
	}
	return goKind
}

var (
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	queuePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$`)
	headerPattern = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	arnSNSPattern = regexp.MustCompile(`^arn:aws:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
)

// reservedHeaders are set by the delivery itself and cannot be overridden.
var reservedHeaders = []string{"content-type", "content-length", "host", "user-agent", "transfer-encoding"}

// normalize validates t and returns it with defaults filled in. hasQueue tells whether SQS
// targets can be served.
func (t Targets) normalize(hasQueue bool) (Targets, error) {
	var v invalid.Fields
	out := Targets{Faults: t.Faults, Retry: t.Retry}
	if len(t.Targets) > MaxTargets {
		v.Add("targets", "at most %d targets, got %d", MaxTargets, len(t.Targets))
	}
	seen := map[string]bool{}
	for i, tg := range t.Targets {
		f := fmt.Sprintf("targets[%d]", i)
		n := normalizeTarget(f, tg, hasQueue, &v)
		if n.Name != "" {
			if seen[n.Name] {
				v.Add(f+".name", "duplicate target name %q", n.Name)
			}
			seen[n.Name] = true
		}
		out.Targets = append(out.Targets, n)
	}
	validateRate(&v, "faults.dropRate", t.Faults.DropRate)
	validateRate(&v, "faults.duplicateRate", t.Faults.DuplicateRate)
	validateRate(&v, "faults.delayRate", t.Faults.DelayRate)
	validateRate(&v, "faults.reorderRate", t.Faults.ReorderRate)
	if t.Faults.MaxDelayMs < 0 || t.Faults.MaxDelayMs > MaxDelayMs {
		v.Add("faults.maxDelayMs", "must be between 0 and %d, got %d", MaxDelayMs, t.Faults.MaxDelayMs)
	}
	r := &out.Retry
	switch {
	case r.MaxAttempts == 0:
		r.MaxAttempts = defaultAttempts
	case r.MaxAttempts < 1 || r.MaxAttempts > MaxAttempts:
		v.Add("retry.maxAttempts", "must be between 1 and %d, got %d", MaxAttempts, r.MaxAttempts)
	}
	switch {
	case r.BackoffMs == 0:
		r.BackoffMs = defaultBackoff
	case r.BackoffMs < 0 || r.BackoffMs > MaxBackoffMs:
		v.Add("retry.backoffMs", "must be between 0 and %d, got %d", MaxBackoffMs, r.BackoffMs)
	}
	switch {
	case r.MaxBackoffMs == 0:
		r.MaxBackoffMs = max(defaultMaxBack, r.BackoffMs)
	case r.MaxBackoffMs < 0 || r.MaxBackoffMs > MaxBackoffMs:
		v.Add("retry.maxBackoffMs", "must be between 0 and %d, got %d", MaxBackoffMs, r.MaxBackoffMs)
	case r.MaxBackoffMs < r.BackoffMs:
		v.Add("retry.maxBackoffMs", "must not be below retry.backoffMs (%d), got %d", r.BackoffMs, r.MaxBackoffMs)
	}
	if err := v.Err(invalidConfiguration); err != nil {
		return Targets{}, err
	}
	if out.Targets == nil {
		out.Targets = []Target{}
	}
	return out, nil
}

func validateRate(v *invalid.Fields, field string, r float64) {
	if math.IsNaN(r) || r < 0 || r > 1 {
		v.Add(field, "must be between 0 and 1, got %v", r)
	}
}

func normalizeTarget(f string, tg Target, hasQueue bool, v *invalid.Fields) Target {
	n := tg
	n.Headers = nil
	if len(tg.Headers) > 0 {
		n.Headers = maps.Clone(tg.Headers)
	}
	n.Streams = slices.Clone(tg.Streams)
	n.DetailTypes = slices.Clone(tg.DetailTypes)

	if !namePattern.MatchString(tg.Name) {
		v.Add(f+".name", "required: 1 to 64 letters, digits, '-' or '_', got %q", tg.Name)
	}
	notFor := func(field, value string) {
		if value != "" {
			v.Add(f+"."+field, "not used by %s targets", tg.Type)
		}
	}
	switch tg.Type {
	case TargetHTTP:
		validateURL(v, f+".url", tg.URL)
		notFor("signatureVersion", tg.SignatureVersion)
		notFor("topicArn", tg.TopicArn)
		notFor("queueName", tg.QueueName)
		if tg.SecretHeader != "" && tg.Secret == "" {
			v.Add(f+".secret", "required when secretHeader is given")
		}
		if tg.Secret != "" && n.SecretHeader == "" {
			n.SecretHeader = DefaultSecretHeader
		}
		if n.SecretHeader != "" {
			validateHeader(v, f+".secretHeader", n.SecretHeader, tg.Secret)
		}
	case TargetSNS:
		validateURL(v, f+".url", tg.URL)
		notFor("secretHeader", tg.SecretHeader)
		notFor("secret", tg.Secret)
		notFor("queueName", tg.QueueName)
		if tg.TopicArn != "" && !arnSNSPattern.MatchString(tg.TopicArn) {
			v.Add(f+".topicArn", "must be an SNS topic ARN (arn:aws:sns:<region>:<12-digit account>:<name>), got %q", tg.TopicArn)
		}
	case TargetSQS:
		notFor("url", tg.URL)
		notFor("secretHeader", tg.SecretHeader)
		notFor("secret", tg.Secret)
		notFor("topicArn", tg.TopicArn)
		if len(tg.Headers) > 0 {
			v.Add(f+".headers", "not used by sqs targets")
		}
		if !queuePattern.MatchString(tg.QueueName) {
			v.Add(f+".queueName", "required: an SQS queue name (1 to 80 letters, digits, '-' or '_', optional .fifo), got %q", tg.QueueName)
		}
		if !hasQueue {
			v.Add(f+".type", "sqs targets need the simulator's queue, and none is wired to the event bus")
		}
	case "":
		v.Add(f+".type", "required: one of http, sns, sqs")
	default:
		v.Add(f+".type", "unknown target type %q; want http, sns or sqs", tg.Type)
	}
	if tg.Type == TargetSNS || tg.Type == TargetSQS {
		switch tg.SignatureVersion {
		case "":
			n.SignatureVersion = "1"
		case "1", "2":
		default:
			v.Add(f+".signatureVersion", `must be "1" (SHA1withRSA) or "2" (SHA256withRSA), got %q`, tg.SignatureVersion)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(tg.Headers)) {
		validateHeader(v, f+".headers."+k, k, tg.Headers[k])
		if slices.Contains(reservedHeaders, strings.ToLower(k)) {
			v.Add(f+".headers."+k, "is set by the delivery and cannot be configured")
		}
	}
	if len(n.Streams) == 0 {
		n.Streams = []string{StreamEventBridge}
	}
	for i, s := range n.Streams {
		switch s {
		case StreamEventBridge:
		case StreamSubscription, StreamEntitlement:
			if tg.Type == TargetHTTP {
				v.Add(fmt.Sprintf("%s.streams[%d]", f, i), "legacy %s messages travel through SNS; use an sns or sqs target", s)
			}
		default:
			v.Add(fmt.Sprintf("%s.streams[%d]", f, i), "unknown stream %q; want eventbridge, subscription or entitlement", s)
		}
		if slices.Index(n.Streams, s) != i {
			v.Add(fmt.Sprintf("%s.streams[%d]", f, i), "duplicate stream %q", s)
		}
	}
	for i, dt := range n.DetailTypes {
		if !slices.Contains(DetailTypes, dt) {
			v.Add(fmt.Sprintf("%s.detailTypes[%d]", f, i), "unknown detail type %q; want one of %s", dt, strings.Join(DetailTypes, ", "))
		}
	}
	return n
}

func validateURL(v *invalid.Fields, field, raw string) {
	if raw == "" {
		v.Add(field, "required: an absolute http or https URL")
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		v.Add(field, "not a URL: %v", err)
		return
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		v.Add(field, "must be an absolute http or https URL, got %q", raw)
		return
	}
	if u.Host == "" {
		v.Add(field, "has no host: %q", raw)
	}
}

func validateHeader(v *invalid.Fields, field, name, value string) {
	if !headerPattern.MatchString(name) {
		v.Add(field, "%q is not a valid HTTP header name", name)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		v.Add(field, "header value must not contain CR, LF or NUL")
	}
}

// clone returns a deep copy of t.
func (t Targets) clone() Targets {
	out := t
	out.Targets = make([]Target, len(t.Targets))
	for i, tg := range t.Targets {
		c := tg
		c.Headers = maps.Clone(tg.Headers)
		c.Streams = slices.Clone(tg.Streams)
		c.DetailTypes = slices.Clone(tg.DetailTypes)
		out.Targets[i] = c
	}
	if t.Faults.Seed != nil {
		s := *t.Faults.Seed
		out.Faults.Seed = &s
	}
	return out
}
