package dealdesk_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

// The domain types encode their lists as [], never null, whoever encodes them: the API, the
// store, a future client.
func TestListsEncodeAsEmptyNotNull(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		value any
		want  []string
	}{
		{"offer", dealdesk.Offer{ID: "off_1"}, []string{`"buyerAccountIds":[]`, `"entitledDimensions":[]`,
			`"dimensionPrices":[]`, `"installments":[]`}},
		{"offer pointer", &dealdesk.Offer{ID: "off_1"}, []string{`"buyerAccountIds":[]`, `"installments":[]`}},
		{"product", dealdesk.Product{ID: "prd_1"}, []string{`"dimensions":[]`}},
		{"offer in a chain", dealdesk.OfferChain{Opportunity: &dealdesk.Offer{}, Offers: []*dealdesk.Offer{{}}},
			[]string{`"opportunity":{"id":"","type":"","status":"","buyerAccountIds":[]`, `"offers":[{"id":"","type":"","status":"","buyerAccountIds":[]`}},
		{"chain without offers", dealdesk.OfferChain{Opportunity: &dealdesk.Offer{}}, []string{`"offers":[]`, `"entitlements":[]`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "null") {
				t.Errorf("JSON has null: %s", b)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("JSON lacks %s: %s", w, b)
				}
			}
		})
	}
	t.Run("publish errors stay omitted when empty", func(t *testing.T) {
		t.Parallel()
		b, err := json.Marshal(dealdesk.Offer{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "publishErrors") {
			t.Errorf("JSON shows publishErrors: %s", b)
		}
	})
	t.Run("fields other than lists are kept", func(t *testing.T) {
		t.Parallel()
		c := dealdesk.MustDecimal("12000.00")
		in := dealdesk.Offer{ID: "off_1", Name: "Deal", CommitAmount: &c, BuyerAccountIDs: []string{"111122223333"}}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out dealdesk.Offer
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if out.ID != "off_1" || out.Name != "Deal" || out.CommitAmount == nil || !out.CommitAmount.Equal(c.Decimal) ||
			len(out.BuyerAccountIDs) != 1 || out.BuyerAccountIDs[0] != "111122223333" {
			t.Errorf("round trip gave %+v from %s", out, b)
		}
	})
}

func TestOfferNormalizeLists(t *testing.T) {
	t.Parallel()
	var o dealdesk.Offer
	o.NormalizeLists()
	if o.BuyerAccountIDs == nil || o.EntitledDimensions == nil || o.DimensionPrices == nil || o.Installments == nil ||
		o.PublishErrors == nil {
		t.Errorf("a list is still nil: %#v", o)
	}
	kept := dealdesk.Offer{BuyerAccountIDs: []string{"111122223333"}}
	kept.NormalizeLists()
	if len(kept.BuyerAccountIDs) != 1 || kept.BuyerAccountIDs[0] != "111122223333" {
		t.Errorf("a set list changed: %v", kept.BuyerAccountIDs)
	}
}
