package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/web"
)

// fakeSimulator is a web.Simulator that only remembers the acceptances it was asked for.
type fakeSimulator struct {
	mu       sync.Mutex
	accepted []fakeAcceptance
}

type fakeAcceptance struct {
	buyer, offerID string
	at             time.Time
}

func (s *fakeSimulator) ResellerCreatesOffer(context.Context, string, string, []string, dealdesk.Date) (string, error) {
	return "offer-fake", nil
}

func (s *fakeSimulator) BuyerAccepts(_ context.Context, buyer, offerID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted = append(s.accepted, fakeAcceptance{buyer, offerID, at})
	return nil
}

// acceptingFlusher stands in for the metering worker and AWS behind the console's flush: it
// closes the ended hours in the real store and has "AWS" accept every record that can be sent,
// through the store's own sending steps. now is its clock; time.Now when nil.
type acceptingFlusher struct {
	db  *sqldb.DB
	now func() time.Time
}

func (f acceptingFlusher) FlushMetering(ctx context.Context) (*dealdesk.FlushResult, error) {
	now := time.Now()
	if f.now != nil {
		now = f.now()
	}
	recs, err := f.db.CloseUsageHours(ctx, now, dealdesk.MeteringOptions{Window: dealdesk.DefaultMeteringWindow})
	if err != nil {
		return nil, err
	}
	res := &dealdesk.FlushResult{Closed: len(recs), Records: recs}
	sends, err := f.db.NextMeteringRecords(ctx, 100, now.Add(-dealdesk.SendingLease))
	if err != nil || len(sends) == 0 {
		return res, err
	}
	var ids []string
	var reqs []json.RawMessage
	for _, s := range sends {
		ids = append(ids, s.Record.ID)
		reqs = append(reqs, json.RawMessage(`{"Dimension":"`+s.Record.DimensionKey+`"}`))
	}
	claims, err := f.db.MarkMeteringSending(ctx, ids, reqs, now)
	if err != nil {
		return res, err
	}
	results := make([]dealdesk.UsageRecordResult, len(claims))
	ids = ids[:0]
	for i, c := range claims {
		ids = append(ids, c.ID)
		results[i] = dealdesk.UsageRecordResult{Status: "Success", MeteringRecordID: "mr-" + c.ID, Response: json.RawMessage(`{"Status":"Success"}`)}
	}
	if len(claims) > 0 {
		if err := f.db.SaveMeteringResults(ctx, ids, results, claims[0].ClaimedAt, now); err != nil {
			return res, err
		}
	}
	for _, id := range ids {
		r, err := f.db.FindMeteringRecordByID(ctx, id)
		if err != nil {
			return res, err
		}
		res.Sent++
		res.Records = append(res.Records, r)
	}
	return res, nil
}

// newDevFixture is newFixture with dev's console: a simulator (fake), the usage service and a
// flusher whose AWS accepts everything; opts change the Config after that.
func newDevFixture(t *testing.T, engine string, opts ...func(*web.Config, *sqldb.DB)) (*fixture, *fakeSimulator) {
	sim := &fakeSimulator{}
	f := newFixture(t, engine, append([]func(*web.Config, *sqldb.DB){func(c *web.Config, db *sqldb.DB) {
		c.Simulator, c.Usage, c.MeteringFlusher = sim, db, acceptingFlusher{db: db}
	}}, opts...)...)
	return f, sim
}

// clock is the console's clock in a test (Config.Now): set moves it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// at is a Config option giving the console and its flusher (acceptingFlusher) the clock c.
func (c *clock) at() func(*web.Config, *sqldb.DB) {
	return func(cfg *web.Config, db *sqldb.DB) {
		cfg.Now = c.Now
		if cfg.MeteringFlusher != nil {
			cfg.MeteringFlusher = acceptingFlusher{db: db, now: c.Now}
		}
	}
}

// startedDeal is an ACTIVE entitlement of org, started start, from an opportunity granting 10
// API calls for the term (API calls metered; seats entitled only), with no usage yet.
func (f *fixture) startedDeal(t *testing.T, org, name string, start time.Time) *dealdesk.Entitlement {
	t.Helper()
	ctx := f.ctx(org)
	p, err := f.db.CreateProduct(ctx, dealdesk.ProductInput{ExternalID: "prod-" + name, ProductCode: "code" + name, Title: "Dev " + name,
		Dimensions: []dealdesk.Dimension{
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionEntitledAndMetered},
			{Key: "storage_gb", Name: "Storage", Unit: "GB", Kind: dealdesk.DimensionMetered},
		}})
	if err != nil {
		t.Fatal(err)
	}
	typ, oname, reseller, cur, dur, no := dealdesk.OfferCPPOOut, "Dev deal "+name, "123456789012", dealdesk.USD, "P12M", false
	commit := dealdesk.MustDecimal("100")
	expiry := dealdesk.DateOf(time.Now().AddDate(0, 2, 0))
	opp, err := f.db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &oname, ProductID: &p.ID, ResellerAccountID: &reseller,
		BuyerAccountIDs: &[]string{"210987654321"}, CommitAmount: &commit, Currency: &cur, ContractDuration: &dur, ExpiryDate: &expiry,
		EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 5}, {DimensionKey: "api_calls", Quantity: 10}},
		DimensionPrices: &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.5")},
			{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.1")}},
		EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard}, MeterUsageAgainstCommit: &no}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SQL().ExecContext(ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE id = $3`, dealdesk.OfferActive, "ra-"+name, opp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-" + name, BuyerAccountIDs: []string{"210987654321"}}, "ra-"+name); err != nil {
		t.Fatal(err)
	}
	e, err := f.db.SaveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: "agmt-" + name, Status: dealdesk.EntitlementActive,
		BuyerAccountID: "210987654321", ProductID: p.ID, LicenseARN: "arn:aws:license-manager::1:license:l-" + name, StartTime: &start}, "offer-"+name)
	if err != nil {
		t.Fatal(err)
	}
	if e.OpportunityID != opp.ID || e.Status != dealdesk.EntitlementActive {
		t.Fatalf("the entitlement is not linked to its opportunity, or not active: %+v", e)
	}
	return e
}

// usageState is what a simulated usage report may change: the entitlement's usage groups and
// metering records.
func (f *fixture) usageState(t *testing.T, org, entitlementID string) (groups, records int) {
	t.Helper()
	ctx := f.ctx(org)
	gs, _, err := f.db.FindUsageGroups(ctx, dealdesk.UsageGroupFilter{EntitlementID: entitlementID, Limit: dealdesk.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	rs, _, err := f.db.FindMeteringRecords(ctx, dealdesk.MeteringRecordFilter{EntitlementID: entitlementID, Limit: dealdesk.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return len(gs), len(rs)
}

func TestSimulateUsage_ReportsEachClosedHourMetersItAndASecondClickAddsNothing(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		// The console's and the flusher's clock stands still, so that an hour turning during the
		// test changes nothing they see.
		now := &clock{now: time.Now()}
		f, _ := newDevFixture(t, engine, now.at())
		start := dealdesk.Hour(now.Now()).Add(-3 * time.Hour)
		e := f.startedDeal(t, f.acme, "simuse1", start)
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		_, body := f.get(t, c, "/entitlements/"+e.ID)
		if !strings.Contains(body, `action="/entitlements/`+e.ID+`/simulate/usage"`) || !strings.Contains(body, `id="simulate-usage"`) {
			t.Fatalf("the entitlement page in dev has no usage button:\n%s", body)
		}

		resp := f.post(t, c, "/entitlements/"+e.ID+"/simulate/usage", url.Values{"csrf": {token}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/entitlements/"+e.ID+"?") {
			t.Fatalf("simulate usage: %s, Location %q", resp.Status, loc)
		}
		// Three closed hours since the start, one group each with both metered dimensions.
		groups, _, err := f.db.FindUsageGroups(f.ctx(f.acme), dealdesk.UsageGroupFilter{EntitlementID: e.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 3 {
			t.Fatalf("%d usage groups, want one per closed hour (3): %+v", len(groups), groups)
		}
		for _, g := range groups {
			h := dealdesk.Hour(g.Timestamp)
			if h.Before(start) || !h.Add(time.Hour).Before(time.Now()) || len(g.Records) != 2 || g.Records["api_calls"].IsZero() || g.Records["storage_gb"].IsZero() {
				t.Errorf("usage group %+v: want a closed hour since the start, with api_calls and storage_gb", g)
			}
			if g.Records["seats"].IsSet() {
				t.Errorf("usage group %s reports seats, a contract dimension", g.ID)
			}
		}
		totals, err := f.db.MeteringTotals(f.ctx(f.acme), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var metered int64
		for _, d := range totals.Dimensions {
			metered += d.Metered
			if d.DimensionKey == "api_calls" && !d.CoveredByGrant.Equal(dealdesk.MustDecimal("10").Decimal) {
				t.Errorf("api_calls covered by the grant = %s, want the whole grant (10): usage goes beyond it", d.CoveredByGrant)
			}
		}
		if metered == 0 || totals.RecordsByStatus[dealdesk.MeteringSent] != 6 {
			t.Fatalf("after the flush: %d units metered, records by status %v; want 6 SENT with units", metered, totals.RecordsByStatus)
		}
		_, body = f.get(t, c, loc)
		for _, want := range []string{"The simulated product reported usage of api_calls, storage_gb in 3 closed hours.",
			"closed 6 records and AWS accepted 6", "metering " + strconv.FormatInt(metered, 10) + " units of this entitlement"} {
			if !strings.Contains(body, want) {
				t.Errorf("the notice lacks %q:\n%s", want, body)
			}
		}

		// A second click (a double click) stores nothing new and meters nothing more.
		resp = f.post(t, c, "/entitlements/"+e.ID+"/simulate/usage", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the second click: %s", resp.Status)
		}
		if g, r := f.usageState(t, f.acme, e.ID); g != 3 || r != 6 {
			t.Fatalf("after a second click: %d groups and %d records, want 3 and 6", g, r)
		}
		_, body = f.get(t, c, resp.Header.Get("Location"))
		if !strings.Contains(body, "No new usage: the 3 closed hours since the entitlement started were reported before") ||
			!strings.Contains(body, "metering 0 units") {
			t.Errorf("the second click's notice:\n%s", body)
		}
	})
}

func TestSimulateUsage_RefusedWithoutTheSimulatorOrTheCSRFToken(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		// serve: no simulator, no button, and the route is 404 (usage and flusher given).
		f := newFixture(t, engine, func(c *web.Config, db *sqldb.DB) { c.Usage, c.MeteringFlusher = db, acceptingFlusher{db: db} })
		e := f.startedDeal(t, f.acme, "simserve1", dealdesk.Hour(time.Now()).Add(-3*time.Hour))
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		if _, body := f.get(t, c, "/entitlements/"+e.ID); strings.Contains(body, "simulate") || strings.Contains(body, "Simulat") {
			t.Fatalf("the entitlement page offers to simulate without a simulator:\n%s", body)
		}
		if resp := f.post(t, c, "/entitlements/"+e.ID+"/simulate/usage", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("simulate usage without a simulator: %s, want 404", resp.Status)
		}
		if g, r := f.usageState(t, f.acme, e.ID); g != 0 || r != 0 {
			t.Fatalf("without a simulator: %d groups and %d records stored", g, r)
		}

		// dev: without the form's token, nothing is reported.
		d, _ := newDevFixture(t, engine)
		de := d.startedDeal(t, d.acme, "simcsrf1", dealdesk.Hour(time.Now()).Add(-3*time.Hour))
		dc := d.client(t)
		d.signIn(t, dc, d.email)
		for _, form := range []url.Values{{}, {"csrf": {"forged"}}} {
			if resp := d.post(t, dc, "/entitlements/"+de.ID+"/simulate/usage", form); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("simulate usage with csrf %q: %s, want 403", form.Get("csrf"), resp.Status)
			}
		}
		if g, r := d.usageState(t, d.acme, de.ID); g != 0 || r != 0 {
			t.Fatalf("after refused posts: %d groups and %d records stored", g, r)
		}
		// Another organization's entitlement is 404, and gets no usage.
		theirs := d.startedDeal(t, d.globex, "simtheirs1", dealdesk.Hour(time.Now()).Add(-3*time.Hour))
		token = d.csrf(t, dc, "/offers")
		if resp := d.post(t, dc, "/entitlements/"+theirs.ID+"/simulate/usage", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("simulate usage of another organization's entitlement: %s, want 404", resp.Status)
		}
		if g, r := d.usageState(t, d.globex, theirs.ID); g != 0 || r != 0 {
			t.Fatalf("their entitlement got %d groups and %d records", g, r)
		}
	})
}

func TestSimulateBuyerAccepts_AcceptsAsOfThreeWholeHoursAgo(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f, sim := newDevFixture(t, engine)
		ctx := f.ctx(f.acme)
		typ, name, reseller := dealdesk.OfferCPPOOut, "Acceptance deal", "123456789012"
		opp, err := f.db.CreateOffer(ctx, dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &f.product.ID, ResellerAccountID: &reseller}, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SQL().ExecContext(ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE id = $3`, dealdesk.OfferActive, "ra-acc1", opp.ID); err != nil {
			t.Fatal(err)
		}
		cppo, err := f.db.SaveCPPOOffer(ctx, &dealdesk.Offer{ExternalID: "offer-acc1", BuyerAccountIDs: []string{"210987654321"}}, "ra-acc1")
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		before := time.Now()
		if _, body := f.get(t, c, "/offers/"+opp.ID); !strings.Contains(body, "Simulate: buyer accepts as of 3 hours ago (buyer 210987654321") {
			t.Fatalf("the acceptance button does not say when the buyer accepts:\n%s", body)
		}
		resp := f.post(t, c, "/offers/"+opp.ID+"/simulate/buyer-accepts", url.Values{"csrf": {token}, "offerId": {cppo.ID}, "buyer": {"210987654321"}})
		after := time.Now()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("simulate the buyer: %s", resp.Status)
		}
		if len(sim.accepted) != 1 || sim.accepted[0].offerID != "offer-acc1" || sim.accepted[0].buyer != "210987654321" {
			t.Fatalf("the simulator was asked %+v", sim.accepted)
		}
		at := sim.accepted[0].at
		if !at.Equal(dealdesk.Hour(before).Add(-3*time.Hour)) && !at.Equal(dealdesk.Hour(after).Add(-3*time.Hour)) {
			t.Fatalf("accepted as of %s, want the start of the hour 3 hours before the current one", at)
		}
		_, body := f.get(t, c, resp.Header.Get("Location"))
		if want := "The simulated buyer accepted as of " + at.UTC().Format("15:04") + " UTC (3 whole hours ago), so that usage can be metered at once"; !strings.Contains(body, want) {
			t.Errorf("the notice lacks %q:\n%s", want, body)
		}
	})
}

func TestSimulateUsage_AfterASyncChangedTheDimensionsHoursReportedBeforeCountAsSuch(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		now := &clock{now: time.Now()}
		f, _ := newDevFixture(t, engine, now.at())
		later := now.Now()
		start := dealdesk.Hour(later).Add(-3 * time.Hour)
		e := f.startedDeal(t, f.acme, "simdims1", start)
		c := f.client(t)
		token := f.signIn(t, c, f.email)

		// An hour earlier, two hours had closed: both reported with api_calls and storage_gb.
		now.set(later.Add(-time.Hour))
		if resp := f.post(t, c, "/entitlements/"+e.ID+"/simulate/usage", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the first click: %s", resp.Status)
		}
		if g, r := f.usageState(t, f.acme, e.ID); g != 2 || r != 4 {
			t.Fatalf("after the first click: %d groups and %d records, want 2 and 4", g, r)
		}

		// A sync: AWS no longer lists storage_gb (kept, marked removed) and lists events.
		ctx := f.ctx(f.acme)
		if _, err := f.db.SyncProducts(ctx, []*dealdesk.Product{{ExternalID: "prod-simdims1", Title: "Dev simdims1", Dimensions: []dealdesk.Dimension{
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionEntitledAndMetered},
			{Key: "events", Name: "Events", Unit: "Events", Kind: dealdesk.DimensionMetered},
		}}}); err != nil {
			t.Fatal(err)
		}
		if p, err := f.db.FindProductByID(ctx, e.ProductID); err != nil || p.Dimension("storage_gb") == nil || !p.Dimension("storage_gb").Removed {
			t.Fatalf("after the sync the product is %+v, %v; want storage_gb kept, removed", p, err)
		}

		// Now three hours have closed: the two reported before (with other dimensions) count as
		// such, the new one is reported without the removed dimension, and all is flushed.
		now.set(later)
		resp := f.post(t, c, "/entitlements/"+e.ID+"/simulate/usage", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the click after the sync: %s, want 303:\n%s", resp.Status, readAll(t, resp))
		}
		groups, _, err := f.db.FindUsageGroups(ctx, dealdesk.UsageGroupFilter{EntitlementID: e.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 3 {
			t.Fatalf("%d usage groups, want 3", len(groups))
		}
		newest := groups[0] // newest first
		if dealdesk.Hour(newest.Timestamp) != start.Add(2*time.Hour) || len(newest.Records) != 2 || !newest.Records["events"].IsSet() ||
			!newest.Records["api_calls"].IsSet() || newest.Records["storage_gb"].IsSet() {
			t.Errorf("the newest group: %+v; want the third hour's api_calls and events, without the removed storage_gb", newest)
		}
		totals, err := f.db.MeteringTotals(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := totals.RecordsByStatus[dealdesk.MeteringSent]; n != 6 {
			t.Errorf("%d records SENT, want the first clicks' 4 and the new hour's 2: %v", n, totals.RecordsByStatus)
		}
		_, body := f.get(t, c, resp.Header.Get("Location"))
		if want := "The simulated product reported usage of api_calls, events in 1 closed hour (2 more reported before)."; !strings.Contains(body, want) {
			t.Errorf("the notice lacks %q:\n%s", want, body)
		}
	})
}

// refusingUsage is the store's usage service, except that it refuses the last group of each
// call (unstored) as invalid, as the service may refuse one group of many.
type refusingUsage struct{ *sqldb.DB }

func (u refusingUsage) ReportUsage(ctx context.Context, groups []dealdesk.UsageGroupInput) ([]dealdesk.UsageGroupResult, error) {
	last := len(groups) - 1
	res, err := u.DB.ReportUsage(ctx, groups[:last])
	if err != nil {
		return nil, err
	}
	var p dealdesk.Problems
	p.Add("groups["+strconv.Itoa(last)+"].timestamp", "refused by the test")
	return append(res, dealdesk.UsageGroupResult{ID: groups[last].ID, Err: p.Err()}), nil
}

func TestSimulateUsage_AGroupRefusedIsShownAndWhatWasStoredIsStillFlushed(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		now := &clock{now: time.Now()}
		f, _ := newDevFixture(t, engine, now.at(), func(c *web.Config, db *sqldb.DB) { c.Usage = refusingUsage{db} })
		e := f.startedDeal(t, f.acme, "simrefused1", dealdesk.Hour(now.Now()).Add(-3*time.Hour))
		c := f.client(t)
		token := f.signIn(t, c, f.email)
		resp, body := f.postBody(t, c, "/entitlements/"+e.ID+"/simulate/usage", url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a refused group: %s, want 422", resp.Status)
		}
		for _, want := range []string{"refused the usage of 1 of the 3 closed hours", "groups[2].timestamp: refused by the test.",
			"The usage of the other 2 was stored and the metering flushed: it closed 4 records and AWS accepted 4."} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q:\n%s", want, body)
			}
		}
		totals, err := f.db.MeteringTotals(f.ctx(f.acme), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g, _ := f.usageState(t, f.acme, e.ID); g != 2 || totals.RecordsByStatus[dealdesk.MeteringSent] != 4 {
			t.Errorf("%d groups stored, records %v; want the 2 stored ones metered (4 SENT)", g, totals.RecordsByStatus)
		}
	})
}

func TestSimulateUsage_TheNoticeShowsOnlyWhatTheRedirectCouldHaveCarried(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f, _ := newDevFixture(t, engine)
		e := f.startedDeal(t, f.acme, "simnotice1", dealdesk.Hour(time.Now()).Add(-3*time.Hour))
		c := f.client(t)
		f.signIn(t, c, f.email)
		notice := func(t *testing.T, changes map[string]string) string {
			t.Helper()
			q := url.Values{"notice": {"simulated-usage"}, "hours": {"3"}, "recorded": {"2"}, "dimensions": {"api_calls, storage_gb"},
				"closed": {"4"}, "sent": {"4"}, "units": {"120"}}
			for k, v := range changes {
				q.Set(k, v)
			}
			resp, body := f.get(t, c, "/entitlements/"+e.ID+"?"+q.Encode())
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET with %v: %s", changes, resp.Status)
			}
			m := regexp.MustCompile(`<p class="notice" role="status">([^<]*)</p>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("GET with %v: no notice", changes)
			}
			return html.UnescapeString(m[1])
		}
		full := "The simulated product reported usage of api_calls, storage_gb in 2 closed hours (1 more reported before). " +
			"The metering flush closed 4 records and AWS accepted 4, metering 120 units of this entitlement."
		if got := notice(t, nil); got != full {
			t.Errorf("the notice of the redirect's values = %q, want %q", got, full)
		}
		for _, bad := range []map[string]string{{"hours": "99999"}, {"hours": "-1"}, {"hours": "03"}, {"recorded": "4"}, {"closed": "1e3"},
			{"sent": "-4"}, {"units": "99999999999999999999"}, {"units": ""}, {"hours": " 3"}} {
			if got := notice(t, bad); got != "The simulated product reported usage and the metering was flushed." {
				t.Errorf("a link with %v: the notice is %q, want one without numbers", bad, got)
			}
		}
		for _, dims := range []string{"api_calls, storage_gb: and the invoice was paid", "seats", "api_calls, api_calls", "api_calls,storage_gb"} {
			want := "The simulated product reported usage in 2 closed hours (1 more reported before)."
			if got := notice(t, map[string]string{"dimensions": dims}); !strings.HasPrefix(got, want) {
				t.Errorf("a link with dimensions %q: the notice is %q, want it to start %q", dims, got, want)
			}
		}
	})
}

func TestSimulateBuyerAccepts_TheNoticeShowsOnlyWhatTheRedirectCouldHaveCarried(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		f, _ := newDevFixture(t, engine)
		o := f.draft(t, f.acme, "Notice deal")
		c := f.client(t)
		f.signIn(t, c, f.email)
		notice := func(t *testing.T, at, hours string) string {
			t.Helper()
			q := url.Values{"notice": {"simulated-acceptance"}, "at": {at}, "hours": {hours}}
			_, body := f.get(t, c, "/offers/"+o.ID+"?"+q.Encode())
			m := regexp.MustCompile(`The simulated buyer accepted(?: as of \d\d:\d\d UTC[^:]*)?:`).FindString(html.UnescapeString(body))
			if m == "" {
				t.Fatalf("at %q, hours %q: no notice", at, hours)
			}
			return m
		}
		at := dealdesk.Hour(time.Now()).Add(-3 * time.Hour)
		whole := "The simulated buyer accepted as of " + at.Format("15:04") + " UTC (3 whole hours ago), so that usage can be metered at once:"
		if got := notice(t, at.Format(time.RFC3339), "3"); got != whole {
			t.Errorf("the redirect's values: %q, want %q", got, whole)
		}
		for _, bad := range []string{"garbage", "", at.Add(30 * time.Minute).Format(time.RFC3339), time.Now().Add(48 * time.Hour).Format(time.RFC3339),
			at.In(time.FixedZone("X", 3600)).Format(time.RFC3339)} {
			if got := notice(t, bad, "3"); got != "The simulated buyer accepted:" {
				t.Errorf("at %q: %q, want no time", bad, got)
			}
		}
		for _, bad := range []string{"99", "-3", "03", "0", "x"} {
			if got, want := notice(t, at.Format(time.RFC3339), bad), "The simulated buyer accepted as of "+at.Format("15:04")+" UTC:"; got != want {
				t.Errorf("hours %q: %q, want %q", bad, got, want)
			}
		}
	})
}
