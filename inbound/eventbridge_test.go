package inbound_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// mutated returns golden file name decoded, changed by change, and encoded again.
func mutated(t *testing.T, name string, change func(env map[string]any)) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(readGolden(t, name), &env); err != nil {
		t.Fatal(err)
	}
	change(env)
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func detailOf(env map[string]any) map[string]any { return env["detail"].(map[string]any) }

// assertMalformed requires an EMALFORMED error whose message names every part of wants.
func assertMalformed(t *testing.T, ev *dealdesk.AWSEvent, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; event %+v", ev)
	}
	if ev != nil {
		t.Errorf("an event came with the error: %+v", ev)
	}
	if code := dealdesk.ErrorCode(err); code != dealdesk.EMALFORMED {
		t.Errorf("error code %q (%v), want %q", code, err, dealdesk.EMALFORMED)
	}
	for _, w := range wants {
		if !strings.Contains(dealdesk.ErrorMessage(err), w) {
			t.Errorf("error %q does not say %q", dealdesk.ErrorMessage(err), w)
		}
	}
}

func TestParseEventBridgeRefusesMalformedEvents(t *testing.T) {
	t.Parallel()
	const created = "purchase_agreement_created.json"
	tests := []struct {
		name  string
		body  func(t *testing.T) []byte
		wants []string
	}{
		{"not JSON", raw(`{"id":`), []string{"EventBridge event: (body): not valid JSON"}},
		{"an array", raw(`[{"id":"x"}]`), []string{"(body): must be a JSON object"}},
		{"empty", raw(` `), []string{"(body): empty"}},
		{"trailing data", func(t *testing.T) []byte { return append(readGolden(t, created), []byte(` {}`)...) },
			[]string{"(body): unexpected data after the JSON object"}},
		{"too large", func(t *testing.T) []byte { return []byte(`{"id":"` + strings.Repeat("x", inbound.MaxBodyBytes) + `"}`) },
			[]string{"more than the 1048576 allowed"}},
		{"missing id and bad time listed together", change(created, func(e map[string]any) { delete(e, "id"); e["time"] = "yesterday" }),
			[]string{"id: is required", `time: must be an RFC 3339 time such as 2026-11-26T10:00:00Z, got "yesterday"`}},
		{"missing version", change(created, func(e map[string]any) { delete(e, "version") }), []string{"version: is required"}},
		{"another version", change(created, func(e map[string]any) { e["version"] = "1" }), []string{`version: must be "0", got "1"`}},
		{"missing detail-type, source and account", change(created, func(e map[string]any) {
			delete(e, "detail-type")
			delete(e, "source")
			delete(e, "account")
		}), []string{"detail-type: is required", "source: is required", "account: is required"}},
		{"a number for a string", change(created, func(e map[string]any) { e["account"] = 111122223333 }),
			[]string{"account: must be a string, not number"}},
		{"missing detail", change(created, func(e map[string]any) { delete(e, "detail") }), []string{"detail: is required"}},
		{"detail not an object", change(created, func(e map[string]any) { e["detail"] = "agmt-1" }),
			[]string{"detail: must be a JSON object"}},
		{"detail null", change(created, func(e map[string]any) { e["detail"] = nil }), []string{"detail: must be a JSON object"}},
		{"agreement without id", change(created, func(e map[string]any) {
			delete(detailOf(e)["agreement"].(map[string]any), "id")
		}), []string{"detail.agreement.id: is required"}},
		{"agreement id a number", change(created, func(e map[string]any) { detailOf(e)["agreement"].(map[string]any)["id"] = 7 }),
			[]string{"detail.agreement.id: must be a string, not number"}},
		{"agreement start time not a time", change(created, func(e map[string]any) {
			detailOf(e)["agreement"].(map[string]any)["startTime"] = "26/11/2026"
		}), []string{`detail.agreement.startTime: must be an RFC 3339 time`}},
		{"offer without id", change("offer_released.json", func(e map[string]any) { detailOf(e)["offer"] = map[string]any{} }),
			[]string{"detail.offer.id: is required"}},
		{"buyers not a list", change("offer_released.json", func(e map[string]any) { detailOf(e)["targetedBuyerAccountIds"] = "777788889999" }),
			[]string{"detail.targetedBuyerAccountIds: must be an array, not string"}},
		{"offer expiry not a time", change("offer_released.json", func(e map[string]any) {
			detailOf(e)["offer"].(map[string]any)["expirationDate"] = "soon"
		}), []string{"detail.offer.expirationDate: must be an RFC 3339 time"}},
		{"license without agreement id", change("license_updated.json", func(e map[string]any) { delete(detailOf(e), "agreement") }),
			[]string{"detail.agreement.id: is required"}},
		{"change set without id", change("change_set_failed.json", func(e map[string]any) { delete(detailOf(e), "ChangeSetId") }),
			[]string{"detail.ChangeSetId: is required"}},
		{"unknown detail type whose detail is not an object", change(created, func(e map[string]any) {
			e["detail-type"] = "Purchase Agreement Created - Proposer"
			e["detail"] = []any{}
		}), []string{"detail: must be a JSON object"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev, err := inbound.ParseEventBridge(tc.body(t))
			assertMalformed(t, ev, err, tc.wants...)
		})
	}
}

func raw(s string) func(*testing.T) []byte { return func(*testing.T) []byte { return []byte(s) } }

func change(name string, f func(map[string]any)) func(*testing.T) []byte {
	return func(t *testing.T) []byte { return mutated(t, name, f) }
}

func TestParseEventBridgeUnknownKindsAreNotErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, golden, source, detailType string
	}{
		{"a proposer's agreement event", "purchase_agreement_created.json", dealdesk.SourceAgreementMarketplace, "Purchase Agreement Created - Proposer"},
		{"an advisory", "purchase_agreement_created.json", dealdesk.SourceAgreementMarketplace, "Purchase Agreement Advisory Issued - Manufacturer"},
		{"a known detail type from another source", "offer_released.json", dealdesk.SourceAgreementMarketplace, "Offer Released"},
		{"another service", "change_set_succeeded.json", "aws.marketplace", "Disbursement Paused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := mutated(t, tc.golden, func(e map[string]any) { e["source"], e["detail-type"] = tc.source, tc.detailType })
			got, err := inbound.ParseEventBridge(body)
			if err != nil {
				t.Fatalf("ParseEventBridge: %v", err)
			}
			want := envelopeOf(tc.detailType, tc.source, "", dealdesk.EventUnknown)
			want.Resources = got.Resources // the golden's; compared by the golden tests
			if len(got.Resources) != 1 {
				t.Errorf("resources %v, want the envelope's one", got.Resources)
			}
			assertEvent(t, got, &want)
		})
	}
}

func TestParseEventBridgeDefaultsAbsentOptionalFields(t *testing.T) {
	t.Parallel()
	body := mutated(t, "offer_released.json", func(e map[string]any) {
		delete(e, "region")
		delete(e, "resources")
		d := detailOf(e)
		delete(d, "targetedBuyerAccountIds")
		delete(d, "sellerOfRecord")
		d["resaleAuthorization"] = map[string]any{"id": raID}
		d["futureField"] = map[string]any{"anything": 1}
	})
	got, err := inbound.ParseEventBridge(body)
	if err != nil {
		t.Fatalf("ParseEventBridge: %v", err)
	}
	if got.Region != "" || got.Resources == nil || len(got.Resources) != 0 {
		t.Errorf("region %q resources %#v, want empty and an empty list", got.Region, got.Resources)
	}
	o := got.Offer
	if o == nil {
		t.Fatal("no offer report")
	}
	if o.TargetedBuyerAccountIDs == nil || len(o.TargetedBuyerAccountIDs) != 0 {
		t.Errorf("buyers %#v, want an empty list", o.TargetedBuyerAccountIDs)
	}
	if o.ResaleAuthorizationID != raID {
		t.Errorf("resale authorization %q, want %q read when AWS sends it", o.ResaleAuthorizationID, raID)
	}
	if o.SellerOfRecord != (dealdesk.Party{}) || o.IsCPPO() {
		t.Errorf("seller of record %+v, IsCPPO %v; want none and false", o.SellerOfRecord, o.IsCPPO())
	}
}

func TestParseSQSBodyRefusesWhatIsNotAnEvent(t *testing.T) {
	t.Parallel()
	legacy := readGolden(t, "sns_subscribe_success.json")
	tests := []struct {
		name  string
		body  func(t *testing.T) []byte
		wants []string
	}{
		{"legacy message without its envelope", raw(string(legacy)), []string{"raw message delivery"}},
		{"neither shape", raw(`{"hello":"world"}`), []string{"SQS message body: neither an EventBridge event"}},
		{"not JSON", raw(`hello`), []string{"SQS message body: (body): must be a JSON object"}},
		{"SNS message of another type", raw(`{"Type":"Bogus"}`), []string{`Type: must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation, got "Bogus"`}},
		{"SNS message without its fields", raw(`{"Type":"Notification"}`),
			[]string{"Message: is required", "MessageId: is required", "TopicArn: is required", "Timestamp: is required", "SigningCertURL: is required"}},
		{"SNS message whose Message is neither", func(t *testing.T) []byte { return wrapLegacy(t, subscriptionTopic, []byte(`{"x":1}`)) },
			[]string{"Message: neither an EventBridge event"}},
		{"SNS message whose Message is not JSON", func(t *testing.T) []byte { return wrapLegacy(t, subscriptionTopic, []byte(`subscribe-success`)) },
			[]string{"SNS message: Message: must be a JSON object"}},
		{"SNS message with a bad timestamp", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(wrapLegacy(t, subscriptionTopic, legacy)), "2026-11-26T10:00:00.000Z", "now", 1))
		}, []string{`Timestamp: must be an RFC 3339 time`}},
		{"legacy message without customer", func(t *testing.T) []byte {
			return wrapLegacy(t, subscriptionTopic, []byte(`{"action":"subscribe-success","product-code":"x"}`))
		}, []string{"AWS Marketplace SNS message: Message.customer-identifier: is required"}},
		{"legacy message with an empty action", func(t *testing.T) []byte {
			return wrapLegacy(t, subscriptionTopic, []byte(`{"action":""}`))
		}, []string{"Message.action: is required"}},
		{"legacy free trial neither true nor false", func(t *testing.T) []byte {
			return wrapLegacy(t, subscriptionTopic, []byte(`{"action":"subscribe-success","customer-identifier":"c","product-code":"p","isFreeTrialTermPresent":"yes"}`))
		}, []string{`Message.isFreeTrialTermPresent: must be "true" or "false", got "yes"`}},
		{"SNS-wrapped EventBridge event that is malformed", func(t *testing.T) []byte {
			return wrapLegacy(t, subscriptionTopic, mutated(t, "license_updated.json", func(e map[string]any) { delete(e, "time") }))
		}, []string{"EventBridge event: time: is required"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev, err := inbound.ParseSQSBody(tc.body(t))
			assertMalformed(t, ev, err, tc.wants...)
		})
	}
}

func TestParseSQSBodyUnknownLegacyActionIsNotAnError(t *testing.T) {
	t.Parallel()
	got, err := inbound.ParseSQSBody(wrapLegacy(t, subscriptionTopic, []byte(`{"action":"subscribe-retry","customer-identifier":"c"}`)))
	if err != nil {
		t.Fatalf("ParseSQSBody: %v", err)
	}
	want := &dealdesk.AWSEvent{ID: "00000000-0000-4000-8000-000000000004", Source: subscriptionTopic, DetailType: "subscribe-retry",
		Time: ts("2026-11-26T10:00:00Z"), Resources: []string{}, Kind: dealdesk.EventUnknown}
	assertEvent(t, got, want)
}
