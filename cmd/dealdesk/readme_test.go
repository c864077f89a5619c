package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeCommands returns the two set-up commands at the top of the README: the first fenced
// block's lines.
func readmeCommands(t *testing.T) (serve, test string) {
	t.Helper()
	blocks := readmeBlocks(t)
	if len(blocks) == 0 {
		t.Fatal("README has no code block")
	}
	var lines []string
	for _, l := range blocks[0].Lines {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("README's first block has %d commands, want 2: %q", len(lines), lines)
	}
	return lines[0], lines[1]
}

func TestCIRunsTheREADMETestCommand(t *testing.T) {
	_, test := readmeCommands(t)
	b, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\n"+test+"\n") {
		t.Fatalf(".ci/run does not run %q:\n%s", test, b)
	}
}

// TestREADMEFirstCommand runs the README's first command (dealdesk dev) as a newcomer would,
// with its data folder in a fresh directory and free ports, reads the API key from dev.json
// (mode 0600) and uses it to create and list an opportunity.
func TestREADMEFirstCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	serve, _ := readmeCommands(t)
	if serve != "go run ./cmd/dealdesk dev" {
		t.Fatalf("README's first command is %q, want go run ./cmd/dealdesk dev", serve)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", serve)
	cmd.Dir = "../.."
	data := filepath.Join(t.TempDir(), "dealdesk-data")
	cmd.Env = append(os.Environ(), "DEALDESK_ADDR=127.0.0.1:0", "DEALDESK_SIM_ADDR=127.0.0.1:0", "DEALDESK_DEV_DATA="+data)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		_ = cmd.Wait()
	}()

	ready := false
	var printed strings.Builder
	sc := bufio.NewScanner(stdout)
	for !ready && sc.Scan() {
		line := sc.Text()
		printed.WriteString(line + "\n")
		ready = strings.HasPrefix(line, "dealdesk dev: ready")
	}
	if !ready {
		t.Fatalf("dealdesk dev did not say it is ready:\n%s", printed.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	devFile := filepath.Join(data, "dev.json")
	fi, err := os.Stat(devFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("dev.json's mode is %v, want -rw-------", fi.Mode().Perm())
	}
	b, err := os.ReadFile(devFile)
	if err != nil {
		t.Fatal(err)
	}
	var dev struct{ APIURL, APIKey string }
	if err := json.Unmarshal(b, &dev); err != nil {
		t.Fatalf("dev.json: %v\n%s", err, b)
	}
	key := dev.APIKey
	base := strings.TrimSuffix(dev.APIURL, "/api/v1")
	if !strings.HasPrefix(key, "ddk_") || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("dev.json holds %s", b)
	}

	send := func(method, path, body string, want int) map[string]any {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %d, answer is not JSON: %v\n%s", method, path, resp.StatusCode, err, b)
		}
		return out
	}
	product := send("POST", "/api/v1/products", `{"externalId":"prod-readme1","productCode":"readme1","title":"Readme",
		"dimensions":[{"key":"users","name":"Users","unit":"Users","kind":"ENTITLED"}]}`, http.StatusCreated)
	productID, ok := product["id"].(string)
	if !ok {
		t.Fatalf("created product has no id: %v", product)
	}
	offer := send("POST", "/api/v1/offers", `{"type":"CPPO_OUT","name":"First deal","productId":"`+productID+`",
		"resellerAccountId":"123456789012","commitAmount":"1000.00","currency":"USD","contractDuration":"P12M",
		"entitledDimensions":[{"dimensionKey":"users","quantity":5}],"eula":{"type":"STANDARD"}}`, http.StatusCreated)
	list := send("GET", "/api/v1/offers?type=CPPO_OUT", "", http.StatusOK)
	items, _ := list["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("the new opportunity is not listed: %v", list)
	}
	if first, ok := items[0].(map[string]any); !ok || first["id"] != offer["id"] {
		t.Fatalf("the new opportunity is not listed: %v", list)
	}
}
