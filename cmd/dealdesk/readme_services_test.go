package main_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
	s, ready := launch(t, name, exe, args, dir, env, b.firstContentLine(), "listening on http://")
	s.addr = strings.TrimSpace(ready)
	return s
}

// devService is the `dealdesk dev` the examples test started from the README's first command:
// its server and simulator addresses, from the dev.json it wrote.
type devService struct {
	api, sim string // host:port of the server and of the simulator
	apiKey   string
}

// startDev runs the README's first command (go run ./cmd/dealdesk dev) with exe in dir, on free
// ports, and returns once it says it is ready, with what its dealdesk-data/dev.json holds. The
// walk-through reads dev.json from there, as a reader in the same directory does.
func startDev(t *testing.T, exe string, b readmeBlock, dir string, env []string) devService {
	t.Helper()
	args := strings.Fields(strings.TrimPrefix(b.Lines[0], serviceCommand[2:]))
	if len(args) != 1 || args[0] != "dev" {
		t.Fatalf("README.md:%d: the first command is %q, want %sdev", b.firstContentLine(), b.Lines[0], serviceCommand[2:])
	}
	launch(t, "dev", exe, args, dir, env, b.firstContentLine(), "dealdesk dev: ready")
	raw, err := os.ReadFile(filepath.Join(dir, "dealdesk-data", "dev.json"))
	if err != nil {
		t.Fatalf("README.md:%d: dealdesk dev is ready but wrote no dealdesk-data/dev.json in its working directory: %v", b.firstContentLine(), err)
	}
	var dev struct{ APIURL, APIKey, SimURL string }
	if err := json.Unmarshal(raw, &dev); err != nil {
		t.Fatalf("dev.json: %v\n%s", err, raw)
	}
	d := devService{api: strings.TrimSuffix(strings.TrimPrefix(dev.APIURL, "http://"), "/api/v1"),
		sim: strings.TrimPrefix(dev.SimURL, "http://"), apiKey: dev.APIKey}
	if d.api == "" || d.sim == "" || d.apiKey == "" {
		t.Fatalf("dev.json lacks apiUrl, simUrl or apiKey:\n%s", raw)
	}
	return d
}

// launch runs exe with args in dir, listening on free ports (the defaults of --addr and
// --sim-addr would take the fixed addresses), and returns once it prints a line that holds
// ready, with what follows ready on that line. line is the README line of its command, for
// messages. The process is interrupted, and waited for, when the test ends.
func launch(t *testing.T, name, exe string, args []string, dir string, env []string, line int, ready string) (*service, string) {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(env, "DEALDESK_ADDR=127.0.0.1:0", "DEALDESK_SIM_ADDR=127.0.0.1:0")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("README.md:%d: %v", line, err)
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
	readyc := make(chan string, 1)
	go func() {
		defer close(done)
		defer func() { _ = cmd.Wait() }()
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			text := sc.Text()
			s.mu.Lock()
			s.lines = append(s.lines, text)
			s.mu.Unlock()
			if _, rest, ok := strings.Cut(text, ready); ok {
				select {
				case readyc <- rest:
				default:
				}
			}
		}
	}()
	select {
	case rest := <-readyc:
		return s, rest
	case <-done:
		t.Fatalf("README.md:%d: dealdesk %s ended before it printed %q:\n%s", line, name, ready, strings.Join(s.printed(), "\n"))
	case <-time.After(time.Minute):
		t.Fatalf("README.md:%d: dealdesk %s did not print %q within a minute:\n%s", line, name, ready, strings.Join(s.printed(), "\n"))
	}
	return nil, ""
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
