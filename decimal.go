package dealdesk

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Decimal is an exact decimal number that keeps the scale it was written with: "12000.00" stays
// "12000.00". Money and prices are Decimals, never floats. The zero Decimal is unset, unlike a
// parsed "0": a JSON field left out decodes to it, and validation tells the two apart.
type Decimal struct {
	decimal.Decimal
	set bool
}

// decimalPattern is the one written form of a decimal: an optional minus, digits without a
// leading zero (but "0" itself), and an optional point followed by digits. No plus sign,
// exponent, point without digits on both sides or leading zero ("+5", "1e3", ".5", "5.", "00.5"
// are refused), and no negative zero ("-0", "-0.00"), so that what a caller sends is what is
// stored. The OpenAPI document's money patterns are this one narrowed (decision 006).
var decimalPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// negativeZero matches a negative zero: the pattern allows it, the value does not keep its sign.
var negativeZero = regexp.MustCompile(`^-0(\.0+)?$`)

// MaxDecimalDigits is how many digits a decimal may have. Money here needs at most 18 (100000000
// with 8 decimals); the cap keeps parsing cheap, since reading n digits costs time that grows
// with n squared (a 1 MiB number would take seconds).
const MaxDecimalDigits = 40

var (
	// ErrNotDecimal is what is wrong with a value that is not a decimal at all, in the words of
	// the API (which takes decimals as JSON strings); the console words it for its forms.
	ErrNotDecimal   = errors.New("must be a decimal number written as a string, such as \"12.50\"")
	errLeadingZero  = fmt.Errorf("must be written without leading zeros, such as \"0.5\" or \"12\"")
	errNegativeZero = fmt.Errorf("must not be negative zero: write \"0\"")
	errLongDecimal  = fmt.Errorf("must have at most %d digits", MaxDecimalDigits)
)

// ParseDecimal parses a decimal number such as "12000.00" (see decimalPattern), of at most
// MaxDecimalDigits digits. Its errors say what is wrong in words fit for users.
func ParseDecimal(s string) (Decimal, error) {
	if digits := len(s) - strings.Count(s, "-") - strings.Count(s, "."); digits > MaxDecimalDigits {
		return Decimal{}, errLongDecimal
	}
	if !decimalPattern.MatchString(s) {
		if loose.MatchString(s) {
			return Decimal{}, errLeadingZero
		}
		return Decimal{}, ErrNotDecimal
	}
	if negativeZero.MatchString(s) {
		return Decimal{}, errNegativeZero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, ErrNotDecimal
	}
	return Decimal{Decimal: d, set: true}, nil
}

// loose matches what decimalPattern refuses only for its leading zeros.
var loose = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// MustDecimal parses s and panics on error; for tests and constants.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsSet reports whether d holds a value; only the zero Decimal does not.
func (d Decimal) IsSet() bool { return d.set }

// Places returns how many digits are written after the decimal point.
func (d Decimal) Places() int {
	if e := d.Exponent(); e < 0 {
		return int(-e)
	}
	return 0
}

// String writes d with its own scale.
func (d Decimal) String() string { return d.StringFixed(int32(d.Places())) }

// Format prints d as String does, whatever the verb: the embedded decimal's own Format would
// drop the scale ("12000" for "12000.00") in fmt's output, templates and logs included.
func (d Decimal) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(d.String())) }

// MarshalJSON writes d as a JSON string, which keeps it exact.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads a JSON string holding a decimal (ParseDecimal), escapes and all: "12" and
// "\u0031\u0032" are both 12. A JSON number is refused: a client that writes money as a number
// has already been through a float on its side, or will be on the next reader's.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		return ErrNotDecimal
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return ErrNotDecimal
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores d as text with its scale.
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads a decimal stored as text or numeric.
func (d *Decimal) Scan(src any) error {
	switch v := src.(type) {
	case string:
		return d.scan(v)
	case []byte:
		return d.scan(string(v))
	case int64:
		*d = Decimal{Decimal: decimal.NewFromInt(v), set: true}
		return nil
	}
	return fmt.Errorf("dealdesk: cannot scan %T into Decimal", src)
}

func (d *Decimal) scan(s string) error {
	v, err := ParseDecimal(s)
	*d = v
	return err
}

// Currency is an ISO 4217 code that AWS Marketplace accepts for resale pricing.
type Currency string

// Currencies AWS Marketplace accepts for resale pricing and payment schedules.
const (
	USD Currency = "USD"
	AUD Currency = "AUD"
	EUR Currency = "EUR"
	GBP Currency = "GBP"
	JPY Currency = "JPY"
)

// Currencies lists every currency AWS Marketplace accepts for resale pricing.
var Currencies = []Currency{USD, AUD, EUR, GBP, JPY}

// Valid reports whether AWS Marketplace accepts c.
func (c Currency) Valid() bool { return slices.Contains(Currencies, c) }

// MinorUnits returns the number of decimals an amount in c may have.
func (c Currency) MinorUnits() int {
	if c == JPY {
		return 0
	}
	return 2
}
