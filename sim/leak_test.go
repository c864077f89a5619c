package sim_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the package when, after every test and benchmark has closed its simulator,
// a goroutine of the simulator (or of its event bus or SQS long polls) is still running:
// Close must stop all background work.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := simGoroutines(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines of the simulator still run after Close:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// simGoroutines returns the stacks of goroutines running simulator code, waiting up to wait
// for them to end (a goroutine may be returning from its last select as Close returns).
func simGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "github.com/dealdesk/dealdesk/sim") && !strings.Contains(g, "sim_test.simGoroutines") &&
				!strings.Contains(g, "sim_test.TestMain") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling for goroutines to finish, as goleak does
	}
}
