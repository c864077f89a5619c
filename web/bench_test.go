package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/web"
)

// benchOpportunities is how many opportunities the benchmark's organization holds, and
// benchPageBudget the server time no page may take with them (issue 9).
const (
	benchOpportunities = 10_000
	benchPageBudget    = 100 * time.Millisecond
)

// BenchmarkConsolePages times the server's work for each main page of the console (both tabs
// of Offers, an opportunity's page, the Create CPPO form) in an organization of SQLite with
// 10,000 opportunities, and fails when a page takes more than 100 ms. The requests go to the
// console's handler directly, with a signed-in session, so that only the server's time counts.
func BenchmarkConsolePages(b *testing.B) {
	db := sqldbtest.Open(b, sqldbtest.DSN(b, sqldb.EngineSQLite), sqldb.Options{})
	org, err := db.CreateOrganization(context.Background(), "Acme")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateUser(context.Background(), org.ID, "ana@acme.example", "Ana", testPassword); err != nil {
		b.Fatal(err)
	}
	ctx := dealdesk.NewContextWithOrgID(context.Background(), org.ID)
	p, err := db.CreateProduct(ctx, dealdesk.ProductInput{ExternalID: "prod-bench1", ProductCode: "bench1", Title: "Bench Product",
		Dimensions: []dealdesk.Dimension{{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered}}})
	if err != nil {
		b.Fatal(err)
	}
	typ, reseller := dealdesk.OfferCPPOOut, "444455556666"
	var middle string
	for i := range benchOpportunities {
		name := fmt.Sprintf("Deal %05d", i)
		o, err := db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &p.ID, ResellerAccountID: &reseller}, true)
		if err != nil {
			b.Fatal(err)
		}
		if i == benchOpportunities/2 {
			middle = o.ID
		}
	}
	h, err := web.New(web.Config{Users: db, Offers: db, Products: db, Parties: db, Entitlements: db, Metering: db, Notifications: db,
		SecretKey: []byte(strings.Repeat("k", 32))})
	if err != nil {
		b.Fatal(err)
	}
	cookies := benchSignIn(b, h)

	for _, page := range []struct{ name, path string }{
		{"offers_opportunities", "/offers?type=CPPO_OUT"},
		{"offers_cppo", "/offers?type=CPPO"},
		{"opportunity", "/offers/" + middle},
		{"create_cppo", "/offers/new"},
	} {
		b.Run(page.name, func(b *testing.B) {
			n, start := 0, time.Now()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, page.path, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d\n%s", page.path, rec.Code, rec.Body)
				}
				n++
			}
			if per := time.Since(start) / time.Duration(n); per > benchPageBudget {
				b.Fatalf("GET %s takes %v of server time with %d opportunities, more than %v", page.path, per, benchOpportunities, benchPageBudget)
			}
		})
	}
}

// benchSignIn signs the benchmark's user in through h and returns the session's cookies.
func benchSignIn(b *testing.B, h http.Handler) []*http.Cookie {
	b.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	resp, err := c.Get(srv.URL + "/signin")
	if err != nil {
		b.Fatal(err)
	}
	body := readAllTB(b, resp)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		b.Fatalf("no CSRF token on the sign-in page:\n%s", body)
	}
	resp, err = c.PostForm(srv.URL+"/signin", url.Values{"csrf": {m[1]}, "email": {"ana@acme.example"}, "password": {testPassword}})
	if err != nil {
		b.Fatal(err)
	}
	if body := readAllTB(b, resp); resp.Request.URL.Path != "/offers" {
		b.Fatalf("sign in: %s at %s\n%s", resp.Status, resp.Request.URL, body)
	}
	u, _ := url.Parse(srv.URL)
	return jar.Cookies(u)
}

func readAllTB(b *testing.B, resp *http.Response) string {
	b.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return string(body)
}
