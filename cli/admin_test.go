package cli_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/cli"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// admin runs `dealdesk admin args...` and returns its exit code, stdout and stderr.
func admin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	out, errOut := newLineWriter(), newLineWriter()
	env := cli.Env{Getenv: func(string) string { return "" }, Stdin: strings.NewReader(stdin), Stdout: out, Stderr: errOut}
	code := cli.Run(context.Background(), append([]string{"admin"}, args...), env)
	return code, out.String(), errOut.String()
}

// createOrg runs `dealdesk admin create-org` on db and returns the new organization's ID.
func createOrg(t *testing.T, db, name string) string {
	t.Helper()
	code, out, errOut := admin(t, "", "create-org", "--db", db, "--name", name)
	id := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(id, "org_") {
		t.Fatalf("create-org %s: exit %d, printed %q, stderr %s", name, code, out, errOut)
	}
	return id
}

// newDatabase creates and migrates a SQLite database for the admin commands, which neither
// create nor migrate one, and returns its path.
func newDatabase(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "admin.db")
	db, err := sqldb.Open(context.Background(), path, sqldbtest.Options(t))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestAdminCommands(t *testing.T) {
	t.Parallel()
	db := newDatabase(t)

	code, out, errOut := admin(t, "", "create-org", "--db", db, "--name", "Acme Software")
	if code != 0 {
		t.Fatalf("create-org: %d %s", code, errOut)
	}
	orgID := strings.TrimSpace(out)
	if !strings.HasPrefix(orgID, "org_") {
		t.Fatalf("create-org printed %q", out)
	}

	code, out, errOut = admin(t, "", "create-api-key", "--db", db, "--org", orgID)
	if code != 0 {
		t.Fatalf("create-api-key: %d %s", code, errOut)
	}
	secret := lastLine(out)

	code, out, errOut = admin(t, "correct horse battery staple\n", "create-user", "--db", db, "--org", orgID, "--email", "ana@example.com", "--name", "Ana")
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "usr_") {
		t.Fatalf("create-user: %d %q %s", code, out, errOut)
	}

	store, err := sqldb.Open(context.Background(), db, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, err := store.AuthenticateAPIKey(context.Background(), secret)
	if err != nil || key.OrgID != orgID {
		t.Fatalf("printed key does not authenticate for %s: %+v %v", orgID, key, err)
	}
	if _, err := store.AuthenticateUser(context.Background(), "ana@example.com", "correct horse battery staple"); err != nil {
		t.Fatalf("user cannot sign in: %v", err)
	}
	if _, err := store.AuthenticateUser(context.Background(), "ana@example.com", "wrong password!!"); dealdesk.ErrorCode(err) != dealdesk.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestAdminErrors(t *testing.T) {
	t.Parallel()
	db := newDatabase(t)
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"missing name", "", []string{"create-org", "--db", db}, "--name is required"},
		{"unknown org", "", []string{"create-api-key", "--db", db, "--org", "org_nope"}, "dealdesk:"},
		{"no password", "", []string{"create-user", "--db", db, "--org", "org_x", "--email", "a@b.co"}, "standard input"},
		{"unknown command", "", []string{"drop-everything"}, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := admin(t, tc.stdin, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, errOut, tc.want)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(strings.ToUpper(errOut), "SELECT ") {
				t.Fatalf("internal detail leaked: %s", errOut)
			}
		})
	}
}

// TestAdminNeverCreatesADatabase runs every admin command on a mistyped SQLite path and on an
// empty PostgreSQL database: each is refused, naming the --db value with its password hidden,
// and nothing is created or migrated.
func TestAdminNeverCreatesADatabase(t *testing.T) {
	t.Parallel()
	commands := [][]string{
		{"create-org", "--name", "Acme"},
		{"create-api-key", "--org", "org_x"},
		{"list-api-keys", "--org", "org_x"},
		{"revoke-api-key", "--org", "org_x", "--id", "key_x"},
		{"create-user", "--org", "org_x", "--email", "ana@example.com"},
	}
	t.Run("a SQLite file that does not exist", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		typo := filepath.Join(dir, "typo.db")
		for _, c := range commands {
			code, _, errOut := admin(t, "a long enough password\n", append(c, "--db", typo)...)
			if code != 1 || !strings.Contains(errOut, "no SQLite database "+typo) || !strings.Contains(errOut, "does not create") {
				t.Fatalf("%s: exit %d, stderr %q", c[0], code, errOut)
			}
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Fatalf("the directory holds %v (%v), want nothing", entries, err)
		}
	})
	t.Run("a PostgreSQL database without dealdesk's schema", func(t *testing.T) {
		t.Parallel()
		u := freshPostgres(t)
		u.User = url.UserPassword(u.User.Username(), password)
		for _, c := range commands {
			code, _, errOut := admin(t, "a long enough password\n", append(c, "--db", u.String())...)
			if code != 1 || !strings.Contains(errOut, "has no dealdesk schema") || !strings.Contains(errOut, "postgres:xxxxx@") ||
				strings.Contains(errOut, password) {
				t.Fatalf("%s: exit %d, stderr %q", c[0], code, errOut)
			}
		}
		pool, err := sql.Open("pgx", u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		var tables int
		if err := pool.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil || tables != 0 {
			t.Fatalf("%d tables (%v) after the admin commands, want none", tables, err)
		}
	})
}
