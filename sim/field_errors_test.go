package sim_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"
)

// TestBadFieldsReachEveryWireShape checks that one list of bad fields reaches each shape: the
// Catalog's ValidationException (Message and ValidationExceptionFieldList, read by the SDK) and
// the control API's "fields" (offers, agreements, faults and the event configuration).
func TestBadFieldsReachEveryWireShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("Catalog ValidationExceptionFieldList", func(t *testing.T) {
		_, err := e.catalog("").ListEntities(ctx(t), &marketplacecatalog.ListEntitiesInput{
			Catalog: aws.String("AWSMarket"), EntityType: aws.String("Container"), MaxResults: aws.Int32(99)})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Fatalf("ListEntities: %v, want a ValidationException", err)
		}
		var fields []string
		for _, f := range ve.ValidationExceptionFieldList {
			fields = append(fields, aws.ToString(f.Field))
			if aws.ToString(f.Message) == "" || f.Reason != types.ValidationExceptionReasonFieldValidationFailed {
				t.Errorf("field %s: message %q, reason %q", aws.ToString(f.Field), aws.ToString(f.Message), f.Reason)
			}
		}
		if got := strings.Join(fields, ","); got != "Catalog,EntityType,MaxResults" {
			t.Errorf("ValidationExceptionFieldList names %s, want Catalog,EntityType,MaxResults", got)
		}
		if !strings.Contains(aws.ToString(ve.Message), "MaxResults: must be 1-50") {
			t.Errorf("Message %q does not list the fields", aws.ToString(ve.Message))
		}
	})

	type controlAnswer struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"fields"`
	}
	tests := []struct {
		name, method, path string
		body               any
		wantFields         string
	}{
		{"create offer", http.MethodPost, "/_sim/resellers/" + reseller1 + "/offers",
			map[string]any{"markupPercentage": "101", "buyerAccountIds": []string{"12"}}, "resaleAuthorizationId,markupPercentage,buyerAccountIds[0]"},
		{"accept offer", http.MethodPost, "/_sim/buyers/12/accept", map[string]any{}, "accountId,offerId"},
		{"faults", http.MethodPut, "/_sim/faults",
			map[string]any{"operations": map[string]any{"BatchMeterUsage": map[string]any{"errorRate": 2, "latencyMs": -1}}}, "operations.BatchMeterUsage.errorRate,operations.BatchMeterUsage.latencyMs"},
		{"event targets", http.MethodPut, "/_sim/events",
			map[string]any{"targets": []any{map[string]any{"name": "", "type": "http", "url": "ftp://x"}}}, "targets[0].name,targets[0].url"},
	}
	for _, tt := range tests {
		t.Run("control API "+tt.name, func(t *testing.T) {
			e.bind(t)
			var got controlAnswer
			if st := e.control(tt.method, tt.path, tt.body, &got); st != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", st)
			}
			var fields []string
			for _, f := range got.Fields {
				fields = append(fields, f.Field)
				if f.Message == "" || !strings.Contains(got.Message, f.Field+": "+f.Message) {
					t.Errorf("field %s: message %q is missing or not in the one-line message %q", f.Field, f.Message, got.Message)
				}
			}
			if strings.Join(fields, ",") != tt.wantFields || got.Code != "VALIDATION" {
				t.Errorf("code %s, fields %v, want VALIDATION with %s", got.Code, fields, tt.wantFields)
			}
		})
	}
}
