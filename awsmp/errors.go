package awsmp

import (
	"errors"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/dealdesk/dealdesk"
)

// retryableCodes are the AWS error codes a later call of the same operation can get past:
// throttling, an entity locked by a running change set (423), and AWS's internal errors.
var retryableCodes = map[string]bool{
	"ThrottlingException":           true,
	"Throttling":                    true,
	"TooManyRequestsException":      true,
	"RequestLimitExceeded":          true,
	"ResourceInUseException":        true,
	"InternalServiceException":      true,
	"InternalServerException":       true,
	"InternalServiceErrorException": true,
	"InternalFailure":               true,
	"ServiceUnavailable":            true,
	"ServiceUnavailableException":   true,
	"RequestTimeout":                true,
	"RequestTimeoutException":       true,
}

// awsError classifies err, the error of a call of operation op, as a *dealdesk.AWSError: AWS's
// code, status and message, and whether the call may succeed later (see
// dealdesk.AWSError.Retryable). A failure with no answer from AWS (network, timeout, the SDK's
// retry quota) is retryable; an answer is retryable when its code is in retryableCodes or its
// status is 423, 429 or 5xx.
func awsError(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &dealdesk.AWSError{Operation: op, Err: err, Message: err.Error()}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.Status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code, e.Message = ae.ErrorCode(), ae.ErrorMessage()
	}
	switch {
	case retryableCodes[e.Code]:
		e.Retryable = true
	case e.Status == http.StatusLocked || e.Status == http.StatusTooManyRequests || e.Status >= 500:
		e.Retryable = true
	case e.Status == 0 && e.Code == "":
		e.Retryable = true
	}
	return e
}
