package wire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceagreement"
	"github.com/aws/smithy-go"
	"github.com/fxamacker/cbor/v2"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// mustCBOR encodes v with fxamacker/cbor's default options.
func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonRequest(version, target, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-"+version)
	return r
}

func cborRequest(path string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	r.Header.Set("Content-Type", "application/cbor")
	return r
}

func TestParseCallRecognisesProtocols(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		req       *http.Request
		want      wire.Call
		wantBody  string
		wantNotOK bool
	}{
		{
			name:     "awsJson 1.1 target",
			req:      jsonRequest("1.1", "AWSMPMeteringService.BatchMeterUsage", `{"ProductCode":"p"}`),
			want:     wire.Call{Protocol: wire.AWSJSON11, Service: "AWSMPMeteringService", Operation: "BatchMeterUsage"},
			wantBody: `{"ProductCode":"p"}`,
		},
		{
			name:     "awsJson 1.0 target with empty body",
			req:      jsonRequest("1.0", "AmazonSQS.ListQueues", ""),
			want:     wire.Call{Protocol: wire.AWSJSON10, Service: "AmazonSQS", Operation: "ListQueues"},
			wantBody: `{}`,
		},
		{
			name: "RPC v2 CBOR path",
			req: cborRequest("/service/AWSMPEntitlementService/operation/GetEntitlements",
				mustCBOR(t, map[string]any{"ProductCode": "p", "MaxResults": 5})),
			want:     wire.Call{Protocol: wire.RPCv2CBOR, Service: "AWSMPEntitlementService", Operation: "GetEntitlements"},
			wantBody: `{"MaxResults":5,"ProductCode":"p"}`,
		},
		{
			name:     "RPC v2 CBOR with a path prefix and no body",
			req:      cborRequest("/prefix/service/AWSMPCommerceService_v20200301/operation/SearchAgreements", nil),
			want:     wire.Call{Protocol: wire.RPCv2CBOR, Service: "AWSMPCommerceService_v20200301", Operation: "SearchAgreements"},
			wantBody: `{}`,
		},
		{
			name: "CBOR timestamps, blobs and non-finite floats become awsJson values",
			req: cborRequest("/service/S/operation/Op", mustCBOR(t, map[string]any{
				"whole":  cbor.Tag{Number: 1, Content: 1700000000},
				"frac":   cbor.Tag{Number: 1, Content: 1700000000.25},
				"blob":   []byte{0, 1, 0xff},
				"rfc":    cbor.Tag{Number: 0, Content: "2026-03-04T05:06:07Z"},
				"nan":    math.NaN(),
				"inf":    math.Inf(-1),
				"list":   []any{uint64(1), int64(-2), 2.5, true, nil},
				"nested": map[string]any{"k": []byte("hi")},
			})),
			want:     wire.Call{Protocol: wire.RPCv2CBOR, Service: "S", Operation: "Op"},
			wantBody: `{"blob":"AAH/","frac":1700000000.25,"inf":"-Infinity","list":[1,-2,2.5,true,null],"nan":"NaN","nested":{"k":"aGk="},"rfc":1772600767,"whole":1700000000}`,
		},
		{
			name:      "catalog restJson1 request is not an RPC call",
			req:       httptest.NewRequest(http.MethodGet, "/DescribeEntity?catalog=AWSMarketplace&entityId=x", nil),
			wantNotOK: true,
		},
		{
			name:      "control API request is not an RPC call",
			req:       httptest.NewRequest(http.MethodPost, "/_sim/buyers/1/accept", strings.NewReader(`{}`)),
			wantNotOK: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ok, err := wire.ParseCall(tc.req, 1<<20)
			if tc.wantNotOK {
				if ok || err != nil {
					t.Fatalf("ParseCall = %+v, %v, %v; want not recognised", c, ok, err)
				}
				return
			}
			if !ok || err != nil {
				t.Fatalf("ParseCall: ok=%v err=%v", ok, err)
			}
			if c.Protocol != tc.want.Protocol || c.Service != tc.want.Service || c.Operation != tc.want.Operation {
				t.Errorf("call = %v %s.%s, want %v %s.%s", c.Protocol, c.Service, c.Operation, tc.want.Protocol, tc.want.Service, tc.want.Operation)
			}
			if string(c.Body) != tc.wantBody {
				t.Errorf("body = %s\nwant   %s", c.Body, tc.wantBody)
			}
		})
	}
}

func TestParseCallRejectsBadRequests(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 2048)
	withType := func(r *http.Request, ct string) *http.Request { r.Header.Set("Content-Type", ct); return r }
	withMethod := func(r *http.Request, m string) *http.Request { r.Method = m; return r }
	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantType   string
		wantText   string
		wantProto  wire.Protocol
	}{
		{"target without an operation", jsonRequest("1.1", "AWSMPMeteringService", `{}`), 400, "UnknownOperationException", "not <Service>.<Operation>", wire.AWSJSON11},
		{"target with an empty service", jsonRequest("1.0", ".Op", `{}`), 400, "UnknownOperationException", "not <Service>.<Operation>", wire.AWSJSON10},
		{"JSON that is not an object", jsonRequest("1.0", "AmazonSQS.SendMessage", `[1,2]`), 400, "SerializationException", "must be an object", wire.AWSJSON10},
		{"oversized JSON body", jsonRequest("1.1", "AWSMPMeteringService.BatchMeterUsage", `{"x":"`+big+`"}`), 413, "RequestEntityTooLargeException", "larger than 1024", wire.AWSJSON11},
		{"awsJson GET", withMethod(jsonRequest("1.1", "AWSMPMeteringService.BatchMeterUsage", `{}`), http.MethodGet), 405, "UnknownOperationException", "POST", wire.AWSJSON11},
		{"target with an unknown Content-Type", withType(jsonRequest("1.1", "AmazonSQS.SendMessage", `{}`), "text/plain"), 415, "UnsupportedMediaTypeException", "text/plain", wire.AWSJSON10},
		{"malformed CBOR", cborRequest("/service/S/operation/Op", []byte{0xa1, 0x61}), 400, "SerializationException", "malformed CBOR", wire.RPCv2CBOR},
		{"CBOR that is not a map", cborRequest("/service/S/operation/Op", mustCBOR(t, []int{1})), 400, "SerializationException", "must be a map", wire.RPCv2CBOR},
		{"CBOR with trailing bytes", cborRequest("/service/S/operation/Op", append(mustCBOR(t, map[string]int{"a": 1}), 0x01)), 400, "SerializationException", "trailing", wire.RPCv2CBOR},
		{"CBOR map with an integer key", cborRequest("/service/S/operation/Op", mustCBOR(t, map[int]int{1: 2})), 400, "SerializationException", "malformed CBOR", wire.RPCv2CBOR},
		{"CBOR with an unknown tag", cborRequest("/service/S/operation/Op", mustCBOR(t, map[string]any{"a": cbor.Tag{Number: 99, Content: 1}})), 400, "SerializationException", "tag 99", wire.RPCv2CBOR},
		{"CBOR with a duplicate key", cborRequest("/service/S/operation/Op", []byte{0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02}), 400, "SerializationException", "duplicate", wire.RPCv2CBOR},
		{"oversized CBOR body", cborRequest("/service/S/operation/Op", mustCBOR(t, map[string]string{"x": big})), 413, "RequestEntityTooLargeException", "larger than 1024", wire.RPCv2CBOR},
		{"CBOR path without an operation", cborRequest("/service/S/Op", nil), 404, "UnknownOperationException", "not /service/", wire.RPCv2CBOR},
		{"CBOR with a JSON Content-Type", withType(cborRequest("/service/S/operation/Op", mustCBOR(t, map[string]int{"a": 1})), "application/json"), 415, "UnsupportedMediaTypeException", "application/json", wire.RPCv2CBOR},
		{"unsupported Smithy-Protocol", func() *http.Request {
			r := cborRequest("/service/S/operation/Op", nil)
			r.Header.Set("Smithy-Protocol", "rpc-v3-ion")
			return r
		}(), 400, "UnknownOperationException", "rpc-v3-ion", wire.RPCv2CBOR},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ok, err := wire.ParseCall(tc.req, 1024)
			if !ok || err == nil {
				t.Fatalf("ParseCall = ok %v, err %v; want a recognised, refused request", ok, err)
			}
			var re *wire.RequestError
			if !errors.As(err, &re) || re.Status != tc.wantStatus || re.Type != tc.wantType || !strings.Contains(re.Message, tc.wantText) {
				t.Fatalf("error = %#v, want %d %s containing %q", err, tc.wantStatus, tc.wantType, tc.wantText)
			}
			if c.Protocol != tc.wantProto || c.Body != nil {
				t.Errorf("call = %+v, want protocol %v and no body", c, tc.wantProto)
			}
			rec := httptest.NewRecorder()
			wire.WriteRequestError(rec, c, err)
			if rec.Code != tc.wantStatus || rec.Header().Get("Content-Type") != tc.wantProto.ContentType() {
				t.Errorf("answer %d %q, want %d %q", rec.Code, rec.Header().Get("Content-Type"), tc.wantStatus, tc.wantProto.ContentType())
			}
		})
	}
}

// TestMalformedJSONIsRefusedByDecode: ParseCall does not scan a JSON body a second time (the
// handler decodes it anyway); Decode refuses malformed JSON as a SerializationException, and a
// well-formed body of the wrong shape as a plain error naming the member.
func TestMalformedJSONIsRefusedByDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body    string
		serialization bool
	}{
		{"truncated", `{"ProductCode":`, true},
		{"trailing garbage", `{} x`, true},
		{"bad literal", `{"a":tru}`, true},
		{"wrong member type", `{"ProductCode":7}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ok, err := wire.ParseCall(jsonRequest("1.1", "AWSMPMeteringService.BatchMeterUsage", tc.body), 1024)
			if !ok || err != nil {
				t.Fatalf("ParseCall = ok %v, err %v; want the call, decoded later", ok, err)
			}
			var in struct {
				ProductCode string `json:"ProductCode"`
			}
			err = c.Decode(&in)
			var re *wire.RequestError
			isRE := errors.As(err, &re)
			switch {
			case err == nil:
				t.Fatal("Decode accepted the body")
			case tc.serialization && (!isRE || re.Type != "SerializationException" || re.Status != 400 || !strings.Contains(re.Message, "malformed JSON")):
				t.Errorf("Decode error = %#v, want a 400 SerializationException", err)
			case !tc.serialization && (isRE || !strings.Contains(err.Error(), "ProductCode")):
				t.Errorf("Decode error = %v, want a plain error naming ProductCode", err)
			}
		})
	}
}

// TestBadRequestsReachTheSDKAsErrors sends requests the server refuses through the real
// default (CBOR) Agreement client: the refusal must come back as an API error with its code.
func TestBadRequestsReachTheSDKAsErrors(t *testing.T) {
	t.Parallel()
	url := newRPCServer(t, func(w http.ResponseWriter, c wire.Call) {
		wire.WriteError(w, c, http.StatusBadRequest, "UnknownOperationException", "no operation "+c.Operation, nil)
	})
	client := newAgreementClient(url, func(*marketplaceagreement.Options) {})
	tests := []struct {
		name     string
		id       string
		wantCode string
	}{
		{"unknown operation", "agmt-1", "UnknownOperationException"},
		{"oversized body", strings.Repeat("a", maxBody), "RequestEntityTooLargeException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.DescribeAgreement(context.Background(), &marketplaceagreement.DescribeAgreementInput{AgreementId: aws.String(tc.id)})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.wantCode {
				t.Fatalf("error %v (%T), want API error %s", err, err, tc.wantCode)
			}
		})
	}
}

func TestCallDecode(t *testing.T) {
	t.Parallel()
	type in struct {
		Quantity  int       `json:"Quantity"`
		Timestamp wire.Time `json:"Timestamp"`
	}
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"well-typed", `{"Quantity":3,"Timestamp":1700000000}`, ""},
		{"wrong member type names the member", `{"Quantity":"three"}`, "Quantity"},
		{"timestamp as a string", `{"Timestamp":"2026-01-01"}`, "epoch seconds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var v in
			err := wire.Call{Body: json.RawMessage(tc.body)}.Decode(&v)
			if tc.wantErr == "" {
				if err != nil || v.Quantity != 3 || v.Timestamp.Unix() != 1700000000 {
					t.Fatalf("Decode = %+v, %v", v, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Decode error = %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}
