package sqs

import (
	"fmt"
	"net/http"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// Error is an SQS error answer: the error shape (e.g. "QueueDoesNotExist",
// "InvalidAttributeValue"), its HTTP status and message.
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// newError returns a 400 error of the shape code.
func newError(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error shapes and codes of the Amazon SQS API Reference ("Common Errors" and each action's
// Errors section).
const (
	errQueueDoesNotExist      = "QueueDoesNotExist"
	errQueueNameExists        = "QueueNameExists"
	errInvalidAttributeName   = "InvalidAttributeName"
	errInvalidAttributeValue  = "InvalidAttributeValue"
	errInvalidParameterValue  = "InvalidParameterValue"
	errMissingParameter       = "MissingParameter"
	errInvalidMessageContents = "InvalidMessageContents"
	errPurgeQueueInProgress   = "PurgeQueueInProgress"
	errReceiptHandleIsInvalid = "ReceiptHandleIsInvalid"
	errMessageNotInflight     = "MessageNotInflight"
)

// queryCodes are the awsQuery error codes of the shapes whose code is not their name (the
// model's awsQueryError traits). SQS sends the code in x-amzn-query-error; SDKs built for the
// query protocol match on it.
var queryCodes = map[string]string{
	errQueueDoesNotExist:    "AWS.SimpleQueueService.NonExistentQueue",
	errQueueNameExists:      "QueueAlreadyExists",
	errPurgeQueueInProgress: "AWS.SimpleQueueService.PurgeQueueInProgress",
	errMessageNotInflight:   "AWS.SimpleQueueService.MessageNotInflight",
}

func missing(param string) *Error {
	return newError(errMissingParameter, "The request must contain the parameter %s.", param)
}

func queueDoesNotExist() *Error {
	return newError(errQueueDoesNotExist, "The specified queue does not exist.")
}

// WriteError writes an SQS error in c's protocol: `__type` "com.amazonaws.sqs#<shape>" and the
// `x-amzn-query-error: <code>;Sender` header (Receiver for a 5xx) that query-compatible SDKs
// read the legacy code from. The simulator uses it for its own quota and fault answers too.
func WriteError(w http.ResponseWriter, c wire.Call, status int, shape, msg string) {
	code := shape
	if qc, ok := queryCodes[shape]; ok {
		code = qc
	}
	fault := "Sender"
	if status >= 500 {
		fault = "Receiver"
	}
	h := http.Header{"X-Amzn-Query-Error": {code + ";" + fault}}
	wire.WriteErrorHeader(w, c, status, "com.amazonaws.sqs#"+shape, msg, nil, h)
}
