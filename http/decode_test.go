package http

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	t.Run("fields are decoded exactly and null leaves them unset", func(t *testing.T) {
		var in dealdesk.OfferInput
		err := decodeJSON([]byte(`{"name":"N","commitAmount":"12000.00","expiryDate":null,
			"installments":[{"chargeDate":"2027-07-15","amount":"6000.50"}],"eula":{"type":"CUSTOM","url":"https://x"}}`), &in)
		if err != nil {
			t.Fatal(err)
		}
		if *in.Name != "N" || in.CommitAmount.String() != "12000.00" || in.ExpiryDate != nil ||
			(*in.Installments)[0].Amount.String() != "6000.50" || in.EULA.URL != "https://x" || in.Type != nil {
			t.Errorf("decoded %+v", in)
		}
	})
	tests := []struct {
		name   string
		body   string
		code   string
		fields []string
	}{
		{"every bad field is named", `{"commitAmount":"12.x","renewal":"yes","colour":1,"size":2}`, dealdesk.EINVALID,
			[]string{"renewal", "commitAmount", "colour", "size"}},
		{"nested paths", `{"installments":[{"chargeDate":"2027-07-15","amount":"1"},{"chargeDate":"2027-7-1","amount":null}]}`,
			dealdesk.EINVALID, []string{"installments[1].chargeDate", "installments[1].amount"}},
		{"unknown nested field", `{"entitledDimensions":[{"dimensionKey":"u","quantity":1,"qty":2}]}`, dealdesk.EINVALID,
			[]string{"entitledDimensions[0].qty"}},
		{"duplicate key", `{"name":"a","name":"b"}`, dealdesk.EINVALID, []string{"name"}},
		{"wrong container", `{"buyerAccountIds":{"a":1},"eula":[1]}`, dealdesk.EINVALID, []string{"buyerAccountIds", "eula"}},
		{"integer overflow", `{"entitledDimensions":[{"dimensionKey":"u","quantity":1e30}]}`, dealdesk.EINVALID,
			[]string{"entitledDimensions[0].quantity"}},
		{"syntax error", `{"name":"a",}`, dealdesk.EMALFORMED, nil},
		{"trailing data", `{} []`, dealdesk.EMALFORMED, nil},
		{"not an object", `42`, dealdesk.EMALFORMED, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in dealdesk.OfferInput
			err := decodeJSON([]byte(tt.body), &in)
			if code := dealdesk.ErrorCode(err); code != tt.code {
				t.Fatalf("code = %q, want %q (%v)", code, tt.code, err)
			}
			var got []string
			for _, f := range dealdesk.ErrorFields(err) {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

// TestSplitObject_KeepsTheFirstRepeatedKeysAndCountsTheRest pins the cap of review 2 B4: an
// object repeating n keys records the first MaxProblems, in order, and counts the others once
// each, however often each is repeated.
func TestSplitObject_KeepsTheFirstRepeatedKeysAndCountsTheRest(t *testing.T) {
	t.Parallel()
	const n = 1000
	var b strings.Builder
	b.WriteString(`{"only":1`)
	for i := range n {
		fmt.Fprintf(&b, `,"k%d":0,"k%d":1,"k%d":2`, i, i, i)
	}
	b.WriteString(`}`)
	m, ok := splitObject(json.RawMessage(b.String()))
	if !ok {
		t.Fatal("not an object")
	}
	if len(m.dups) != dealdesk.MaxProblems || m.dups[0] != "k0" || m.dups[dealdesk.MaxProblems-1] != "k99" || m.moreDups != n-dealdesk.MaxProblems {
		t.Fatalf("%d keys recorded (%v...), %d counted; want k0..k99 and %d", len(m.dups), m.dups[:min(3, len(m.dups))], m.moreDups, n-dealdesk.MaxProblems)
	}
	if len(m.obj) != n+1 || string(m.obj["k5"]) != "2" {
		t.Fatalf("%d members, k5 = %s; want %d and the last value", len(m.obj), m.obj["k5"], n+1)
	}
	var in dealdesk.OfferInput
	err := decodeJSON([]byte(b.String()), &in)
	if got, omitted := len(dealdesk.ErrorFields(err)), dealdesk.ErrorOmitted(err); got != dealdesk.MaxProblems || omitted != 2*n+1-dealdesk.MaxProblems {
		t.Fatalf("%d fields listed, %d omitted; want %d and %d (each key repeated and unknown, and the other unknown one)", got, omitted, dealdesk.MaxProblems, 2*n+1-dealdesk.MaxProblems)
	}
}
