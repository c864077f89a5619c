package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

var newSecretField = regexp.MustCompile(`<input id="new-secret" value="([^"]+)"`)

func TestSettingsInbound_WebhookURLsAndASecretShownOnce(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newSettingsFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		ep, err := f.db.FindInboundEndpoint(f.ctx(f.acme))
		if err != nil {
			t.Fatal(err)
		}
		resp, body := f.get(t, c, "/settings/inbound")
		for _, want := range []string{settingsBaseURL + "/hooks/aws/eventbridge/" + ep.OrgKey, settingsBaseURL + "/hooks/aws/sns/" + ep.OrgKey,
			"<code>X-Dealdesk-Secret</code>", "<code>dealdesk-marketplace-events</code>", "aws-mp-entitlement-notification-", "once the product is synced",
			"None yet"} {
			if !strings.Contains(body, want) {
				t.Errorf("GET /settings/inbound lacks %q", want)
			}
		}
		if resp.StatusCode != http.StatusOK || newSecretField.MatchString(body) {
			t.Fatalf("GET: %s\n%s", resp.Status, body)
		}

		rotate := func() string {
			t.Helper()
			resp, body := f.postBody(t, c, "/settings/inbound/rotate-secret", url.Values{"csrf": {token}})
			m := newSecretField.FindStringSubmatch(body)
			if resp.StatusCode != http.StatusOK || m == nil || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("rotate: %s\n%s", resp.Status, body)
			}
			return m[1]
		}
		first := rotate()
		second := rotate()
		got, err := f.db.FindInboundEndpointByKey(context.Background(), ep.OrgKey)
		if err != nil || !got.CheckSecret(second) || got.CheckSecret(first) {
			t.Fatalf("after two rotations: %v; the second secret should be the only one accepted", err)
		}
		for _, path := range settingsPages {
			if _, body := f.get(t, c, path); holds(body, first) || holds(body, second) {
				t.Errorf("GET %s shows an EventBridge secret", path)
			}
		}
		if _, body := f.get(t, c, "/settings/inbound"); !strings.Contains(body, "it cannot be shown again") {
			t.Errorf("GET after rotation does not say a secret is set:\n%s", body)
		}
	})
}
