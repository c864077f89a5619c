package web_test

import (
	"context"
	"html"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/web"
)

// settingsBaseURL is the public base URL the settings fixture's console is given.
const settingsBaseURL = "https://dealdesk.example"

// newSettingsFixture is newFixture's two organizations and users on a store that can keep
// secrets (a secret key), served by a console with the Settings pages' services, and without
// a product.
func newSettingsFixture(t *testing.T, engine string) *fixture {
	t.Helper()
	db := sqldbtest.Open(t, sqldbtest.DSN(t, engine), sqldb.Options{SecretKey: []byte(strings.Repeat("s", 32))})
	ctx := context.Background()
	f := &fixture{db: db, email: "ana@acme.example", otherEmail: "gus@globex.example"}
	for _, o := range []struct {
		id          *string
		name, email string
	}{{&f.acme, "Acme", f.email}, {&f.globex, "Globex", f.otherEmail}} {
		org, err := db.CreateOrganization(ctx, o.name)
		if err != nil {
			t.Fatal(err)
		}
		*o.id = org.ID
		if _, err := db.CreateUser(ctx, org.ID, o.email, o.name+" user", testPassword); err != nil {
			t.Fatal(err)
		}
	}
	h, err := web.New(web.Config{Users: db, Offers: db, Products: db, Parties: db,
		Entitlements: db, Metering: db, Notifications: db, AWSConnections: db, APIKeys: db, InboundEndpoints: db, PublicBaseURL: settingsBaseURL,
		SecretKey: []byte(strings.Repeat("k", 32))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// settingsPages are the Settings pages a user can GET.
var settingsPages = []string{"/settings/aws-connection", "/settings/api-keys", "/settings/inbound", "/settings/users"}

// nextToField returns a pattern matching the input whose id is field followed, before any
// other element but its own, by its field error holding message: the error is next to its field.
func nextToField(field, message string) *regexp.Regexp {
	return regexp.MustCompile(`<(input|select)[^>]* id="` + regexp.QuoteMeta(field) + `"[^>]*>(\s*<option[^>]*>[^<]*</option>)*\s*(</select>)?\s*` +
		`<p class="field-error" id="error-` + regexp.QuoteMeta(field) + `">[^<]*` + regexp.QuoteMeta(message))
}

// holds reports whether the HTML page body holds secret, in clear or escaped (html/template
// writes "+" in an attribute as "&#43;").
func holds(body, secret string) bool {
	return strings.Contains(body, secret) || strings.Contains(html.UnescapeString(body), secret)
}
