package worker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/worker"
)

// TestBatchesGroupByProductAndIdentity: records are grouped by product (and so identity) in
// batches of at most 25, each batch's records oldest hour first and batches in the order of
// their oldest record, so that the oldest hours leave first.
func TestBatchesGroupByProductAndIdentity(t *testing.T) {
	t.Parallel()
	h0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	lic := &dealdesk.Product{ID: "prd_lic", MeteringIdentity: dealdesk.MeteringByLicense}
	cust := &dealdesk.Product{ID: "prd_cust", MeteringIdentity: dealdesk.MeteringByCustomerIdentifier}
	var sends []*dealdesk.MeteringSend
	// 30 records of lic (hours 0..29, given newest first) and 5 of cust (hours 10..14).
	for i := 29; i >= 0; i-- {
		sends = append(sends, &dealdesk.MeteringSend{Product: lic, Record: &dealdesk.MeteringRecord{ID: fmt.Sprintf("L%02d", i), Hour: h0.Add(time.Duration(i) * time.Hour)},
			Customer: dealdesk.MeteringCustomer{CustomerAWSAccountID: "210987654321", LicenseARN: "arn:l"}})
	}
	for i := 10; i < 15; i++ {
		sends = append(sends, &dealdesk.MeteringSend{Product: cust, Record: &dealdesk.MeteringRecord{ID: fmt.Sprintf("C%02d", i), Hour: h0.Add(time.Duration(i) * time.Hour)},
			Customer: dealdesk.MeteringCustomer{CustomerIdentifier: "cust"}})
	}
	got := worker.Batches(sends)
	want := []struct {
		product  string
		identity dealdesk.MeteringIdentity
		first    string
		n        int
	}{
		{"prd_lic", dealdesk.MeteringByLicense, "L00", 25},
		{"prd_cust", dealdesk.MeteringByCustomerIdentifier, "C10", 5},
		{"prd_lic", dealdesk.MeteringByLicense, "L25", 5},
	}
	if len(got) != len(want) {
		t.Fatalf("%d batches, want %d", len(got), len(want))
	}
	for i, w := range want {
		b := got[i]
		if b.Product.ID != w.product || b.Identity != w.identity || len(b.Records) != w.n || len(b.Customers) != w.n || b.Records[0].ID != w.first {
			t.Errorf("batch %d: %s %s %d records from %s, want %s %s %d from %s", i, b.Product.ID, b.Identity, len(b.Records), b.Records[0].ID,
				w.product, w.identity, w.n, w.first)
		}
		for j := 1; j < len(b.Records); j++ {
			if b.Records[j].Hour.Before(b.Records[j-1].Hour) {
				t.Errorf("batch %d not oldest first at %d", i, j)
			}
			if (b.Customers[j].CustomerIdentifier != "") != (b.Identity == dealdesk.MeteringByCustomerIdentifier) {
				t.Errorf("batch %d record %d has customer %+v for identity %s", i, j, b.Customers[j], b.Identity)
			}
		}
	}
}

// TestBatchesNeverHoldTwoRecordsAlike: AWS answers each usage record by customer, dimension and
// timestamp, so two records alike (two entitlements of one customer in one hour) never share a
// batch; each answer then belongs to exactly one record.
func TestBatchesNeverHoldTwoRecordsAlike(t *testing.T) {
	t.Parallel()
	h := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	p := &dealdesk.Product{ID: "prd_cust", MeteringIdentity: dealdesk.MeteringByCustomerIdentifier}
	c := dealdesk.MeteringCustomer{CustomerIdentifier: "cust"}
	sends := []*dealdesk.MeteringSend{
		{Product: p, Customer: c, Record: &dealdesk.MeteringRecord{ID: "ended", DimensionKey: "api_calls", Hour: h}},
		{Product: p, Customer: c, Record: &dealdesk.MeteringRecord{ID: "other", DimensionKey: "storage_gb", Hour: h}},
		{Product: p, Customer: c, Record: &dealdesk.MeteringRecord{ID: "renewed", DimensionKey: "api_calls", Hour: h}},
	}
	got := worker.Batches(sends)
	if len(got) != 2 || len(got[0].Records) != 2 || got[1].Records[0].ID != "renewed" {
		t.Fatalf("batches %+v: want [ended other] and [renewed]", got)
	}
}
