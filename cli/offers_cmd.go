package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/dealdesk/dealdesk"
)

const offersUsage = `Usage:
  dealdesk offers list [flags]    lists the offers, one a line, newest first
  dealdesk offers show ID         shows the deal of an offer whole, from opportunity to metering
Each takes --api-url (DEALDESK_API_URL) and the API key from DEALDESK_API_KEY or --api-key-file,
and --json to print the API's JSON as it is.
'dealdesk offers COMMAND --help' lists a command's flags.
`

const offersListSynopsis = `Usage: dealdesk offers list [--type CPPO_OUT|CPPO] [--status STATUS] [--product-id ID]
         [--reseller-account-id ID] [--name-contains TEXT] [--limit N] [--all] [--json]
         [--api-url URL] [--api-key-file PATH]

Lists the organization's offers, newest first (GET /api/v1/offers), one a line: ID, type,
status, name, reseller, commit and currency, created. The filters must all match. Without --all
one page is shown (--limit offers, 50 by default) and, when more follow, standard error says so;
--all follows the pages to the end. --json prints each page as the API answers it,
{"items":[...],"nextCursor":"..."}, one page a line.
`

const offersShowSynopsis = `Usage: dealdesk offers show [--json] [--api-url URL] [--api-key-file PATH] ID

Shows a deal whole (GET /api/v1/offers/ID/chain): the opportunity (a CPPO offer's ID shows the
opportunity it was made from), each CPPO offer made from it, each entitlement those offers
became with its metering totals per dimension (GET /api/v1/entitlements/{id}/metering), and the
deal's timeline, oldest first. --json prints the chain as the API answers it.
`

// listFlagFields maps the query parameters of GET /offers to the flags of `offers list`, so that
// the server's answer about a bad one names the flag the user typed.
var listFlagFields = map[string]string{
	"type": "--type", "status": "--status", "productId": "--product-id", "resellerAccountId": "--reseller-account-id",
	"nameContains": "--name-contains", "limit": "--limit",
}

// runOffers runs `dealdesk offers list|show`.
func runOffers(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, offersUsage)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, offersUsage)
		return nil
	case "list":
		return runOffersList(ctx, args[1:], env)
	case "show":
		return runOffersShow(ctx, args[1:], env)
	}
	fmt.Fprintf(env.Stderr, "dealdesk offers: unknown command %q\n\n%s", args[0], offersUsage)
	return errUsage
}

// runOffersList runs `dealdesk offers list`.
func runOffersList(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("offers list", offersListSynopsis, env)
	newClient := clientFlags(fs, env)
	var f dealdesk.OfferFilter
	fs.Var((*upperFlag)(&f.Type), "type", "offer `type`: CPPO_OUT (resell opportunities) or CPPO (the resellers' offers)")
	fs.Var((*upperFlag)(&f.Status), "status", "offer `status`, e.g. ACTIVE, PENDING_CREATE, ACCEPTED")
	fs.StringVar(&f.ProductID, "product-id", "", "dealdesk's product `ID` (prd_...)")
	fs.StringVar(&f.ResellerAccountID, "reseller-account-id", "", "the reseller's AWS account `ID` (12 digits)")
	fs.StringVar(&f.NameContains, "name-contains", "", "`text` the name contains (ASCII letters in any case)")
	fs.IntVar(&f.Limit, "limit", dealdesk.DefaultPageSize, fmt.Sprintf("offers a page, 1 to %d", dealdesk.MaxPageSize))
	all := fs.Bool("all", false, "follow the pages to the last")
	asJSON := fs.Bool("json", false, "print each page as the API answers it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := refuseEmptyFlags(fs, env, "type", "status", "product-id", "reseller-account-id", "name-contains"); err != nil {
		return err
	}
	if f.Limit < 1 || f.Limit > dealdesk.MaxPageSize {
		fmt.Fprintf(env.Stderr, "dealdesk offers list: --limit must be from 1 to %d\n", dealdesk.MaxPageSize)
		fs.Usage()
		return errUsage
	}
	c, err := newClient()
	if err != nil {
		return err
	}
	var tw *table
	if !*asJSON {
		tw = newTable(env.Stdout, "ID", "TYPE", "STATUS", "NAME", "RESELLER", "COMMIT", "CREATED")
	}
	for {
		var next string
		if *asJSON {
			var raw []byte
			raw, next, err = c.FindOffersJSON(ctx, f)
			if err == nil {
				fmt.Fprintf(env.Stdout, "%s\n", raw)
			}
		} else {
			var offers []*dealdesk.Offer
			offers, next, err = c.FindOffers(ctx, f)
			for _, o := range offers {
				tw.row(o.ID, string(o.Type), string(o.Status), o.Name, o.ResellerAccountID, commit(o), timeText(o.CreatedAt))
			}
		}
		if err != nil {
			if tw != nil && tw.rows > 1 {
				tw.flush() // the pages listed before the error
			}
			return renameFields(err, listFlagFields)
		}
		if next == "" {
			break
		}
		if !*all {
			fmt.Fprintln(env.Stderr, "dealdesk offers list: more offers follow: --all lists them all")
			break
		}
		f.Cursor = next
	}
	if tw != nil {
		tw.flush()
	}
	return nil
}

// runOffersShow runs `dealdesk offers show ID`.
func runOffersShow(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("offers show", offersShowSynopsis, env)
	newClient := clientFlags(fs, env)
	asJSON := fs.Bool("json", false, "print the chain as the API answers it")
	id, err := parseFlagsAndArg(fs, args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(id) == "" {
		fmt.Fprintln(env.Stderr, "dealdesk offers show: missing the offer ID (off_...)")
		fs.Usage()
		return errUsage
	}
	c, err := newClient()
	if err != nil {
		return err
	}
	if *asJSON {
		raw, err := c.FindOfferChainJSON(ctx, id)
		if err != nil {
			return offerNotFound(err, id)
		}
		fmt.Fprintf(env.Stdout, "%s\n", raw)
		return nil
	}
	chain, err := c.FindOfferChain(ctx, id)
	if err != nil {
		return offerNotFound(err, id)
	}
	totals := make(map[string]*dealdesk.MeteringTotals, len(chain.Entitlements))
	for _, e := range chain.Entitlements {
		if totals[e.ID], err = c.MeteringTotals(ctx, e.ID); err != nil {
			return fmt.Errorf("the metering of entitlement %s: %w", e.ID, err)
		}
	}
	printChain(env.Stdout, chain, totals)
	return nil
}

// offerNotFound returns err, saying which offer when it is ENOTFOUND: the ID as it was typed
// (the server's detail quotes it as it reached the server, escaped).
func offerNotFound(err error, id string) error {
	if dealdesk.ErrorCode(err) == dealdesk.ENOTFOUND {
		return dealdesk.Errorf(dealdesk.ENOTFOUND, "No offer %q in your organization.", id)
	}
	return err
}

// parseFlagsAndArg parses args, flags before or after the one argument, and returns the
// argument ("" when there is none). A second argument is a usage error, as in parseFlags.
func parseFlagsAndArg(fs *flag.FlagSet, args []string) (string, error) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], parseFlags(fs, args[1:])
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", errUsage
	}
	if fs.NArg() == 0 {
		return "", nil
	}
	return fs.Arg(0), parseFlags(fs, fs.Args()[1:])
}

// refuseEmptyFlags is a usage error naming the first of names given with an empty value: an
// empty filter would select everything, not what was meant.
func refuseEmptyFlags(fs *flag.FlagSet, env Env, names ...string) error {
	var empty string
	fs.Visit(func(f *flag.Flag) {
		for _, n := range names {
			if f.Name == n && strings.TrimSpace(f.Value.String()) == "" && empty == "" {
				empty = n
			}
		}
	})
	if empty == "" {
		return nil
	}
	fmt.Fprintf(env.Stderr, "dealdesk %s: --%s must not be empty: leave the flag out instead\n", fs.Name(), empty)
	fs.Usage()
	return errUsage
}

// renameFields renames the invalid fields of a validation error by names (a query parameter
// to its flag), leaving the others as they are; it returns err.
func renameFields(err error, names map[string]string) error {
	var e *dealdesk.Error
	if errors.As(err, &e) {
		for i, f := range e.Fields {
			if n, ok := names[f.Field]; ok {
				e.Fields[i].Field = n
			}
		}
	}
	return err
}

// upperFlag is a flag of an enum the server checks (an offer type or status), upper-cased.
type upperFlag string

func (v *upperFlag) String() string { return string(*v) }

func (v *upperFlag) Set(s string) error {
	*v = upperFlag(strings.ToUpper(strings.TrimSpace(s)))
	return nil
}

var _ flag.Value = (*upperFlag)(nil)

// commit returns an offer's commit and currency ("12000.00 USD"), "-" without a commit.
func commit(o *dealdesk.Offer) string {
	if o.CommitAmount == nil {
		return "-"
	}
	return strings.TrimSpace(o.CommitAmount.String() + " " + string(o.Currency))
}
