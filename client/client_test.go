package client_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/cli"
	"github.com/dealdesk/dealdesk/client"
)

// output collects what serve prints, for the test to wait on its lines.
type output struct {
	mu    sync.Mutex
	buf   strings.Builder
	added chan struct{} // gets a value after a write
}

func newOutput() *output { return &output{added: make(chan struct{}, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := o.buf.Write(p)
	select {
	case o.added <- struct{}{}:
	default:
	}
	return n, err
}

// after returns the rest of the first line holding prefix, waiting a minute at most for serve
// to print it.
func (o *output) after(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		o.mu.Lock()
		s := o.buf.String()
		o.mu.Unlock()
		for _, l := range strings.Split(s, "\n") {
			if _, rest, ok := strings.Cut(l, prefix); ok {
				return strings.TrimSpace(rest)
			}
		}
		select {
		case <-o.added:
		case <-deadline:
			t.Fatalf("serve never printed %q:\n%s", prefix, s)
		}
	}
}

// startServe runs `dealdesk serve` in-process on a fresh SQLite file until the test ends and
// returns the API's base URL and the first organization's key.
func startServe(t *testing.T) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := newOutput()
	db := filepath.Join(t.TempDir(), "dealdesk.db")
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db},
			cli.Env{Getenv: func(string) string { return "" }, Stdout: out, Stderr: out})
	}()
	t.Cleanup(func() { cancel(); <-done })
	keyFile := out.after(t, "its API key is in a file only you can read: ")
	base := out.after(t, "listening on ")
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return base + "/api/v1", strings.TrimSpace(string(b))
}

func TestClientAgainstServer(t *testing.T) {
	t.Parallel()
	apiURL, key := startServe(t)
	ctx := context.Background()
	c, err := client.New(apiURL+"/", key, nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("no connection is not found", func(t *testing.T) {
		_, err := c.AWSConnection(ctx)
		if dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND || !strings.Contains(dealdesk.ErrorMessage(err), "No AWS connection") {
			t.Fatalf("AWSConnection = %v, want not_found with the server's detail", err)
		}
	})
	t.Run("bad fields come back as field errors", func(t *testing.T) {
		_, err := c.SaveAWSConnection(ctx, dealdesk.AWSConnectionInput{SellerAccountID: "1", Region: "moon", CredentialsMode: "X"})
		var e *dealdesk.Error
		if !errors.As(err, &e) || e.Code != dealdesk.EINVALID {
			t.Fatalf("SaveAWSConnection = %v, want an invalid *dealdesk.Error", err)
		}
		got := map[string]bool{}
		for _, f := range e.Fields {
			got[f.Field] = f.Message != ""
		}
		for _, f := range []string{"sellerAccountId", "region", "credentialsMode"} {
			if !got[f] {
				t.Errorf("fields %+v lack %s", e.Fields, f)
			}
		}
	})
	t.Run("a saved connection reads back without its secret", func(t *testing.T) {
		in := dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "us-east-1", CredentialsMode: dealdesk.CredentialsStaticKeys,
			AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", EndpointURL: "http://127.0.0.1:1"}
		if _, err := c.SaveAWSConnection(ctx, in); err != nil {
			t.Fatal(err)
		}
		conn, err := c.AWSConnection(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !conn.HasSecretAccessKey || conn.SecretAccessKey != "" || conn.SellerAccountID != in.SellerAccountID || conn.AccessKeyID != in.AccessKeyID {
			t.Fatalf("AWSConnection = %+v", conn)
		}
	})
	t.Run("a sync is queued", func(t *testing.T) {
		job, err := c.SyncProducts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if job.Kind != "product_sync" || job.JobID <= 0 || job.State == "" {
			t.Fatalf("SyncProducts = %+v", job)
		}
	})
	t.Run("a wrong key is unauthorized", func(t *testing.T) {
		bad, err := client.New(apiURL, "ddk_wrong", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = bad.AWSConnection(ctx)
		if dealdesk.ErrorCode(err) != dealdesk.EUNAUTHORIZED || dealdesk.ErrorMessage(err) != "The API key is not valid." {
			t.Fatalf("AWSConnection = %v, want unauthorized with the server's detail", err)
		}
	})
}

func TestClientNewRefusesBadURLs(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://host/api/v1", "http:///api/v1", "http://host/api/v1?x=1", "http://host/%zz"} {
		if _, err := client.New(u, "k", nil); dealdesk.ErrorCode(err) != dealdesk.EINVALID {
			t.Errorf("New(%q) = %v, want invalid", u, err)
		}
	}
}
