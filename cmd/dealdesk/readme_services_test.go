package main_test

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readmeAddrs are the fixed addresses the README's examples use, per service; the examples
// test rewrites them to the addresses its own services listen on.
var readmeAddrs = map[string][]string{
	"serve": {"127.0.0.1:8080", "localhost:8080"},
	"sim":   {"127.0.0.1:4566", "localhost:4566"},
}

// service is a dealdesk serve or sim the examples test started from a README transcript.
type service struct {
	name string // serve or sim
	addr string // host:port it listens on

	mu    sync.Mutex
	lines []string // what it printed so far, standard output and error interleaved
}

// printed returns the lines the service printed so far.
func (s *service) printed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// startService runs the command of a transcript block ("$ go run ./cmd/dealdesk sim ...") in
// dir with exe, the binary go run would build, listening on a free port instead of the README's
// fixed address, and returns once it prints that it listens. The service is interrupted, and waited
// for, when the test ends.
func startService(t *testing.T, exe string, b readmeBlock, dir string, env []string) *service {
	t.Helper()
	name := serviceName(b)
	args := strings.Fields(strings.TrimPrefix(b.Lines[0], serviceCommand))
	for i, a := range args {
		for _, fixed := range readmeAddrs[name] {
			if a == fixed {
				args[i] = "127.0.0.1:0"
			}
		}
		if strings.ContainsAny(a, `"'$[]`) {
			t.Fatalf("README.md:%d: the command %q must be plain words (no quotes, variables or [optional] parts)", b.firstContentLine(), b.Lines[0])
		}
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	// The defaults of --addr listen on the fixed addresses too.
	cmd.Env = append(env, "DEALDESK_ADDR=127.0.0.1:0", "DEALDESK_SIM_ADDR=127.0.0.1:0")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("README.md:%d: %v", b.firstContentLine(), err)
	}
	w.Close()
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	s := &service{name: name}
	listening := make(chan string, 1)
	go func() {
		defer close(done)
		defer func() { _ = cmd.Wait() }()
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.lines = append(s.lines, line)
			s.mu.Unlock()
			if _, addr, ok := strings.Cut(line, "listening on http://"); ok {
				select {
				case listening <- strings.TrimSpace(addr):
				default:
				}
			}
		}
	}()
	select {
	case s.addr = <-listening:
	case <-done:
		t.Fatalf("README.md:%d: dealdesk %s ended before it listened:\n%s", b.firstContentLine(), name, strings.Join(s.printed(), "\n"))
	case <-time.After(time.Minute):
		t.Fatalf("README.md:%d: dealdesk %s did not say it listens within a minute:\n%s", b.firstContentLine(), name, strings.Join(s.printed(), "\n"))
	}
	return s
}

// checkTranscript checks a transcript's output lines against what the service printed: each
// line (after rewrite) must match a printed line, in order, as claimHolds matches; printed lines
// the transcript leaves out are skipped, and a line "..." says that more follows.
func checkTranscript(t *testing.T, b readmeBlock, s *service, rewrite func(string) string) {
	t.Helper()
	printed := s.printed()
	next := 0
	for j, want := range b.Lines[1:] {
		want = rewrite(want)
		if strings.TrimSpace(want) == "..." {
			continue
		}
		found := false
		for next < len(printed) && !found {
			found = claimHolds(want, printed[next])
			next++
		}
		if !found {
			t.Errorf("README.md:%d: dealdesk %s did not print %q (after the lines above it in the transcript); it printed:\n%s",
				b.firstContentLine()+1+j, s.name, want, strings.Join(printed, "\n"))
			return
		}
	}
}
