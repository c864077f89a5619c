package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/web"
)

const testPassword = "correct horse battery staple"

// fixture is a console on a real store: two organizations (Acme, the signed-in user's, and
// Globex), a user of each, a product of Acme with an entitled and a metered dimension, and a
// test server. newFixture's opts change the console's Config before it starts.
type fixture struct {
	db                *sqldb.DB
	srv               *httptest.Server
	acme, globex      string // organization IDs
	product           *dealdesk.Product
	email, otherEmail string
}

func newFixture(t *testing.T, engine string, opts ...func(*web.Config, *sqldb.DB)) *fixture {
	t.Helper()
	db := sqldbtest.Open(t, sqldbtest.DSN(t, engine), sqldb.Options{})
	ctx := context.Background()
	f := &fixture{db: db, email: "ana@acme.example", otherEmail: "gus@globex.example"}
	for _, o := range []struct {
		id    *string
		name  string
		email string
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
	p, err := db.CreateProduct(f.ctx(f.acme), dealdesk.ProductInput{ExternalID: "prod-webtest1", ProductCode: "webtest1",
		Title: "Web Test Product", Dimensions: []dealdesk.Dimension{
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
		}})
	if err != nil {
		t.Fatal(err)
	}
	f.product = p
	cfg := web.Config{Users: db, Offers: db, Products: db, Parties: db,
		Entitlements: db, Metering: db, Notifications: db,
		SecretKey: []byte(strings.Repeat("k", 32))}
	for _, opt := range opts {
		opt(&cfg, db)
	}
	h, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// ctx is a context of organization org, for the store.
func (f *fixture) ctx(org string) context.Context {
	return dealdesk.NewContextWithOrgID(context.Background(), org)
}

// client returns a browser-like client with a cookie jar that does not follow redirects.
func (f *fixture) client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs c in as email and returns the session's CSRF token.
func (f *fixture) signIn(t *testing.T, c *http.Client, email string) string {
	t.Helper()
	token := f.csrf(t, c, "/signin")
	resp := f.post(t, c, "/signin", url.Values{"csrf": {token}, "email": {email}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/offers" {
		t.Fatalf("sign in: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	return f.csrf(t, c, "/offers")
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the forms of the page at path.
func (f *fixture) csrf(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	resp, body := f.get(t, c, path)
	m := csrfField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %s, no CSRF token in:\n%s", path, resp.Status, body)
	}
	return m[1]
}

func (f *fixture) get(t *testing.T, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func (f *fixture) post(t *testing.T, c *http.Client, path string, form url.Values) *http.Response {
	t.Helper()
	resp, _ := f.postBody(t, c, path, form)
	return resp
}

func (f *fixture) postBody(t *testing.T, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(f.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// draft stores a draft opportunity of org named name.
func (f *fixture) draft(t *testing.T, org, name string) *dealdesk.Offer {
	t.Helper()
	typ := dealdesk.OfferCPPOOut
	o, err := f.db.CreateOffer(f.ctx(org), dealdesk.OfferInput{Type: &typ, Name: &name}, true)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
