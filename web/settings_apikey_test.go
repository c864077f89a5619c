package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

var newKeyField = regexp.MustCompile(`<input id="new-key" value="(ddk_[^"]+)"`)

func TestSettingsAPIKeys_ANewKeyIsShownOnceAndARevokedOneIsMarked(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newSettingsFixture(t, engine)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		ctx := context.Background()

		resp, body := f.postBody(t, c, "/settings/api-keys", url.Values{"csrf": {token}, "name": {"CI pipeline"}})
		m := newKeyField.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %s, Cache-Control %q\n%s", resp.Status, resp.Header.Get("Cache-Control"), body)
		}
		secret := m[1]
		k, err := f.db.AuthenticateAPIKey(ctx, secret)
		if err != nil || k.OrgID != f.acme || k.Name != "CI pipeline" {
			t.Fatalf("the key shown does not authenticate: %+v, %v", k, err)
		}

		resp, body = f.get(t, c, "/settings/api-keys")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "CI pipeline") || !strings.Contains(body, k.Prefix) {
			t.Fatalf("list: %s\n%s", resp.Status, body)
		}
		for _, path := range settingsPages {
			if _, body := f.get(t, c, path); holds(body, secret) || holds(body, secret[len(k.Prefix):]) {
				t.Errorf("GET %s shows the key again", path)
			}
		}

		// A name the domain refuses comes back next to its input; no key is made.
		resp, body = f.postBody(t, c, "/settings/api-keys", url.Values{"csrf": {token}, "name": {strings.Repeat("n", 201)}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !nextToField("name", "").MatchString(body) || newKeyField.MatchString(body) {
			t.Fatalf("create with a long name: %s\n%s", resp.Status, body)
		}
		if keys, _, err := f.db.FindAPIKeys(f.ctx(f.acme), dealdesk.APIKeyFilter{}); err != nil || len(keys) != 1 {
			t.Fatalf("keys after a refused create: %d, %v; want 1", len(keys), err)
		}

		resp = f.post(t, c, "/settings/api-keys/"+k.ID+"/revoke", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/api-keys?notice=revoked" {
			t.Fatalf("revoke: %s", resp.Status)
		}
		if _, err := f.db.AuthenticateAPIKey(ctx, secret); dealdesk.ErrorCode(err) != dealdesk.EUNAUTHORIZED {
			t.Fatalf("the revoked key still authenticates: %v", err)
		}
		_, body = f.get(t, c, "/settings/api-keys?notice=revoked")
		row := regexp.MustCompile(`(?s)<tr id="key-` + k.ID + `">.*?</tr>`).FindString(body)
		if !strings.Contains(row, "Revoked") || strings.Contains(row, "/revoke") {
			t.Fatalf("the revoked key's row is not marked, or still offers revoking:\n%s", body)
		}
	})
}

func TestSettingsAPIKeys_AnotherOrganizationsKeyIsNotFound(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newSettingsFixture(t, engine)
		theirs, theirSecret, err := f.db.CreateAPIKey(context.Background(), f.globex, "Globex key")
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		if _, body := f.get(t, c, "/settings/api-keys"); strings.Contains(body, "Globex key") || strings.Contains(body, theirs.Prefix) {
			t.Fatalf("the list shows another organization's key:\n%s", body)
		}
		if resp := f.post(t, c, "/settings/api-keys/"+theirs.ID+"/revoke", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("revoke another organization's key: %s, want 404", resp.Status)
		}
		if _, err := f.db.AuthenticateAPIKey(context.Background(), theirSecret); err != nil {
			t.Fatalf("their key after the refused revoke: %v", err)
		}
	})
}
