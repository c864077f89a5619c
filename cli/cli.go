// Package cli implements the dealdesk command line: serve, sim, dev and admin.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// Env is what a command gets from the process: environment, standard streams.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

const usage = `dealdesk runs Channel Partner Private Offer deals on AWS Marketplace.

Usage:
  dealdesk serve [flags]            run the service (REST API)
  dealdesk sim [flags]              run the AWS Marketplace simulator
  dealdesk dev [flags]              run the simulator and the service wired together (development)
  dealdesk admin create-org --name NAME
  dealdesk admin create-api-key --org ORG_ID [--name NAME]
  dealdesk admin list-api-keys --org ORG_ID
  dealdesk admin revoke-api-key --org ORG_ID --id KEY_ID
  dealdesk admin create-user --org ORG_ID --email EMAIL [--name NAME] (password on stdin)
  dealdesk aws-connection show|set [flags]  read or set the AWS connection through the API
  dealdesk products sync [flags]    sync the products from AWS's Catalog through the API
  dealdesk offers list [flags]      list the offers through the API, one a line
  dealdesk offers show ID [flags]   show an offer's deal whole, from opportunity to metering
  dealdesk usage import FILE [flags]  report the usage in FILE.csv or FILE.jsonl through the API, resumably
  dealdesk metering flush [flags]   close ended usage hours and send their metering to AWS now
  dealdesk help

Run 'dealdesk COMMAND --help' for a command's flags and the DEALDESK_* environment variables
that set them. The exit status is 0 on success, 1 on failure and 2 for bad usage.
`

// Run runs the command in args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	err := run(ctx, args, env)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(env.Stderr, "dealdesk: %s\n", describe(err))
	return 1
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], env)
	case "sim":
		return runSim(ctx, args[1:], env)
	case "dev":
		return runDev(ctx, args[1:], env)
	case "admin":
		return runAdmin(ctx, args[1:], env)
	case "aws-connection":
		return runAWSConnection(ctx, args[1:], env)
	case "products":
		return runProducts(ctx, args[1:], env)
	case "offers":
		return runOffers(ctx, args[1:], env)
	case "usage":
		return runUsage(ctx, args[1:], env)
	case "metering":
		return runMetering(ctx, args[1:], env)
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	fmt.Fprintf(env.Stderr, "dealdesk: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// describe turns an error into one line for the terminal, listing invalid fields.
func describe(err error) error {
	fields := dealdesk.ErrorFields(err)
	if len(fields) == 0 {
		if dealdesk.ErrorCode(err) == dealdesk.EINTERNAL {
			return err
		}
		return errors.New(dealdesk.ErrorMessage(err))
	}
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return fmt.Errorf("%s (%s)", dealdesk.ErrorMessage(err), strings.Join(parts, "; "))
}

// newFlagSet returns a flag set that writes to stderr and returns errors. Its usage prints
// synopsis, then the flags.
func newFlagSet(name, synopsis string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs and refuses arguments left after the flags. A bad flag or a
// stray argument is a usage error (exit 2): the flag package has already said what is wrong and
// printed the usage; -h and --help return flag.ErrHelp (exit 0).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "dealdesk %s: unexpected argument %q (quote a value that has spaces)\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// envDefault returns the environment variable name's value, or def when it is unset.
func envDefault(env Env, name, def string) string {
	if v := env.Getenv(name); v != "" {
		return v
	}
	return def
}

// envDuration returns the duration in the environment variable name, or def when it is unset.
func envDuration(env Env, name string, def time.Duration) (time.Duration, error) {
	return envParse(env, name, def, time.ParseDuration, "a duration such as 15s or 1m")
}

// envBool returns the boolean in the environment variable name (as strconv.ParseBool reads it:
// true, false, 1, 0, ...), or def when it is unset.
func envBool(env Env, name string, def bool) (bool, error) {
	return envParse(env, name, def, strconv.ParseBool, "true or false")
}

// envParse returns the value of the environment variable name as parse reads it, or def when it
// is unset. A value parse refuses is a usage error naming the variable and saying that it is not
// what was wanted.
func envParse[T any](env Env, name string, def T, parse func(string) (T, error), wanted string) (T, error) {
	v := env.Getenv(name)
	if v == "" {
		return def, nil
	}
	x, err := parse(v)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dealdesk: %s=%q is not %s\n", name, v, wanted)
		var zero T
		return zero, errUsage
	}
	return x, nil
}
