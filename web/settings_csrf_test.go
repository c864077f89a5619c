package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

func TestSettingsCSRF_EveryPostWithoutItsTokenIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newSettingsFixture(t, engine)
		key, keySecret, err := f.db.CreateAPIKey(context.Background(), f.acme, "Keep me")
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		posts := map[string]url.Values{
			"/settings/aws-connection":                 staticKeysForm("", testSecretAccessKey),
			"/settings/api-keys":                       {"name": {"Sneaky"}},
			"/settings/api-keys/" + key.ID + "/revoke": {},
			"/settings/inbound/rotate-secret":          {},
			"/settings/users":                          {"email": {"sneaky@acme.example"}, "name": {"Sneaky"}, "password": {testPassword}},
		}
		for path, form := range posts {
			for _, csrf := range []string{"", token[:10]} {
				form.Set("csrf", csrf)
				resp, body := f.postBody(t, c, path, form)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "reload the page") || strings.Contains(body, "ddk_") {
					t.Errorf("POST %s with csrf %q: %s, want 403", path, csrf, resp.Status)
				}
			}
		}

		ctx := f.ctx(f.acme)
		if _, err := f.db.FindAWSConnection(ctx); dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND {
			t.Errorf("an AWS connection after refused saves: %v", err)
		}
		if keys, _, err := f.db.FindAPIKeys(ctx, dealdesk.APIKeyFilter{}); err != nil || len(keys) != 1 || keys[0].RevokedAt != nil {
			t.Errorf("API keys after refused posts: %+v, %v; want the one key, not revoked", keys, err)
		}
		if _, err := f.db.AuthenticateAPIKey(context.Background(), keySecret); err != nil {
			t.Errorf("the key after a refused revoke: %v", err)
		}
		if ep, err := f.db.FindInboundEndpoint(ctx); err != nil || ep.HasSecret {
			t.Errorf("inbound endpoint after a refused rotation: %+v, %v; want no secret", ep, err)
		}
		if users, _, err := f.db.FindUsers(ctx, dealdesk.UserFilter{}); err != nil || len(users) != 1 {
			t.Errorf("users after a refused add: %d, %v; want 1", len(users), err)
		}

		// With the token, each post works: the refusals were the token's doing.
		for path, form := range posts {
			form.Set("csrf", token)
			if resp := f.post(t, c, path, form); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
				t.Errorf("POST %s with the token: %s", path, resp.Status)
			}
		}
		if users, _, err := f.db.FindUsers(ctx, dealdesk.UserFilter{}); err != nil || len(users) != 2 {
			t.Errorf("users after the add with the token: %d, %v; want 2", len(users), err)
		}
	})
}

func TestSettings_ASignedOutVisitorIsSentToSignIn(t *testing.T) {
	t.Parallel()
	f := newSettingsFixture(t, "sqlite")
	c := f.client(t)
	for _, path := range append([]string{"/settings"}, settingsPages...) {
		resp, body := f.get(t, c, path)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") || strings.Contains(body, "Settings") {
			t.Errorf("GET %s signed out: %s, Location %q", path, resp.Status, resp.Header.Get("Location"))
		}
	}
	token := f.csrf(t, c, "/signin")
	resp := f.post(t, c, "/settings/users", url.Values{"csrf": {token}, "email": {"x@acme.example"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("a signed-out add: %s", resp.Status)
	}
	if n, _, err := f.db.FindUsers(f.ctx(f.acme), dealdesk.UserFilter{}); err != nil || len(n) != 1 {
		t.Fatalf("users after a signed-out add: %d, %v", len(n), err)
	}
}
