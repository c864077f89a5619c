package cli_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/cli"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// apiServer is a `dealdesk serve` running in-process on a fresh SQLite file.
type apiServer struct {
	URL     string // the API's base URL, .../api/v1
	Key     string // the first organization's API key
	KeyFile string // the file serve wrote the key to
}

// startAPI runs `dealdesk serve` on a new SQLite database until the test ends.
func startAPI(t *testing.T) apiServer {
	t.Helper()
	return startAPIOn(t, sqldbtest.SQLiteDSN(t))
}

// startAPIOn runs `dealdesk serve` on the new database dsn (sqldbtest.DSN) until the test ends;
// the key file is in the test's temporary directory, whatever the engine.
func startAPIOn(t *testing.T, dsn string) apiServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := newLineWriter(), newLineWriter()
	env := cli.Env{Getenv: func(string) string { return "" }, Stdout: out, Stderr: errOut}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--key-file", filepath.Join(t.TempDir(), "dealdesk.api-key")}
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, args, env) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, errOut.String())
		}
	})
	keyFile := out.waitFor(t, keyFileLine)
	base := out.waitFor(t, "listening on ")
	return apiServer{URL: base + "/api/v1", Key: readKeyFile(t, keyFile), KeyFile: keyFile}
}

// client runs `dealdesk args...` with the environment vars and stdin and returns its exit code,
// stdout and stderr.
func client(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	out, errOut := newLineWriter(), newLineWriter()
	env := cli.Env{Getenv: func(k string) string { return vars[k] }, Stdin: strings.NewReader(stdin), Stdout: out, Stderr: errOut}
	code := cli.Run(context.Background(), args, env)
	return code, out.String(), errOut.String()
}

// line returns the value printed after name at the start of a line of out, "" when none is.
func line(out, name string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` +(.*)$`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

const (
	testSecret      = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testAccessKeyID = "AKIAIOSFODNN7EXAMPLE"
)

func TestAWSConnectionSetThenShow(t *testing.T) {
	t.Parallel()
	api := startAPI(t)
	vars := map[string]string{"DEALDESK_API_URL": api.URL, "DEALDESK_API_KEY": api.Key}

	code, out, errOut := client(t, map[string]string{"DEALDESK_API_URL": api.URL}, testSecret+"\n",
		"aws-connection", "set", "--api-key-file", api.KeyFile, "--seller-account-id", "111122223333", "--region", "eu-west-1",
		"--credentials-mode", "STATIC_KEYS", "--access-key-id", testAccessKeyID, "--secret-access-key-stdin",
		"--endpoint-url", "http://127.0.0.1:1")
	if code != 0 {
		t.Fatalf("set: exit %d, stderr %s", code, errOut)
	}
	if strings.Contains(out+errOut, testSecret) {
		t.Fatalf("set printed the secret access key:\n%s%s", out, errOut)
	}
	if got := line(out, "hasSecretAccessKey"); got != "true" {
		t.Fatalf("set printed hasSecretAccessKey %q, want true:\n%s", got, out)
	}

	code, out, errOut = client(t, vars, "", "aws-connection", "show")
	if code != 0 {
		t.Fatalf("show: exit %d, stderr %s", code, errOut)
	}
	if strings.Contains(out+errOut, testSecret) {
		t.Fatalf("show printed the secret access key:\n%s%s", out, errOut)
	}
	want := map[string]string{"sellerAccountId": "111122223333", "region": "eu-west-1", "credentialsMode": "STATIC_KEYS",
		"accessKeyId": testAccessKeyID, "hasSecretAccessKey": "true", "endpointUrl": "http://127.0.0.1:1"}
	for name, v := range want {
		if got := line(out, name); got != v {
			t.Errorf("show printed %s %q, want %q:\n%s", name, got, v, out)
		}
	}

	// Without --secret-access-key-stdin the stored secret is kept (same key and endpoint).
	code, out, errOut = client(t, vars, testSecret+"\n", "aws-connection", "set", "--seller-account-id", "111122223333",
		"--region", "us-east-1", "--credentials-mode", "static_keys", "--access-key-id", testAccessKeyID, "--endpoint-url", "http://127.0.0.1:1")
	if code != 0 || line(out, "hasSecretAccessKey") != "true" || line(out, "region") != "us-east-1" {
		t.Fatalf("set without a secret: exit %d, printed\n%s%s", code, out, errOut)
	}
}

func TestAWSConnectionErrors(t *testing.T) {
	t.Parallel()
	api := startAPI(t)
	vars := map[string]string{"DEALDESK_API_URL": api.URL, "DEALDESK_API_KEY": api.Key}
	noKey := map[string]string{"DEALDESK_API_URL": api.URL}
	set := []string{"aws-connection", "set", "--seller-account-id", "111122223333", "--credentials-mode", "DEFAULT_CHAIN"}
	tests := []struct {
		name   string
		vars   map[string]string
		stdin  string
		args   []string
		code   int
		stderr []string
	}{
		{"show before any set answers the 404 detail", vars, "", []string{"aws-connection", "show"}, 1,
			[]string{"No AWS connection is set for your organization."}},
		{"a bad region is named", vars, "", append(set, "--region", "mars-1"), 1,
			[]string{"region: must be an AWS region"}},
		{"every bad field is named", vars, "", []string{"aws-connection", "set", "--seller-account-id", "12", "--region", "x", "--credentials-mode", "SOMETIMES"}, 1,
			[]string{"sellerAccountId: ", "region: ", "credentialsMode: must be one of"}},
		{"a secret for a mode without one is named", vars, testSecret, append(set, "--region", "us-east-1", "--secret-access-key-stdin"), 1,
			[]string{"secretAccessKey: is only for credentialsMode STATIC_KEYS"}},
		{"no key answers the 401 detail", noKey, "", []string{"aws-connection", "show"}, 1,
			[]string{"An API key is required"}},
		{"a wrong key answers the 401 detail", map[string]string{"DEALDESK_API_URL": api.URL, "DEALDESK_API_KEY": "ddk_wrong"}, "", []string{"aws-connection", "show"}, 1,
			[]string{"The API key is not valid."}},
		{"a missing key file is named", noKey, "", []string{"aws-connection", "show", "--api-key-file", filepath.Join(t.TempDir(), "none")}, 1,
			[]string{"cannot read the API key file", "no such file"}},
		{"an empty secret on stdin is refused", vars, "\n", append(set, "--region", "us-east-1", "--secret-access-key-stdin"), 1,
			[]string{"standard input holds no secret access key"}},
		{"a key flag does not exist", vars, "", []string{"aws-connection", "show", "--api-key", api.Key}, 2,
			[]string{"flag provided but not defined: -api-key", "Usage: dealdesk aws-connection show"}},
		{"a secret flag does not exist", vars, "", append(set, "--region", "us-east-1", "--secret-access-key", testSecret), 2,
			[]string{"flag provided but not defined: -secret-access-key", "Usage: dealdesk aws-connection set"}},
		{"required flags are named", vars, "", []string{"aws-connection", "set", "--region", "us-east-1"}, 2,
			[]string{"missing --seller-account-id, --credentials-mode", "Usage: dealdesk aws-connection set"}},
		{"an unknown command shows the usage", vars, "", []string{"aws-connection", "delete"}, 2,
			[]string{`unknown command "delete"`, "dealdesk aws-connection show"}},
		{"no command shows the usage", vars, "", []string{"aws-connection"}, 2,
			[]string{"dealdesk aws-connection set"}},
		{"a bad API URL shows the usage", map[string]string{"DEALDESK_API_URL": "127.0.0.1:8080", "DEALDESK_API_KEY": api.Key}, "", []string{"aws-connection", "show"}, 2,
			[]string{`the API URL "127.0.0.1:8080" is not`, "Usage: dealdesk aws-connection show"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := client(t, tt.vars, tt.stdin, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, tt.code, out, errOut)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(out+errOut, testSecret) || strings.Contains(out+errOut, api.Key) && !strings.Contains(strings.Join(tt.args, " "), api.Key) {
				t.Errorf("a secret was printed:\n%s%s", out, errOut)
			}
		})
	}
	// Nothing above set a connection.
	if code, _, errOut := client(t, vars, "", "aws-connection", "show"); code != 1 || !strings.Contains(errOut, "No AWS connection") {
		t.Fatalf("after the failures: exit %d, stderr %s", code, errOut)
	}
}

func TestProductsSync(t *testing.T) {
	t.Parallel()
	api := startAPI(t)
	vars := map[string]string{"DEALDESK_API_URL": api.URL, "DEALDESK_API_KEY": api.Key}

	if code, out, errOut := client(t, vars, "", "products", "sync"); code != 1 || !strings.Contains(errOut, "AWS connection") {
		t.Fatalf("sync without a connection: exit %d, stdout %q, stderr %q; want 1 and the 404 detail", code, out, errOut)
	}
	if code, _, errOut := client(t, vars, testSecret+"\n", "aws-connection", "set", "--seller-account-id", "111122223333", "--region", "us-east-1",
		"--credentials-mode", "STATIC_KEYS", "--access-key-id", testAccessKeyID, "--secret-access-key-stdin", "--endpoint-url", "http://127.0.0.1:1"); code != 0 {
		t.Fatalf("set: exit %d, stderr %s", code, errOut)
	}
	code, out, errOut := client(t, vars, "", "products", "sync")
	if code != 0 {
		t.Fatalf("sync: exit %d, stderr %s", code, errOut)
	}
	if line(out, "kind") != "product_sync" || !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(line(out, "jobId")) ||
		!regexp.MustCompile(`^[a-z_]+$`).MatchString(line(out, "state")) || line(out, "duplicate") == "" {
		t.Fatalf("sync printed\n%s\nwant the job's ID, kind product_sync, state and duplicate", out)
	}
	if code, _, errOut := client(t, vars, "", "products", "sync", "extra"); code != 2 || !strings.Contains(errOut, "Usage: dealdesk products sync") {
		t.Fatalf("sync with an argument: exit %d, stderr %s", code, errOut)
	}
}

func TestClientCommandsHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"aws-connection", "set", "--help"}, {"products", "sync", "-h"}, {"aws-connection", "help"}} {
		code, out, errOut := client(t, nil, "", args...)
		if code != 0 || !strings.Contains(out+errOut, "DEALDESK_API_URL") && !strings.Contains(out+errOut, "-api-url") {
			t.Errorf("%v: exit %d, printed\n%s%s", args, code, out, errOut)
		}
	}
}
