package sqldb

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// A database DSN is one of (decision 007):
//   - a PostgreSQL URL, postgres://… or postgresql://…;
//   - a PostgreSQL keyword/value string, "host=db user=app password=… dbname=deals", with at
//     least one of libpq's connection keywords;
//   - a SQLite file path; "file:" before it makes a name that holds '=' a path ("file:a=b.db"),
//     and "./" before it makes any name a path ("./a=b.db", "./deals:2026.db").
//
// Anything else is refused, so that a mistyped DSN never becomes a SQLite file named after it:
// white space before or after the DSN (an env file, YAML), another URL scheme, anything that
// starts like a scheme ("postgres:x", "postgresql:/u:p@h/db", "jdbc:postgresql://…", also after
// "file:"), a name that starts like a URL without its scheme or ':' ("postgres//u:p@h/db",
// "//u:p@h/db"), a
// PostgreSQL DSN that pgconn cannot parse, a string of key=value pairs without a connection
// keyword. A scheme is two characters or more, so that "C:\deals.db" stays a path. Errors show
// the DSN only through RedactDSN.
var (
	// dsnScheme matches what starts like a URL: a scheme of two characters or more and ':',
	// with the "//" of an authority if there is one.
	dsnScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]+):(//)?`)
	// dsnLostScheme matches a name that starts like a URL that lost its scheme or its ':':
	// "postgres//u:p@h/db", "//u:p@h/db".
	dsnLostScheme = regexp.MustCompile(`(?i)^(postgres(ql)?[/\\]|//[^/]*@)`)
	// dsnKeyword matches the keywords of a keyword/value string: a name, then "=", at the start
	// or after white space.
	dsnKeyword = regexp.MustCompile(`(?:^|[ \t\n\r\v\f])([A-Za-z_][A-Za-z0-9_]*)[ \t\n\r\v\f]*=`)
)

// postgresKeywords are libpq's connection keywords (PostgreSQL documentation, "Parameter Key
// Words"); a keyword/value DSN must name one of them.
var postgresKeywords = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true,
	"passfile": true, "service": true, "servicefile": true, "connect_timeout": true,
	"sslmode": true, "sslnegotiation": true, "sslcert": true, "sslkey": true, "sslpassword": true,
	"sslrootcert": true, "sslsni": true, "sslcertmode": true, "channel_binding": true,
	"require_auth": true, "target_session_attrs": true, "application_name": true, "options": true,
	"gssencmode": true, "krbsrvname": true, "min_protocol_version": true, "max_protocol_version": true,
}

// splitFilePrefix returns dsn without a leading "file:" and whether it had one; "file://" is a
// URL, not the prefix.
func splitFilePrefix(dsn string) (string, bool) {
	if strings.HasPrefix(dsn, "file://") {
		return dsn, false
	}
	return strings.CutPrefix(dsn, "file:")
}

// DSNEngine returns the engine a database DSN selects, EnginePostgres or EngineSQLite, or an
// error naming what is wrong with it, which shows the DSN only with its passwords hidden.
func DSNEngine(dsn string) (string, error) {
	const forms = "give a SQLite file path, a PostgreSQL URL (postgres:// or postgresql://, in lower case) or a keyword/value string such as \"host=db dbname=deals\""
	if strings.TrimSpace(dsn) == "" {
		return "", errors.New("sqldb: empty database DSN: " + forms)
	}
	if strings.TrimSpace(dsn) != dsn {
		return "", fmt.Errorf("sqldb: database DSN %s has white space before or after it: remove it (a file name cannot start or end with white space)", RedactDSN(dsn))
	}
	rest, isFile := splitFilePrefix(dsn)
	if m := dsnScheme.FindStringSubmatch(rest); m != nil {
		scheme, authority := m[1], m[2] != ""
		switch {
		case isFile:
			return "", fmt.Errorf("sqldb: database DSN %s: after file: comes a file name, and %q starts like a URL scheme: %s; write ./ before a file name that holds ':'",
				RedactDSN(dsn), scheme+":", forms)
		case authority && (scheme == "postgres" || scheme == "postgresql"):
			return EnginePostgres, checkPostgresDSN(dsn, "URL")
		case strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"):
			return "", fmt.Errorf("sqldb: database DSN %s is not a PostgreSQL URL: write postgres:// or postgresql://, in lower case, with both slashes", RedactDSN(dsn))
		}
		return "", fmt.Errorf("sqldb: database DSN %s: the scheme %q is not supported: %s; write ./ before a file name that holds ':'",
			RedactDSN(dsn), scheme, forms)
	}
	if isFile {
		return EngineSQLite, nil
	}
	if dsnLostScheme.MatchString(dsn) {
		return "", fmt.Errorf("sqldb: database DSN %s looks like a URL without its scheme or its ':': write postgres://…, or ./ before a file path", RedactDSN(dsn))
	}
	keywords := dsnKeyword.FindAllStringSubmatch(dsn, -1)
	if keywords == nil {
		return EngineSQLite, nil
	}
	for _, k := range keywords {
		if postgresKeywords[k[1]] {
			return EnginePostgres, checkPostgresDSN(dsn, "keyword/value string")
		}
	}
	return "", fmt.Errorf("sqldb: database DSN %s has key=value pairs but none of PostgreSQL's connection keywords (host, port, dbname, user, …): for a SQLite file whose name holds '=', write file: or ./ before it",
		RedactDSN(dsn))
}

// checkPostgresDSN returns nil when pgconn parses dsn, else an error that names the problem
// without showing any part of a password.
func checkPostgresDSN(dsn, form string) error {
	_, err := pgconn.ParseConfig(dsn)
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqldb: database DSN %s is not a valid PostgreSQL %s: %s", RedactDSN(dsn), form, parseProblem(err))
}

// parseProblem describes why pgconn refused a DSN. pgconn's own text quotes the DSN (with
// best-effort redaction) and the errors of url.Parse and of its keyword/value reader can quote
// pieces of it, a password's among them; so only pgconn's summary, which quotes no value but
// those of non-secret settings, is kept, with a hint for the usual mistakes, and the cause only
// where it is about TLS or service files.
func parseProblem(err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return "it does not parse"
	}
	bare := *pe
	bare.ConnString = ""
	msg := strings.TrimPrefix(bare.Error(), "cannot parse ``: ")
	inner := errors.Unwrap(pe)
	if inner != nil {
		msg = strings.TrimSuffix(msg, " ("+inner.Error()+")")
	}
	switch msg {
	case "failed to configure TLS", "failed to read service":
		// These concern sslmode, certificate, key and service files, never a password's text.
		if inner != nil {
			msg += ": " + inner.Error()
		}
	case "failed to parse as URL":
		msg += " (percent-encode the characters @ : / ? # % of the user name and password)"
	case "failed to parse as keyword/value":
		msg += " (write key=value pairs separated by spaces; quote a value that has spaces or quotes: password='a b')"
	}
	return msg
}

// RedactDSN returns dsn fit to print, without white space around it: a PostgreSQL (or any) URL
// with the password of its user info and the values of its parameters named *password*
// replaced by "xxxxx", a keyword/value string with the values of its *password* keywords
// (password, sslpassword) replaced, and a SQLite path as it is. What starts like a URL scheme
// without "//" ("jdbc:postgresql://…", "postgresql:/u:p@h") is hidden but for its scheme, and a
// URL or keyword/value string that does not parse is hidden whole but for its form. Last, in
// whatever is left, a "//user:password@" and a "password=value" are hidden anywhere, so that no
// near-miss of a URL shows its password.
func RedactDSN(dsn string) string {
	s := strings.TrimSpace(dsn)
	rest, isFile := splitFilePrefix(s)
	prefix := s[:len(s)-len(rest)]
	var out string
	switch m := dsnScheme.FindStringSubmatch(rest); {
	case m != nil && m[2] != "":
		out = prefix + redactURL(rest, m[1])
	case m != nil:
		out = prefix + m[1] + ":(hidden: not a URL)"
	case !isFile && dsnKeyword.MatchString(s):
		out = redactKeywordValue(s)
	default:
		out = s
	}
	out = dsnUserInfo.ReplaceAllString(out, "//${1}:"+redactedValue+"@")
	return dsnPasswordParam.ReplaceAllString(out, "${1}"+redactedValue)
}

var (
	// dsnUserInfo matches the user info of a URL anywhere: "//user:password@".
	dsnUserInfo = regexp.MustCompile(`//([^/:@\s]*):[^/]*@`)
	// dsnPasswordParam matches a password parameter or keyword anywhere: "password=value",
	// "sslpassword=value".
	dsnPasswordParam = regexp.MustCompile(`(?i)(password[^=&\s]*=)[^&\s]*`)
)

const redactedValue = "xxxxx"

// isSecretKey reports whether a URL parameter or DSN keyword holds a password.
func isSecretKey(key string) bool { return strings.Contains(strings.ToLower(key), "password") }

func redactURL(dsn, scheme string) string {
	u, err := url.Parse(dsn)
	var q url.Values
	if err == nil {
		q, err = url.ParseQuery(u.RawQuery)
	}
	if err != nil {
		return scheme + "://(a DSN that does not parse as a URL)"
	}
	for name := range q {
		if isSecretKey(name) {
			q.Set(name, redactedValue)
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

// dsnSpace is the white space of a keyword/value string (libpq's isspace).
const dsnSpace = " \t\n\r\v\f"

// redactKeywordValue hides the password values of a keyword/value string, read as libpq reads
// it: key = value pairs, a value unquoted up to white space or single-quoted, '\' escaping the
// next character in either.
func redactKeywordValue(s string) string {
	const unparsable = "(a keyword/value DSN that does not parse)"
	var b strings.Builder
	space := func() {
		t := strings.TrimLeft(s, dsnSpace)
		b.WriteString(s[:len(s)-len(t)])
		s = t
	}
	for space(); s != ""; space() {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return unparsable
		}
		key := strings.TrimRight(s[:eq], dsnSpace)
		if key == "" || strings.ContainsAny(key, dsnSpace) {
			return unparsable
		}
		b.WriteString(s[:eq+1])
		s = s[eq+1:]
		space()
		end := 0
		if s != "" && s[0] == '\'' {
			for end = 1; end < len(s) && s[end] != '\''; end++ {
				if s[end] == '\\' {
					end++
				}
			}
			if end >= len(s) {
				return unparsable
			}
			end++ // the closing quote
		} else {
			for ; end < len(s) && !strings.ContainsRune(dsnSpace, rune(s[end])); end++ {
				if s[end] == '\\' {
					end++
				}
			}
			end = min(end, len(s))
		}
		if isSecretKey(key) {
			b.WriteString(redactedValue)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
	return b.String()
}
