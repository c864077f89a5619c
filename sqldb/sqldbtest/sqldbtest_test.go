package sqldbtest_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/dealdesk/dealdesk/sqldb"
	"github.com/dealdesk/dealdesk/sqldb/sqldbtest"
)

func TestForEachEngine(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var ran []string
	t.Run("runs each engine once", func(t *testing.T) {
		sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
			db := sqldbtest.Open(t, sqldbtest.DSN(t, engine), sqldb.Options{})
			if db.Engine() != engine || t.Name() != "TestForEachEngine/runs_each_engine_once/"+engine {
				t.Errorf("engine %q opened %q in subtest %s", engine, db.Engine(), t.Name())
			}
			mu.Lock()
			ran = append(ran, engine)
			mu.Unlock()
		})
	})
	if len(ran) != 2 || ran[0] == ran[1] {
		t.Fatalf("ran %v, want sqlite and postgres", ran)
	}
}

func TestFreshDatabases(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		var dsn string
		t.Run("two calls give two empty databases", func(t *testing.T) {
			a, b := sqldbtest.DSN(t, engine), sqldbtest.DSN(t, engine)
			if a == b {
				t.Fatalf("both DSNs are %s", a)
			}
			dsn = a
			first := sqldbtest.Open(t, a, sqldb.Options{})
			if _, err := first.CreateOrganization(ctx, "Only in the first"); err != nil {
				t.Fatal(err)
			}
			second := sqldbtest.Open(t, b, sqldb.Options{})
			if n, err := second.CountOrganizations(ctx); err != nil || n != 0 {
				t.Fatalf("the second database has %d organizations, %v", n, err)
			}
		})
		t.Run("the database is gone after its test", func(t *testing.T) {
			if dsn == "" {
				t.Fatal("the first subtest made no database")
			}
			if engine == sqldb.EngineSQLite {
				if _, err := os.Stat(dsn); !os.IsNotExist(err) {
					t.Fatalf("stat %s after the test: %v", dsn, err)
				}
				return
			}
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			// Ask the server the database was made on, not always the default one.
			base := os.Getenv(sqldbtest.EnvPostgresURL)
			if base == "" {
				base = sqldbtest.DefaultPostgresURL
			}
			admin, err := sql.Open("pgx", base)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			var n int
			if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_database WHERE datname = $1`,
				strings.TrimPrefix(u.Path, "/")).Scan(&n); err != nil || n != 0 {
				t.Fatalf("database %s: %d left, %v", u.Path, n, err)
			}
		})
	})
}

func TestUnknownEngineFails(t *testing.T) {
	t.Parallel()
	out, err := runHelper(t, "TestHelperUnknownEngine", "")
	if err == nil || !strings.Contains(out, `unknown engine "oracle"`) {
		t.Fatalf("an unknown engine should fail the test; err %v, output:\n%s", err, out)
	}
}

func TestUnreachablePostgresFails(t *testing.T) {
	t.Parallel()
	out, err := runHelper(t, "TestHelperPostgres", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5")
	if err == nil || !strings.Contains(out, "--- FAIL: TestHelperPostgres") || strings.Contains(out, "SKIP") ||
		!strings.Contains(out, sqldbtest.EnvPostgresURL) {
		t.Fatalf("an unreachable PostgreSQL should fail the test, naming %s; err %v, output:\n%s", sqldbtest.EnvPostgresURL, err, out)
	}
}

// runHelper runs one helper test of this binary in a child process with the PostgreSQL URL pgURL.
func runHelper(t *testing.T, name, pgURL string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), "DEALDESK_SQLDBTEST_HELPER=1")
	if pgURL != "" {
		cmd.Env = append(cmd.Env, sqldbtest.EnvPostgresURL+"="+pgURL)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestHelperPostgres asks for a PostgreSQL database; it runs only as a child of
// TestUnreachablePostgresFails.
func TestHelperPostgres(t *testing.T) {
	if os.Getenv("DEALDESK_SQLDBTEST_HELPER") != "1" {
		t.Skip("runs only as a child of TestUnreachablePostgresFails")
	}
	sqldbtest.PostgresDSN(t)
}

// TestHelperUnknownEngine asks for an engine that does not exist; it runs only as a child of
// TestUnknownEngineFails.
func TestHelperUnknownEngine(t *testing.T) {
	if os.Getenv("DEALDESK_SQLDBTEST_HELPER") != "1" {
		t.Skip("runs only as a child of TestUnknownEngineFails")
	}
	sqldbtest.DSN(t, "oracle")
}
