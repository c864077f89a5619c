package inbound_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

func newVerifier(t *testing.T, cfg inbound.SNSConfig) *inbound.SNS {
	t.Helper()
	v, err := inbound.NewSNS(cfg)
	if err != nil {
		t.Fatalf("NewSNS: %v", err)
	}
	return v
}

// snsFlow is a simulator whose sns target is a webhook that has verified and confirmed its
// subscriptions, with the signed bodies it received.
type snsFlow struct {
	sim           *simEnv
	rcv           *receiver
	confirmations map[string][]byte // raw SubscriptionConfirmation bodies by TopicArn
	notifications map[dealdesk.EventKind][]byte
	offerID       string
	agreementID   string
	licenseArn    string
}

// runSNSFlow subscribes an sns target (SignatureVersion 2) to the EventBridge topic and the
// demo products' legacy topics, verifies and confirms each subscription with v, then plays a
// resale authorization, a reseller's offer and a buyer's acceptance, and verifies and parses
// each notification.
func runSNSFlow(t *testing.T) *snsFlow {
	t.Helper()
	f := &snsFlow{sim: newSim(t), rcv: newReceiver(t), confirmations: map[string][]byte{}, notifications: map[dealdesk.EventKind][]byte{}}
	e := f.sim
	v := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{e.url}})
	e.control(t, http.MethodPut, "/_sim/events", map[string]any{"targets": []any{map[string]any{
		"name": "dealdesk", "type": "sns", "url": f.rcv.url, "signatureVersion": "2",
		"streams": []string{"eventbridge", "subscription", "entitlement"}}}}, nil)

	// One confirmation per topic: the EventBridge topic and two legacy topics per product.
	for len(f.confirmations) < 5 {
		body := f.rcv.next(t)
		m, err := v.Verify(testCtx(t), body)
		if err != nil {
			t.Fatalf("Verify of the simulator's confirmation: %v\n%s", err, body)
		}
		if m.Type != inbound.SNSSubscriptionConfirmation || m.Token == "" || !strings.HasPrefix(m.SubscribeURL, e.url+"/_sim/sns?") {
			t.Fatalf("message %+v: want a SubscriptionConfirmation with its token and the simulator's SubscribeURL", m)
		}
		arn, err := v.Confirm(testCtx(t), m)
		if err != nil {
			t.Fatalf("Confirm %s: %v", m.TopicArn, err)
		}
		if !strings.HasPrefix(arn, m.TopicArn+":") {
			t.Errorf("SubscriptionArn %q is not of topic %s", arn, m.TopicArn)
		}
		f.confirmations[m.TopicArn] = body
	}
	if n := e.certFetches.Load(); n != 1 {
		t.Errorf("the certificate was fetched %d times for 5 messages, want once (cached)", n)
	}

	ra := e.publishResaleAuthorization(t)
	f.expect(t, v, dealdesk.EventChangeSetSucceeded)
	var offer struct {
		OfferID string `json:"offerId"`
	}
	e.control(t, http.MethodPost, "/_sim/resellers/"+simReseller+"/offers",
		map[string]any{"resaleAuthorizationId": ra, "buyerAccountIds": []string{simBuyer}, "markupPercentage": "5"}, &offer)
	f.offerID = offer.OfferID
	f.expect(t, v, dealdesk.EventOfferReleased)
	var accepted struct {
		AgreementID string `json:"agreementId"`
		LicenseArn  string `json:"licenseArn"`
	}
	e.control(t, http.MethodPost, "/_sim/buyers/"+simBuyer+"/accept", map[string]any{"offerId": f.offerID}, &accepted)
	f.agreementID, f.licenseArn = accepted.AgreementID, accepted.LicenseArn
	f.expect(t, v, dealdesk.EventAgreementCreated, dealdesk.EventLicenseUpdated, dealdesk.EventSubscribeSuccess, dealdesk.EventEntitlementUpdated)
	return f
}

// expect receives one notification per kind (in any order), verifies and parses each.
func (f *snsFlow) expect(t *testing.T, v *inbound.SNS, kinds ...dealdesk.EventKind) {
	t.Helper()
	for range kinds {
		body := f.rcv.next(t)
		m, err := v.Verify(testCtx(t), body)
		if err != nil {
			t.Fatalf("Verify: %v\n%s", err, body)
		}
		ev, err := m.Event()
		if err != nil {
			t.Fatalf("Event: %v\n%s", err, m.Message)
		}
		f.notifications[ev.Kind] = body
	}
	for _, k := range kinds {
		if f.notifications[k] == nil {
			t.Fatalf("no %s notification among %d received", k, len(kinds))
		}
	}
}

// event verifies body with a fresh verifier of the simulator and parses its event.
func (f *snsFlow) event(t *testing.T, kind dealdesk.EventKind) *dealdesk.AWSEvent {
	t.Helper()
	m, err := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{f.sim.url}}).Verify(testCtx(t), f.notifications[kind])
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	ev, err := m.Event()
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	return ev
}

func TestSNSAgainstTheSimulator(t *testing.T) {
	t.Parallel()
	f := runSNSFlow(t)
	e := f.sim

	t.Run("confirmation works end to end", func(t *testing.T) {
		var view struct {
			Subscriptions []struct {
				TopicArn string `json:"topicArn"`
				Status   string `json:"status"`
			} `json:"subscriptions"`
		}
		e.control(t, http.MethodGet, "/_sim/events", nil, &view)
		if len(view.Subscriptions) != 5 {
			t.Fatalf("%d subscriptions, want 5", len(view.Subscriptions))
		}
		for _, s := range view.Subscriptions {
			if s.Status != "Confirmed" {
				t.Errorf("subscription to %s is %s", s.TopicArn, s.Status)
			}
		}
		if n := e.confirmCalls.Load(); n != 5 {
			t.Errorf("the SubscribeURL was visited %d times, want 5", n)
		}
	})

	t.Run("notifications parse into the flow's events", func(t *testing.T) {
		offer := f.event(t, dealdesk.EventOfferReleased)
		if offer.Offer == nil || offer.Offer.OfferID != f.offerID || !offer.Offer.IsCPPO() ||
			offer.Offer.SellerOfRecord.AccountID != simReseller || len(offer.Offer.TargetedBuyerAccountIDs) != 1 ||
			offer.Offer.TargetedBuyerAccountIDs[0] != simBuyer {
			t.Errorf("Offer Released: %+v, want offer %s by reseller %s for buyer %s", offer.Offer, f.offerID, simReseller, simBuyer)
		}
		created := f.event(t, dealdesk.EventAgreementCreated)
		if a := created.Agreement; a == nil || a.AgreementID != f.agreementID || a.OfferID != f.offerID ||
			!a.IsCPPO() || a.AcceptorAccountID != simBuyer || a.ProposerAccountID != simReseller || a.Status != "ACTIVE" {
			t.Errorf("Agreement Created: %+v", a)
		}
		license := f.event(t, dealdesk.EventLicenseUpdated)
		if l := license.License; l == nil || l.LicenseARN != f.licenseArn || l.AgreementID != f.agreementID || l.ProductCode == "" {
			t.Errorf("License Updated: %+v, want license %s of %s", l, f.licenseArn, f.agreementID)
		}
		sub := f.event(t, dealdesk.EventSubscribeSuccess)
		if l := sub.Legacy; l == nil || l.OfferIdentifier != f.offerID || l.CustomerIdentifier == "" ||
			!strings.Contains(sub.Source, ":aws-mp-subscription-notification-") || sub.Time.IsZero() {
			t.Errorf("subscribe-success: %+v from %s at %s", l, sub.Source, sub.Time)
		}
		if ent := f.event(t, dealdesk.EventEntitlementUpdated); ent.Legacy == nil || ent.Legacy.ProductCode != license.License.ProductCode {
			t.Errorf("entitlement-updated: %+v, want product %s", ent.Legacy, license.License.ProductCode)
		}
	})

	notification := f.notifications[dealdesk.EventAgreementCreated]
	t.Run("tampered or refused messages fail without a fetch when they can", func(t *testing.T) {
		type fields map[string]string
		tests := []struct {
			name      string
			edit      fields
			cfg       func(*inbound.SNSConfig)
			code      string
			want      string
			mayFetch  bool // the refusal comes after the certificate
			wantFetch bool
		}{
			{name: "Message changed", edit: fields{"Message": strings.Replace(jsonField(t, notification, "Message"), f.agreementID, "agmt-forged", 1)},
				code: dealdesk.EUNAUTHORIZED, want: "the signature does not match", wantFetch: true},
			{name: "TopicArn changed", edit: fields{"TopicArn": "arn:aws:sns:us-east-1:111122223333:other"},
				code: dealdesk.EUNAUTHORIZED, want: "the signature does not match", wantFetch: true},
			{name: "signed with version 2, claimed version 1", edit: fields{"SignatureVersion": "1"},
				code: dealdesk.EUNAUTHORIZED, want: "the signature does not match", wantFetch: true},
			{name: "unknown signature version", edit: fields{"SignatureVersion": "3"},
				code: dealdesk.EUNAUTHORIZED, want: `SignatureVersion must be "1" or "2", got "3"`},
			{name: "signature not base64", edit: fields{"Signature": "%%%"},
				code: dealdesk.EUNAUTHORIZED, want: "Signature is not base64"},
			{name: "certificate on another host", edit: fields{"SigningCertURL": "https://attacker.example/SimpleNotificationService-1.pem"},
				code: dealdesk.EUNAUTHORIZED, want: "is not on the allow-list"},
			{name: "certificate on a host that only starts like AWS's", edit: fields{"SigningCertURL": "https://sns.us-east-1.amazonaws.com.attacker.example/c.pem"},
				code: dealdesk.EUNAUTHORIZED, want: "is not on the allow-list"},
			{name: "AWS's host over plain HTTP", edit: fields{"SigningCertURL": "http://sns.us-east-1.amazonaws.com/c.pem"},
				code: dealdesk.EUNAUTHORIZED, want: "is not on the allow-list"},
			{name: "AWS's host on another port", edit: fields{"SigningCertURL": "https://sns.us-east-1.amazonaws.com:8443/c.pem"},
				code: dealdesk.EUNAUTHORIZED, want: "is not on the allow-list"},
			{name: "AWS's host with user information", edit: fields{"SigningCertURL": "https://user@sns.us-east-1.amazonaws.com/c.pem"},
				code: dealdesk.EUNAUTHORIZED, want: "carries user information"},
			{name: "the simulator's host with the default allow-list", cfg: func(c *inbound.SNSConfig) { c.AllowedOrigins = nil },
				code: dealdesk.EUNAUTHORIZED, want: "is not on the allow-list"},
			{name: "the simulator's host allowed over https only", cfg: func(c *inbound.SNSConfig) {
				c.AllowedOrigins = []string{strings.Replace(e.url, "http://", "https://", 1)}
			}, code: dealdesk.EUNAUTHORIZED, want: "is not on the allow-list"},
			{name: "a topic the endpoint does not accept", cfg: func(c *inbound.SNSConfig) {
				c.AllowTopic = func(arn string) bool { return strings.HasSuffix(arn, ":expected-topic") }
			}, code: dealdesk.EUNAUTHORIZED, want: "is not a topic this endpoint accepts"},
			{name: "a certificate not valid now", cfg: func(c *inbound.SNSConfig) {
				c.Now = func() time.Time { return time.Now().AddDate(20, 0, 0) }
			}, code: dealdesk.EUNAUTHORIZED, want: "not now", wantFetch: true},
			{name: "not an SNS message", edit: fields{"Type": "Telegram"}, code: dealdesk.EMALFORMED, want: "Type: must be Notification"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				cfg := inbound.SNSConfig{AllowedOrigins: []string{e.url}}
				if tc.cfg != nil {
					tc.cfg(&cfg)
				}
				v := newVerifier(t, cfg) // a fresh cache: a verification that goes on fetches
				body := notification
				if tc.edit != nil {
					body = edited(t, notification, tc.edit)
				}
				before := e.certFetches.Load()
				m, err := v.Verify(testCtx(t), body)
				if err == nil || m != nil {
					t.Fatalf("Verify accepted it: %+v", m)
				}
				if code := dealdesk.ErrorCode(err); code != tc.code || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %v (code %s), want code %s saying %q", err, code, tc.code, tc.want)
				}
				fetched := e.certFetches.Load() - before
				if tc.wantFetch && fetched != 1 || !tc.wantFetch && fetched != 0 {
					t.Errorf("the certificate was fetched %d times, want %v", fetched, tc.wantFetch)
				}
			})
		}
	})

	t.Run("the genuine message still verifies, once per cache", func(t *testing.T) {
		v := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{e.url}, AllowTopic: func(arn string) bool {
			return strings.HasSuffix(arn, ":dealdesk-marketplace-events")
		}})
		before := e.certFetches.Load()
		for range 3 {
			if _, err := v.Verify(testCtx(t), notification); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		}
		if n := e.certFetches.Load() - before; n != 1 {
			t.Errorf("%d fetches for 3 verifications, want 1", n)
		}
	})

	t.Run("the certificate cache is bounded", func(t *testing.T) {
		v := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{e.url}, MaxCertificates: 1})
		certURL := jsonField(t, notification, "SigningCertURL")
		before := e.certFetches.Load()
		for _, u := range []string{certURL + "?a", certURL + "?b", certURL + "?a"} {
			if _, err := v.Verify(testCtx(t), edited(t, notification, map[string]string{"SigningCertURL": u})); err != nil {
				t.Fatalf("Verify with certificate %s: %v", u, err)
			}
		}
		if n := e.certFetches.Load() - before; n != 3 {
			t.Errorf("%d fetches, want 3: a cache of one forgets the first URL when the second comes", n)
		}
	})

	t.Run("confirming needs a verified SubscriptionConfirmation", func(t *testing.T) {
		v := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{e.url}})
		before := e.confirmCalls.Load()
		if _, err := v.Confirm(testCtx(t), &inbound.SNSMessage{Type: inbound.SNSSubscriptionConfirmation, SubscribeURL: e.url + "/_sim/sns?Action=ConfirmSubscription"}); dealdesk.ErrorCode(err) != dealdesk.EUNAUTHORIZED {
			t.Errorf("Confirm of a message Verify did not return: %v, want %s", err, dealdesk.EUNAUTHORIZED)
		}
		m, err := v.Verify(testCtx(t), notification)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Confirm(testCtx(t), m); dealdesk.ErrorCode(err) != dealdesk.EMALFORMED {
			t.Errorf("Confirm of a Notification: %v, want %s", err, dealdesk.EMALFORMED)
		}
		for topic, body := range f.confirmations {
			c, err := v.Verify(testCtx(t), body)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Event(); dealdesk.ErrorCode(err) != dealdesk.EMALFORMED {
				t.Errorf("Event of a confirmation of %s: %v, want %s", topic, err, dealdesk.EMALFORMED)
			}
			break
		}
		if n := e.confirmCalls.Load() - before; n != 0 {
			t.Errorf("the SubscribeURL was visited %d times", n)
		}
	})

	t.Run("confirming again returns the same subscription", func(t *testing.T) {
		v := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{e.url}})
		for topic, body := range f.confirmations {
			m, err := v.Verify(testCtx(t), body)
			if err != nil {
				t.Fatal(err)
			}
			arn, err := v.Confirm(testCtx(t), m)
			if err != nil || !strings.HasPrefix(arn, topic+":") {
				t.Errorf("second Confirm of %s: %q, %v", topic, arn, err)
			}
		}
	})
}

func TestSNSCertificateFetchIsBounded(t *testing.T) {
	t.Parallel()
	f := runSNSFlow(t)
	notification := f.notifications[dealdesk.EventAgreementCreated]
	certURL := jsonField(t, notification, "SigningCertURL")
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/large.pem":
			_, _ = w.Write([]byte(strings.Repeat("A", inbound.MaxCertificateBytes+1)))
		case "/junk.pem":
			_, _ = w.Write([]byte("not a certificate"))
		case "/redirect.pem":
			http.Redirect(w, r, certURL, http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(bad.Close)
	tests := []struct{ path, want string }{
		{"/large.pem", "larger than 16384 bytes"},
		{"/junk.pem", "not a PEM CERTIFICATE"},
		{"/redirect.pem", "answered HTTP 302"},
		{"/missing.pem", "answered HTTP 404"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, inbound.SNSConfig{AllowedOrigins: []string{f.sim.url, bad.URL}})
			_, err := v.Verify(testCtx(t), edited(t, notification, map[string]string{"SigningCertURL": bad.URL + tc.path}))
			// A certificate that cannot be had now is worth a retry: neither malformed nor refused.
			if err == nil || dealdesk.ErrorCode(err) != dealdesk.EINTERNAL || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Verify: %v, want an internal error saying %q", err, tc.want)
			}
		})
	}
}

func TestNewSNSRefusesOriginsThatAreNotOrigins(t *testing.T) {
	t.Parallel()
	for _, o := range []string{"127.0.0.1:4566", "ftp://host", "https://host/path", "https://user@host", "https://", "https://host?x=1"} {
		t.Run(o, func(t *testing.T) {
			t.Parallel()
			_, err := inbound.NewSNS(inbound.SNSConfig{AllowedOrigins: []string{"https://ok.example", o}})
			if dealdesk.ErrorCode(err) != dealdesk.EINVALID || !strings.Contains(err.Error(), "AllowedOrigins[1]") {
				t.Errorf("NewSNS: %v, want an invalid error naming AllowedOrigins[1]", err)
			}
		})
	}
}

// jsonField returns a string field of a JSON object.
func jsonField(t *testing.T, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	s, ok := m[name].(string)
	if !ok {
		t.Fatalf("no string field %s in %s", name, body)
	}
	return s
}

// edited returns body with the given string fields replaced.
func edited(t *testing.T, body []byte, fields map[string]string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
