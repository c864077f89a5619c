package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// meteredDeal is an organization's CPPO deal with metered usage in three closed hours: its
// opportunity (10 seats granted, API calls at $0.5), the CPPO offer, the buyer's entitlement
// and the metering records the real store made of the usage.
type meteredDeal struct {
	opportunity, offer, entitlement, agreement string
	hour                                       time.Time // the first hour with usage
	records                                    []*dealdesk.MeteringRecord
}

// meteredDeal makes a meteredDeal in org with the store's own steps: a product with a metered
// and an entitled-and-metered dimension, an opportunity made ACTIVE as AWS's event would, the
// reseller's CPPO offer, the buyer's entitlement, usage reported 3, 2 and 1 hours ago
// (ReportUsage) and the hours closed (CloseUsageHours).
func (f *fixture) meteredDeal(t *testing.T, org, name string) meteredDeal {
	t.Helper()
	ctx := f.ctx(org)
	p, err := f.db.CreateProduct(ctx, dealdesk.ProductInput{ExternalID: "prod-" + name, ProductCode: "code" + name, Title: "Metered " + name,
		Dimensions: []dealdesk.Dimension{
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitledAndMetered},
		}})
	if err != nil {
		t.Fatal(err)
	}
	typ, oname, reseller, cur, dur, no := dealdesk.OfferCPPOOut, "Metered deal "+name, "123456789012", dealdesk.USD, "P12M", false
	commit := dealdesk.MustDecimal("100")
	expiry := dealdesk.DateOf(time.Now().AddDate(0, 2, 0))
	opp, err := f.db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &oname, ProductID: &p.ID, ResellerAccountID: &reseller,
		BuyerAccountIDs: &[]string{"210987654321"}, CommitAmount: &commit, Currency: &cur, ContractDuration: &dur, ExpiryDate: &expiry,
		EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 10}},
		DimensionPrices: &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.5")},
			{DimensionKey: "seats", Price: dealdesk.MustDecimal("1")}},
		EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard}, MeterUsageAgainstCommit: &no}, false)
	if err != nil {
		t.Fatal(err)
	}
	// AWS published it: what the publisher stores on AWS's answer.
	if _, err := f.db.SQL().ExecContext(ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE id = $3`, dealdesk.OfferActive, "ra-"+name, opp.ID); err != nil {
		t.Fatal(err)
	}
	offer, err := f.db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-" + name}, "ra-"+name)
	if err != nil {
		t.Fatal(err)
	}
	now := dealdesk.Hour(time.Now())
	start := now.Add(-5 * time.Hour)
	ent, err := f.db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-" + name, BuyerAccountID: "210987654321",
		LicenseARN: "arn:aws:license-manager::1:license:l-" + name, StartTime: &start}, "offer-"+name)
	if err != nil {
		t.Fatal(err)
	}
	d := meteredDeal{opportunity: opp.ID, offer: offer.ID, entitlement: ent.ID, agreement: ent.ExternalID, hour: now.Add(-3 * time.Hour)}
	group := func(id string, ts time.Time, recs map[string]string) dealdesk.UsageGroupInput {
		g := dealdesk.UsageGroupInput{ID: id, EntitlementID: ent.ID, Timestamp: ts, Records: map[string]dealdesk.Decimal{}}
		for k, v := range recs {
			g.Records[k] = dealdesk.MustDecimal(v)
		}
		return g
	}
	res, err := f.db.ReportUsage(ctx, []dealdesk.UsageGroupInput{
		group("u1", d.hour.Add(10*time.Minute), map[string]string{"api_calls": "4", "seats": "12"}),
		group("u2", d.hour.Add(70*time.Minute), map[string]string{"api_calls": "2.5"}),
		group("u3", d.hour.Add(130*time.Minute), map[string]string{"api_calls": "7.5", "seats": "3"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("usage group %d: %v", i, r.Err)
		}
	}
	if d.records, err = f.db.CloseUsageHours(ctx, now, dealdesk.MeteringOptions{Window: dealdesk.DefaultMeteringWindow}); err != nil {
		t.Fatal(err)
	}
	if len(d.records) != 5 {
		t.Fatalf("closed %d records, want 5 (api_calls in 3 hours, seats in 2)", len(d.records))
	}
	return d
}

// record returns d's record of dimension key in the hour i hours after d.hour.
func (d meteredDeal) record(t *testing.T, key string, i int) *dealdesk.MeteringRecord {
	t.Helper()
	for _, r := range d.records {
		if r.DimensionKey == key && r.Hour.Equal(d.hour.Add(time.Duration(i)*time.Hour)) {
			return r
		}
	}
	t.Fatalf("no %s record at hour %d", key, i)
	return nil
}

// chartOf returns the chart figure of dimension key in a page.
func chartOf(t *testing.T, body, key string) string {
	t.Helper()
	i := strings.Index(body, `data-dimension="`+key+`"`)
	if i < 0 {
		t.Fatalf("no chart of %s in:\n%s", key, body)
	}
	start := strings.LastIndex(body[:i], "<figure")
	end := strings.Index(body[i:], "</figure>")
	if start < 0 || end < 0 {
		t.Fatalf("the chart of %s is not in a figure", key)
	}
	return body[start : i+end]
}

func TestEntitlementShow_ChartsCoveredAndMeteredPerClosedHour(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		d := f.meteredDeal(t, f.acme, "chart1")
		// The store's coverage: 12 seats in the first hour, 10 of them granted; API calls are
		// all metered, fractions carried to the next hour.
		if r := d.record(t, "seats", 0); r.Quantity != 2 || !r.Covered().Equal(dealdesk.MustDecimal("10").Decimal) {
			t.Fatalf("seats at hour 0: %+v", r)
		}
		if r := d.record(t, "api_calls", 1); r.Quantity != 2 || !r.Covered().IsZero() {
			t.Fatalf("api_calls at hour 1: %+v", r)
		}
		c := f.client(t)
		f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/entitlements/"+d.entitlement)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET the entitlement: %s\n%s", resp.Status, body)
		}
		for what, want := range map[string]string{
			"the agreement":   `<dt>Agreement ID</dt><dd><code>agmt-chart1</code></dd>`,
			"the license":     `arn:aws:license-manager::1:license:l-chart1`,
			"the buyer":       `<dt>Buyer account</dt><dd>210987654321</dd>`,
			"the reseller":    `<dt>Reseller account</dt><dd>123456789012</dd>`,
			"the product":     `Metered chart1`,
			"the offer":       `<a href="/offers/` + d.offer + `">`,
			"the opportunity": `<a href="/offers/` + d.opportunity + `">`,
			"the commit used": `id="commit-used">0`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s (%s)", what, want)
			}
		}
		// The totals: seats reported 15, 10 covered by the grant, 5 not sent yet.
		if !regexp.MustCompile(`<tr><td>seats</td><td>15[.0]*</td><td>10[.0]*</td><td>0[.0]*</td><td>0</td><td>5</td>`).MatchString(withoutLabels(body)) {
			t.Errorf("the totals lack seats' row:\n%s", body)
		}
		for key, hours := range map[string][]int{"api_calls": {0, 1, 2}, "seats": {0, 2}} {
			chart := withoutLabels(chartOf(t, body, key))
			if !strings.Contains(chart, "<svg") {
				t.Errorf("the %s chart has no svg", key)
			}
			if n := strings.Count(chart, `<g class="bar"`); n != len(hours) {
				t.Errorf("the %s chart has %d bar groups, want %d (one per closed hour)", key, n, len(hours))
			}
			if n := strings.Count(chart, `<rect class="covered"`) + strings.Count(chart, `<rect class="metered"`); n != 2*len(hours) {
				t.Errorf("the %s chart has %d bars, want covered and metered per hour", key, n)
			}
			for _, i := range hours {
				r := d.record(t, key, i)
				row := fmt.Sprintf("<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%s</td></tr>",
					r.Hour.UTC().Format("2006-01-02 15:04"), r.Usage, r.Covered(), r.Quantity, r.Status)
				if !strings.Contains(chart, row) {
					t.Errorf("the %s chart's table lacks %s", key, row)
				}
				title := fmt.Sprintf("<title>%s UTC: usage %s, covered %s, metered %d", r.Hour.UTC().Format("2006-01-02 15:04"), r.Usage, r.Covered(), r.Quantity)
				if !strings.Contains(chart, title) {
					t.Errorf("the %s chart lacks the bar title %s", key, title)
				}
			}
		}
		if n := strings.Count(body, `<tr id="record-`); n != 5 {
			t.Errorf("the records table has %d rows, want 5", n)
		}
	})
}

func TestMeteringRetry_AFailedRecordGoesBackToPendingASentOneIsRefused(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		d := f.meteredDeal(t, f.acme, "retry1")
		ctx := f.ctx(f.acme)
		failed, sent := d.record(t, "api_calls", 2), d.record(t, "seats", 0)
		answer := json.RawMessage(`{"__type":"InvalidLicenseException","message":"no such license"}`)
		if err := f.db.FailMeteringRecords(ctx, []string{failed.ID}, time.Time{}, dealdesk.MeteringFailed, "AWS refused the batch", answer); err != nil {
			t.Fatal(err)
		}
		claims, err := f.db.MarkMeteringSending(ctx, []string{sent.ID}, []json.RawMessage{json.RawMessage(`{"Dimension":"seats"}`)}, time.Now())
		if err != nil || len(claims) != 1 {
			t.Fatalf("claim: %v, %v", claims, err)
		}
		if err := f.db.SaveMeteringResults(ctx, []string{sent.ID}, []dealdesk.UsageRecordResult{{Status: "Success", MeteringRecordID: "mr-sent-1",
			Response: json.RawMessage(`{"Status":"Success"}`)}}, claims[0].ClaimedAt, time.Now()); err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		_, body := f.get(t, c, "/entitlements/"+d.entitlement)
		retryForm := func(id string) string { return `action="/metering-records/` + id + `/retry"` }
		if strings.Count(body, `/retry"`) != 1 || !strings.Contains(body, retryForm(failed.ID)) {
			t.Fatalf("the page must offer Retry for the FAILED record only:\n%s", body)
		}
		for _, want := range []string{"InvalidLicenseException", "AWS refused the batch", "mr-sent-1"} {
			if !strings.Contains(body, want) {
				t.Errorf("the records table lacks AWS's answer %q", want)
			}
		}

		// A SENT record is final: 409, and it stays SENT.
		resp, body := f.postBody(t, c, "/metering-records/"+sent.ID+"/retry", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "only FAILED records can be retried") {
			t.Fatalf("retry a SENT record: %s\n%s", resp.Status, body)
		}
		if got, err := f.db.FindMeteringRecordByID(ctx, sent.ID); err != nil || got.Status != dealdesk.MeteringSent {
			t.Fatalf("the SENT record after a refused retry: %+v, %v", got, err)
		}
		// Without the form's token, nothing happens.
		if resp := f.post(t, c, "/metering-records/"+failed.ID+"/retry", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("retry without the CSRF token: %s, want 403", resp.Status)
		}
		if got, err := f.db.FindMeteringRecordByID(ctx, failed.ID); err != nil || got.Status != dealdesk.MeteringFailed {
			t.Fatalf("the FAILED record after a refused post: %+v, %v", got, err)
		}

		resp = f.post(t, c, "/metering-records/"+failed.ID+"/retry", url.Values{"csrf": {token}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || loc != "/entitlements/"+d.entitlement+"?notice=retried" {
			t.Fatalf("retry a FAILED record: %s, Location %q", resp.Status, loc)
		}
		if got, err := f.db.FindMeteringRecordByID(ctx, failed.ID); err != nil || got.Status != dealdesk.MeteringPending {
			t.Fatalf("the record after retry: %+v, %v; want PENDING", got, err)
		}
		_, body = f.get(t, c, loc)
		if !strings.Contains(body, `<p class="notice" role="status">The record is PENDING again`) || strings.Contains(body, `/retry"`) {
			t.Fatalf("after the retry the page shows no notice, or still a Retry button:\n%s", body)
		}
	})
}

func TestEntitlement_AnotherOrganizationsIsNotFound(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		theirs := f.meteredDeal(t, f.globex, "theirs1")
		ours := f.meteredDeal(t, f.acme, "ours1")
		rec := theirs.record(t, "api_calls", 0)
		if err := f.db.FailMeteringRecords(f.ctx(f.globex), []string{rec.ID}, time.Time{}, dealdesk.MeteringFailed, "refused", nil); err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		resp, body := f.get(t, c, "/entitlements/"+theirs.entitlement)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, theirs.agreement) {
			t.Fatalf("GET another organization's entitlement: %s\n%s", resp.Status, body)
		}
		if resp := f.post(t, c, "/metering-records/"+rec.ID+"/retry", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("retry another organization's record: %s, want 404", resp.Status)
		}
		if got, err := f.db.FindMeteringRecordByID(f.ctx(f.globex), rec.ID); err != nil || got.Status != dealdesk.MeteringFailed {
			t.Fatalf("their record after the refused retry: %+v, %v", got, err)
		}
		resp, body = f.get(t, c, "/entitlements")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<a href="/entitlements/`+ours.entitlement+`"><code>agmt-ours1</code></a>`) ||
			strings.Contains(body, theirs.agreement) {
			t.Fatalf("the list shows another organization's entitlement, or not ours: %s\n%s", resp.Status, body)
		}
		if resp, body := f.get(t, c, "/entitlements?status=EXPIRED"); resp.StatusCode != http.StatusOK || strings.Contains(body, "agmt-ours1") {
			t.Fatalf("the EXPIRED filter shows an active entitlement: %s", resp.Status)
		}
		if resp, _ := f.get(t, c, "/entitlements?status=LOST"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("an unknown status filter: %s, want 422", resp.Status)
		}
		// The opportunity's page links its entitlement.
		if _, body := f.get(t, c, "/offers/"+ours.opportunity); !strings.Contains(body, `<a href="/entitlements/`+ours.entitlement+`">`) {
			t.Fatalf("the opportunity's page does not link its entitlement:\n%s", body)
		}
	})
}
