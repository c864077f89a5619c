package wire_test

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/dealdesk/dealdesk/sim/wire"
)

type inner struct {
	Any   any       `json:"any"`
	Typed float64   `json:"typed"`
	Items []any     `json:"items"`
	Next  *inner    `json:"next,omitempty"`
	Arr   [2]any    `json:"arr"`
	When  wire.Time `json:"when"`
}

type outer struct {
	Terms []inner           `json:"terms"`
	ByKey map[string]*inner `json:"byKey"`
}

// decodeCBOR writes v as a CBOR result and decodes it with smithy-go's decoder.
func decodeCBOR(t *testing.T, v any) smithycbor.Map {
	t.Helper()
	rec := httptest.NewRecorder()
	wire.WriteResult(rec, wire.Call{Protocol: wire.RPCv2CBOR}, v)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got, err := smithycbor.Decode(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return got.(smithycbor.Map)
}

func TestCBORGenericNumbersBecomeIntegersAtAnyDepth(t *testing.T) {
	t.Parallel()
	leaf := &inner{Any: float64(5), Typed: 6, Items: []any{json.Number("7"), 7.5}, Arr: [2]any{float64(8), "x"}, When: wire.NewTime(t0)}
	v := outer{
		Terms: []inner{{Any: map[string]any{"deep": []any{float64(1)}}, Typed: 2, Next: leaf}},
		ByKey: map[string]*inner{"k": leaf},
	}
	before, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}

	m := decodeCBOR(t, v)

	term := m["terms"].(smithycbor.List)[0].(smithycbor.Map)
	checks := []struct {
		name      string
		got, want smithycbor.Value
	}{
		{"map in any in slice element", term["any"].(smithycbor.Map)["deep"].(smithycbor.List)[0], smithycbor.Uint(1)},
		{"typed float64 stays a float", term["typed"], smithycbor.Float64(2)},
		{"any behind a pointer", term["next"].(smithycbor.Map)["any"], smithycbor.Uint(5)},
		{"json.Number in []any", term["next"].(smithycbor.Map)["items"].(smithycbor.List)[0], smithycbor.Uint(7)},
		{"fractional float stays a float", term["next"].(smithycbor.Map)["items"].(smithycbor.List)[1], smithycbor.Float64(7.5)},
		{"array of any", term["next"].(smithycbor.Map)["arr"].(smithycbor.List)[0], smithycbor.Uint(8)},
		{"map of pointers", m["byKey"].(smithycbor.Map)["k"].(smithycbor.Map)["any"], smithycbor.Uint(5)},
		{"time keeps its tag", term["next"].(smithycbor.Map)["when"], &smithycbor.Tag{ID: 1, Value: smithycbor.Float64(1772600767)}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	after, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("caller's value changed:\n%s\n%s", before, after)
	}
	if _, ok := leaf.Any.(float64); !ok {
		t.Errorf("caller's leaf changed to %T", leaf.Any)
	}
}

func TestCBORNegativeAndLargeNumbers(t *testing.T) {
	t.Parallel()
	m := decodeCBOR(t, map[string]any{"neg": float64(-3), "big": float64(1 << 60), "huge": 1e300, "negnum": json.Number("-12"), "fracnum": json.Number("1.25")})
	want := smithycbor.Map{"neg": smithycbor.NegInt(3), "big": smithycbor.Uint(1 << 60), "huge": smithycbor.Float64(1e300),
		"negnum": smithycbor.NegInt(12), "fracnum": smithycbor.Float64(1.25)}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %#v, want %#v", m, want)
	}
}
