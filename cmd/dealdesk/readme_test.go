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

// TestREADMEFirstCommand runs the README's first command as a newcomer would, on a fresh
// database, reads the API key from the file it names as the README's "Try it" says (next to
// the database, named after it: cat dealdesk.db.api-key), and uses it to create and list an
// opportunity.
func TestREADMEFirstCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	serve, _ := readmeCommands(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", serve)
	cmd.Dir = "../.."
	db := filepath.Join(t.TempDir(), "dealdesk.db")
	cmd.Env = append(os.Environ(), "DEALDESK_ADDR=127.0.0.1:0", "DEALDESK_DB="+db, "DEALDESK_KEY_FILE=")
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

	var keyFile, base string
	var printed strings.Builder
	sc := bufio.NewScanner(stdout)
	for (keyFile == "" || base == "") && sc.Scan() {
		line := sc.Text()
		printed.WriteString(line + "\n")
		if _, k, ok := strings.Cut(line, "only you can read: "); ok {
			keyFile = strings.TrimSpace(k)
		}
		if _, a, ok := strings.Cut(line, "listening on "); ok {
			base = strings.TrimSpace(a)
		}
	}
	if keyFile == "" || base == "" {
		t.Fatalf("the server printed no key file (%q) or address (%q):\n%s", keyFile, base, printed.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := "export KEY=$(cat " + filepath.Base(keyFile) + ")"; keyFile != db+".api-key" || !strings.Contains(string(readme), want) {
		t.Fatalf("the key is in %s, and the README should say %q", keyFile, want)
	}
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key file's mode is %v, want -rw-------", fi.Mode().Perm())
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(b))
	if !strings.HasPrefix(key, "ddk_") || strings.Contains(printed.String(), key) {
		t.Fatalf("the key file holds %q; the server printed:\n%s", b, printed.String())
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
