package wire_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice"
	entschemas "github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice/schemas"
	enttypes "github.com/aws/aws-sdk-go-v2/service/marketplaceentitlementservice/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/dealdesk/dealdesk/sim/wire"
)

const entitlementService = "AWSMPEntitlementService"

type getEntitlementsInput struct {
	ProductCode string              `json:"ProductCode"`
	Filter      map[string][]string `json:"Filter,omitempty"`
	NextToken   string              `json:"NextToken,omitempty"`
	MaxResults  *int                `json:"MaxResults,omitempty"`
}

// entitlementValue is the EntitlementValue structure: one member is set.
type entitlementValue struct {
	IntegerValue *int32   `json:"IntegerValue,omitempty"`
	DoubleValue  *float64 `json:"DoubleValue,omitempty"`
	BooleanValue *bool    `json:"BooleanValue,omitempty"`
	StringValue  *string  `json:"StringValue,omitempty"`
}

type entitlement struct {
	ProductCode          string            `json:"ProductCode"`
	Dimension            string            `json:"Dimension"`
	CustomerIdentifier   string            `json:"CustomerIdentifier,omitempty"`
	CustomerAWSAccountID string            `json:"CustomerAWSAccountId,omitempty"`
	LicenseArn           string            `json:"LicenseArn,omitempty"`
	Value                *entitlementValue `json:"Value,omitempty"`
	ExpirationDate       *wire.Time        `json:"ExpirationDate,omitempty"`
}

type getEntitlementsOutput struct {
	Entitlements []entitlement `json:"Entitlements"`
	NextToken    string        `json:"NextToken,omitempty"`
}

func entitlementHandler(want wire.Protocol, inputs chan<- getEntitlementsInput) rpcHandler {
	return func(w http.ResponseWriter, c wire.Call) {
		if !expectCall(w, c, want, entitlementService, "GetEntitlements") {
			return
		}
		var in getEntitlementsInput
		if err := c.Decode(&in); err != nil {
			wire.WriteError(w, c, http.StatusBadRequest, "InvalidParameterException", err.Error(), nil)
			return
		}
		inputs <- in
		switch in.ProductCode {
		case "bad-product":
			wire.WriteError(w, c, http.StatusBadRequest, "InvalidParameterException", "ProductCode bad-product is unknown", nil)
			return
		case "throttled":
			wire.WriteError(w, c, http.StatusBadRequest, "ThrottlingException", "Rate exceeded", nil)
			return
		}
		wire.WriteResult(w, c, getEntitlementsOutput{
			Entitlements: []entitlement{
				{ProductCode: in.ProductCode, Dimension: "users", CustomerAWSAccountID: "111122223333",
					LicenseArn: "arn:aws:license-manager::111122223333:license:l-1",
					Value:      &entitlementValue{IntegerValue: aws.Int32(25)}, ExpirationDate: wire.TimePtr(t0)},
				{ProductCode: in.ProductCode, Dimension: "storage", CustomerIdentifier: "cust-1",
					Value: &entitlementValue{DoubleValue: aws.Float64(2.5)}},
				{ProductCode: in.ProductCode, Dimension: "whole-double", CustomerIdentifier: "cust-1",
					Value: &entitlementValue{DoubleValue: aws.Float64(3)}},
				{ProductCode: in.ProductCode, Dimension: "sso", CustomerIdentifier: "cust-1",
					Value: &entitlementValue{BooleanValue: aws.Bool(false)}},
				{ProductCode: in.ProductCode, Dimension: "tier", CustomerIdentifier: "cust-1",
					Value: &entitlementValue{StringValue: aws.String("gold")}},
			},
			NextToken: "next",
		})
	}
}

var entitlementProtocols = []struct {
	name  string
	proto wire.Protocol
	pin   func(*marketplaceentitlementservice.Options)
}{
	{"default RPC v2 CBOR client", wire.RPCv2CBOR, func(*marketplaceentitlementservice.Options) {}},
	{"client pinned to awsJson 1.1", wire.AWSJSON11, func(o *marketplaceentitlementservice.Options) {
		o.Protocol = awsjson.New11(entschemas.AWSMPEntitlementService)
	}},
}

func TestEntitlementGetEntitlements(t *testing.T) {
	t.Parallel()
	for _, p := range entitlementProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			inputs := make(chan getEntitlementsInput, 4)
			url := newRPCServer(t, entitlementHandler(p.proto, inputs))
			client := marketplaceentitlementservice.NewFromConfig(awsConfig(), func(o *marketplaceentitlementservice.Options) {
				o.BaseEndpoint = aws.String(url)
				p.pin(o)
			})

			t.Run("result parses with every value kind", func(t *testing.T) {
				out, err := client.GetEntitlements(context.Background(), &marketplaceentitlementservice.GetEntitlementsInput{
					ProductCode: aws.String("prod-1"),
					Filter: map[string][]string{
						"LICENSE_ARN": {"arn:aws:license-manager::111122223333:license:l-1"},
						"DIMENSION":   {"users", "storage"},
					},
					MaxResults: aws.Int32(25),
				})
				if err != nil {
					t.Fatalf("GetEntitlements: %v", err)
				}
				in := decoded(t, inputs)
				wantIn := getEntitlementsInput{ProductCode: "prod-1", MaxResults: aws.Int(25), Filter: map[string][]string{
					"LICENSE_ARN": {"arn:aws:license-manager::111122223333:license:l-1"}, "DIMENSION": {"users", "storage"}}}
				if !reflect.DeepEqual(in, wantIn) {
					t.Errorf("handler decoded %+v, want %+v", in, wantIn)
				}
				if len(out.Entitlements) != 5 || aws.ToString(out.NextToken) != "next" {
					t.Fatalf("got %d entitlements, next token %q", len(out.Entitlements), aws.ToString(out.NextToken))
				}
				e := out.Entitlements
				if aws.ToString(e[0].CustomerAWSAccountId) != "111122223333" || e[0].CustomerIdentifier != nil ||
					aws.ToString(e[0].LicenseArn) != "arn:aws:license-manager::111122223333:license:l-1" ||
					aws.ToString(e[0].ProductCode) != "prod-1" || aws.ToString(e[0].Dimension) != "users" {
					t.Errorf("entitlement 0 = %+v", e[0])
				}
				if !aws.ToTime(e[0].ExpirationDate).Equal(t0) || e[1].ExpirationDate != nil {
					t.Errorf("expiration dates = %v, %v; want %v and none", e[0].ExpirationDate, e[1].ExpirationDate, t0)
				}
				values := []struct {
					name      string
					got, want any
				}{
					{"integer", aws.ToInt32(e[0].Value.IntegerValue), int32(25)},
					{"integer only", e[0].Value.DoubleValue, (*float64)(nil)},
					{"double", aws.ToFloat64(e[1].Value.DoubleValue), 2.5},
					{"whole double", aws.ToFloat64(e[2].Value.DoubleValue), 3.0},
					{"boolean false kept", e[3].Value.BooleanValue != nil && !*e[3].Value.BooleanValue, true},
					{"string", aws.ToString(e[4].Value.StringValue), "gold"},
				}
				for _, v := range values {
					if v.got != v.want {
						t.Errorf("%s value = %v, want %v", v.name, v.got, v.want)
					}
				}
			})
			t.Run("InvalidParameterException is typed", func(t *testing.T) {
				_, err := client.GetEntitlements(context.Background(), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String("bad-product")})
				var e *enttypes.InvalidParameterException
				if !errors.As(err, &e) || e.ErrorMessage() != "ProductCode bad-product is unknown" {
					t.Fatalf("error %v (%T), want InvalidParameterException with its message", err, err)
				}
				decoded(t, inputs)
			})
			t.Run("ThrottlingException is typed", func(t *testing.T) {
				_, err := client.GetEntitlements(context.Background(), &marketplaceentitlementservice.GetEntitlementsInput{ProductCode: aws.String("throttled")})
				var e *enttypes.ThrottlingException
				if !errors.As(err, &e) || e.ErrorMessage() != "Rate exceeded" {
					t.Fatalf("error %v (%T), want ThrottlingException", err, err)
				}
				decoded(t, inputs)
			})
		})
	}
}
