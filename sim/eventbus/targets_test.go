package eventbus

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

func TestConfigureRejectsBadInputAndChangesNothing(t *testing.T) {
	t.Parallel()
	const good = `{"targets":[{"name":"w","type":"http","url":"http://127.0.0.1:9/x","secret":"s"}],"faults":{"dropRate":0.1}}`
	cases := []struct {
		name      string
		body      string
		noQueue   bool
		wantField string
		wantText  string
	}{
		{"url with another scheme", `{"targets":[{"name":"w","type":"http","url":"ftp://example.com/x"}]}`, false, "targets[0].url", "http or https"},
		{"url that is not absolute", `{"targets":[{"name":"w","type":"http","url":"/hooks"}]}`, false, "targets[0].url", "http or https"},
		{"url without host", `{"targets":[{"name":"w","type":"sns","url":"http://"}]}`, false, "targets[0].url", "no host"},
		{"url missing", `{"targets":[{"name":"w","type":"http"}]}`, false, "targets[0].url", "required"},
		{"url unparsable", `{"targets":[{"name":"w","type":"http","url":"http://[::1"}]}`, false, "targets[0].url", "not a URL"},
		{"drop rate above 1", `{"faults":{"dropRate":1.5}}`, false, "faults.dropRate", "between 0 and 1"},
		{"duplicate rate below 0", `{"faults":{"duplicateRate":-0.1}}`, false, "faults.duplicateRate", "between 0 and 1"},
		{"delay rate above 1", `{"faults":{"delayRate":2}}`, false, "faults.delayRate", "between 0 and 1"},
		{"reorder rate above 1", `{"faults":{"reorderRate":1.01}}`, false, "faults.reorderRate", "between 0 and 1"},
		{"negative max delay", `{"faults":{"maxDelayMs":-5}}`, false, "faults.maxDelayMs", "between 0"},
		{"unknown target type", `{"targets":[{"name":"w","type":"carrier-pigeon"}]}`, false, "targets[0].type", `unknown target type "carrier-pigeon"`},
		{"missing target type", `{"targets":[{"name":"w"}]}`, false, "targets[0].type", "required"},
		{"unknown top-level field", `{"targetz":[]}`, false, "targetz", "unknown field"},
		{"unknown target field", `{"targets":[{"name":"w","type":"http","url":"http://a","secrte":"x"}]}`, false, "secrte", "unknown field"},
		{"unknown fault field", `{"faults":{"lossRate":0.5}}`, false, "lossRate", "unknown field"},
		{"rate of the wrong type", `{"faults":{"dropRate":"high"}}`, false, "faults.dropRate", "must be a number"},
		{"malformed JSON", `{"targets":[`, false, "(body)", "malformed JSON"},
		{"trailing data", `{} {}`, false, "(body)", "after the JSON object"},
		{"empty body", ``, false, "(body)", "empty body"},
		{"missing name", `{"targets":[{"type":"http","url":"http://a"}]}`, false, "targets[0].name", "required"},
		{"duplicate names", `{"targets":[{"name":"w","type":"http","url":"http://a"},{"name":"w","type":"http","url":"http://b"}]}`, false, "targets[1].name", "duplicate"},
		{"sqs without queue name", `{"targets":[{"name":"q","type":"sqs"}]}`, false, "targets[0].queueName", "required"},
		{"sqs with a url", `{"targets":[{"name":"q","type":"sqs","queueName":"q","url":"http://a"}]}`, false, "targets[0].url", "not used by sqs"},
		{"sqs without a queue wired", `{"targets":[{"name":"q","type":"sqs","queueName":"q"}]}`, true, "targets[0].type", "none is wired"},
		{"secret header without secret", `{"targets":[{"name":"w","type":"http","url":"http://a","secretHeader":"X-Secret"}]}`, false, "targets[0].secret", "required when secretHeader"},
		{"secret on an sns target", `{"targets":[{"name":"s","type":"sns","url":"http://a","secret":"x"}]}`, false, "targets[0].secret", "not used by sns"},
		{"header name with a space", `{"targets":[{"name":"w","type":"http","url":"http://a","headers":{"Bad Header":"v"}}]}`, false, "targets[0].headers.Bad Header", "not a valid HTTP header name"},
		{"header value with a newline", `{"targets":[{"name":"w","type":"http","url":"http://a","headers":{"X-A":"v\r\nX-B: w"}}]}`, false, "targets[0].headers.X-A", "CR, LF"},
		{"reserved header", `{"targets":[{"name":"w","type":"http","url":"http://a","headers":{"Content-Type":"text/xml"}}]}`, false, "targets[0].headers.Content-Type", "cannot be configured"},
		{"legacy stream on an http target", `{"targets":[{"name":"w","type":"http","url":"http://a","streams":["subscription"]}]}`, false, "targets[0].streams[0]", "use an sns or sqs target"},
		{"unknown stream", `{"targets":[{"name":"s","type":"sns","url":"http://a","streams":["metering"]}]}`, false, "targets[0].streams[0]", `unknown stream "metering"`},
		{"unknown detail type", `{"targets":[{"name":"w","type":"http","url":"http://a","detailTypes":["Offer Created"]}]}`, false, "targets[0].detailTypes[0]", `unknown detail type "Offer Created"`},
		{"bad signature version", `{"targets":[{"name":"s","type":"sns","url":"http://a","signatureVersion":"3"}]}`, false, "targets[0].signatureVersion", `"1" (SHA1withRSA) or "2"`},
		{"bad topic ARN", `{"targets":[{"name":"s","type":"sns","url":"http://a","topicArn":"my-topic"}]}`, false, "targets[0].topicArn", "SNS topic ARN"},
		{"too many attempts", `{"retry":{"maxAttempts":50}}`, false, "retry.maxAttempts", "between 1 and 20"},
		{"max backoff below backoff", `{"retry":{"backoffMs":500,"maxBackoffMs":100}}`, false, "retry.maxBackoffMs", "must not be below"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{}
			if !c.noQueue {
				cfg.QueueSender = &queueRecorder{}
			}
			b := newTestBus(t, cfg)
			configure(t, b, good)
			before := b.Targets()
			err := b.ConfigureJSON([]byte(c.body))
			var v *invalid.Error
			if !errors.As(err, &v) {
				t.Fatalf("ConfigureJSON(%s) = %v, want an *invalid.Error", c.body, err)
			}
			found := false
			for _, p := range v.Fields {
				if p.Field == c.wantField && strings.Contains(p.Message, c.wantText) {
					found = true
				}
			}
			if !found {
				t.Errorf("problems %+v, want field %q with %q", v.Fields, c.wantField, c.wantText)
			}
			if !strings.Contains(err.Error(), c.wantField) {
				t.Errorf("error text %q does not name %s", err, c.wantField)
			}
			if after := b.Targets(); !reflect.DeepEqual(before, after) {
				t.Errorf("a rejected configuration changed the targets:\n%+v\n%+v", before, after)
			}
		})
	}
}

func TestConfigureListsEveryProblem(t *testing.T) {
	t.Parallel()
	b := newTestBus(t, Config{})
	err := b.ConfigureJSON([]byte(`{"targets":[{"name":"w","type":"http","url":"ftp://a"},{"name":"x","type":"nope"}],"faults":{"dropRate":3}}`))
	var v *invalid.Error
	if !errors.As(err, &v) || len(v.Fields) != 3 {
		t.Fatalf("got %v, want three problems", err)
	}
}

func TestConfigureFillsDefaults(t *testing.T) {
	t.Parallel()
	b := newTestBus(t, Config{QueueSender: &queueRecorder{}})
	configure(t, b, `{"targets":[
		{"name":"w","type":"http","url":"https://hooks.example.com/aws","secret":"s"},
		{"name":"s","type":"sns","url":"http://127.0.0.1:8080/sns","streams":["eventbridge","subscription","entitlement"]},
		{"name":"q","type":"sqs","queueName":"events.fifo","signatureVersion":"2"}]}`)
	got := b.Targets()
	want := Targets{
		Targets: []Target{
			{Name: "w", Type: TargetHTTP, URL: "https://hooks.example.com/aws", SecretHeader: DefaultSecretHeader, Secret: "s", Streams: []string{StreamEventBridge}},
			{Name: "s", Type: TargetSNS, URL: "http://127.0.0.1:8080/sns", SignatureVersion: "1", Streams: []string{StreamEventBridge, StreamSubscription, StreamEntitlement}},
			{Name: "q", Type: TargetSQS, QueueName: "events.fifo", SignatureVersion: "2", Streams: []string{StreamEventBridge}},
		},
		Retry: Retry{MaxAttempts: 3, BackoffMs: 200, MaxBackoffMs: 5000},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Targets()\n got %+v\nwant %+v", got, want)
	}
	// The returned value is a copy: changing it does not change the bus.
	got.Targets[0].Streams[0] = "changed"
	if b.Targets().Targets[0].Streams[0] != StreamEventBridge {
		t.Errorf("Targets() shares memory with the bus")
	}
	// An empty body clears the targets.
	configure(t, b, `{}`)
	if n := len(b.Targets().Targets); n != 0 {
		t.Errorf("after {}: %d targets", n)
	}
}

func TestDocumentedConfigurationIsAccepted(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "//\t"):
			in = true
			body.WriteString(strings.TrimPrefix(line, "//\t") + "\n")
		case in:
			in = false
		}
		if !in && body.Len() > 0 {
			break
		}
	}
	b := newTestBus(t, Config{QueueSender: &queueRecorder{}})
	if err := b.ConfigureJSON([]byte(body.String())); err != nil {
		t.Fatalf("the example in doc.go is rejected: %v\n%s", err, body.String())
	}
	if n := len(b.Targets().Targets); n != 3 {
		t.Errorf("the example configures %d targets, want 3", n)
	}
}
