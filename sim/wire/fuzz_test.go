package wire_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// FuzzParseCall feeds arbitrary bodies, targets and paths to ParseCall in both RPC protocols;
// it must never panic, and a call it accepts must carry a JSON object its handler can decode
// and answer, or one Decode refuses as a SerializationException (JSON syntax is checked there).
func FuzzParseCall(f *testing.F) {
	seeds := []struct {
		cbor   bool
		target string
		body   []byte
	}{
		{false, "AWSMPMeteringService.BatchMeterUsage", []byte(`{"ProductCode":"p","UsageRecords":[{"Timestamp":1700000000}]}`)},
		{false, "AmazonSQS.SendMessage", []byte(`{"QueueUrl":"q","MessageBody":"\u0000"}`)},
		{false, "x", []byte(`{`)},
		{true, "/service/AWSMPCommerceService_v20200301/operation/DescribeAgreement", mustCBOR(f, map[string]any{"agreementId": "agmt-1"})},
		{true, "/service/S/operation/Op", mustCBOR(f, map[string]any{"t": cbor.Tag{Number: 1, Content: 1.5}, "b": []byte{1}, "n": []any{nil, -1, 2.5}})},
		{true, "/service/S/operation/Op", []byte{0xbf, 0x61, 'a', 0x9f, 0xf9, 0x7c, 0x00, 0xff, 0xff}},    // indefinite map and list, +Inf half float
		{true, "/service/S/operation/Op", []byte{0xa1, 0x61, 'a', 0xc2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0}}, // bignum
		{true, "/service/S/operation/Op", bytes.Repeat([]byte{0x81}, 100)},                                // deep nesting
		{true, "/bad", nil},
	}
	for _, s := range seeds {
		f.Add(s.cbor, s.target, s.body)
	}
	f.Fuzz(func(t *testing.T, isCBOR bool, target string, body []byte) {
		var r *http.Request
		if isCBOR {
			r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.URL.Path = target
			r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
			r.Header.Set("Content-Type", "application/cbor")
		} else {
			r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header.Set("X-Amz-Target", target)
			r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		}
		c, ok, err := wire.ParseCall(r, 1<<16)
		if !ok {
			if isCBOR || r.Header.Get("X-Amz-Target") != "" || err != nil {
				t.Fatalf("a request with protocol headers was not recognised (err %v)", err)
			}
			return
		}
		rec := httptest.NewRecorder()
		if err != nil {
			wire.WriteRequestError(rec, c, err)
			if rec.Code < 400 {
				t.Fatalf("refusal written with status %d", rec.Code)
			}
			return
		}
		var in map[string]any
		if err := c.Decode(&in); err != nil {
			// A JSON body's syntax is checked by Decode, which must refuse it as a
			// SerializationException; a transcoded CBOR body must always decode.
			var re *wire.RequestError
			if isCBOR || !errors.As(err, &re) || re.Type != "SerializationException" {
				t.Fatalf("accepted body %q does not decode: %v", c.Body, err)
			}
			wire.WriteRequestError(rec, c, err)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("malformed JSON answered with status %d", rec.Code)
			}
			return
		}
		wire.WriteResult(rec, c, in)
		if rec.Code != http.StatusOK {
			t.Fatalf("echoing the input failed with %d: %s", rec.Code, rec.Body)
		}
	})
}
