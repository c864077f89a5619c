package http_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dhttp "github.com/dealdesk/dealdesk/http"
)

func TestServer_ServeAndShutdown(t *testing.T) {
	t.Parallel()
	s := dhttp.NewServer(dhttp.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d", res.StatusCode)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still answers after Shutdown")
	}
}

// TestServer_PanicIsAGenericInternalError uses a server wired without services: the handler's
// nil-interface call panics, and the answer is a plain 500 problem while the log has the stack.
func TestServer_PanicIsAGenericInternalError(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := dhttp.NewServer(dhttp.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	r, err := http.NewRequest("GET", srv.URL+"/api/v1/offers", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer some-key")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := &resp{status: res.StatusCode, header: res.Header, body: body}
	got.want(t, 500)
	checkProblem(t, req{method: "GET", path: "/api/v1/offers"}, got)
	if !strings.Contains(logs.String(), "panic") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the panic and its stack are not logged: %s", logs)
	}
}
