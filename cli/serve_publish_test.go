package cli_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/awsmp"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// buildDealdesk builds the dealdesk binary once per test run.
var buildDealdesk = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "dealdesk-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "dealdesk")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/dealdesk/dealdesk/cmd/dealdesk").CombinedOutput()
	if err != nil {
		return "", &exec.ExitError{Stderr: out}
	}
	return bin, nil
})

// process is a dealdesk command running as a process of its own.
type process struct {
	cmd   *exec.Cmd
	lines chan string
}

// start runs the binary with args and env (added to a clean environment) and reads its
// standard output line by line.
func start(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return p
}

// line waits for a line of the process's output that starts with prefix and returns the rest.
func (p *process) line(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l := <-p.lines:
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				return rest
			}
		case <-timeout:
			t.Fatalf("no line %q from %s within 30s", prefix, p.cmd.Path)
		}
	}
}

// kill ends the process with SIGKILL: no shutdown, no cleanup.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// waitUntil polls cond until it holds; the test fails after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: not within %s", what, timeout)
		}
	}
}

// TestServeKilledMidPublishPublishesOnce: `dealdesk serve` killed with SIGKILL after it started
// an opportunity's change set and before the change set ended, then started again on the same
// database, follows the same change set to its end: the opportunity is ACTIVE and the
// simulator (a `dealdesk sim` process) holds exactly one resale authorization for it.
func TestServeKilledMidPublishPublishesOnce(t *testing.T) {
	t.Parallel()
	bin, err := buildDealdesk()
	if err != nil {
		t.Fatalf("build dealdesk: %v", err)
	}
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		simProc := start(t, bin, nil, "sim", "--addr", "127.0.0.1:0", "--changeset-delay", "4s")
		simURL := strings.TrimSpace(simProc.line(t, "dealdesk sim listening on "))

		dsn := sqldbtest.DSN(t, engine)
		db := sqldbtest.Open(t, dsn, sqldb.Options{AllowDefaultCredentials: true})
		org, err := db.CreateOrganization(context.Background(), "Example Software")
		if err != nil {
			t.Fatal(err)
		}
		ctx := dealdesk.NewContextWithOrgID(context.Background(), org.ID)
		if _, err := db.SaveAWSConnection(ctx, dealdesk.AWSConnectionInput{SellerAccountID: "111122223333", Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsDefaultChain, EndpointURL: simURL}); err != nil {
			t.Fatal(err)
		}
		product, err := db.CreateProduct(ctx, dealdesk.ProductInput{ExternalID: "prod-dd3mo4nalyt1cs",
			ProductCode: "dd3mo4nalyt1cs0000000000a", Title: "Example Analytics Platform", Dimensions: []dealdesk.Dimension{
				{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitled},
				{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
				{Key: "storage_gb", Name: "Storage", Unit: "GB", Kind: dealdesk.DimensionMetered},
			}})
		if err != nil {
			t.Fatal(err)
		}
		name := "Crash-safe " + engine
		o, err := db.CreateOffer(ctx, dealdesk.OfferInput{Type: ptr(dealdesk.OfferCPPOOut), Name: ptr(name),
			ProductID: ptr(product.ID), ResellerAccountID: ptr("444455556666"),
			CommitAmount: ptr(dealdesk.MustDecimal("12000.00")), Currency: ptr(dealdesk.USD), ContractDuration: ptr("P12M"),
			EntitledDimensions: ptr([]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 25}}),
			DimensionPrices: ptr([]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.0001")},
				{DimensionKey: "storage_gb", Price: dealdesk.MustDecimal("0.02")}}),
			ExpiryDate: ptr(dealdesk.NewDate(2030, 6, 30)), OneTime: ptr(true), EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard},
		}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitOffer(ctx, o.ID); err != nil {
			t.Fatal(err)
		}

		dir := t.TempDir()
		serveEnv := []string{"AWS_ACCESS_KEY_ID=AKIDCRASHTEST0000", "AWS_SECRET_ACCESS_KEY=crash-test-secret-key",
			"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true"}
		serveArgs := []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--key-file", filepath.Join(dir, "key"),
			"--change-set-poll", "200ms", "--job-rescue-after", "4s", "--allow-default-credentials"}
		first := start(t, bin, serveEnv, serveArgs...)
		var changeSetID string
		waitUntil(t, 60*time.Second, "the change set ID stored", func() bool {
			pub, err := db.FindPublication(ctx, o.ID)
			if err == nil {
				changeSetID = pub.ChangeSetID
			}
			return changeSetID != ""
		})
		first.kill(t)
		if got, err := db.FindOfferByID(ctx, o.ID); err != nil || got.Status != dealdesk.OfferPendingCreate {
			t.Fatalf("after the kill: %+v, %v; want PENDING_CREATE (killed before the change set ended)", got, err)
		}

		start(t, bin, serveEnv, serveArgs...)
		var got *dealdesk.Offer
		waitUntil(t, 90*time.Second, "the opportunity ACTIVE after the restart", func() bool {
			got, err = db.FindOfferByID(ctx, o.ID)
			return err == nil && got.Status != dealdesk.OfferPendingCreate
		})
		if got.Status != dealdesk.OfferActive || got.ExternalID == "" {
			t.Fatalf("after the restart: status %s, externalId %q, errors %+v; want ACTIVE", got.Status, got.ExternalID, got.PublishErrors)
		}
		pub, err := db.FindPublication(ctx, o.ID)
		if err != nil || pub.Attempt != 1 || pub.ChangeSetID != changeSetID {
			t.Fatalf("publication %+v, %v; want attempt 1 with change set %s, followed to its end", pub, err, changeSetID)
		}
		reader := &dealdesk.AWSConnection{OrgID: "reader", SellerAccountID: "111122223333", Region: "us-east-1",
			CredentialsMode: dealdesk.CredentialsStaticKeys, AccessKeyID: "AKIDCRASHREADER00", SecretAccessKey: "crash-test-secret-key",
			EndpointURL: simURL}
		ras, err := awsmp.NewCatalog(awsmp.WithLimits(nil)).ListResaleAuthorizations(context.Background(), reader)
		if err != nil {
			t.Fatal(err)
		}
		var named []*dealdesk.ResaleAuthorization
		for _, ra := range ras {
			if ra.Name == name {
				named = append(named, ra)
			}
		}
		if len(named) != 1 || named[0].ID != got.ExternalID {
			t.Fatalf("the simulator lists %d resale authorizations named %q: %+v; want one, %s", len(named), name, named, got.ExternalID)
		}
	})
}

func ptr[T any](v T) *T { return &v }
