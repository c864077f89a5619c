package wire

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Time is an instant that encodes as epoch seconds in JSON and as CBOR tag 1 in CBOR, and
// decodes from either (a number, or tag 1 over an integer or a float). It keeps millisecond
// precision on the wire, as the AWS SDKs do, and is always UTC.
type Time struct{ time.Time }

// NewTime returns t as a Time in UTC.
func NewTime(t time.Time) Time { return Time{t.UTC()} }

// TimePtr returns a pointer to t as a Time, for optional members.
func TimePtr(t time.Time) *Time { v := NewTime(t); return &v }

// epochSeconds renders t as epoch seconds with at most millisecond precision.
func epochSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1e3
}

// MarshalJSON writes the instant as epoch seconds: an integer for whole seconds, else a
// decimal with up to three fraction digits.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1e3, 'f', -1, 64), nil
}

// UnmarshalJSON reads epoch seconds (integer or decimal); null leaves t unchanged.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	v, err := parseEpoch(string(b))
	if err != nil {
		return err
	}
	*t = Time{v}
	return nil
}

// parseEpoch turns a JSON number of epoch seconds into a UTC time, exactly for plain decimals.
func parseEpoch(s string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("timestamp must be a number of epoch seconds, got %.40q", s)
	}
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return bad()
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad()
		}
		return floatTime(f)
	}
	whole, frac, _ := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return bad()
	}
	if len(frac) > 9 {
		frac = frac[:9]
	}
	var nanos int64
	if frac != "" {
		n, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil {
			return bad()
		}
		nanos = n
		if strings.HasPrefix(whole, "-") {
			nanos = -nanos
		}
	}
	return time.Unix(secs, nanos).UTC(), nil
}

// floatTime turns float epoch seconds into a UTC time rounded to the microsecond.
func floatTime(f float64) (time.Time, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<62/1e9 {
		return time.Time{}, fmt.Errorf("timestamp %v is out of range", f)
	}
	secs, frac := math.Modf(f)
	return time.Unix(int64(secs), int64(math.Round(frac*1e6))*1e3).UTC(), nil
}

// MarshalCBOR writes the instant as CBOR tag 1 over a float64 of epoch seconds, as the
// Smithy RPC v2 CBOR protocol does.
func (t Time) MarshalCBOR() ([]byte, error) {
	return cbor.Marshal(cbor.Tag{Number: 1, Content: epochSeconds(t.Time)})
}

// UnmarshalCBOR reads CBOR tag 1 over an integer or a float; null leaves t unchanged.
func (t *Time) UnmarshalCBOR(b []byte) error {
	if len(b) == 1 && (b[0] == 0xf6 || b[0] == 0xf7) {
		return nil
	}
	var raw cbor.RawTag
	if err := decMode.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("timestamp must be CBOR tag 1: %w", err)
	}
	if raw.Number != 1 {
		return fmt.Errorf("timestamp must be CBOR tag 1, got tag %d", raw.Number)
	}
	var n any
	if err := decMode.Unmarshal(raw.Content, &n); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	switch v := n.(type) {
	case uint64:
		if v > math.MaxInt64 {
			return fmt.Errorf("timestamp %d is out of range", v)
		}
		*t = Time{time.Unix(int64(v), 0).UTC()}
	case int64:
		*t = Time{time.Unix(v, 0).UTC()}
	case float64:
		tm, err := floatTime(v)
		if err != nil {
			return err
		}
		*t = Time{tm}
	default:
		return fmt.Errorf("timestamp tag 1 must hold a number, got %T", n)
	}
	return nil
}
