package wire_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// benchRoundTrip parses a request, decodes it and writes a result, as a handler does.
func benchRoundTrip(b *testing.B, newReq func() *http.Request) {
	b.ReportAllocs()
	for b.Loop() {
		c, ok, err := wire.ParseCall(newReq(), maxBody)
		if !ok || err != nil {
			b.Fatalf("ParseCall: %v %v", ok, err)
		}
		var in batchMeterUsageInput
		if err := c.Decode(&in); err != nil {
			b.Fatal(err)
		}
		out := batchMeterUsageOutput{UnprocessedRecords: []usageRecord{}}
		for i := range in.UsageRecords {
			out.Results = append(out.Results, usageRecordResult{UsageRecord: &in.UsageRecords[i], MeteringRecordID: "mr", Status: "Success"})
		}
		rec := httptest.NewRecorder()
		wire.WriteResult(rec, c, out)
		if rec.Code != 200 {
			b.Fatal(rec.Body)
		}
	}
}

func benchInput() batchMeterUsageInput {
	in := batchMeterUsageInput{ProductCode: "prod-1"}
	for range 25 {
		q := int32(3)
		in.UsageRecords = append(in.UsageRecords, usageRecord{Timestamp: wire.NewTime(t0), CustomerIdentifier: "cust-1", Dimension: "users", Quantity: &q})
	}
	return in
}

func BenchmarkRoundTripJSON(b *testing.B) {
	rec := httptest.NewRecorder()
	wire.WriteResult(rec, wire.Call{Protocol: wire.AWSJSON11}, benchInput())
	body := rec.Body.String()
	benchRoundTrip(b, func() *http.Request {
		return jsonRequest("1.1", "AWSMPMeteringService.BatchMeterUsage", body)
	})
}

func BenchmarkRoundTripCBOR(b *testing.B) {
	rec := httptest.NewRecorder()
	wire.WriteResult(rec, wire.Call{Protocol: wire.RPCv2CBOR}, benchInput())
	body := rec.Body.Bytes()
	benchRoundTrip(b, func() *http.Request {
		return cborRequest("/service/AWSMPMeteringService/operation/BatchMeterUsage", body)
	})
}
