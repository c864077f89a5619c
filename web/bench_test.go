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

// benchUsageDays is how many days of hourly usage the benchmark's entitlement has, of
// benchUsageDimensions metered dimensions.
const (
	benchUsageDays       = 30
	benchUsageDimensions = 2
)

// BenchmarkConsolePages times the server's work for each main page of the console (both tabs
// of Offers and a name search, an opportunity's page, the Create CPPO form, the entitlements
// list, the page of an entitlement with 30 days of hourly usage of 2 dimensions, the
// notifications and every settings page) in an organization of SQLite with 10,000
// opportunities, and fails when a page takes more than 100 ms. The requests go to the
// console's handler directly, with a signed-in session, so that only the server's time counts.
func BenchmarkConsolePages(b *testing.B) {
	// The store's clock is moved through the usage's 30 days while it is reported and closed
	// (the store takes usage within the metering window of its now only); then it is real.
	var clock time.Time
	db := sqldbtest.Open(b, sqldbtest.DSN(b, sqldb.EngineSQLite), sqldb.Options{SecretKey: []byte(strings.Repeat("s", 32)),
		Now: func() time.Time {
			if clock.IsZero() {
				return time.Now().UTC()
			}
			return clock
		}})
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
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "storage_gb", Name: "Storage", Unit: "GB", Kind: dealdesk.DimensionMetered}}})
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
	entitlement := benchEntitlement(b, db, ctx, p, &clock)
	if _, _, err := db.CreateAPIKey(context.Background(), org.ID, "bench key"); err != nil {
		b.Fatal(err)
	}
	h, err := web.New(web.Config{Users: db, Offers: db, Products: db, Parties: db, Entitlements: db, Metering: db, Notifications: db,
		AWSConnections: db, APIKeys: db, InboundEndpoints: db, PublicBaseURL: "https://dealdesk.example",
		SecretKey: []byte(strings.Repeat("k", 32))})
	if err != nil {
		b.Fatal(err)
	}
	cookies := benchSignIn(b, h)

	for _, page := range []struct{ name, path string }{
		{"offers_opportunities", "/offers?type=CPPO_OUT"},
		{"offers_cppo", "/offers?type=CPPO"},
		{"offers_search", "/offers?type=CPPO_OUT&nameContains=" + url.QueryEscape("Deal 0500")},
		{"opportunity", "/offers/" + middle},
		{"create_cppo", "/offers/new"},
		{"entitlements", "/entitlements"},
		{"entitlement", "/entitlements/" + entitlement},
		{"notifications", "/notifications"},
		{"settings_aws_connection", "/settings/aws-connection"},
		{"settings_api_keys", "/settings/api-keys"},
		{"settings_inbound", "/settings/inbound"},
		{"settings_users", "/settings/users"},
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

// benchEntitlement makes, with the store's own steps, an ACTIVE opportunity of product p, its
// CPPO offer and a buyer's entitlement that started benchUsageDays days ago, with usage of its
// two metered dimensions in every hour since, reported and closed a few hours at a time with
// the store's clock (*clock) moved along; 50 of its records have failed (a notification each).
// Returns the entitlement's ID.
func benchEntitlement(b *testing.B, db *sqldb.DB, ctx context.Context, p *dealdesk.Product, clock *time.Time) string {
	b.Helper()
	typ, name, reseller, buyer := dealdesk.OfferCPPOOut, "Metered bench deal", "444455556666", "210987654321"
	price := dealdesk.MustDecimal("0.01")
	opp, err := db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &p.ID, ResellerAccountID: &reseller,
		BuyerAccountIDs: &[]string{buyer}, EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 10}},
		DimensionPrices: &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: price}, {DimensionKey: "storage_gb", Price: price}}}, true)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE id = $3`, dealdesk.OfferActive, "ra-bench1", opp.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-bench1", BuyerAccountIDs: []string{buyer}}, "ra-bench1"); err != nil {
		b.Fatal(err)
	}
	end := dealdesk.Hour(time.Now())
	start := end.Add(-benchUsageDays * 24 * time.Hour)
	e, err := db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-bench1", Status: dealdesk.EntitlementActive, BuyerAccountID: buyer,
		ProductID: p.ID, LicenseARN: "arn:aws:license-manager::1:license:l-bench1", StartTime: &start}, "offer-bench1")
	if err != nil {
		b.Fatal(err)
	}
	const step = 4 * time.Hour // within the default metering window's reach
	var records []*dealdesk.MeteringRecord
	for from := start; from.Before(end); from = from.Add(step) {
		*clock = from.Add(step + time.Minute)
		var groups []dealdesk.UsageGroupInput
		for h := from; h.Before(from.Add(step)); h = h.Add(time.Hour) {
			n := h.Unix() / 3600
			groups = append(groups, dealdesk.UsageGroupInput{ID: "bench-" + h.Format("2006-01-02T15"), EntitlementID: e.ID, Timestamp: h.Add(30 * time.Minute),
				Records: map[string]dealdesk.Decimal{"api_calls": dealdesk.MustDecimal(fmt.Sprint(1000 + n%500)), "storage_gb": dealdesk.MustDecimal(fmt.Sprint(20 + n%7))}})
		}
		res, err := db.ReportUsage(ctx, groups)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatalf("usage group %s: %v", r.ID, r.Err)
			}
		}
		recs, err := db.CloseUsageHours(ctx, *clock, dealdesk.MeteringOptions{Window: dealdesk.DefaultMeteringWindow})
		if err != nil {
			b.Fatal(err)
		}
		records = append(records, recs...)
	}
	*clock = time.Time{}
	if want := benchUsageDays * 24 * benchUsageDimensions; len(records) != want {
		b.Fatalf("closed %d metering records, want %d", len(records), want)
	}
	var failed []string
	for _, r := range records[:50] {
		failed = append(failed, r.ID)
	}
	if err := db.FailMeteringRecords(ctx, failed, time.Time{}, dealdesk.MeteringFailed, "AWS refused the batch", nil); err != nil {
		b.Fatal(err)
	}
	return e.ID
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
