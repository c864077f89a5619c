package sim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
)

// BenchmarkBatchMeterUsage drives the real aws-sdk-go-v2 metering client over loopback against
// an in-process simulator (quotas off) with 25-record batches, and reports requests per second.
// The records cycle over 50 customers x 2 metered dimensions x 6 hours: the first pass records
// new usage, later passes are identical retries, which take the same path plus the dedupe hit.
func BenchmarkBatchMeterUsage(b *testing.B) { benchmarkMetering(b) }

// BenchmarkBatchMeterUsagePersisted is BenchmarkBatchMeterUsage with a state file written in
// the background, to show that persistence does not slow the hot path much.
func BenchmarkBatchMeterUsagePersisted(b *testing.B) {
	benchmarkMetering(b, withState(filepath.Join(b.TempDir(), "state.json")))
}

func benchmarkMetering(b *testing.B, opts ...option) {
	e := newEnv(b, opts...)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	type customer struct{ account, license string }
	var customers []customer
	for o := 0; o < 2; o++ {
		var buyers []string
		for i := 0; i < 25; i++ {
			buyers = append(buyers, fmt.Sprintf("5000000%05d", o*25+i))
		}
		var offer struct {
			OfferID string `json:"offerId"`
		}
		e.mustControl(http.MethodPost, "/_sim/resellers/"+reseller1+"/offers", map[string]any{"resaleAuthorizationId": ra, "buyerAccountIds": buyers}, &offer)
		for _, buyer := range buyers {
			var s subscription
			e.mustControl(http.MethodPost, "/_sim/buyers/"+buyer+"/accept", map[string]any{"offerId": offer.OfferID}, &s)
			customers = append(customers, customer{buyer, s.LicenseArn})
		}
	}
	e.clock.Advance(5 * time.Hour) // six whole hours of subscription to meter
	now := e.clock.Now().Truncate(time.Hour)
	var records []mtypes.UsageRecord
	for h := 0; h < 6; h++ {
		for _, dim := range []string{"api_calls", "storage_gb"} {
			for i, c := range customers {
				records = append(records, byLicense(rec(now.Add(-time.Duration(h)*time.Hour), dim, int32(i+h)), c.account, c.license))
			}
		}
	}
	client := marketplacemetering.NewFromConfig(awsConfig("AKIDSELLER"), func(o *marketplacemetering.Options) {
		o.BaseEndpoint = aws.String(e.url)
		o.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
		})
	})
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	b.SetParallelism(4)
	b.ResetTimer()
	began := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := int(next.Add(25)-25) % len(records)
			batch := make([]mtypes.UsageRecord, 25)
			for i := range batch {
				batch[i] = records[(start+i)%len(records)]
			}
			out, err := client.BatchMeterUsage(ctx(b), &marketplacemetering.BatchMeterUsageInput{UsageRecords: batch})
			if err != nil || len(out.Results) != 25 || out.Results[0].Status != mtypes.UsageRecordResultStatusSuccess {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Sprintf("%v %v", err, out))
			}
		}
	})
	elapsed := time.Since(began)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed, first: %v", n, b.N, firstErr.Load())
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "requests/s")
}

// BenchmarkServeBatchMeterUsage measures the simulator alone: the same 25-record request served
// by ServeHTTP without network or SDK client, to show how much of BenchmarkBatchMeterUsage is the
// server's.
func BenchmarkServeBatchMeterUsage(b *testing.B) {
	e := newEnv(b)
	ra := e.publish(simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb"))
	s := e.subscribe(ra, reseller1, buyer1)
	hour := e.clock.Now().Truncate(time.Hour).Unix()
	var recs []string
	for i := 0; i < 25; i++ {
		dim := []string{"api_calls", "storage_gb"}[i%2]
		recs = append(recs, fmt.Sprintf(`{"CustomerAWSAccountId":%q,"LicenseArn":%q,"Dimension":%q,"Quantity":%d,"Timestamp":%d}`, buyer1, s.LicenseArn, dim, 5, hour))
	}
	body := `{"UsageRecords":[` + strings.Join(recs, ",") + `]}`
	// One signature serves every request: the simulator checks its scope, not its value.
	signed := httptest.NewRequest(http.MethodPost, "/", nil)
	signOK(b, signed, []byte(body))
	auth := signed.Header.Get("Authorization")
	b.ReportAllocs()
	b.ResetTimer()
	began := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSMPMeteringService.BatchMeterUsage")
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("Authorization", auth)
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "requests/s")
}
