package dealdesk_test

import (
	"encoding/json"
	"fmt"
	"strings"
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

// TestDecimal_OneWrittenFormPerValue pins review 2 N4: leading zeros and negative zero are
// refused, naming what is wrong, as the OpenAPI patterns refuse them; and a decimal has at most
// MaxDecimalDigits digits, so that reading one stays cheap (review 2 B4's kind: a 1 MiB number
// took seconds to parse).
func TestDecimal_OneWrittenFormPerValue(t *testing.T) {
	t.Parallel()
	long := "1" + strings.Repeat("0", dealdesk.MaxDecimalDigits)
	for _, tc := range []struct {
		in, want, err string // want "" means refused with an error containing err
	}{
		{"0", "0", ""},
		{"0.50", "0.50", ""},
		{"-0.5", "-0.5", ""},
		{"10.05", "10.05", ""},
		{long[:dealdesk.MaxDecimalDigits], long[:dealdesk.MaxDecimalDigits], ""},
		{"-" + long[:dealdesk.MaxDecimalDigits-1] + ".5", "-" + long[:dealdesk.MaxDecimalDigits-1] + ".5", ""},
		{"00.5", "", "leading zeros"},
		{"007", "", "leading zeros"},
		{"-01", "", "leading zeros"},
		{"-0", "", "negative zero"},
		{"-0.00", "", "negative zero"},
		{long, "", "at most 40 digits"},
		{"0." + long, "", "at most 40 digits"},
		{long + strings.Repeat("7", 1<<20), "", "at most 40 digits"},
	} {
		t.Run(dealdesk.Clip(tc.in, 50), func(t *testing.T) {
			d, err := dealdesk.ParseDecimal(tc.in)
			if tc.want == "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("= %s, %v; want an error saying %q", d, err, tc.err)
				}
				return
			}
			if err != nil || d.String() != tc.want {
				t.Fatalf("= %s, %v; want %s", d, err, tc.want)
			}
		})
	}
}

// TestDecimalPrintsItsScale: fmt (and so templates and logs) prints a Decimal as written.
func TestDecimalPrintsItsScale(t *testing.T) {
	d := dealdesk.MustDecimal("12000.00")
	if got := fmt.Sprint(d, " ", &d, " ", fmt.Sprintf("%v %s", d, d)); got != "12000.00 12000.00 12000.00 12000.00" {
		t.Errorf("printed %q", got)
	}
}
