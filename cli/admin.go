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
  dealdesk admin create-org --name NAME                 prints the new organization's ID
  dealdesk admin create-api-key --org ORG_ID [--name N]  prints the key once, as the last line
  dealdesk admin create-user --org ORG_ID --email EMAIL [--name NAME]
                                                        reads the password from standard input
Each takes --db (DEALDESK_DB) like 'dealdesk serve'.
`

// runAdmin runs an administrative command against the database.
func runAdmin(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, adminUsage)
		return errUsage
	}
	fs := newFlagSet("admin "+args[0], env)
	dsn := fs.String("db", envDefault(env, "DEALDESK_DB", "dealdesk.db"), "database: a SQLite file `path` or a postgres:// DSN (DEALDESK_DB)")
	name := fs.String("name", "", "`name` of the organization, key or user")
	org := fs.String("org", "", "organization `ID`")
	email := fs.String("email", "", "user's `email`")
	switch args[0] {
	case "create-org", "create-api-key", "create-user":
	default:
		fmt.Fprintf(env.Stderr, "dealdesk admin: unknown command %q\n\n%s", args[0], adminUsage)
		return errUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	need := func(v, flag string) error {
		if strings.TrimSpace(v) == "" {
			fmt.Fprintf(env.Stderr, "dealdesk admin %s: --%s is required\n", args[0], flag)
			return errUsage
		}
		return nil
	}
	var err error
	switch args[0] {
	case "create-org":
		err = need(*name, "name")
	case "create-api-key":
		err = need(*org, "org")
	case "create-user":
		if err = need(*org, "org"); err == nil {
			err = need(*email, "email")
		}
	}
	if err != nil {
		return err
	}

	db, err := sqldb.Open(ctx, *dsn, sqldb.Options{})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()

	switch args[0] {
	case "create-org":
		o, err := db.CreateOrganization(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, o.ID)
	case "create-api-key":
		keyName := *name
		if keyName == "" {
			keyName = "admin"
		}
		k, secret, err := db.CreateAPIKey(ctx, *org, keyName)
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
		u, err := db.CreateUser(ctx, *org, *email, *name, password)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, u.ID)
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
