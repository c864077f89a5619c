package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sim"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/worker"
)

// The simulator's demo seed: the seller, a reseller and the analytics product.
const (
	simSeller      = "111122223333"
	simReseller    = "444455556666"
	simProductID   = "prod-dd3mo4nalyt1cs"
	simProductCode = "dd3mo4nalyt1cs0000000000a"
)

// senderWindow is the metering window of the sender benchmark (AWS's 2026 model: 24 hours), so
// that each entitlement has many closed hours to send.
const senderWindow = 24 * time.Hour

// meterCounter counts the simulator's BatchMeterUsage answers and its ThrottlingExceptions.
type meterCounter struct {
	next      http.Handler
	mu        sync.Mutex
	calls     int
	throttled int
}

func (c *meterCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".BatchMeterUsage") {
		c.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	c.mu.Lock()
	c.calls++
	if bytes.Contains(rec.Body.Bytes(), []byte("ThrottlingException")) {
		c.throttled++
	}
	c.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// senderResult is what the sender benchmark measured.
type senderResult struct {
	records, sent, calls, throttled int
	elapsed                         time.Duration
	rate, quota                     float64 // records/s
}

// benchSender makes deals with the simulator (quotas on) until their closed hours hold at
// least n metering records, closes the hours, and times the metering worker sending them all.
func benchSender(ctx context.Context, dir string, n int) (*senderResult, error) {
	srv, err := sim.New(sim.Config{ChangeSetDelay: -1, MeteringWindow: senderWindow,
		Logger: quiet})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	count := &meterCounter{next: srv}
	hs := httptest.NewServer(count)
	defer hs.Close()

	db, err := sqldb.Open(ctx, dir+"/sender.db", sqldb.Options{SecretKey: bytes.Repeat([]byte{7}, 32), MeteringWindow: dealdesk.MeteringWindow(senderWindow),
		Logger: quiet})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	org, err := db.CreateOrganization(ctx, "Sender")
	if err != nil {
		return nil, err
	}
	octx := dealdesk.NewContextWithOrgID(ctx, org.ID)
	if _, err := db.SaveAWSConnection(octx, dealdesk.AWSConnectionInput{SellerAccountID: simSeller, Region: "us-east-1",
		CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIDSELLER000000", SecretAccessKey: "not-a-real-secret-key",
		EndpointURL: hs.URL}); err != nil {
		return nil, err
	}
	p, err := db.CreateProduct(octx, dealdesk.ProductInput{ExternalID: simProductID, ProductCode: simProductCode, Title: "Example Analytics Platform",
		Dimensions: []dealdesk.Dimension{
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "storage_gb", Name: "Storage", Unit: "GB", Kind: dealdesk.DimensionMetered},
		}})
	if err != nil {
		return nil, err
	}
	typ, name, resellerID := dealdesk.OfferCPPOOut, "Acme analytics via Northwind", simReseller
	commit, cur, dur := dealdesk.MustDecimal("12000.00"), dealdesk.USD, "P12M"
	expiry, _ := dealdesk.ParseDate("2030-06-30")
	opp, err := db.CreateOffer(octx, dealdesk.OfferInput{Type: &typ, Name: &name, ProductID: &p.ID, ResellerAccountID: &resellerID,
		CommitAmount: &commit, Currency: &cur, ContractDuration: &dur,
		EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 25}},
		DimensionPrices: &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.000125")},
			{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.023")}},
		ExpiryDate: &expiry, EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard}}, false)
	if err != nil {
		return nil, fmt.Errorf("create opportunity: %w", err)
	}
	conn, err := db.AWSConnectionWithSecret(octx)
	if err != nil {
		return nil, err
	}
	// Publishing goes through the real catalog client; what the publish job would store
	// afterwards is stored directly.
	cat := awsmp.NewCatalog(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(3, 200*time.Millisecond))
	csID, err := cat.StartResaleAuthorization(octx, conn, opp, p, dealdesk.PublishToken(opp.ID, 1))
	if err != nil {
		return nil, fmt.Errorf("StartResaleAuthorization: %w", err)
	}
	cs, err := cat.DescribeChangeSet(octx, conn, csID)
	if err != nil || cs.Status != dealdesk.ChangeSetSucceeded {
		return nil, fmt.Errorf("DescribeChangeSet: %+v, %v", cs, err)
	}
	raID := cs.ResaleAuthorizationID
	if _, err := db.SQL().ExecContext(ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE org_id = $3 AND id = $4`,
		string(dealdesk.OfferActive), raID, org.ID, opp.ID); err != nil {
		return nil, err
	}

	// Each deal is one buyer's agreement accepted 20 hours ago: 20 closed hours of api_calls
	// and storage_gb, 40 records.
	hour := time.Now().UTC().Truncate(time.Hour)
	const hours = 20
	deals := (n + 2*hours - 1) / (2 * hours)
	for d := range deals {
		buyer := fmt.Sprintf("3000%08d", d)
		var offer struct{ OfferID string }
		if err := simControl(ctx, hs.URL, "/_sim/resellers/"+simReseller+"/offers", map[string]any{"resaleAuthorizationId": raID,
			"buyerAccountIds": []string{buyer}, "markupPercentage": "5"}, &offer); err != nil {
			return nil, err
		}
		start := hour.Add(-hours * time.Hour)
		var acc struct{ AgreementID, LicenseArn string }
		if err := simControl(ctx, hs.URL, "/_sim/buyers/"+buyer+"/accept", map[string]any{"offerId": offer.OfferID,
			"acceptanceTime": start.Format(time.RFC3339)}, &acc); err != nil {
			return nil, err
		}
		if _, err := db.SaveCPPOOffer(octx, &dealdesk.Offer{ExternalID: offer.OfferID}, raID); err != nil {
			return nil, fmt.Errorf("SaveCPPOOffer: %w", err)
		}
		ent, err := db.SaveEntitlement(octx, &dealdesk.Entitlement{ExternalID: acc.AgreementID, BuyerAccountID: buyer,
			LicenseARN: acc.LicenseArn, StartTime: &start}, offer.OfferID)
		if err != nil {
			return nil, fmt.Errorf("SaveEntitlement: %w", err)
		}
		groups := make([]dealdesk.UsageGroupInput, hours)
		for h := range groups {
			groups[h] = dealdesk.UsageGroupInput{ID: fmt.Sprintf("u-%d-%d", d, h), EntitlementID: ent.ID,
				Timestamp: start.Add(time.Duration(h)*time.Hour + 30*time.Minute),
				Records:   map[string]dealdesk.Decimal{"api_calls": dealdesk.MustDecimal("1000"), "storage_gb": dealdesk.MustDecimal("3")}}
		}
		res, err := db.ReportUsage(octx, groups)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			if r.Err != nil {
				return nil, fmt.Errorf("ReportUsage: %w", r.Err)
			}
		}
	}
	opts := dealdesk.MeteringOptions{Window: dealdesk.MeteringWindow(senderWindow)}
	recs, err := db.CloseUsageHours(octx, hour, opts)
	if err != nil {
		return nil, err
	}
	if len(recs) != deals*hours*2 {
		return nil, fmt.Errorf("closing made %d metering records, want %d", len(recs), deals*hours*2)
	}
	// The worker sends with the per-seller-account rate limit at AWS's quota (10 calls/s).
	meter := awsmp.NewMeter(awsmp.WithLimits(awsmp.NewLimits(awsmp.Quotas)), awsmp.WithRetry(3, 200*time.Millisecond))
	w := worker.NewMeteringWorker(db, meter, opts, time.Now, quiet)
	t0 := time.Now()
	res, err := w.Flush(ctx, org.ID)
	elapsed := time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("flush: %w", err)
	}
	quota := awsmp.Quotas["Marketplace Metering.BatchMeterUsage"] * dealdesk.MaxMeteringBatch
	out := &senderResult{records: len(recs), sent: res.Sent, calls: count.calls, throttled: count.throttled, elapsed: elapsed,
		rate: float64(res.Sent) / elapsed.Seconds(), quota: quota}
	if res.Sent != len(recs) || res.Failed != 0 {
		return out, fmt.Errorf("flush sent %d and failed %d of %d records", res.Sent, res.Failed, len(recs))
	}
	return out, nil
}

// simControl POSTs body to the simulator's control API and decodes its 2xx answer into out.
func simControl(ctx context.Context, base, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}
