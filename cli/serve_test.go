package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/cli"
)

const productBody = `{"externalId":"prod-abc123def456","productCode":"abc123def456","title":"Analytics",
 "dimensions":[{"key":"users","name":"Users","unit":"Users","kind":"ENTITLED"},
               {"key":"api_calls","name":"API calls","unit":"Requests","kind":"METERED"}]}`

func opportunityBody(productID string) string {
	return `{"type":"CPPO_OUT","name":"Acme via Partner","productId":"` + productID + `",
	 "resellerAccountId":"123456789012","buyerAccountIds":["210987654321"],
	 "commitAmount":"12000.00","currency":"USD","contractDuration":"P12M",
	 "entitledDimensions":[{"dimensionKey":"users","quantity":10}],
	 "dimensionPrices":[{"dimensionKey":"api_calls","price":"0.002"}],
	 "expiryDate":"2099-06-30","oneTime":true,"eula":{"type":"STANDARD"},
	 "installments":[{"chargeDate":"2099-07-15","amount":"6000.00"},{"chargeDate":"2100-01-15","amount":"6000.00"}]}`
}

// call sends a request with the API key and decodes the JSON answer into out.
func call(t *testing.T, method, url, key, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %d, read body: %v", method, url, resp.StatusCode, err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// exerciseNewcomerFlow does what the README's walk-through does with a fresh server's key.
func exerciseNewcomerFlow(t *testing.T, base, key string) {
	t.Helper()
	var product struct{ ID string }
	if code := call(t, "POST", base+"/api/v1/products", key, productBody, &product); code != http.StatusCreated {
		t.Fatalf("create product: %d", code)
	}
	var offer struct{ ID, Status, CommitAmount string }
	if code := call(t, "POST", base+"/api/v1/offers", key, opportunityBody(product.ID), &offer); code != http.StatusCreated {
		t.Fatalf("create opportunity: %d", code)
	}
	if offer.Status != "DRAFT" || offer.CommitAmount != "12000.00" {
		t.Fatalf("created opportunity: %+v", offer)
	}
	var list struct{ Items []struct{ ID, Type string } }
	if code := call(t, "GET", base+"/api/v1/offers?type=CPPO_OUT", key, "", &list); code != http.StatusOK {
		t.Fatalf("list offers: %d", code)
	}
	if len(list.Items) != 1 || list.Items[0].ID != offer.ID || list.Items[0].Type != "CPPO_OUT" {
		t.Fatalf("listed offers %+v, want %s", list.Items, offer.ID)
	}
}

func TestServeFirstStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := newLineWriter(), newLineWriter()
	db := filepath.Join(t.TempDir(), "dealdesk.db")
	env := cli.Env{Getenv: func(string) string { return "" }, Stdout: out, Stderr: errOut}
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, env) }()

	keyFile := out.waitFor(t, keyFileLine)
	if keyFile != db+".api-key" {
		t.Fatalf("key file %q, want it next to the database, %s.api-key", keyFile, db)
	}
	key := readKeyFile(t, keyFile)
	base := out.waitFor(t, "listening on ")
	exerciseNewcomerFlow(t, base, key)

	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	checkConsoleBesideAPI(t, base)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	}
	if strings.Contains(errOut.String(), key) || strings.Contains(out.String(), key) {
		t.Fatalf("the API key was printed or logged:\n%s%s", out.String(), errOut.String())
	}

	// A second start on the same database creates no second organization or key.
	ctx2, cancel2 := context.WithCancel(context.Background())
	out2, errOut2 := newLineWriter(), newLineWriter()
	go func() {
		done <- cli.Run(ctx2, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, cli.Env{Getenv: func(string) string { return "" }, Stdout: out2, Stderr: errOut2})
	}()
	base2 := out2.waitFor(t, "listening on ")
	var list struct{ Items []struct{ ID string } }
	if code := call(t, "GET", base2+"/api/v1/offers", key, "", &list); code != http.StatusOK || len(list.Items) != 1 {
		t.Fatalf("after restart: %d %+v", code, list)
	}
	cancel2()
	if code := <-done; code != 0 {
		t.Fatalf("second serve exited %d: %s", code, errOut2.String())
	}
	if strings.Contains(out2.String(), "API key") {
		t.Fatal("second start made a new key")
	}
	if got := readKeyFile(t, keyFile); got != key {
		t.Fatal("second start changed the key file")
	}
}

// checkConsoleBesideAPI checks that the listener at base serves the console at / (a signed-out
// visitor is sent to its sign-in page) and the API's answers under /api/ and /hooks/ (problems,
// also for paths the API does not have).
func checkConsoleBesideAPI(t *testing.T, base string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		method, path string
		status       int
		contentType  string
	}{
		{"GET", "/", http.StatusSeeOther, ""},
		{"GET", "/offers", http.StatusSeeOther, ""},
		{"GET", "/signin", http.StatusOK, "text/html; charset=utf-8"},
		{"GET", "/api/v1/no-such-thing", http.StatusNotFound, "application/problem+json"},
		{"GET", "/api/v1/offers", http.StatusUnauthorized, "application/problem+json"},
		{"GET", "/hooks/aws/eventbridge/nokey", http.StatusMethodNotAllowed, "application/problem+json"},
	} {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.contentType != "" && resp.Header.Get("Content-Type") != tt.contentType) {
			t.Errorf("%s %s: %s %q, want %d %q", tt.method, tt.path, resp.Status, resp.Header.Get("Content-Type"), tt.status, tt.contentType)
		}
		if tt.status == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("%s %s: Location %q, want the sign-in page", tt.method, tt.path, resp.Header.Get("Location"))
		}
	}
}

// keyFileLine is what serve prints before the path of the first start's key file.
const keyFileLine = "its API key is in a file only you can read: "

// readKeyFile returns the API key in the file at path, after checking that only its owner can
// read it and that it holds one key.
func readKeyFile(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file mode %v, want -rw-------", perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := strings.CutSuffix(string(b), "\n")
	if !ok || !strings.HasPrefix(key, "ddk_") || strings.ContainsAny(key, " \n") {
		t.Fatalf("key file holds %q, want one key and a newline", b)
	}
	return key
}

func TestServeEnvironment(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := filepath.Join(t.TempDir(), "env.db")
	vars := map[string]string{"DEALDESK_ADDR": "127.0.0.1:0", "DEALDESK_DB": db}
	out := newLineWriter()
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve"}, cli.Env{Getenv: func(k string) string { return vars[k] }, Stdout: out, Stderr: io.Discard})
	}()
	out.waitFor(t, "listening on http://127.0.0.1:")
	if !strings.Contains(out.String(), db) {
		t.Fatalf("DEALDESK_DB not used: %s", out.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestServeBadDatabase(t *testing.T) {
	t.Parallel()
	errOut := newLineWriter()
	code := cli.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "missing", "dir", "x.db")},
		cli.Env{Getenv: func(string) string { return "" }, Stdout: io.Discard, Stderr: errOut})
	if code == 0 || !strings.Contains(errOut.String(), "open database") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// TestServeShutdownCutsOffStuckRequests stops a server while a request waits for a body that
// never comes: after --shutdown-timeout the request is cut off and serve exits cleanly.
func TestServeShutdownCutsOffStuckRequests(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := newLineWriter(), newLineWriter()
	db := filepath.Join(t.TempDir(), "shutdown.db")
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--shutdown-timeout", "50ms"},
			cli.Env{Getenv: func(string) string { return "" }, Stdout: out, Stderr: errOut})
	}()
	key := readKeyFile(t, out.waitFor(t, keyFileLine))
	base := out.waitFor(t, "listening on http://")

	conn, err := net.Dial("tcp", base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// With Expect: 100-continue the server says when the handler starts reading the body.
	fmt.Fprintf(conn, "POST /api/v1/products HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n{", base, key)
	rd := bufio.NewReader(conn)
	if line, err := rd.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}

	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "cut off") {
		t.Errorf("serve did not say it cut requests off: %s", errOut.String())
	}
	rest, _ := io.ReadAll(rd)
	if len(bytes.TrimSpace(rest)) != 0 {
		t.Errorf("the stuck request got an answer: %q", rest)
	}
}

func TestServeBadShutdownTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"negative flag", []string{"--shutdown-timeout", "-1s"}, "", "must not be negative"},
		{"not a duration", []string{"--shutdown-timeout", "soon"}, "", "invalid value"},
		{"bad environment", nil, "fifteen", `DEALDESK_SHUTDOWN_TIMEOUT="fifteen" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errOut := newLineWriter()
			env := cli.Env{Getenv: func(k string) string {
				if k == "DEALDESK_SHUTDOWN_TIMEOUT" {
					return tt.env
				}
				return ""
			}, Stdout: io.Discard, Stderr: errOut}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a serve that got past its flags stops at once
			args := append([]string{"serve", "--db", filepath.Join(t.TempDir(), "x.db")}, tt.args...)
			if code := cli.Run(ctx, args, env); code != 2 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, errOut.String(), tt.want)
			}
		})
	}
}

// TestServeMeteringWindowMinimum: --metering-window refuses a window under which usage of the
// current hour would be refused for part of every hour.
func TestServeMeteringWindowMinimum(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"1h10m", "2h4m"} {
		errOut := newLineWriter()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		args := []string{"serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--metering-window", w}
		code := cli.Run(ctx, args, cli.Env{Getenv: func(string) string { return "" }, Stdout: io.Discard, Stderr: errOut})
		if code != 2 || !strings.Contains(errOut.String(), "--metering-window must be between 2h5m0s and 24h") {
			t.Errorf("--metering-window %s: exit %d, stderr %q", w, code, errOut.String())
		}
	}
}

// TestServeBadAWSReplicas: --aws-replicas (DEALDESK_AWS_REPLICAS) is a whole number from 1.
func TestServeBadAWSReplicas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"zero", []string{"--aws-replicas", "0"}, "", "--aws-replicas must be 1 to 1000"},
		{"not a number", []string{"--aws-replicas", "two"}, "", "invalid value"},
		{"bad environment", nil, "2.5", `DEALDESK_AWS_REPLICAS="2.5" is not a whole number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errOut := newLineWriter()
			env := cli.Env{Getenv: func(k string) string {
				if k == "DEALDESK_AWS_REPLICAS" {
					return tt.env
				}
				return ""
			}, Stdout: io.Discard, Stderr: errOut}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			args := append([]string{"serve", "--db", filepath.Join(t.TempDir(), "x.db")}, tt.args...)
			if code := cli.Run(ctx, args, env); code != 2 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, errOut.String(), tt.want)
			}
		})
	}
}
