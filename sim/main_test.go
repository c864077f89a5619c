package sim_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog"

	"github.com/dealdesk/dealdesk/sim"
)

// syncBuffer is a goroutine-safe writer that signals each line written.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	sc := bufio.NewScanner(bytes.NewReader(p))
	for sc.Scan() {
		select {
		case b.lines <- sc.Text():
		default:
		}
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeServesAndShutsDownCleanly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	out := &syncBuffer{lines: make(chan string, 100)}
	c, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- sim.Serve(c, "127.0.0.1:0", sim.Config{StatePath: state, ChangeSetDelay: -1, DisableQuotas: true}, out)
	}()
	var base string
	for base == "" {
		select {
		case line := <-out.lines:
			if u, ok := strings.CutPrefix(line, "dealdesk sim listening on "); ok {
				base = u
			}
		case err := <-done:
			t.Fatalf("Serve returned early: %v\n%s", err, out.String())
		case <-time.After(10 * time.Second):
			t.Fatalf("no listening line:\n%s", out.String())
		}
	}
	cat := marketplacecatalog.NewFromConfig(awsConfig("AKIDSELLER"), func(o *marketplacecatalog.Options) { o.BaseEndpoint = aws.String(base) })
	started, err := cat.StartChangeSet(ctx(t), &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSet: simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")})
	if err != nil {
		t.Fatalf("StartChangeSet against Serve: %v", err)
	}
	d, err := cat.DescribeChangeSet(ctx(t), &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: started.ChangeSetId})
	if err != nil || d.Status != "SUCCEEDED" {
		t.Errorf("with ChangeSetDelay -1 the change set is %v (%v)", d, err)
	}
	resp, err := http.Get(base + "/_sim/sns/certificate.pem")
	if err != nil {
		t.Fatal(err)
	}
	pem, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pem, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("certificate URL served %q", pem)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Serve did not return within 10s of its context's end:\n%s", out.String())
	}
	text := out.String()
	for _, want := range []string{"change sets take 0s  quotas false", "state " + state, "seller   111122223333", "product  prod-dd3mo4nalyt1cs", "metering LicenseArn", "metering CustomerIdentifier", "reseller 444455556666", "buyer    345678901234", "dealdesk sim stopped"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	b, err := os.ReadFile(state)
	if err != nil || !bytes.Contains(b, []byte(*started.ChangeSetId)) {
		t.Errorf("state file after shutdown lacks the change set (%v)", err)
	}
}
