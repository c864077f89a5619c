package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/cli"
)

// run runs `dealdesk args...` with an empty environment and returns its exit code, stdout and
// stderr. Its context is already cancelled: a command that got past its arguments stops at once
// (a server would otherwise run on).
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	out, errOut := newLineWriter(), newLineWriter()
	env := cli.Env{Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: out, Stderr: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code := cli.Run(ctx, args, env)
	return code, out.String(), errOut.String()
}

func TestUsage_HelpExitsZeroAndDocumentsTheEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"dealdesk help", []string{"help"}, []string{"dealdesk serve", "dealdesk admin create-org", "DEALDESK_"}},
		{"serve --help", []string{"serve", "--help"}, []string{"dealdesk serve", "-addr", "DEALDESK_ADDR", "-db", "DEALDESK_DB", "-key-file", "DEALDESK_KEY_FILE", "only you can read"}},
		{"admin --help", []string{"admin", "--help"}, []string{"create-org", "create-api-key", "create-user", "list-api-keys", "revoke-api-key"}},
		{"revoke-api-key --help", []string{"admin", "revoke-api-key", "--help"}, []string{"dealdesk admin revoke-api-key", "-org", "-id", "every replica"}},
		{"admin help", []string{"admin", "help"}, []string{"create-org", "create-api-key", "create-user"}},
		{"create-org --help", []string{"admin", "create-org", "--help"}, []string{"dealdesk admin create-org", "-name", "-db", "DEALDESK_DB"}},
		{"create-user -h", []string{"admin", "create-user", "-h"}, []string{"dealdesk admin create-user", "-org", "-email", "standard input"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("help lacks %q:\n%s%s", w, out, errOut)
				}
			}
		})
	}
}

func TestUsage_BadArgumentsExitTwoAndSayWhy(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "usage.db")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown serve flag", []string{"serve", "--port", "80"}, "flag provided but not defined: -port"},
		{"stray serve argument", []string{"serve", "--db", db, "now"}, `unexpected argument "now"`},
		{"unquoted name", []string{"admin", "create-org", "--db", db, "--name", "Acme", "Software"}, `unexpected argument "Software"`},
		{"flag of another admin command", []string{"admin", "create-org", "--db", db, "--name", "Acme", "--email", "a@b.co"}, "flag provided but not defined: -email"},
		{"missing admin command", []string{"admin"}, "create-org"},
		{"unknown command", []string{"deploy"}, `unknown command "deploy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if strings.Count(errOut, tt.want) != 1 {
				t.Errorf("stderr should say %q once:\n%s", tt.want, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing: the command must not run", out)
			}
		})
	}
}
