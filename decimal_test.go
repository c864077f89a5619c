package dealdesk_test

import (
	"encoding/json"
	"testing"

	"github.com/dealdesk/dealdesk"
)

// TestDecimal_OnlyADecimalStringIsMoney pins issue 6 item 10: money is a JSON string in one
// written form; numbers and the forms strconv or shopspring would also read are refused.
func TestDecimal_OnlyADecimalStringIsMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		json string
		want string // "" means refused
	}{
		{`"12000.00"`, "12000.00"},
		{`"0"`, "0"},
		{`"-5.5"`, "-5.5"},
		{`"\u0031\u0032"`, "12"},
		{`"1\u002e50"`, "1.50"},
		{`12000.00`, ""},
		{`12`, ""},
		{`"+5"`, ""},
		{`".5"`, ""},
		{`"5."`, ""},
		{`"1e3"`, ""},
		{`" 5"`, ""},
		{`""`, ""},
		{`"0x10"`, ""},
		{`true`, ""},
		{`null`, ""},
	} {
		t.Run(tc.json, func(t *testing.T) {
			var d dealdesk.Decimal
			err := json.Unmarshal([]byte(tc.json), &d)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("accepted as %s", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if d.String() != tc.want || !d.IsSet() {
				t.Errorf("= %s (set %v), want %s", d, d.IsSet(), tc.want)
			}
		})
	}
}
