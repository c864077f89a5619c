package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
	"github.com/dealdesk/dealdesk/worker"
)

// spyMeter sends through the real awsmp.Meter and keeps each batch's record IDs and hours.
type spyMeter struct {
	dealdesk.Meter
	mu      sync.Mutex
	batches [][]string // "id@hour" per record
	// onCall, if set, runs before call n (from 1) reaches AWS: a slow call, a clock moving.
	onCall func(n int)
	// onBuild, if set, runs after a record's request is built, with it.
	onBuild  func(rec *dealdesk.MeteringRecord, req json.RawMessage)
	requests map[string]string // the bytes last sent, by record ID
}

func (s *spyMeter) UsageRecordRequest(b *dealdesk.MeteringBatch, i int) (json.RawMessage, error) {
	req, err := s.Meter.UsageRecordRequest(b, i)
	if err == nil && s.onBuild != nil {
		s.onBuild(b.Records[i], req)
	}
	return req, err
}

// sentRequest returns the bytes last sent for record id.
func (s *spyMeter) sentRequest(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[id]
}

func (s *spyMeter) BatchMeterUsage(ctx context.Context, conn *dealdesk.AWSConnection, b *dealdesk.MeteringBatch) ([]dealdesk.UsageRecordResult, error) {
	var ids []string
	for _, r := range b.Records {
		ids = append(ids, r.ID+"@"+r.Hour.Format(time.RFC3339))
	}
	s.mu.Lock()
	s.batches = append(s.batches, ids)
	if s.requests == nil {
		s.requests = map[string]string{}
	}
	for _, r := range b.Records {
		s.requests[r.ID] = string(r.Request)
	}
	n := len(s.batches)
	s.mu.Unlock()
	if s.onCall != nil {
		s.onCall(n)
	}
	return s.Meter.BatchMeterUsage(ctx, conn, b)
}

func (s *spyMeter) sent() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.batches...)
}

// meterDeal is a CPPO deal made on the simulator and applied to the store: the opportunity
// published, the reseller's offer, the buyer's acceptance hours ago, the entitlement with its
// license; and a metering worker over the store and the real Meter.
type meterDeal struct {
	*env
	o       *org
	opp     *dealdesk.Offer
	ent     *dealdesk.Entitlement
	license string
	hour    time.Time // the start of the clock's hour when the deal was made
	meter   *spyMeter
	w       *worker.MeteringWorker
}

// dealSetup says how a meterDeal is made.
type dealSetup struct {
	simWindow, storeWindow, workerWindow time.Duration // 0: 6 hours
	acceptedAgo                          time.Duration // before the clock's hour
	terms                                func(*dealdesk.OfferInput)
}

// newMeterDeal makes the deal on engine. The clock starts 10 minutes into the wall clock's
// hour; each control call moves it a minute.
func newMeterDeal(t *testing.T, engine string, s dealSetup) *meterDeal {
	t.Helper()
	def := func(d time.Duration) time.Duration {
		if d == 0 {
			return 6 * time.Hour
		}
		return d
	}
	c := &clock{now: time.Now().UTC().Truncate(time.Hour).Add(10 * time.Minute)}
	hour := c.Now().Truncate(time.Hour)
	srv, err := sim.New(sim.Config{ChangeSetDelay: -1, DisableQuotas: true, Now: c.Now, MeteringWindow: def(s.simWindow)})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	e := &env{t: t, clock: c, url: hs.URL, cat: awsmp.NewCatalog(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(3, 20*time.Millisecond)),
		db: sqldbtest.Open(t, sqldbtest.DSN(t, engine), sqldb.Options{SecretKey: bytes.Repeat([]byte{7}, 32), Now: c.Now,
			MeteringWindow: dealdesk.MeteringWindow(def(s.storeWindow))})}
	o := e.newOrg("Acme", true)
	in := o.opportunityInput()
	if s.terms != nil {
		s.terms(&in)
	}
	opp, err := e.db.CreateOffer(o.ctx, in, false)
	if err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
	conn, err := e.db.AWSConnectionWithSecret(o.ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.db.FindProductByID(o.ctx, o.productID)
	if err != nil {
		t.Fatal(err)
	}
	csID, err := e.cat.StartResaleAuthorization(o.ctx, conn, opp, p, dealdesk.PublishToken(opp.ID, 1))
	if err != nil {
		t.Fatalf("StartResaleAuthorization: %v", err)
	}
	res, err := e.cat.DescribeChangeSet(o.ctx, conn, csID)
	if err != nil || res.Status != dealdesk.ChangeSetSucceeded {
		t.Fatalf("DescribeChangeSet: %+v, %v", res, err)
	}
	e.activate(o, opp.ID, res.ResaleAuthorizationID)
	offerID := e.createOffer(res.ResaleAuthorizationID)
	var acc struct{ AgreementID, LicenseArn string }
	e.control(http.MethodPost, "/_sim/buyers/"+buyer+"/accept", map[string]any{"offerId": offerID,
		"acceptanceTime": hour.Add(-s.acceptedAgo).Format(time.RFC3339)}, &acc)
	apply := worker.NewApplyEventWorker(e.db, e.cat, nil)
	evs := e.events()
	e.deliver(apply, o, append(only(evs, detailOfferReleased), append(only(evs, detailCreated), only(evs, detailLicense)...)...)...)
	chain := e.chain(o, opp.ID)
	if len(chain.Entitlements) != 1 || chain.Entitlements[0].LicenseARN != acc.LicenseArn || chain.Entitlements[0].Status != dealdesk.EntitlementActive {
		t.Fatalf("entitlements %+v, want one ACTIVE with license %s", chain.Entitlements, acc.LicenseArn)
	}
	if c.Now().Truncate(time.Hour) != hour {
		t.Fatalf("the clock left the hour while the deal was made")
	}
	spy := &spyMeter{Meter: awsmp.NewMeter(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(1, time.Millisecond))}
	w := worker.NewMeteringWorker(e.db, spy, dealdesk.MeteringOptions{Window: dealdesk.MeteringWindow(def(s.workerWindow))}, c.Now,
		sqldbtest.Options(t).Logger)
	w.Backoff, w.MaxBackoff = time.Millisecond, 5*time.Millisecond
	return &meterDeal{env: e, o: o, opp: opp, ent: chain.Entitlements[0], license: acc.LicenseArn, hour: hour, meter: spy, w: w}
}

// report ingests usage of the deal's entitlement: per timestamp, quantities by dimension.
func (d *meterDeal) report(at time.Time, records map[string]string) {
	d.t.Helper()
	in := dealdesk.UsageGroupInput{ID: fmt.Sprintf("u-%d-%d", at.Unix(), len(records)), EntitlementID: d.ent.ID, Timestamp: at, Records: map[string]dealdesk.Decimal{}}
	for k, v := range records {
		in.ID += "-" + k
		in.Records[k] = dealdesk.MustDecimal(v)
	}
	res, err := d.db.ReportUsage(d.o.ctx, []dealdesk.UsageGroupInput{in})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		d.t.Fatalf("ReportUsage %+v: %+v, %v", in, res, err)
	}
}

// ledger returns the simulator's ledger of the deal's license: quantity by "hour dimension".
func (d *meterDeal) ledger() map[string]int64 {
	d.t.Helper()
	var out struct {
		Records []struct {
			Dimension string    `json:"dimension"`
			Quantity  int64     `json:"quantity"`
			Hour      time.Time `json:"hour"`
		} `json:"records"`
	}
	req, _ := http.NewRequestWithContext(bg(d.t), http.MethodGet, d.url+"/_sim/metering/ledger?licenseArn="+d.license, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		d.t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range out.Records {
		k := d.key(r.Hour, r.Dimension)
		if _, dup := got[k]; dup {
			d.t.Errorf("ledger holds %s twice", k)
		}
		got[k] += r.Quantity
	}
	return got
}

// key names an hour of the deal relative to its hour: "H-2 api_calls".
func (d *meterDeal) key(hour time.Time, dim string) string {
	return fmt.Sprintf("H%+d %s", int(hour.Sub(d.hour)/time.Hour), dim)
}

// records returns the deal's metering records by key.
func (d *meterDeal) records() map[string]*dealdesk.MeteringRecord {
	d.t.Helper()
	out := map[string]*dealdesk.MeteringRecord{}
	cursor := ""
	for {
		page, next, err := d.db.FindMeteringRecords(d.o.ctx, dealdesk.MeteringRecordFilter{EntitlementID: d.ent.ID, Cursor: cursor, Limit: 100})
		if err != nil {
			d.t.Fatal(err)
		}
		for _, r := range page {
			out[d.key(r.Hour, r.DimensionKey)] = r
		}
		if next == "" {
			return out
		}
		cursor = next
	}
}

// metered is the deal's terms for the end-to-end test: a $10 commit that usage consumes
// (api_calls $0.01, storage_gb $0.50 a unit), 25 seats granted.
func metered(in *dealdesk.OfferInput) {
	commit, yes := dealdesk.MustDecimal("10.00"), true
	in.CommitAmount = &commit
	in.MeterUsageAgainstCommit = &yes
	in.DimensionPrices = &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.01")},
		{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.5")}}
}

// TestMeteringWorker_EndToEnd is issue 8's first acceptance: usage of a CPPO entitlement whose
// commit covers usage, flushed, leaves in the simulator's ledger exactly the overage per hour
// and dimension, fractions carried, nothing for covered usage; a second flush sends nothing.
//
// The commit ($10) is consumed in hour order, api_calls before storage_gb within an hour:
//
//	H-3  api_calls 500.5 ($5.005), storage_gb 3 ($1.50): covered, $3.495 left, nothing metered
//	H-2  api_calls 300.25 ($3.0025): covered, $0.4925 left; storage_gb 2.7: 0.985 covered,
//	     overage 1.715 → 1, carry 0.715
//	H-1  api_calls 100.6 → 100, carry 0.6; storage_gb 1.5 + 0.715 = 2.215 → 2, carry 0.215
func TestMeteringWorker_EndToEnd(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newMeterDeal(t, engine, dealSetup{acceptedAgo: 3 * time.Hour, terms: metered})
		d.report(d.hour.Add(-3*time.Hour+10*time.Minute), map[string]string{"api_calls": "500.5", "storage_gb": "3"})
		d.report(d.hour.Add(-2*time.Hour+5*time.Minute), map[string]string{"api_calls": "300.25"})
		d.report(d.hour.Add(-2*time.Hour+50*time.Minute), map[string]string{"storage_gb": "2.7"})
		d.report(d.hour.Add(-time.Hour+1*time.Minute), map[string]string{"api_calls": "100.6", "storage_gb": "1.5"})
		d.report(d.hour.Add(time.Minute), map[string]string{"api_calls": "7"}) // the open hour: not yet

		res, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil {
			t.Fatalf("Flush: %v", err)
		}
		want := map[string]int64{"H-2 storage_gb": 1, "H-1 api_calls": 100, "H-1 storage_gb": 2}
		if got := d.ledger(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ledger = %v, want %v", got, want)
		}
		if res.Closed != 6 || res.Sent != 3 || res.Failed != 0 {
			t.Errorf("flush closed %d, sent %d, failed %d; want 6 closed, 3 sent", res.Closed, res.Sent, res.Failed)
		}
		recs := d.records()
		for k, r := range recs {
			wantStatus := dealdesk.MeteringNotMetered
			if want[k] > 0 {
				wantStatus = dealdesk.MeteringSent
			}
			if r.Status != wantStatus || r.Quantity != want[k] {
				t.Errorf("%s: %s quantity %d, want %s %d", k, r.Status, r.Quantity, wantStatus, want[k])
			}
			if wantStatus == dealdesk.MeteringSent && (r.MeteringRecordID == "" || len(r.Request) == 0 || !strings.Contains(string(r.Response), "Success")) {
				t.Errorf("%s: sent without AWS's ID, request or answer: %+v", k, r)
			}
		}
		if len(recs) != 6 {
			t.Errorf("%d metering records, want 6 (3 closed hours × 2 dimensions)", len(recs))
		}
		if r := recs["H-1 storage_gb"]; r == nil || !r.CarriedOut.Equal(dealdesk.MustDecimal("0.215").Decimal) || !r.CarriedIn.Equal(dealdesk.MustDecimal("0.715").Decimal) {
			t.Errorf("H-1 storage_gb carried %+v, want in 0.715 and out 0.215", r)
		}
		if r := recs["H-2 storage_gb"]; r == nil || !r.CoveredByCommit.Equal(dealdesk.MustDecimal("0.985").Decimal) {
			t.Errorf("H-2 storage_gb %+v, want 0.985 covered by the commit", r)
		}

		again, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil || again.Closed != 0 || again.Sent != 0 || len(d.meter.sent()) != 1 {
			t.Fatalf("second flush = %+v, %v, %d calls; want nothing closed or sent and still 1 call", again, err, len(d.meter.sent()))
		}
	})
}

// expectedOverage meters usage (per hour, per dimension, no coverage) as AWS must receive it:
// each hour's integer part of usage plus the carried fraction.
func expectedOverage(d *meterDeal, usage map[int]map[string]string) map[string]int64 {
	carry := map[string]dealdesk.Decimal{}
	want := map[string]int64{}
	for h := -30; h < 0; h++ {
		for dim, q := range usage[h] {
			c := carry[dim].Decimal.Add(dealdesk.MustDecimal(q).Decimal)
			n := c.Floor()
			carry[dim] = dealdesk.Decimal{Decimal: c.Sub(n)}
			if n.IntPart() > 0 {
				want[d.key(d.hour.Add(time.Duration(h)*time.Hour), dim)] = n.IntPart()
			}
		}
	}
	return want
}

// TestMeteringWorker_FaultsKeepTotals: with the simulator failing 10% of calls with internal
// errors, throttling 10%, losing 10% of answers after metering and leaving 20% of records
// unprocessed, flushing until nothing is pending puts exactly the expected totals in the ledger:
// nothing lost, nothing doubled, no DuplicateRecord.
func TestMeteringWorker_FaultsKeepTotals(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		day := 24 * time.Hour
		d := newMeterDeal(t, engine, dealSetup{simWindow: day, storeWindow: day, workerWindow: day, acceptedAgo: 20 * time.Hour})
		usage := map[int]map[string]string{}
		for h := -20; h < 0; h++ {
			i := h + 20
			usage[h] = map[string]string{"api_calls": fmt.Sprintf("%d.%d", 10+i*i%17, i*7%10), "storage_gb": fmt.Sprintf("0.%d", 3+i%7)}
			d.report(d.hour.Add(time.Duration(h)*time.Hour+time.Duration(-h)*time.Minute), usage[h])
		}
		want := expectedOverage(d, usage)
		d.control(http.MethodPut, "/_sim/faults", map[string]any{"seed": 8, "operations": map[string]any{"BatchMeterUsage": map[string]any{
			"errorRate": 0.1, "throttleRate": 0.1, "lostAnswerRate": 0.1, "unprocessedRate": 0.2}}}, nil)
		d.w.Retries = 3
		var err error
		flushes := 0
		for flushes = 1; flushes <= 30; flushes++ {
			if _, err = d.w.Flush(context.Background(), d.o.id); err == nil {
				break
			}
			if !dealdesk.Retryable(err) {
				t.Fatalf("flush %d: %v, want only AWS's retryable errors", flushes, err)
			}
		}
		if err != nil {
			t.Fatalf("still failing after %d flushes: %v", flushes, err)
		}
		if got := d.ledger(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ledger = %v\nwant     %v", got, want)
		}
		for k, r := range d.records() {
			if want[k] > 0 && (r.Status != dealdesk.MeteringSent || r.Quantity != want[k]) {
				t.Errorf("%s: %s %d, want SENT %d", k, r.Status, r.Quantity, want[k])
			}
			if want[k] == 0 && r.Status != dealdesk.MeteringNotMetered {
				t.Errorf("%s: %s, want NOT_METERED", k, r.Status)
			}
		}
		if calls := len(d.meter.sent()); calls <= 2 {
			t.Errorf("%d BatchMeterUsage calls for 2 batches: the faults did not bite", calls)
		}
	})
}

// TestMeteringWorker_ExpiredNeverWithGoodRecords: a record whose hour left AWS's window is
// EXPIRED alone, with a notification, and never goes in a batch with good records, though the
// simulator (its window wider) would have taken it; the good record is sent.
func TestMeteringWorker_ExpiredNeverWithGoodRecords(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		day := 24 * time.Hour
		d := newMeterDeal(t, engine, dealSetup{simWindow: day, storeWindow: day, workerWindow: 6 * time.Hour, acceptedAgo: 8 * time.Hour})
		d.report(d.hour.Add(-7*time.Hour+10*time.Minute), map[string]string{"api_calls": "40"})
		d.report(d.hour.Add(-time.Hour+10*time.Minute), map[string]string{"api_calls": "30"})
		res, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil {
			t.Fatalf("Flush: %v", err)
		}
		if res.Sent != 1 || res.Failed != 1 {
			t.Errorf("flush sent %d, failed %d; want 1 and 1", res.Sent, res.Failed)
		}
		if got, want := d.ledger(), map[string]int64{"H-1 api_calls": 30}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ledger = %v, want %v", got, want)
		}
		old := d.records()["H-7 api_calls"]
		if old == nil || old.Status != dealdesk.MeteringExpired || old.Error == "" || old.Attempts != 0 || len(old.Request) != 0 {
			t.Fatalf("old record %+v, want EXPIRED with a reason, never attempted", old)
		}
		for _, b := range d.meter.sent() {
			for _, id := range b {
				if strings.HasPrefix(id, old.ID+"@") {
					t.Fatalf("the expired record went in batch %v", b)
				}
			}
		}
		notes, _, err := d.db.FindNotifications(d.o.ctx, dealdesk.NotificationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range notes {
			found = found || n.EntitlementID == d.ent.ID
		}
		if !found {
			t.Errorf("no notification of the expired record among %d notifications", len(notes))
		}
	})
}

// TestMeteringWorker_CompetingSenderDuplicate: another sender metered the same customer,
// dimension and hour with another quantity first: dealdesk's record ends DUPLICATE_RECORD with
// AWS's answer, is not counted as sent, and the ledger keeps the other sender's record only.
func TestMeteringWorker_CompetingSenderDuplicate(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newMeterDeal(t, engine, dealSetup{acceptedAgo: 3 * time.Hour})
		d.report(d.hour.Add(-time.Hour+10*time.Minute), map[string]string{"api_calls": "7"})
		conn, err := d.db.AWSConnectionWithSecret(d.o.ctx)
		if err != nil {
			t.Fatal(err)
		}
		other := &dealdesk.MeteringBatch{Product: &dealdesk.Product{ID: "x"}, Identity: dealdesk.MeteringByLicense,
			Records:   []*dealdesk.MeteringRecord{{ID: "other", DimensionKey: "api_calls", Hour: d.hour.Add(-time.Hour), Quantity: 5}},
			Customers: []dealdesk.MeteringCustomer{{CustomerAWSAccountID: buyer, LicenseARN: d.license}}}
		if res, err := awsmp.NewMeter(awsmp.WithLimits(nil)).BatchMeterUsage(context.Background(), conn, other); err != nil || res[0].Status != "Success" {
			t.Fatalf("the competing sender: %+v, %v", res, err)
		}
		res, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil {
			t.Fatalf("Flush: %v", err)
		}
		if res.Sent != 0 || res.Failed != 1 {
			t.Errorf("flush sent %d, failed %d; want 0 and 1", res.Sent, res.Failed)
		}
		r := d.records()["H-1 api_calls"]
		if r == nil || r.Status != dealdesk.MeteringDuplicateRecord || r.Quantity != 7 || r.MeteringRecordID != "" || r.SentAt != nil ||
			!strings.Contains(string(r.Response), "DuplicateRecord") {
			t.Fatalf("record %+v, want DUPLICATE_RECORD of 7 with AWS's answer", r)
		}
		if got, want := d.ledger(), map[string]int64{"H-1 api_calls": 5}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ledger = %v, want the other sender's %v", got, want)
		}
	})
}

// TestMeteringWorker_CrashAfterTheCall: a sender claimed a record, stored its request and
// called AWS, which metered it, then died before storing the answer. Within the lease nobody
// sends it; after the lease a flush sends the stored request again, byte-identical: AWS answers
// Success with the same metering record, the ledger holds it once, nothing is doubled.
func TestMeteringWorker_CrashAfterTheCall(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		d := newMeterDeal(t, engine, dealSetup{acceptedAgo: 3 * time.Hour})
		d.report(d.hour.Add(-time.Hour+10*time.Minute), map[string]string{"api_calls": "12.5"})
		if _, err := d.db.CloseUsageHours(d.o.ctx, d.clock.Now(), dealdesk.MeteringOptions{Window: dealdesk.DefaultMeteringWindow}); err != nil {
			t.Fatal(err)
		}
		sends, err := d.db.NextMeteringRecords(d.o.ctx, 10, d.clock.Now().Add(-dealdesk.SendingLease))
		if err != nil || len(sends) != 1 {
			t.Fatalf("NextMeteringRecords = %d, %v; want the one record", len(sends), err)
		}
		b := &dealdesk.MeteringBatch{Product: sends[0].Product, Identity: dealdesk.MeteringByLicense,
			Records: []*dealdesk.MeteringRecord{sends[0].Record}, Customers: []dealdesk.MeteringCustomer{sends[0].Customer}}
		req, err := d.meter.UsageRecordRequest(b, 0)
		if err != nil {
			t.Fatal(err)
		}
		if claimed, err := d.db.MarkMeteringSending(d.o.ctx, []string{sends[0].Record.ID}, []json.RawMessage{req}, d.clock.Now()); err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v, %v", claimed, err)
		}
		conn, err := d.db.AWSConnectionWithSecret(d.o.ctx)
		if err != nil {
			t.Fatal(err)
		}
		first, err := d.meter.BatchMeterUsage(context.Background(), conn, b) // the dead sender's call
		if err != nil || first[0].Status != "Success" {
			t.Fatalf("the dead sender's call: %+v, %v", first, err)
		}

		if res, err := d.w.Flush(context.Background(), d.o.id); err != nil || res.Sent != 0 || len(d.meter.sent()) != 1 {
			t.Fatalf("flush within the lease = %+v, %v, %d calls; want nothing sent", res, err, len(d.meter.sent()))
		}
		d.clock.mu.Lock()
		d.clock.now = d.clock.now.Add(dealdesk.SendingLease + time.Minute)
		d.clock.mu.Unlock()
		res, err := d.w.Flush(context.Background(), d.o.id)
		if err != nil || res.Sent != 1 {
			t.Fatalf("flush after the lease = %+v, %v; want the record sent", res, err)
		}
		r := d.records()["H-1 api_calls"]
		if r == nil || r.Status != dealdesk.MeteringSent || r.MeteringRecordID != first[0].MeteringRecordID || r.Attempts != 2 || string(r.Request) != string(req) {
			t.Fatalf("record %+v, want SENT as %s after 2 attempts with the first request", r, first[0].MeteringRecordID)
		}
		if got, want := d.ledger(), map[string]int64{"H-1 api_calls": 12}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ledger = %v, want %v", got, want)
		}
	})
}
