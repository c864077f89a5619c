package awsmp

import (
	"context"
	"errors"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dealdesk/dealdesk"
)

// answer is an SDK error for an AWS answer with status and code, as the SDK wraps it.
func answer(status int, code string) error {
	return &smithy.OperationError{ServiceID: "Marketplace Catalog", OperationName: "StartChangeSet", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err: &smithy.GenericAPIError{Code: code, Message: "m"}},
	}}
}

// TestAWSErrorClassification: throttling, 423, 5xx and failures without an answer are
// retryable; validation, access and not-found are terminal.
func TestAWSErrorClassification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		err       error
		retryable bool
		status    int
	}{
		{"throttling", answer(429, "ThrottlingException"), true, 429},
		{"entity locked", answer(423, "ResourceInUseException"), true, 423},
		{"internal error", answer(500, "InternalServiceException"), true, 500},
		{"gateway", answer(502, "BadGateway"), true, 502},
		{"no answer", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: errors.New("connection refused")}}, true, 0},
		{"deadline", context.DeadlineExceeded, true, 0},
		{"validation", answer(422, "ValidationException"), false, 422},
		{"access denied", answer(403, "AccessDeniedException"), false, 403},
		{"not found", answer(404, "ResourceNotFoundException"), false, 404},
		{"entity quota", answer(402, "ServiceQuotaExceededException"), false, 402},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := awsError("StartChangeSet", tc.err)
			var ae *dealdesk.AWSError
			if !errors.As(err, &ae) || ae.Retryable != tc.retryable || ae.Status != tc.status || dealdesk.Retryable(err) != tc.retryable {
				t.Fatalf("awsError(%v) = %+v, want retryable %v, status %d", tc.err, ae, tc.retryable, tc.status)
			}
			if !errors.Is(err, tc.err) {
				t.Error("the SDK's error must stay reachable with errors.Is")
			}
		})
	}
	if awsError("X", nil) != nil {
		t.Error("no error must stay nil")
	}
}
