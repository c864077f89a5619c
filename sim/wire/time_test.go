package wire_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/dealdesk/dealdesk/sim/wire"
)

func TestTimeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"whole seconds are an integer", t0, "1772600767"},
		{"milliseconds are a decimal", t0.Add(250 * time.Millisecond), "1772600767.25"},
		{"sub-millisecond is dropped", t0.Add(1*time.Millisecond + 900*time.Microsecond), "1772600767.001"},
		{"before the epoch", time.Unix(-1, 500e6), "-0.5"},
		{"zone is irrelevant", t0.In(time.FixedZone("X", 3600)), "1772600767"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(wire.NewTime(tc.in))
			if err != nil || string(b) != tc.want {
				t.Fatalf("Marshal = %s, %v; want %s", b, err, tc.want)
			}
			var back wire.Time
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !back.Equal(tc.in.Truncate(time.Millisecond)) || back.Location() != time.UTC {
				t.Errorf("round trip = %v, want %v in UTC", back, tc.in.Truncate(time.Millisecond))
			}
		})
	}
}

func TestTimeUnmarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    time.Time
		wantErr bool
	}{
		{"integer", "1700000000", time.Unix(1700000000, 0), false},
		{"decimal is exact to the nanosecond", "1700000000.123456789", time.Unix(1700000000, 123456789), false},
		{"more than nine fraction digits are cut", "1700000000.1234567891", time.Unix(1700000000, 123456789), false},
		{"exponent form", "1.7e9", time.Unix(1700000000, 0), false},
		{"negative decimal", "-1.5", time.Unix(-2, 500e6), false},
		{"string is refused", `"1700000000"`, time.Time{}, true},
		{"ISO date is refused", `"2026-01-01T00:00:00Z"`, time.Time{}, true},
		{"boolean is refused", "true", time.Time{}, true},
		{"object is refused", "{}", time.Time{}, true},
		{"huge exponent is refused", "1e300", time.Time{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got wire.Time
			err := got.UnmarshalJSON([]byte(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("UnmarshalJSON(%s) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Fatalf("UnmarshalJSON(%s) = %v, %v; want %v UTC", tc.in, got, err, tc.want)
			}
		})
	}
	t.Run("null leaves the time unset", func(t *testing.T) {
		t.Parallel()
		var v struct {
			T *wire.Time `json:"t"`
			U wire.Time  `json:"u"`
		}
		if err := json.Unmarshal([]byte(`{"t":null,"u":null}`), &v); err != nil || v.T != nil || !v.U.IsZero() {
			t.Fatalf("got %+v, %v", v, err)
		}
	})
}

func TestTimeCBOR(t *testing.T) {
	t.Parallel()
	b, err := cbor.Marshal(wire.NewTime(t0.Add(500 * time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	// Tag 1 (0xc1) over a float64 (0xfb), as smithy-go's own serializer writes timestamps.
	if len(b) != 10 || b[0] != 0xc1 || b[1] != 0xfb {
		t.Fatalf("MarshalCBOR = % x, want c1 fb + 8 bytes", b)
	}

	tests := []struct {
		name    string
		in      []byte
		want    time.Time
		wantErr string
	}{
		{"tag 1 over an integer", mustCBOR(t, cbor.Tag{Number: 1, Content: 1700000000}), time.Unix(1700000000, 0), ""},
		{"tag 1 over a negative integer", mustCBOR(t, cbor.Tag{Number: 1, Content: -10}), time.Unix(-10, 0), ""},
		{"tag 1 over a float64", mustCBOR(t, cbor.Tag{Number: 1, Content: 1700000000.125}), time.Unix(1700000000, 125e6), ""},
		{"tag 1 over a float32", mustCBOR(t, cbor.Tag{Number: 1, Content: float32(1024.5)}), time.Unix(1024, 500e6), ""},
		{"tag 1 over a float16", []byte{0xc1, 0xf9, 0x3e, 0x00}, time.Unix(1, 500e6), ""},
		{"our own encoding", b, t0.Add(500 * time.Millisecond), ""},
		{"another tag", mustCBOR(t, cbor.Tag{Number: 0, Content: "2026-01-01T00:00:00Z"}), time.Time{}, "tag 0"},
		{"untagged number", mustCBOR(t, 1700000000), time.Time{}, "tag 1"},
		{"tag 1 over a string", mustCBOR(t, cbor.Tag{Number: 1, Content: "x"}), time.Time{}, "number"},
		{"tag 1 over NaN", []byte{0xc1, 0xf9, 0x7e, 0x00}, time.Time{}, "out of range"},
		{"truncated", []byte{0xc1, 0xfb, 0x41}, time.Time{}, "tag 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got wire.Time
			err := got.UnmarshalCBOR(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("UnmarshalCBOR(% x) = %v, %v; want error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Fatalf("UnmarshalCBOR(% x) = %v, %v; want %v UTC", tc.in, got, err, tc.want)
			}
		})
	}
	t.Run("null leaves the time unset", func(t *testing.T) {
		t.Parallel()
		var got wire.Time
		if err := got.UnmarshalCBOR([]byte{0xf6}); err != nil || !got.IsZero() {
			t.Fatalf("got %v, %v", got, err)
		}
	})
	t.Run("decodes inside a struct", func(t *testing.T) {
		t.Parallel()
		var v struct {
			At wire.Time `json:"at"`
		}
		in := mustCBOR(t, map[string]any{"at": cbor.Tag{Number: 1, Content: 1700000000.5}})
		if err := cbor.Unmarshal(in, &v); err != nil || !v.At.Equal(time.Unix(1700000000, 500e6)) {
			t.Fatalf("got %v, %v", v.At, err)
		}
		if !bytes.Contains(in, []byte{0xc1}) {
			t.Fatal("test input lost its tag")
		}
	})
}
