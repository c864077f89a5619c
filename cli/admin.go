package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dealdesk/dealdesk/sqldb"
)

const adminUsage = `Usage:
  dealdesk admin create-org --name NAME                  prints the new organization's ID
  dealdesk admin create-api-key --org ORG_ID [--name N]  prints the key once, as the last line
  dealdesk admin list-api-keys --org ORG_ID              lists the keys (prefixes, never the keys)
  dealdesk admin revoke-api-key --org ORG_ID --id KEY_ID refuses the key from now on
  dealdesk admin create-user --org ORG_ID --email EMAIL [--name NAME]
                                                         reads the password from standard input
Each takes --db (DEALDESK_DB) like 'dealdesk serve', on a database that 'dealdesk serve' has
created and migrated: admin commands never create or migrate one, so a mistyped --db is an error.
'dealdesk admin COMMAND --help' lists a command's flags.
`

// adminSynopses are the usage lines of the admin commands, by command.
var adminSynopses = map[string]string{
	"create-org":     "Usage: dealdesk admin create-org --name NAME [--db DSN]\n\nCreates an organization and prints its ID.\n",
	"create-api-key": "Usage: dealdesk admin create-api-key --org ORG_ID [--name NAME] [--db DSN]\n\nCreates an API key for the organization and prints it once, as the last line.\n",
	"create-user":    "Usage: dealdesk admin create-user --org ORG_ID --email EMAIL [--name NAME] [--db DSN]\n\nCreates a console user; the password is the first line of standard input.\n",
	"list-api-keys":  "Usage: dealdesk admin list-api-keys --org ORG_ID [--db DSN]\n\nLists the organization's API keys, newest first: ID, name, prefix, created, last used and revoked\ntimes. The keys themselves are not stored and cannot be shown.\n",
	"revoke-api-key": "Usage: dealdesk admin revoke-api-key --org ORG_ID --id KEY_ID [--db DSN]\n\nRevokes an API key of the organization: every request with it is refused from now on, on\nevery replica. The key stays listed, with the time it was revoked; revoking it again changes\nnothing.\n",
}

// runAdmin runs an administrative command against the database.
func runAdmin(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, adminUsage)
		return errUsage
	}
	cmd := args[0]
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, adminUsage)
		return nil
	}
	synopsis, ok := adminSynopses[cmd]
	if !ok {
		fmt.Fprintf(env.Stderr, "dealdesk admin: unknown command %q\n\n%s", cmd, adminUsage)
		return errUsage
	}

	// Each command defines only the flags it takes, so that --help is exact and a flag meant for
	// another command is an error rather than ignored.
	fs := newFlagSet("admin "+cmd, synopsis, env)
	dsn := dbFlag(fs, env)
	var name, org, email, id string
	var required []string
	switch cmd {
	case "create-org":
		fs.StringVar(&name, "name", "", "`name` of the organization (required)")
		required = []string{"name"}
	case "create-api-key":
		fs.StringVar(&org, "org", "", "organization `ID` (required)")
		fs.StringVar(&name, "name", "admin", "`name` of the key, to recognise it in lists")
		required = []string{"org"}
	case "create-user":
		fs.StringVar(&org, "org", "", "organization `ID` (required)")
		fs.StringVar(&email, "email", "", "user's `email` (required)")
		fs.StringVar(&name, "name", "", "user's `name`")
		required = []string{"org", "email"}
	case "list-api-keys":
		fs.StringVar(&org, "org", "", "organization `ID` (required)")
		required = []string{"org"}
	case "revoke-api-key":
		fs.StringVar(&org, "org", "", "organization `ID` (required)")
		fs.StringVar(&id, "id", "", "the key's `ID` (key_..., as list-api-keys shows it; required)")
		required = []string{"org", "id"}
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	for _, f := range required {
		if strings.TrimSpace(fs.Lookup(f).Value.String()) == "" {
			fmt.Fprintf(env.Stderr, "dealdesk admin %s: --%s is required\n", cmd, f)
			return errUsage
		}
	}

	// MustExist: a mistyped --db must not become a new database that answers "not found".
	db, err := sqldb.Open(ctx, *dsn, sqldb.Options{MustExist: true})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()

	switch cmd {
	case "create-org":
		o, err := db.CreateOrganization(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, o.ID)
	case "create-api-key":
		k, secret, err := db.CreateAPIKey(ctx, org, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "API key %s (%s) for organization %s; it is shown only now:\n", k.ID, k.Name, k.OrgID)
		fmt.Fprintln(env.Stdout, secret)
	case "create-user":
		password, err := readPassword(env)
		if err != nil {
			return err
		}
		u, err := db.CreateUser(ctx, org, email, name, password)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, u.ID)
	case "list-api-keys":
		return listAPIKeys(ctx, db, org, env)
	case "revoke-api-key":
		return revokeAPIKey(ctx, db, org, id, env)
	}
	return nil
}

// readPassword reads the first line of standard input.
func readPassword(env Env) (string, error) {
	if env.Stdin == nil {
		return "", errors.New("the password is read from standard input; none given")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil {
			return "", errors.New("the password is read from standard input; none given")
		}
		return "", errors.New("the password is read from standard input; the first line is empty")
	}
	return line, nil
}
