package wire_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// maxBody is the body limit the test servers pass to ParseCall.
const maxBody = 64 << 10

// t0 is a fixed instant used across the tests (whole seconds).
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// rpcHandler answers one RPC call that ParseCall recognised.
type rpcHandler func(w http.ResponseWriter, c wire.Call)

// newRPCServer starts an httptest server that parses every request with ParseCall and hands
// recognised calls to h; unrecognised requests get a 404 and unparseable ones the error
// WriteRequestError writes.
func newRPCServer(t *testing.T, h rpcHandler) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok, err := wire.ParseCall(r, maxBody)
		switch {
		case !ok:
			http.NotFound(w, r)
		case err != nil:
			wire.WriteRequestError(w, c, err)
		default:
			h(w, c)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// awsConfig is the configuration every SDK client in the tests uses: static credentials,
// us-east-1, no retries (so a throttling answer comes straight back).
func awsConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// expectCall fails the request with a 400 when the call is not service.op in protocol p,
// and reports whether it matched.
func expectCall(w http.ResponseWriter, c wire.Call, p wire.Protocol, service, op string) bool {
	if c.Protocol == p && c.Service == service && c.Operation == op {
		return true
	}
	wire.WriteError(w, c, http.StatusBadRequest, "TestMismatch",
		"unexpected call "+c.Protocol.String()+" "+c.Service+"."+c.Operation, nil)
	return false
}

// decoded returns the input a test handler put on inputs while serving the call that just
// returned, failing the test (never blocking) when the call did not reach that point: the
// handler sends before it answers, so once the client has the answer the input is there.
func decoded[T any](t *testing.T, inputs <-chan T) T {
	t.Helper()
	select {
	case in := <-inputs:
		return in
	default:
		t.Fatal("the handler did not decode the call")
		var zero T
		return zero
	}
}
