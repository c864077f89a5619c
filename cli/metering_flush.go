package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/dealdesk/dealdesk"
)

const meteringUsage = `Usage:
  dealdesk metering flush    closes every ended usage hour and sends what is pending now, and prints it
Each takes --api-url (DEALDESK_API_URL) and the API key from DEALDESK_API_KEY or --api-key-file.
`

const meteringFlushSynopsis = `Usage: dealdesk metering flush [--api-url URL] [--api-key-file PATH]

Closes every ended usage hour of the organization into metering records and sends what is
pending to AWS now (POST /api/v1/metering/flush), then prints how many records were made, sent
and failed, and each record: its hour, entitlement, dimension, quantity, status and AWS's
metering record ID or the reason it failed.
`

// runMetering runs `dealdesk metering flush`.
func runMetering(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, meteringUsage)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, meteringUsage)
		return nil
	case "flush":
	default:
		fmt.Fprintf(env.Stderr, "dealdesk metering: unknown command %q\n\n%s", args[0], meteringUsage)
		return errUsage
	}
	fs := newFlagSet("metering flush", meteringFlushSynopsis, env)
	newClient := clientFlags(fs, env)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	c, err := newClient()
	if err != nil {
		return err
	}
	res, err := c.FlushMetering(ctx)
	if err != nil {
		return err
	}
	printFlush(env.Stdout, res)
	return nil
}

// printFlush prints what a flush did, one record a line.
func printFlush(w io.Writer, res *dealdesk.FlushResult) {
	fmt.Fprintf(w, "closed  %d\nsent    %d\nfailed  %d\n", res.Closed, res.Sent, res.Failed)
	if len(res.Records) == 0 {
		return
	}
	fmt.Fprintf(w, "%-20s  %-30s  %-20s  %10s  %-23s  %s\n", "HOUR", "ENTITLEMENT", "DIMENSION", "QUANTITY", "STATUS", "AWS RECORD / REASON")
	for _, r := range res.Records {
		detail := r.MeteringRecordID
		if detail == "" {
			detail = r.Error
		}
		fmt.Fprintf(w, "%-20s  %-30s  %-20s  %10d  %-23s  %s\n", r.Hour.UTC().Format(time.RFC3339), r.EntitlementID, r.DimensionKey, r.Quantity, r.Status, detail)
	}
}
