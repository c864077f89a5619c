package http_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	dhttp "github.com/dealdesk/dealdesk/http"
	"github.com/dealdesk/dealdesk/sim/eventbus"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// TestSNSHookTopics (review F12): the SNS hook takes only the organization's topics, AWS
// Marketplace's legacy topics of its own products and its seller account's events topic (the
// simulator's default); a signed message of any other topic is 401 and nothing is stored.
func TestSNSHookTopics(t *testing.T) {
	t.Parallel()
	if dhttp.EventsTopicName != eventbus.DefaultTopicName {
		t.Fatalf("EventsTopicName %q, the simulator's topic %q: dev's SNS deliveries would be refused", dhttp.EventsTopicName, eventbus.DefaultTopicName)
	}
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		h := newHookEnv(t, engine)
		const seller, code = "111122223333", "dd3mo4nalyt1cs0000000000a"
		if _, err := h.db.CreateProduct(h.ctxA(), dealdesk.ProductInput{ExternalID: "prod-dd3mo4nalyt1cs", ProductCode: code,
			Title: "Example Analytics Platform", Dimensions: []dealdesk.Dimension{{Key: "seats", Name: "Seats", Unit: "Users",
				Kind: dealdesk.DimensionEntitled}}}); err != nil {
			t.Fatal(err)
		}
		legacy := func(code string) string {
			return fmt.Sprintf(`{"action":"subscribe-success","customer-identifier":"X01EXAMPLEX","product-code":%q}`, code)
		}
		event := func(id string) string {
			return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":"Change Set Succeeded","source":"aws.marketplacecatalog",`+
				`"account":%q,"time":%q,"region":"us-east-1","resources":[],"detail":{"ChangeSetId":"cs-%s"}}`,
				id, seller, time.Now().UTC().Format(time.RFC3339), id)
		}
		path := hookPath(h.ep.SNSURL)
		cases := []struct {
			name, topic, message string
			want                 int
		}{
			{"the legacy subscription topic of its product", "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-" + code, legacy(code), 202},
			{"the legacy entitlement topic of its product", "arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-" + code,
				`{"action":"entitlement-updated","customer-identifier":"X01EXAMPLEX","product-code":"` + code + `"}`, 202},
			{"its seller account's events topic", "arn:aws:sns:us-east-1:" + seller + ":" + eventbus.DefaultTopicName, event("e1"), 202},
			{"another topic of its seller account", "arn:aws:sns:us-east-1:" + seller + ":anyone-can-name-this", event("e2"), 401},
			{"the events topic of another account", "arn:aws:sns:us-east-1:999988887777:" + eventbus.DefaultTopicName, event("e3"), 401},
			{"its events topic in another region", "arn:aws:sns:eu-west-1:" + seller + ":" + eventbus.DefaultTopicName, event("e4"), 401},
			{"the legacy topic of another seller's product", "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-othercode123",
				legacy("othercode123"), 401},
			{"a legacy topic name in another account", "arn:aws:sns:us-east-1:999988887777:aws-mp-subscription-notification-" + code, legacy(code), 401},
			{"a legacy topic without a product code", "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-", legacy(code), 401},
			{"not an SNS topic", "arn:aws:sqs:us-east-1:" + seller + ":" + eventbus.DefaultTopicName, event("e5"), 401},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := len(h.inbox(t))
				body := h.signer.notification(t, fmt.Sprintf("msg-%d", i), c.topic, c.message)
				h.in(t).do(req{method: "POST", path: path, body: body, bad: c.want != 202}).want(t, c.want)
				stored := len(h.inbox(t)) - before
				if (c.want == 202) != (stored == 1) {
					t.Fatalf("%d events stored after a %d answer", stored, c.want)
				}
			})
		}
	})
}
