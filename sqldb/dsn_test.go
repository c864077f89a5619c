package sqldb_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk/sqldb"
)

// password is the secret every DSN of these tests carries: it must never be shown.
const password = "hunter2"

func TestDSNEngine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dsn, engine string
		wantErr           string // part of the error; "" when the DSN is accepted
	}{
		{"postgres URL", "postgres://app:hunter2@db:5432/deals?sslmode=disable", sqldb.EnginePostgres, ""},
		{"postgresql URL", "postgresql://app:hunter2@db/deals", sqldb.EnginePostgres, ""},
		{"URL with the password as a parameter", "postgres://app@db/deals?password=hunter2&sslpassword=hunter2", sqldb.EnginePostgres, ""},
		{"keyword/value", "host=db port=5432 user=app password=hunter2 dbname=deals sslmode=disable", sqldb.EnginePostgres, ""},
		{"keyword/value with a quoted password and spaces around =", "dbname = deals password = 'hunter2 x'", sqldb.EnginePostgres, ""},
		{"keyword/value that starts with a runtime setting", "search_path=app host=db", sqldb.EnginePostgres, ""},
		{"relative SQLite path", "dealdesk.db", sqldb.EngineSQLite, ""},
		{"absolute SQLite path", "/var/lib/dealdesk/deals #2.db", sqldb.EngineSQLite, ""},
		{"file: path", "file:a=b.db", sqldb.EngineSQLite, ""},
		{"./ path with '='", "./a=b.db", sqldb.EngineSQLite, ""},
		{"./ path with ':'", "./deals:2026.db", sqldb.EngineSQLite, ""},
		{"file: path with ':' after ./", "file:./deals:2026.db", sqldb.EngineSQLite, ""},
		{"Windows drive letter", `C:\deals\dealdesk.db`, sqldb.EngineSQLite, ""},
		{"file named after the engine", "postgres.db", sqldb.EngineSQLite, ""},

		// Near-misses of a PostgreSQL URL: none may become a SQLite file or show its password.
		{"leading space", " postgres://u:hunter2@localhost/db?sslmode=disable", "", "white space before or after it"},
		{"leading tab", "\tpostgres://u:hunter2@h/db?x=1", "", "white space before or after it"},
		{"trailing newline", "postgres://u:hunter2@h/db\n", "", "white space before or after it"},
		{"trailing space of a keyword/value string", "host=db password=hunter2 ", "", "white space before or after it"},
		{"one slash", "postgresql:/u:hunter2@h/db?sslmode=disable", "", "not a PostgreSQL URL"},
		{"no slashes", "postgres:x", "", "not a PostgreSQL URL"},
		{"no colon", "postgres//u:hunter2@h/db?sslmode=require", "", "without its scheme or its ':'"},
		{"no scheme", "//u:hunter2@h/db", "", "without its scheme or its ':'"},
		{"file: before a URL", "file:postgres://u:hunter2@h/db?sslmode=disable", "", "after file: comes a file name"},
		{"file: before a scheme", "file:postgres:x", "", "after file: comes a file name"},
		{"mixed-case scheme", "Postgresql://u:hunter2@h/db", "", "in lower case"},
		{"scheme inside another", "jdbc:postgresql://u:hunter2@h/db", "", `the scheme "jdbc" is not supported`},
		{"name with ':' and no ./", "deals:2026.db", "", `write ./ before a file name that holds ':'`},

		{"empty", "", "", "empty database DSN"},
		{"MySQL URL", "mysql://app:hunter2@db/deals", "", `the scheme "mysql" is not supported`},
		{"sqlite URL", "sqlite://deals.db", "", `the scheme "sqlite" is not supported`},
		{"upper-case scheme", "POSTGRES://app:hunter2@db/deals", "", "in lower case"},
		{"URL that does not parse", "postgres://app:hun%zzter2@db/deals", "", "not a valid PostgreSQL URL: failed to parse as URL"},
		{"URL with a bad port", "postgres://app:hunter2@db:99999/deals", "", "not a valid PostgreSQL URL"},
		{"unterminated quote", "host=db password='hunter2", "", "not a valid PostgreSQL keyword/value string: failed to parse as keyword/value"},
		{"password with unquoted spaces", "host=db password=hun ter 2=x", "", "failed to parse as keyword/value"},
		{"stray word", "host=db password=hunter2 dbname=deals oops", "", "failed to parse as keyword/value"},
		{"bad port", "host=db port=http password=hunter2", "", "invalid port"},
		{"bad sslmode", "host=db sslmode=always password=hunter2", "", "failed to configure TLS: sslmode is invalid"},
		{"pairs without a connection keyword", "a=b.db", "", "none of PostgreSQL's connection keywords"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			engine, err := sqldb.DSNEngine(tt.dsn)
			if tt.wantErr == "" {
				if err != nil || engine != tt.engine {
					t.Fatalf("DSNEngine(%q) = %q, %v; want %q", tt.dsn, engine, err, tt.engine)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("DSNEngine(%q) = %q, %v; want an error with %q", tt.dsn, engine, err, tt.wantErr)
			}
			// pgconn's own text would say `missing "=" after "ter"` for the unquoted spaces.
			for _, s := range []string{password, "hun", "ter2", `"ter"`} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("the error shows (part of) the password: %v", err)
				}
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dsn, want string
	}{
		{"SQLite path is shown", "data/dealdesk.db", "data/dealdesk.db"},
		{"password in the user info", "postgres://app:hunter2@db:5432/deals", "postgres://app:xxxxx@db:5432/deals"},
		{"password as a parameter", "postgresql://app@db/deals?sslmode=require&password=hunter2", "postgresql://app@db/deals?password=xxxxx&sslmode=require"},
		{"sslpassword as a parameter", "postgres://app@db/deals?sslpassword=hunter2", "postgres://app@db/deals?sslpassword=xxxxx"},
		{"escaped parameter name", "postgres://app@db/deals?pass%77ord=hunter2", "postgres://app@db/deals?password=xxxxx"},
		{"password of another scheme", "mysql://app:hunter2@db/deals", "mysql://app:xxxxx@db/deals"},
		{"unparsable URL hides everything", "postgres://app:hun%zzter2@db/deals", "postgres://(a DSN that does not parse as a URL)"},
		{"unparsable parameters hide everything", "postgres://app@db/deals?password=hun%zzter2", "postgres://(a DSN that does not parse as a URL)"},
		{"keyword/value password", "host=db user=app password=hunter2 dbname=deals", "host=db user=app password=xxxxx dbname=deals"},
		{"keyword/value sslpassword", "host=db sslpassword=hunter2 sslkey=/k.pem", "host=db sslpassword=xxxxx sslkey=/k.pem"},
		{"quoted password with spaces and escapes", `host=db password = 'hun\' ter2' dbname='my deals'`, `host=db password = xxxxx dbname='my deals'`},
		{"escaped space in an unquoted password", `password=hun\ ter2 host=db`, `password=xxxxx host=db`},
		{"unterminated quote hides everything", "host=db password='hunter2", "(a keyword/value DSN that does not parse)"},
		{"stray word hides everything", "host=db password=hunter2 oops", "(a keyword/value DSN that does not parse)"},
		{"white space is dropped", "\t postgres://app:hunter2@db/deals \n", "postgres://app:xxxxx@db/deals"},
		{"one slash hides all but the scheme", "postgresql:/u:hunter2@h/db?sslmode=disable", "postgresql:(hidden: not a URL)"},
		{"scheme inside another hides all but the scheme", "jdbc:postgresql://u:hunter2@h/db", "jdbc:(hidden: not a URL)"},
		{"file: before a URL", "file:postgres://u:hunter2@h/db?sslmode=disable", "file:postgres://u:xxxxx@h/db?sslmode=disable"},
		{"user info anywhere", "postgres//u:hunter2@h/db?sslmode=require", "postgres//u:xxxxx@h/db?sslmode=require"},
		{"user info with '@' in the password", "data//u:hun@ter2@h/db", "data//u:xxxxx@h/db"},
		{"password parameter anywhere", "deals.db?sslpassword=hunter2&password=hunter2", "deals.db?sslpassword=xxxxx&password=xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := sqldb.RedactDSN(tt.dsn)
			if got != tt.want {
				t.Errorf("RedactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
			if strings.Contains(got, "hunter") || strings.Contains(got, "ter2") {
				t.Errorf("RedactDSN(%q) shows the password: %q", tt.dsn, got)
			}
		})
	}
}

// TestOpenCreatesNoFileForADSN opens PostgreSQL DSNs of every form, with a password, and values
// that are no DSN, from an empty working directory: each PostgreSQL DSN opens PostgreSQL, each
// bad value is refused without showing the password, and no SQLite file appears. It changes the
// working directory, so it cannot run in parallel.
func TestOpenCreatesNoFileForADSN(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	pg := newPostgresEngine(t)
	u, err := url.Parse(pg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	dbname := strings.TrimPrefix(u.Path, "/")
	// The test server trusts local connections, so the password is sent but not checked.
	withPassword := *u
	withPassword.User = url.UserPassword(u.User.Username(), password)
	postgresql := withPassword
	postgresql.Scheme = "postgresql"

	ctx := context.Background()
	t.Run("PostgreSQL DSNs open PostgreSQL", func(t *testing.T) {
		for _, dsn := range []string{
			withPassword.String(),
			postgresql.String(),
			"host=" + u.Hostname() + " port=" + u.Port() + " user=" + u.User.Username() + " password=" + password + " dbname=" + dbname + " sslmode=disable",
			"host='" + u.Hostname() + "' port=" + u.Port() + " user=" + u.User.Username() + " password='" + password + " x' sslpassword=" + password + " dbname=" + dbname + " sslmode=disable",
		} {
			db, err := sqldb.Open(ctx, dsn, pg.options(t))
			if err != nil {
				t.Fatalf("Open(%s): %v", sqldb.RedactDSN(dsn), err)
			}
			engine := db.Engine()
			db.Close()
			if engine != sqldb.EnginePostgres {
				t.Fatalf("Open(%s) opened %s", sqldb.RedactDSN(dsn), engine)
			}
		}
	})
	t.Run("what is no DSN is refused", func(t *testing.T) {
		for _, dsn := range []string{
			"mysql://app:" + password + "@db/deals",
			"postgres://app:" + password + "%zz@db/deals",
			"host=db password='" + password,
			"host=db user=app password=" + password + " dbname",
			"a=b.db",
			" postgres://app:" + password + "@localhost/db?sslmode=disable",
			"postgresql:/app:" + password + "@db/deals?sslmode=disable",
			"postgres//app:" + password + "@db/deals?sslmode=require",
			"\tpostgres://app:" + password + "@db/deals?x=1",
			"file:postgres://app:" + password + "@db/deals?sslmode=disable",
			"postgres:x",
			"./x//app:" + password + "@db/deals?sslmode=disable",
		} {
			db, err := sqldb.Open(ctx, dsn, pg.options(t))
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) opened %s", sqldb.RedactDSN(dsn), db.Engine())
			}
			if strings.Contains(err.Error(), password) {
				t.Fatalf("the error shows the password: %v", err)
			}
		}
	})
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("the working directory holds %v, want nothing", entries)
	}
}
