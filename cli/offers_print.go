package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/dealdesk/dealdesk"
)

// table writes rows in aligned columns (text/tabwriter), each line after an indent. Every cell
// is made printable, and an empty one is written "-", so that each line has every column.
type table struct {
	tw     *tabwriter.Writer
	indent string
	rows   int // written so far, the header included
}

// newTable returns a table on w whose first row is header.
func newTable(w io.Writer, header ...string) *table { return newIndentedTable(w, "", header...) }

// newIndentedTable is newTable with each line after indent.
func newIndentedTable(w io.Writer, indent string, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0), indent: indent}
	t.row(header...)
	return t
}

// row writes one row.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c = printable(c); c == "" {
			c = "-"
		}
		cells[i] = c
	}
	fmt.Fprintf(t.tw, "%s%s\n", t.indent, strings.Join(cells, "\t"))
	t.rows++
}

// flush writes out the rows; a table is written whole, aligned, once flushed.
func (t *table) flush() { _ = t.tw.Flush() }

// printable returns s with every control character (a tab, a line end, a terminal escape: the
// names of CPPO offers come from resellers, through AWS) replaced by a space.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// timeText is t in UTC as RFC 3339, "" when zero.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// timePtrText is timeText of *t, "" when nil.
func timePtrText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return timeText(*t)
}

// writeFields writes label-value pairs (labels then values, alternately) one a line after
// indent, the values aligned; an empty value is written "-".
func writeFields(w io.Writer, indent string, pairs ...string) {
	width := 0
	for i := 0; i < len(pairs); i += 2 {
		width = max(width, len(pairs[i]))
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		v := printable(pairs[i+1])
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(w, "%s%-*s  %s\n", indent, width, pairs[i], v)
	}
}

// printChain prints a deal as a tree: the opportunity, each CPPO offer made from it, under each
// the entitlements it became with their metering totals (by entitlement ID), then the timeline,
// oldest first.
func printChain(w io.Writer, c *dealdesk.OfferChain, totals map[string]*dealdesk.MeteringTotals) {
	if o := c.Opportunity; o != nil {
		fmt.Fprintf(w, "Opportunity %s  %s\n", o.ID, printable(o.Name))
		expiry := ""
		if o.ExpiryDate != nil {
			expiry = o.ExpiryDate.String()
		}
		writeFields(w, "  ",
			"type", string(o.Type),
			"status", string(o.Status),
			"resale authorization", o.ExternalID,
			"product", o.ProductID,
			"reseller", o.ResellerAccountID,
			"buyers", strings.Join(o.BuyerAccountIDs, ", "),
			"commit", strings.TrimSpace(commit(o)+" "+o.ContractDuration),
			"expires", expiry)
		if len(o.PublishErrors) > 0 {
			// While PENDING_CREATE they say why the publish waits (decision 015).
			if o.Status == dealdesk.OfferPendingCreate {
				fmt.Fprintln(w, "  publish waits")
			} else {
				fmt.Fprintln(w, "  AWS errors")
			}
			for _, e := range o.PublishErrors {
				fmt.Fprintf(w, "    %s: %s\n", printable(e.Field), printable(e.Message))
			}
		}
	} else {
		fmt.Fprintln(w, "Opportunity  not known yet: AWS has not told dealdesk which resale authorization the offer was made from")
	}

	inChain := map[string]bool{}
	for _, o := range c.Offers {
		inChain[o.ID] = true
	}
	if len(c.Offers) == 0 {
		fmt.Fprintln(w, "  No CPPO offer made from it yet.")
	}
	for _, o := range c.Offers {
		fmt.Fprintf(w, "  CPPO offer %s  %s\n", o.ID, printable(o.Name))
		markup := ""
		if o.MarkupPercentage != nil {
			markup = o.MarkupPercentage.String() + "%"
		}
		writeFields(w, "    ",
			"AWS offer ID", o.ExternalID,
			"status", string(o.Status),
			"buyers", strings.Join(o.BuyerAccountIDs, ", "),
			"markup", markup)
		for _, e := range c.Entitlements {
			if e.OfferID == o.ID {
				printEntitlement(w, "    ", e, totals[e.ID])
			}
		}
	}
	for _, e := range c.Entitlements {
		if !inChain[e.OfferID] {
			printEntitlement(w, "  ", e, totals[e.ID])
		}
	}

	fmt.Fprintln(w, "Timeline (oldest first)")
	if len(c.Timeline) == 0 {
		fmt.Fprintln(w, "  Nothing has happened yet.")
		return
	}
	entries := slices.Clone(c.Timeline)
	slices.SortStableFunc(entries, func(a, b *dealdesk.TimelineEntry) int { return a.At.Compare(b.At) })
	tw := newIndentedTable(w, "  ", "TIME", "KIND", "SOURCE", "SUMMARY")
	for _, e := range entries {
		tw.row(timeText(e.At), string(e.Kind), string(e.Source), e.Summary)
	}
	tw.flush()
}

// printEntitlement prints an entitlement after indent and, below it, its metering totals (t,
// nil when not read).
func printEntitlement(w io.Writer, indent string, e *dealdesk.Entitlement, t *dealdesk.MeteringTotals) {
	fmt.Fprintf(w, "%sEntitlement %s\n", indent, e.ID)
	in := indent + "  "
	fields := []string{
		"agreement", e.ExternalID,
		"buyer", e.BuyerAccountID,
		"status", string(e.Status),
		"start", timePtrText(e.StartTime),
		"end", timePtrText(e.EndTime),
		"license", e.LicenseARN,
	}
	if t != nil && t.CommitAmount != nil {
		fields = append(fields, "commit used", fmt.Sprintf("%s of %s USD", t.CommitUsed, t.CommitAmount))
	}
	if t != nil && t.Waiting != "" {
		fields = append(fields, "waiting", t.Waiting)
	}
	if t != nil && len(t.Dimensions) == 0 {
		fields = append(fields, "metering", "no usage in closed hours yet")
	}
	writeFields(w, in, fields...)
	if t == nil || len(t.Dimensions) == 0 {
		return
	}
	fmt.Fprintf(w, "%smetering\n", in)
	tw := newIndentedTable(w, in+"  ", "DIMENSION", "REPORTED", "BY GRANT", "BY COMMIT", "METERED", "UNSENT", "FAILED")
	for _, d := range t.Dimensions {
		tw.row(d.DimensionKey, d.Reported.String(), d.CoveredByGrant.String(), d.CoveredByCommit.String(),
			itoa(d.Metered), itoa(d.Unsent), itoa(d.Failed))
	}
	tw.flush()
	if len(t.Pending) > 0 {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range t.Pending {
				if !yield(k) {
					return
				}
			}
		})
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+" "+t.Pending[k].String())
		}
		writeFields(w, in, "open hours", strings.Join(parts, ", "))
	}
}

// itoa is a count as text.
func itoa(n int64) string { return fmt.Sprint(n) }
