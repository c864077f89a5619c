package sim_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when, after every test and benchmark has closed its simulator, a
// goroutine is still running (go.uber.org/goleak): Close must stop all background work of the
// simulator, its event bus and its SQS long polls. Idle keep-alive connections of the test's
// HTTP clients are not the simulator's and are ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, ignoreIdleClientConns()...)
}

// ignoreIdleClientConns ignores the read and write loops of HTTP client connections kept alive
// for reuse by the AWS SDK clients and http.DefaultClient of the tests.
func ignoreIdleClientConns() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	}
}
