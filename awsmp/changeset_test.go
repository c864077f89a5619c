package awsmp_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// TestBuildResaleAuthorizationChangeSetGolden pins the change set of each kind of opportunity
// to testdata/<case>.golden.json (go test -run Golden -update rewrites them).
func TestBuildResaleAuthorizationChangeSetGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range opportunities() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			changes, err := awsmp.BuildResaleAuthorizationChangeSet(tc.offer, tc.product)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			got, err := json.MarshalIndent(changes, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("change set differs from %s (run with -update after checking):\n%s", path, got)
			}
		})
	}
}

// TestBuildResaleAuthorizationChangeSetIsDeterministic: a retry must send the same request,
// or AWS refuses the reused ClientRequestToken.
func TestBuildResaleAuthorizationChangeSetIsDeterministic(t *testing.T) {
	t.Parallel()
	tc := opportunities()[2]
	a, _ := awsmp.BuildResaleAuthorizationChangeSet(tc.offer, tc.product)
	b, _ := awsmp.BuildResaleAuthorizationChangeSet(tc.offer, tc.product)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if len(ja) < 100 || !bytes.Equal(ja, jb) {
		t.Fatalf("two builds differ or are empty:\n%s\n%s", ja, jb)
	}
}

// TestBuildResaleAuthorizationChangeSetRefuses names the opportunity's field a change set
// cannot do without.
func TestBuildResaleAuthorizationChangeSetRefuses(t *testing.T) {
	t.Parallel()
	base := func() *dealdesk.Offer { return opportunities()[0].offer }
	cases := []struct {
		name    string
		change  func(o *dealdesk.Offer)
		product *dealdesk.Product
		field   string
	}{
		{"no commit", func(o *dealdesk.Offer) { o.CommitAmount = nil }, analytics, "commitAmount"},
		{"no EULA", func(o *dealdesk.Offer) { o.EULA = nil }, analytics, "eula"},
		{"no duration for a contract", func(o *dealdesk.Offer) { o.ContractDuration = "" }, analytics, "contractDuration"},
		{"product without AWS ID", func(*dealdesk.Offer) {}, &dealdesk.Product{Title: "x"}, "productId"},
		{"nothing priced", func(o *dealdesk.Offer) { o.EntitledDimensions, o.DimensionPrices = nil, nil }, analytics, "entitledDimensions"},
		{"installments without contract", func(o *dealdesk.Offer) {
			o.EntitledDimensions = nil
			o.Installments = []dealdesk.Installment{{ChargeDate: date("2030-07-01"), Amount: dealdesk.MustDecimal("1.00")}}
		}, analytics, "installments"},
		{"not an opportunity", func(o *dealdesk.Offer) { o.Type = dealdesk.OfferCPPO }, analytics, "type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := base()
			tc.change(o)
			changes, err := awsmp.BuildResaleAuthorizationChangeSet(o, tc.product)
			if dealdesk.ErrorCode(err) != dealdesk.EINVALID || changes != nil {
				t.Fatalf("got %v, %v; want EINVALID and no change set", changes, err)
			}
			fields := dealdesk.ErrorFields(err)
			if len(fields) != 1 || fields[0].Field != tc.field {
				t.Fatalf("fields = %+v, want only %s", fields, tc.field)
			}
		})
	}
}
