package wire_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// sample has one member of each kind the protocols distinguish.
type sample struct {
	Count    int32             `json:"count"`
	Ratio    float64           `json:"ratio"`
	Whole    float64           `json:"whole"`
	Blob     []byte            `json:"blob"`
	At       wire.Time         `json:"at"`
	Optional *wire.Time        `json:"optional,omitempty"`
	Name     string            `json:"name,omitempty"`
	Flag     bool              `json:"flag"`
	Tags     map[string]string `json:"tags"`
	Generic  map[string]any    `json:"generic"`
	Raw      json.RawMessage   `json:"raw"`
	Skipped  string            `json:"-"`
}

func sampleValue() sample {
	return sample{
		Count: 7, Ratio: 0.5, Whole: 2, Blob: []byte{1, 2}, At: wire.NewTime(t0), Flag: false,
		Tags:    map[string]string{"k": "v"},
		Generic: map[string]any{"n": float64(4), "f": 1.5, "num": json.Number("12"), "list": []any{float64(1)}},
		Raw:     json.RawMessage(`{"deep":[1,2.5,"s",null]}`), Skipped: "no",
	}
}

func TestWriteResultCBOR(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	wire.WriteResult(rec, wire.Call{Protocol: wire.RPCv2CBOR}, sampleValue())

	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/cbor" ||
		rec.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" || rec.Header().Get("X-Amzn-Requestid") == "" {
		t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
	}
	v, err := smithycbor.Decode(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("smithy-go cannot decode the body: %v", err)
	}
	m := v.(smithycbor.Map)
	want := smithycbor.Map{
		"count": smithycbor.Uint(7),
		"ratio": smithycbor.Float64(0.5),
		"whole": smithycbor.Float64(2),
		"blob":  smithycbor.Slice{1, 2},
		"at":    &smithycbor.Tag{ID: 1, Value: smithycbor.Float64(1772600767)},
		"flag":  smithycbor.Bool(false),
		"tags":  smithycbor.Map{"k": smithycbor.String("v")},
		"generic": smithycbor.Map{"n": smithycbor.Uint(4), "f": smithycbor.Float64(1.5), "num": smithycbor.Uint(12),
			"list": smithycbor.List{smithycbor.Uint(1)}},
		"raw": smithycbor.Map{"deep": smithycbor.List{smithycbor.Uint(1), smithycbor.Float64(2.5), smithycbor.String("s"), &smithycbor.Nil{}}},
	}
	for k, w := range want {
		if got, ok := m[k]; !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("member %s = %#v, want %#v", k, got, w)
		}
	}
	for _, k := range []string{"optional", "name", "Skipped", "-"} {
		if _, ok := m[k]; ok {
			t.Errorf("member %s present, want it omitted", k)
		}
	}
	if len(m) != len(want) {
		t.Errorf("got %d members, want %d: %v", len(m), len(want), m)
	}
}

func TestWriteResultJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		proto wire.Protocol
		ctype string
	}{
		{wire.AWSJSON10, "application/x-amz-json-1.0"},
		{wire.AWSJSON11, "application/x-amz-json-1.1"},
	}
	for _, tc := range tests {
		t.Run(tc.proto.String(), func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			wire.WriteResult(rec, wire.Call{Protocol: tc.proto}, sampleValue())
			if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.ctype || rec.Header().Get("Smithy-Protocol") != "" {
				t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
			}
			want := `{"count":7,"ratio":0.5,"whole":2,"blob":"AQI=","at":1772600767,"flag":false,"tags":{"k":"v"},` +
				`"generic":{"f":1.5,"list":[1],"n":4,"num":12},"raw":{"deep":[1,2.5,"s",null]}}`
			if rec.Body.String() != want {
				t.Errorf("body %s\nwant %s", rec.Body, want)
			}
		})
	}
	t.Run("nil output is an empty object", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		wire.WriteResult(rec, wire.Call{Protocol: wire.AWSJSON10}, nil)
		if rec.Body.String() != "{}" {
			t.Errorf("body %s", rec.Body)
		}
	})
}

func TestWriteErrorForms(t *testing.T) {
	t.Parallel()
	extra := map[string]any{"reason": "INVALID_AGREEMENT_ID", "__type": "ignored", "message": "ignored"}
	t.Run("CBOR body holds __type, message and extras", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		wire.WriteError(rec, wire.Call{Protocol: wire.RPCv2CBOR}, 400, "ValidationException", "bad id", extra)
		if rec.Code != 400 || rec.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" || rec.Header().Get("Content-Type") != "application/cbor" {
			t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
		}
		v, err := smithycbor.Decode(rec.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		want := smithycbor.Map{"__type": smithycbor.String("ValidationException"), "message": smithycbor.String("bad id"),
			"reason": smithycbor.String("INVALID_AGREEMENT_ID")}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("body %#v, want %#v", v, want)
		}
	})
	t.Run("awsJson body holds __type, message and extras", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		wire.WriteError(rec, wire.Call{Protocol: wire.AWSJSON11}, 400, "ThrottlingException", "slow down", extra)
		if rec.Header().Get("Content-Type") != "application/x-amz-json-1.1" || rec.Header().Get("X-Amzn-ErrorType") != "" {
			t.Fatalf("headers %v", rec.Header())
		}
		if want := `{"__type":"ThrottlingException","message":"slow down","reason":"INVALID_AGREEMENT_ID"}`; rec.Body.String() != want {
			t.Errorf("body %s, want %s", rec.Body, want)
		}
	})
	t.Run("a success status becomes 400", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		wire.WriteError(rec, wire.Call{Protocol: wire.AWSJSON10}, 200, "X", "y", nil)
		if rec.Code != 400 {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("restJson1 has the header and Message", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		wire.WriteRESTError(rec, 423, "ResourceInUseException", "locked")
		if rec.Code != 423 || rec.Header().Get("X-Amzn-ErrorType") != "ResourceInUseException" || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
		}
		if want := `{"Message":"locked","__type":"ResourceInUseException"}`; rec.Body.String() != want {
			t.Errorf("body %s, want %s", rec.Body, want)
		}
	})
	t.Run("WriteError for a restJson1 call is the REST form", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		wire.WriteError(rec, wire.Call{Protocol: wire.RestJSON1}, 422, "ValidationException", "bad", nil)
		if rec.Code != 422 || rec.Header().Get("X-Amzn-ErrorType") != "ValidationException" ||
			rec.Body.String() != `{"Message":"bad","__type":"ValidationException"}` {
			t.Errorf("status %d headers %v body %s", rec.Code, rec.Header(), rec.Body)
		}
	})
}

func TestWriteUnencodableOutputIsAnInternalError(t *testing.T) {
	t.Parallel()
	for _, p := range []wire.Protocol{wire.AWSJSON10, wire.AWSJSON11, wire.RPCv2CBOR} {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			wire.WriteResult(rec, wire.Call{Protocol: p}, map[string]any{"c": make(chan int)})
			if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != p.ContentType() {
				t.Errorf("status %d, headers %v", rec.Code, rec.Header())
			}
		})
	}
	t.Run("restJson1", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		wire.WriteREST(rec, 0, map[string]any{"c": func() {}})
		if rec.Code != http.StatusInternalServerError || rec.Header().Get("X-Amzn-ErrorType") != "InternalFailure" {
			t.Errorf("status %d, headers %v", rec.Code, rec.Header())
		}
	})
}
