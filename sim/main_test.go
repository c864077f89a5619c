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

func TestMainServesAndShutsDownCleanly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	out := &syncBuffer{lines: make(chan string, 100)}
	c, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- sim.Main(c, []string{"--addr", "127.0.0.1:0", "--state", state, "--changeset-delay", "0", "--quotas=false"}, out, io.Discard)
	}()
	var base string
	for base == "" {
		select {
		case line := <-out.lines:
			if u, ok := strings.CutPrefix(line, "dealdesk sim listening on "); ok {
				base = u
			}
		case err := <-done:
			t.Fatalf("Main returned early: %v\n%s", err, out.String())
		case <-time.After(10 * time.Second):
			t.Fatalf("no listening line:\n%s", out.String())
		}
	}
	cat := marketplacecatalog.NewFromConfig(awsConfig("AKIDSELLER"), func(o *marketplacecatalog.Options) { o.BaseEndpoint = aws.String(base) })
	started, err := cat.StartChangeSet(ctx(t), &marketplacecatalog.StartChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSet: simpleRA(newProductID, reseller1, "seats", "api_calls", "storage_gb")})
	if err != nil {
		t.Fatalf("StartChangeSet against Main: %v", err)
	}
	d, err := cat.DescribeChangeSet(ctx(t), &marketplacecatalog.DescribeChangeSetInput{Catalog: aws.String("AWSMarketplace"), ChangeSetId: started.ChangeSetId})
	if err != nil || d.Status != "SUCCEEDED" {
		t.Errorf("with --changeset-delay 0 the change set is %v (%v)", d, err)
	}
	resp, err := http.Get(base + "/_sim/sns/certificate.pem")
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(pem, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("certificate URL served %q", pem)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Main after cancel: %v", err)
	}
	text := out.String()
	for _, want := range []string{"seller   111122223333", "product  prod-dd3mo4nalyt1cs", "metering LicenseArn", "metering CustomerIdentifier", "reseller 444455556666", "buyer    345678901234", "dealdesk sim stopped"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	b, err := os.ReadFile(state)
	if err != nil || !bytes.Contains(b, []byte(*started.ChangeSetId)) {
		t.Errorf("state file after shutdown lacks the change set (%v)", err)
	}
}

func TestMainFlagsAndHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := sim.Main(context.Background(), []string{"--help"}, &out, io.Discard); err != nil {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"-addr", "-state", "-seed", "-metering-window", "-changeset-delay", "-quotas", "DEALDESK_SIM_METERING_WINDOW", "DEALDESK_SIM_QUOTAS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %s:\n%s", want, out.String())
		}
	}
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"seller":{"accountId":"12","legalName":""},"products":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := sim.Main(context.Background(), []string{"--addr", "127.0.0.1:0", "--seed", seed}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "seller.accountId") || !strings.Contains(err.Error(), "seller.legalName") || !strings.Contains(err.Error(), "products") {
		t.Errorf("bad seed: %v, want an error naming each bad field", err)
	}
	if err := sim.Main(context.Background(), []string{"--metering-window", "-1h"}, io.Discard, io.Discard); err == nil {
		t.Error("a negative metering window was accepted")
	}
}

// TestMainReadsEnvironment is not parallel: it sets environment variables.
func TestMainReadsEnvironment(t *testing.T) {
	t.Setenv("DEALDESK_SIM_METERING_WINDOW", "soon")
	t.Setenv("DEALDESK_SIM_QUOTAS", "maybe")
	err := sim.Main(context.Background(), []string{"--addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DEALDESK_SIM_METERING_WINDOW") || !strings.Contains(err.Error(), "DEALDESK_SIM_QUOTAS") {
		t.Errorf("bad environment: %v, want an error naming both variables", err)
	}
}
