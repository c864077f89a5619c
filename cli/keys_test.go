package cli_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/cli"
	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

// password is the database password of these tests' DSNs: it must never be printed.
const password = "hunter2"

// serveUntilExit runs `dealdesk serve args...` with the environment vars, expecting it to
// fail before it listens, and returns its exit code, stdout and stderr. A serve that listens
// after all is stopped, and its answer returned for the caller to fail on.
func serveUntilExit(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := newLineWriter(), newLineWriter()
	env := cli.Env{Getenv: func(k string) string { return vars[k] }, Stdout: out, Stderr: errOut}
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env) }()
	deadline := time.After(time.Minute)
	for {
		select {
		case code := <-done:
			return code, out.String(), errOut.String()
		case <-out.added:
			if strings.Contains(out.String(), "listening on ") {
				cancel()
				return <-done, out.String(), errOut.String()
			}
		case <-deadline:
			t.Fatalf("serve neither failed nor listened:\n%s%s", out.String(), errOut.String())
		}
	}
}

// serveOnce starts serve, waits until it listens, then stops it. It fails the test unless serve
// listened and exited cleanly.
func serveOnce(t *testing.T, vars map[string]string, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := newLineWriter(), newLineWriter()
	env := cli.Env{Getenv: func(k string) string { return vars[k] }, Stdout: out, Stderr: errOut}
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env) }()
	out.waitFor(t, "listening on ")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	}
	return out.String(), errOut.String()
}

func TestServeKeyFile(t *testing.T) {
	t.Parallel()
	t.Run("--key-file chooses the file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		db, keyFile := filepath.Join(dir, "deals.db"), filepath.Join(dir, "keys", "first")
		if err := os.Mkdir(filepath.Dir(keyFile), 0o700); err != nil {
			t.Fatal(err)
		}
		out, errOut := serveOnce(t, nil, "--db", db, "--key-file", keyFile)
		key := readKeyFile(t, keyFile)
		if !strings.Contains(out, keyFileLine+keyFile+"\n") {
			t.Fatalf("serve did not print the key file's path:\n%s", out)
		}
		if strings.Contains(out+errOut, key) {
			t.Fatalf("serve printed the key:\n%s%s", out, errOut)
		}
		if _, err := os.Stat(db + ".api-key"); !os.IsNotExist(err) {
			t.Fatalf("a key file was written next to the database too: %v", err)
		}
	})
	t.Run("DEALDESK_KEY_FILE chooses the file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "from-env.key")
		serveOnce(t, map[string]string{"DEALDESK_KEY_FILE": keyFile}, "--db", filepath.Join(dir, "deals.db"))
		readKeyFile(t, keyFile)
	})
	t.Run("an existing key file is refused, kept, and nothing is created", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		db := filepath.Join(dir, "deals.db")
		if err := os.WriteFile(db+".api-key", []byte("an older key\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := serveUntilExit(t, nil, "--db", db)
		if code != 1 || !strings.Contains(errOut, db+".api-key already exists") {
			t.Fatalf("exit %d, stderr %q; want 1 and the file named", code, errOut)
		}
		if strings.Contains(out, "listening") {
			t.Fatalf("serve started: %s", out)
		}
		if b, err := os.ReadFile(db + ".api-key"); err != nil || string(b) != "an older key\n" {
			t.Fatalf("the key file was changed to %q (%v)", b, err)
		}
		store, err := sqldb.Open(context.Background(), db, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		if n, err := store.CountOrganizations(context.Background()); err != nil || n != 0 {
			t.Fatalf("%d organizations (%v), want none", n, err)
		}
	})
}

// TestServeKeyFileFirst checks that the key file is made before the first organization: a file
// that cannot be made stops the start with nothing created, and a transaction that fails after
// the file was written removes it.
func TestServeKeyFileFirst(t *testing.T) {
	t.Parallel()
	organizations := func(t *testing.T, db string) int {
		t.Helper()
		store, err := sqldb.Open(context.Background(), db, sqldbtest.Options(t))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		n, err := store.CountOrganizations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("a key file in a directory that does not exist creates nothing", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		db, keyFile := filepath.Join(dir, "deals.db"), filepath.Join(dir, "missing", "first.api-key")
		code, out, errOut := serveUntilExit(t, nil, "--db", db, "--key-file", keyFile)
		if code != 1 || !strings.Contains(errOut, keyFile) || !strings.Contains(errOut, "nothing was created") {
			t.Fatalf("exit %d, stderr %q; want 1 and the key file named", code, errOut)
		}
		if strings.Contains(out, "created organization") || strings.Contains(out, "listening") {
			t.Fatalf("serve went on:\n%s", out)
		}
		if n := organizations(t, db); n != 0 {
			t.Fatalf("%d organizations after the refused start, want none", n)
		}
	})
	t.Run("a failed transaction removes the key file it wrote", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		db, keyFile := filepath.Join(dir, "deals.db"), filepath.Join(dir, "first.api-key")
		store, err := sqldb.Open(context.Background(), db, sqldbtest.Options(t))
		if err != nil {
			t.Fatal(err)
		}
		sqldbtest.AddCheck(t, store, "api_keys", "api_keys_not_initial", "name <> 'initial'")
		store.Close()
		code, _, errOut := serveUntilExit(t, nil, "--db", db, "--key-file", keyFile)
		if code != 1 || !strings.Contains(errOut, "create the first organization") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		if _, err := os.Lstat(keyFile); !os.IsNotExist(err) {
			t.Fatalf("the key file of a key that was never stored is left behind (%v)", err)
		}
		if n := organizations(t, db); n != 0 {
			t.Fatalf("%d organizations after the failed start, want none", n)
		}
	})
}

func TestAdminAPIKeys(t *testing.T) {
	t.Parallel()
	db := newDatabase(t)
	orgA, orgB := createOrg(t, db, "Acme"), createOrg(t, db, "Other")
	var secrets []string
	for _, name := range []string{"ci", "deploy"} {
		code, out, errOut := admin(t, "", "create-api-key", "--db", db, "--org", orgA, "--name", name)
		if code != 0 {
			t.Fatalf("create-api-key: %d %s", code, errOut)
		}
		secrets = append(secrets, lastLine(out))
	}
	store, err := sqldb.Open(context.Background(), db, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ci, err := store.AuthenticateAPIKey(context.Background(), secrets[0])
	if err != nil {
		t.Fatal(err)
	}

	t.Run("list shows IDs and prefixes, never keys", func(t *testing.T) {
		code, out, errOut := admin(t, "", "list-api-keys", "--db", db, "--org", orgA)
		if code != 0 {
			t.Fatalf("list-api-keys: %d %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[2], ci.ID) || !strings.Contains(lines[2], ci.Prefix) {
			t.Fatalf("list-api-keys printed:\n%s", out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s[12:]) {
				t.Fatalf("list-api-keys shows a key:\n%s", out)
			}
		}
	})
	t.Run("another organization's key is not found", func(t *testing.T) {
		code, _, errOut := admin(t, "", "revoke-api-key", "--db", db, "--org", orgB, "--id", ci.ID)
		if code != 1 || !strings.Contains(errOut, "No API key") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		if _, err := store.AuthenticateAPIKey(context.Background(), secrets[0]); err != nil {
			t.Fatalf("the key stopped working: %v", err)
		}
	})
	t.Run("revoke refuses the key at once and keeps it listed", func(t *testing.T) {
		code, out, errOut := admin(t, "", "revoke-api-key", "--db", db, "--org", orgA, "--id", ci.ID)
		_, since, ok := strings.Cut(strings.TrimSpace(out), "revoked since ")
		if code != 0 || !strings.Contains(out, ci.ID) || !ok || since == "" {
			t.Fatalf("revoke-api-key: %d %q %s", code, out, errOut)
		}
		_, err := store.AuthenticateAPIKey(context.Background(), secrets[0])
		if dealdesk.ErrorCode(err) != dealdesk.EUNAUTHORIZED {
			t.Fatalf("revoked key authenticates: %v", err)
		}
		if _, err := store.AuthenticateAPIKey(context.Background(), secrets[1]); err != nil {
			t.Fatalf("the other key stopped working: %v", err)
		}
		code, out, errOut = admin(t, "", "list-api-keys", "--db", db, "--org", orgA)
		if code != 0 {
			t.Fatalf("list-api-keys: %d %s", code, errOut)
		}
		line := lineWith(out, ci.ID)
		if fields := strings.Fields(line); len(fields) == 0 || fields[len(fields)-1] != since {
			t.Fatalf("the revoked key is not listed with its revocation time %s:\n%s", since, out)
		}
		if code, _, errOut := admin(t, "", "revoke-api-key", "--db", db, "--org", orgA, "--id", ci.ID); code != 0 {
			t.Fatalf("revoking again: %d %s", code, errOut)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"revoke-api-key", "--db", db, "--org", orgA},
			{"list-api-keys", "--db", db},
		} {
			if code, _, errOut := admin(t, "", args...); code != 2 || !strings.Contains(errOut, "is required") {
				t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
			}
		}
	})
}

// freshPostgres creates an empty PostgreSQL database for the test with sqldbtest (dropped when
// the test ends) and returns its URL.
func freshPostgres(t *testing.T) *url.URL {
	t.Helper()
	u, err := url.Parse(sqldbtest.PostgresDSN(t))
	if err != nil {
		t.Fatalf("the test database's URL: %v", err)
	}
	return u
}

// TestServePostgresDSNForms starts serve on PostgreSQL with each form of DSN, each carrying a
// password (the local server trusts the connection and does not check it): serve prints the
// DSN with the password hidden and creates no file but the key file.
func TestServePostgresDSNForms(t *testing.T) {
	t.Parallel()
	forms := []struct {
		name       string
		dsn        func(u *url.URL) string
		wantPrefix string
	}{
		{"postgres URL", func(u *url.URL) string {
			u.User = url.UserPassword(u.User.Username(), password)
			return u.String()
		}, "postgres://postgres:xxxxx@"},
		{"postgresql URL with the password as a parameter", func(u *url.URL) string {
			u.Scheme = "postgresql"
			q := u.Query()
			q.Set("password", password)
			u.RawQuery = q.Encode()
			return u.String()
		}, "postgresql://postgres@"},
		{"keyword/value", func(u *url.URL) string {
			return "host=" + u.Hostname() + " port=" + u.Port() + " user=" + u.User.Username() +
				" password='" + password + "' sslpassword=" + password + " dbname=" + strings.TrimPrefix(u.Path, "/") + " sslmode=disable"
		}, "host=" + "127.0.0.1"},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			dsn := f.dsn(freshPostgres(t))
			dir := t.TempDir()
			keyFile := filepath.Join(dir, "first.api-key")
			out, errOut := serveOnce(t, map[string]string{"DEALDESK_DB": dsn}, "--key-file", keyFile)
			line := lineWith(out, "dealdesk: postgres database ")
			if !strings.Contains(line, f.wantPrefix) || !strings.Contains(line, "xxxxx") {
				t.Errorf("database line %q, want %q and the password hidden", line, f.wantPrefix)
			}
			if strings.Contains(out+errOut, password) {
				t.Fatalf("serve printed the password:\n%s%s", out, errOut)
			}
			readKeyFile(t, keyFile)
			if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
				t.Fatalf("the directory holds %v (%v), want only the key file", entries, err)
			}
		})
	}
}

// lineWith returns the first line of s that contains part, or "".
func lineWith(s, part string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, part) {
			return line
		}
	}
	return ""
}

// TestDSNsNeverBecomeFiles runs serve and an admin command from an empty working directory:
// a value that is no DSN is refused without showing the password and creates no file, and a
// PostgreSQL keyword/value DSN leaves only the key file, whose default for PostgreSQL is there.
// It changes the working directory, so it cannot run in parallel.
func TestDSNsNeverBecomeFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, dsn := range []string{
		"mysql://app:" + password + "@db/deals",
		"postgres://app:" + password + "%zz@db/deals",
		"host=db user=app password='" + password,
		"host=db password=" + password + " dbname",
		" postgres://u:" + password + "@localhost/db?sslmode=disable",
		"postgresql:/u:" + password + "@h/db?sslmode=disable",
		"postgres//u:" + password + "@h/db?sslmode=require",
		"\tpostgres://u:" + password + "@h/db?x=1",
		"file:postgres://u:" + password + "@h/db?sslmode=disable",
		"postgres:x",
	} {
		code, out, errOut := serveUntilExit(t, nil, "--db", dsn)
		if code != 1 || !strings.Contains(errOut, "open database") {
			t.Fatalf("serve --db %s: exit %d, stderr %q", sqldb.RedactDSN(dsn), code, errOut)
		}
		if strings.Contains(out+errOut, password) || strings.Contains(out+errOut, "hun") {
			t.Fatalf("serve showed the password:\n%s%s", out, errOut)
		}
		code, _, errOut = admin(t, "", "create-org", "--db", dsn, "--name", "Acme")
		if code != 1 || strings.Contains(errOut, password) {
			t.Fatalf("admin create-org --db %s: exit %d, stderr %q", sqldb.RedactDSN(dsn), code, errOut)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Fatalf("the working directory holds %v (%v), want nothing", entries, err)
	}

	u := freshPostgres(t)
	dsn := "host=" + u.Hostname() + " port=" + u.Port() + " user=" + u.User.Username() + " password=" + password +
		" dbname=" + strings.TrimPrefix(u.Path, "/") + " sslmode=disable"
	out, errOut := serveOnce(t, nil, "--db", dsn)
	if strings.Contains(out+errOut, password) {
		t.Fatalf("serve showed the password:\n%s%s", out, errOut)
	}
	if !strings.Contains(out, keyFileLine+filepath.Join(dir, "dealdesk.api-key")+"\n") {
		t.Fatalf("the key file is not dealdesk.api-key in the working directory:\n%s", out)
	}
	readKeyFile(t, "dealdesk.api-key")
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Fatalf("the working directory holds %v (%v), want only the key file", entries, err)
	}
}
