package invalid_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

func TestFields(t *testing.T) {
	t.Parallel()
	var f invalid.Fields
	if err := f.Err("invalid seed"); err != nil {
		t.Fatalf("empty list: %v, want nil", err)
	}
	f.Add("seller.accountId", "must be 12 digits, got %q", "12")
	f.Add("products", "at least one product is required")
	err := f.Err("invalid seed")
	var e *invalid.Error
	if !errors.As(err, &e) || len(e.Fields) != 2 {
		t.Fatalf("Err = %v, want an *invalid.Error with both fields", err)
	}
	if got, want := err.Error(), `invalid seed: seller.accountId: must be 12 digits, got "12"; products: at least one product is required`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"control API fields", f, `[{"field":"seller.accountId","message":"must be 12 digits, got \"12\""},{"field":"products","message":"at least one product is required"}]`},
		{"Catalog ValidationExceptionFieldList", f.CatalogFieldList(), `[{"Field":"seller.accountId","Message":"must be 12 digits, got \"12\"","Reason":"FieldValidationFailed"},{"Field":"products","Message":"at least one product is required","Reason":"FieldValidationFailed"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.v)
			if err != nil || string(b) != tt.want {
				t.Errorf("JSON %s (%v), want %s", b, err, tt.want)
			}
		})
	}
}
