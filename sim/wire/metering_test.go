package wire_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"

	"github.com/dealdesk/dealdesk/sim/wire"
)

type meteringTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type usageAllocation struct {
	AllocatedUsageQuantity int32         `json:"AllocatedUsageQuantity"`
	Tags                   []meteringTag `json:"Tags,omitempty"`
}

type usageRecord struct {
	Timestamp            wire.Time         `json:"Timestamp"`
	CustomerIdentifier   string            `json:"CustomerIdentifier,omitempty"`
	CustomerAWSAccountID string            `json:"CustomerAWSAccountId,omitempty"`
	LicenseArn           string            `json:"LicenseArn,omitempty"`
	Dimension            string            `json:"Dimension"`
	Quantity             *int32            `json:"Quantity,omitempty"`
	UsageAllocations     []usageAllocation `json:"UsageAllocations,omitempty"`
}

type batchMeterUsageInput struct {
	ProductCode  string        `json:"ProductCode,omitempty"`
	UsageRecords []usageRecord `json:"UsageRecords"`
}

type usageRecordResult struct {
	UsageRecord      *usageRecord `json:"UsageRecord,omitempty"`
	MeteringRecordID string       `json:"MeteringRecordId,omitempty"`
	Status           string       `json:"Status"`
}

type batchMeterUsageOutput struct {
	Results            []usageRecordResult `json:"Results"`
	UnprocessedRecords []usageRecord       `json:"UnprocessedRecords"`
}

func meteringHandler(inputs chan<- batchMeterUsageInput) rpcHandler {
	return func(w http.ResponseWriter, c wire.Call) {
		if !expectCall(w, c, wire.AWSJSON11, "AWSMPMeteringService", "BatchMeterUsage") {
			return
		}
		var in batchMeterUsageInput
		if err := c.Decode(&in); err != nil {
			wire.WriteError(w, c, http.StatusBadRequest, "InvalidUsageDimensionException", err.Error(), nil)
			return
		}
		inputs <- in
		switch in.ProductCode {
		case "old-product":
			wire.WriteError(w, c, http.StatusBadRequest, "TimestampOutOfBoundsException", "Timestamp is outside the allowed window", nil)
			return
		case "busy-product":
			wire.WriteError(w, c, http.StatusBadRequest, "ThrottlingException", "Rate exceeded", nil)
			return
		}
		out := batchMeterUsageOutput{UnprocessedRecords: []usageRecord{}}
		for i := range in.UsageRecords {
			out.Results = append(out.Results, usageRecordResult{
				UsageRecord: &in.UsageRecords[i], MeteringRecordID: "mr-" + in.UsageRecords[i].Dimension, Status: "Success"})
		}
		wire.WriteResult(w, c, out)
	}
}

func TestMeteringBatchMeterUsage(t *testing.T) {
	t.Parallel()
	inputs := make(chan batchMeterUsageInput, 4)
	url := newRPCServer(t, meteringHandler(inputs))
	client := marketplacemetering.NewFromConfig(awsConfig(), func(o *marketplacemetering.Options) {
		o.BaseEndpoint = aws.String(url)
	})
	hour := t0.Truncate(time.Hour)

	t.Run("records decode and results parse", func(t *testing.T) {
		out, err := client.BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
			ProductCode: aws.String("prod-1"),
			UsageRecords: []mtypes.UsageRecord{
				{CustomerIdentifier: aws.String("cust-1"), Dimension: aws.String("users"), Quantity: aws.Int32(3), Timestamp: aws.Time(hour),
					UsageAllocations: []mtypes.UsageAllocation{
						{AllocatedUsageQuantity: aws.Int32(2), Tags: []mtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}},
						{AllocatedUsageQuantity: aws.Int32(1)}}},
				{CustomerAWSAccountId: aws.String("111122223333"), LicenseArn: aws.String("arn:l"), Dimension: aws.String("gb"),
					Quantity: aws.Int32(0), Timestamp: aws.Time(hour.Add(-time.Hour))},
			},
		})
		if err != nil {
			t.Fatalf("BatchMeterUsage: %v", err)
		}
		in := decoded(t, inputs)
		if in.ProductCode != "prod-1" || len(in.UsageRecords) != 2 {
			t.Fatalf("handler decoded %+v", in)
		}
		r0, r1 := in.UsageRecords[0], in.UsageRecords[1]
		if !r0.Timestamp.Equal(hour) || r0.Timestamp.Location() != time.UTC || !r1.Timestamp.Equal(hour.Add(-time.Hour)) {
			t.Errorf("decoded timestamps %v, %v; want %v and an hour before, in UTC", r0.Timestamp, r1.Timestamp, hour)
		}
		if aws.ToInt32(r0.Quantity) != 3 || r1.Quantity == nil || *r1.Quantity != 0 || len(r0.UsageAllocations) != 2 ||
			r0.UsageAllocations[0].Tags[0] != (meteringTag{"team", "a"}) || r1.CustomerAWSAccountID != "111122223333" {
			t.Errorf("decoded records %+v", in.UsageRecords)
		}

		if len(out.Results) != 2 || len(out.UnprocessedRecords) != 0 {
			t.Fatalf("results %+v", out)
		}
		res := out.Results[0]
		if res.Status != mtypes.UsageRecordResultStatusSuccess || aws.ToString(res.MeteringRecordId) != "mr-users" ||
			!aws.ToTime(res.UsageRecord.Timestamp).Equal(hour) || aws.ToInt32(res.UsageRecord.Quantity) != 3 ||
			aws.ToInt32(res.UsageRecord.UsageAllocations[0].AllocatedUsageQuantity) != 2 ||
			aws.ToString(res.UsageRecord.UsageAllocations[0].Tags[0].Key) != "team" {
			t.Errorf("result 0 = %+v (record %+v)", res, res.UsageRecord)
		}
		if aws.ToString(out.Results[1].UsageRecord.LicenseArn) != "arn:l" || out.Results[1].UsageRecord.CustomerIdentifier != nil {
			t.Errorf("result 1 record = %+v", out.Results[1].UsageRecord)
		}
	})

	errCases := []struct {
		name    string
		product string
		check   func(error) bool
	}{
		{"TimestampOutOfBoundsException is typed", "old-product", func(err error) bool {
			var e *mtypes.TimestampOutOfBoundsException
			return errors.As(err, &e) && e.ErrorMessage() == "Timestamp is outside the allowed window"
		}},
		{"ThrottlingException is typed", "busy-product", func(err error) bool {
			var e *mtypes.ThrottlingException
			return errors.As(err, &e) && e.ErrorMessage() == "Rate exceeded"
		}},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.BatchMeterUsage(context.Background(), &marketplacemetering.BatchMeterUsageInput{
				ProductCode: aws.String(tc.product),
				UsageRecords: []mtypes.UsageRecord{{CustomerIdentifier: aws.String("c"), Dimension: aws.String("d"),
					Quantity: aws.Int32(1), Timestamp: aws.Time(hour)}},
			})
			if !tc.check(err) {
				t.Fatalf("error %v (%T) is not the typed exception", err, err)
			}
			if in := decoded(t, inputs); in.ProductCode != tc.product {
				t.Errorf("handler decoded product %q, want %q", in.ProductCode, tc.product)
			}
		})
	}
}
