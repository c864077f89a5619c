package http_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	dhttp "github.com/dealdesk/dealdesk/http"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// closingFlusher stands in for the metering worker (which also sends to AWS) behind POST
// /api/v1/metering/flush: it closes the ended hours in the real store and reports the records.
type closingFlusher struct {
	db  *sqldb.DB
	now func() time.Time
}

func (f closingFlusher) FlushMetering(ctx context.Context) (*dealdesk.FlushResult, error) {
	recs, err := f.db.CloseUsageHours(ctx, dealdesk.Hour(f.now()), dealdesk.MeteringOptions{Window: dealdesk.DefaultMeteringWindow})
	if err != nil {
		return nil, err
	}
	return &dealdesk.FlushResult{Closed: len(recs), Records: recs}, nil
}

func TestMetering_RecordsTotalsRetryAndFlush(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		var flusher closingFlusher
		e := newEnvConfig(t, sqldbtest.DSN(t, engine), func(c *dhttp.Config) { c.MeteringFlusher = &flusher })
		flusher = closingFlusher{db: e.db, now: e.clock.now}
		d := e.newUsageDeal("meter1")
		hour := testNow.Add(-2 * time.Hour) // 07:00, closed at testNow
		body := map[string]any{"groups": []map[string]any{
			{"id": "u1", "entitlementId": d.entitlement, "timestamp": hour.Add(10 * time.Minute).Format(time.RFC3339), "records": map[string]any{"api_calls": 2.5, "seats": 12}},
			{"id": "u2", "entitlementId": d.entitlement, "timestamp": hour.Add(20 * time.Minute).Format(time.RFC3339), "records": map[string]any{"api_calls": "1.25"}},
		}}
		e.do(req{method: "POST", path: "/api/v1/usage:batch", key: e.keyA, body: body}).want(t, 200)

		var fr dealdesk.FlushResult
		e.do(req{method: "POST", path: "/api/v1/metering/flush", key: e.keyA}).want(t, 200).decode(t, &fr)
		if fr.Closed == 0 || len(fr.Records) != fr.Closed {
			t.Fatalf("flush = %+v", fr)
		}
		byDim := map[string]dealdesk.MeteringRecord{}
		for _, r := range fr.Records {
			if r.Hour.Equal(hour) {
				byDim[r.DimensionKey] = *r
			}
		}
		// api_calls 3.75 → 3 metered, 0.75 carried; seats 12 with 10 granted → 2.
		if r := byDim["api_calls"]; r.Usage.String() != "3.75" || r.Quantity != 3 || r.CarriedOut.String() != "0.75" {
			t.Errorf("api_calls record = %+v", r)
		}
		if r := byDim["seats"]; r.Quantity != 2 || r.CoveredByGrant.String() != "10" {
			t.Errorf("seats record = %+v", r)
		}

		var l listResp[dealdesk.MeteringRecord]
		e.do(req{method: "GET", path: "/api/v1/metering-records?entitlementId=" + d.entitlement + "&from=" + hour.Format(time.RFC3339) +
			"&to=" + hour.Add(time.Hour).Format(time.RFC3339), key: e.keyA}).want(t, 200).decode(t, &l)
		if len(l.Items) != 2 {
			t.Fatalf("records of the hour: %+v", l.Items)
		}
		e.do(req{method: "GET", path: "/api/v1/metering-records?status=SENT", key: e.keyA}).want(t, 200).decode(t, &l)
		if len(l.Items) != 0 {
			t.Errorf("SENT records before any send: %+v", l.Items)
		}
		rec := byDim["api_calls"]
		var got dealdesk.MeteringRecord
		e.do(req{method: "GET", path: "/api/v1/metering-records/" + rec.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if got.ID != rec.ID || got.Quantity != 3 || got.Status != dealdesk.MeteringPending {
			t.Errorf("GET record = %+v", got)
		}
		e.do(req{method: "GET", path: "/api/v1/metering-records/" + rec.ID, key: e.keyB}).want(t, 404)

		// Only a FAILED record may be retried.
		e.do(req{method: "POST", path: "/api/v1/metering-records/" + rec.ID + "/retry", key: e.keyA}).want(t, 409)
		answer := json.RawMessage(`{"__type":"InvalidLicenseException","message":"no such license"}`)
		if err := e.db.FailMeteringRecords(e.ctxA(), []string{rec.ID}, time.Time{}, dealdesk.MeteringFailed, "AWS refused the batch", answer); err != nil {
			t.Fatal(err)
		}
		e.do(req{method: "GET", path: "/api/v1/metering-records/" + rec.ID, key: e.keyA}).want(t, 200).decode(t, &got)
		if got.Status != dealdesk.MeteringFailed || !strings.Contains(string(got.Response), "InvalidLicenseException") || got.Error == "" {
			t.Errorf("failed record = %+v (response %s)", got, got.Response)
		}
		e.do(req{method: "POST", path: "/api/v1/metering-records/" + rec.ID + "/retry", key: e.keyB}).want(t, 404)
		e.do(req{method: "POST", path: "/api/v1/metering-records/" + rec.ID + "/retry", key: e.keyA}).want(t, 200).decode(t, &got)
		if got.Status != dealdesk.MeteringPending {
			t.Errorf("retried record = %+v", got)
		}
		e.do(req{method: "POST", path: "/api/v1/metering-records/mtr_00000000000000000000000000/retry", key: e.keyA}).want(t, 404)

		var tot dealdesk.MeteringTotals
		e.do(req{method: "GET", path: "/api/v1/entitlements/" + d.entitlement + "/metering", key: e.keyA}).want(t, 200).decode(t, &tot)
		i := slices.IndexFunc(tot.Dimensions, func(x dealdesk.DimensionTotals) bool { return x.DimensionKey == "api_calls" })
		if tot.EntitlementID != d.entitlement || i < 0 || tot.Dimensions[i].Reported.String() != "3.75" || tot.Dimensions[i].Unsent != 3 {
			t.Errorf("totals = %+v", tot)
		}
		e.do(req{method: "GET", path: "/api/v1/entitlements/" + d.entitlement + "/metering", key: e.keyB}).want(t, 404)

		var groups listResp[dealdesk.UsageGroup]
		e.do(req{method: "GET", path: "/api/v1/usage-groups?status=AGGREGATED", key: e.keyA}).want(t, 200).decode(t, &groups)
		if len(groups.Items) != 2 || groups.Items[0].MeteredHour == nil || !groups.Items[0].MeteredHour.Equal(hour) {
			t.Errorf("aggregated groups = %+v", groups.Items)
		}
		res := e.refused(t, req{method: "GET", path: "/api/v1/metering-records?status=LOST", key: e.keyA}, "").want(t, 422)
		if !res.problem(t).hasField("status") {
			t.Errorf("a bad status filter is not named: %s", res.body)
		}
	})
}
