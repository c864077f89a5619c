package cli_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineWriter collects what a command prints and lets a test wait for a line.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	added chan struct{}
}

func newLineWriter() *lineWriter { return &lineWriter{added: make(chan struct{}, 1)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	select {
	case w.added <- struct{}{}:
	default:
	}
	return n, err
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitFor returns the rest of the first line containing prefix, failing after a minute.
func (w *lineWriter) waitFor(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		for _, line := range strings.Split(w.String(), "\n") {
			if i := strings.Index(line, prefix); i >= 0 {
				return strings.TrimSpace(line[i+len(prefix):])
			}
		}
		select {
		case <-w.added:
		case <-deadline:
			t.Fatalf("no line with %q in output:\n%s", prefix, w.String())
		}
	}
}
