package web

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/shopspring/decimal"
)

// simulatedUsageSpread is how many hours of simulated usage use up the contract's grant and the
// commit's share of a dimension: from the third closed hour on, the simulated product reports
// little more than what is metered.
const simulatedUsageSpread = 2

// simulatedUsageMaxHours bounds the closed hours one click reports (the longest window AWS has
// documented is 24 hours).
const simulatedUsageMaxHours = 24

// canSimulateUsage reports whether the page of e offers "Simulate: the product reports usage":
// dev only (Config.Simulator, with the usage service and the metering flusher), for a started
// ACTIVE entitlement.
func (h *Handler) canSimulateUsage(e *dealdesk.Entitlement) bool {
	return h.cfg.Simulator != nil && h.cfg.Usage != nil && h.cfg.MeteringFlusher != nil &&
		e.Status == dealdesk.EntitlementActive && e.StartTime != nil
}

// handleSimulateUsage plays the product reporting usage of an entitlement, then flushes the
// metering: POST /entitlements/{id}/simulate/usage, dev only (404 without Config.Simulator).
// For each whole hour since the entitlement's start that has closed and that the metering
// window still takes, it reports one usage group of every metered dimension of the product
// through the usage service (as POST /api/v1/entitlements/{id}/usage), with the ID
// "sim-{entitlement}-{hour}" and quantities that depend only on the entitlement, the hour and
// the contract (simulatedQuantity), so that a second click stores nothing new. An hour reported
// before counts as such, with the same content or with other (ECONFLICT: the product's metered
// dimensions have changed since). It then runs the flush (as POST /api/v1/metering/flush), even
// when some hours were refused, so that what was stored is metered, and redirects to the
// entitlement's page with what was recorded and metered; refused hours are shown instead, with
// the first refusal's message and what the flush did.
func (h *Handler) handleSimulateUsage(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Simulator == nil || h.cfg.Usage == nil || h.cfg.MeteringFlusher == nil {
		h.renderStatus(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	ctx := r.Context()
	e, err := h.cfg.Entitlements.FindEntitlementByID(ctx, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if !h.canSimulateUsage(e) {
		h.renderStatus(w, r, http.StatusConflict, "Only a started, ACTIVE entitlement can report usage.")
		return
	}
	var product *dealdesk.Product
	if e.ProductID != "" {
		if product, err = h.cfg.Products.FindProductByID(ctx, e.ProductID); err != nil && dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND {
			h.renderError(w, r, err)
			return
		}
	}
	var metered []string
	if product != nil {
		for _, d := range product.Dimensions {
			// As the metering close takes them (sqldb's CloseUsageHours): a dimension AWS no
			// longer lists is not metered.
			if d.Kind.Metered() && !d.Removed {
				metered = append(metered, d.Key)
			}
		}
	}
	if len(metered) == 0 {
		h.renderStatus(w, r, http.StatusConflict, "The entitlement's product is not known yet, or has no metered dimension: there is no usage to report.")
		return
	}
	var terms dealdesk.MeteringTerms
	if e.OpportunityID != "" {
		opp, err := h.cfg.Offers.FindOfferByID(ctx, e.OpportunityID)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		terms = dealdesk.TermsOf(opp)
	}
	groups := simulatedUsage(e, metered, terms, h.meteringWindow(), h.now())
	created, refused := 0, []error(nil)
	if len(groups) > 0 {
		results, err := h.cfg.Usage.ReportUsage(ctx, groups)
		if err != nil {
			h.renderError(w, r, err) // nothing could be done: nothing was stored
			return
		}
		for _, res := range results {
			switch {
			case res.Err == nil && res.Created:
				created++
			case res.Err == nil, dealdesk.ErrorCode(res.Err) == dealdesk.ECONFLICT:
				// Reported before: with the same content, or with other content (the product's
				// metered dimensions have changed since): the hour's usage is in.
			default:
				refused = append(refused, res.Err)
			}
		}
	}
	// What was stored is metered whatever was refused: the job is done as far as it can be.
	fr, err := h.cfg.MeteringFlusher.FlushMetering(ctx)
	if awsErr := (*dealdesk.AWSError)(nil); errors.As(err, &awsErr) {
		// The usage is stored; the simulator refused the metering, which the job retries.
		h.simulatorRefused(w, r, err)
		return
	} else if err != nil {
		h.renderError(w, r, err)
		return
	}
	if len(refused) > 0 {
		h.logger.Warn("web: simulated usage refused", "entitlement", e.ID, "refused", len(refused), "err", refused[0])
		status, msg := errorStatus(refused[0])
		if fs := dealdesk.ErrorFields(refused[0]); len(fs) > 0 {
			msg += " " + fs[0].Field + ": " + fs[0].Message + "."
		}
		h.renderStatus(w, r, status, fmt.Sprintf("The usage service refused the usage of %d of the %d closed hours: %s "+
			"The usage of the other %d was stored and the metering flushed: it closed %d record%s and AWS accepted %d.",
			len(refused), len(groups), msg, len(groups)-len(refused), fr.Closed, plural(fr.Closed), fr.Sent))
		return
	}
	units := int64(0)
	for _, rec := range fr.Records {
		if rec.EntitlementID == e.ID && rec.Status == dealdesk.MeteringSent {
			units += rec.Quantity
		}
	}
	q := url.Values{"notice": {"simulated-usage"}, "hours": {strconv.Itoa(len(groups))}, "recorded": {strconv.Itoa(created)},
		"dimensions": {strings.Join(metered, ", ")}, "closed": {strconv.Itoa(fr.Closed)}, "sent": {strconv.Itoa(fr.Sent)},
		"units": {strconv.FormatInt(units, 10)}}
	http.Redirect(w, r, "/entitlements/"+url.PathEscape(e.ID)+"?"+q.Encode(), http.StatusSeeOther)
}

// simulatedUsage returns the usage groups of the simulated product at now: one per whole hour
// since e's start that has closed, is before e's end and is not older than the window takes
// (MeteringWindow.OldestUsage), at most simulatedUsageMaxHours, oldest first, each dated half
// past its hour (its start when e ends before) with a quantity of every metered dimension key.
func simulatedUsage(e *dealdesk.Entitlement, metered []string, terms dealdesk.MeteringTerms, window dealdesk.MeteringWindow, now time.Time) []dealdesk.UsageGroupInput {
	first := dealdesk.Hour(*e.StartTime)
	if first.Before(*e.StartTime) {
		first = first.Add(time.Hour)
	}
	if oldest := window.OldestUsage(now); first.Before(oldest) {
		first = oldest
	}
	var out []dealdesk.UsageGroupInput
	for hour := first; !hour.Add(time.Hour).After(now) && len(out) < simulatedUsageMaxHours; hour = hour.Add(time.Hour) {
		if e.EndTime != nil && !hour.Before(*e.EndTime) {
			break
		}
		ts := hour.Add(30 * time.Minute)
		if e.EndTime != nil && !ts.Before(*e.EndTime) {
			ts = hour
		}
		g := dealdesk.UsageGroupInput{ID: "sim-" + e.ID + "-" + hour.Format("2006-01-02T15"), EntitlementID: e.ID,
			Timestamp: ts, Records: map[string]dealdesk.Decimal{}}
		for _, k := range metered {
			g.Records[k] = simulatedQuantity(e.ID, k, hour, terms)
		}
		out = append(out, g)
	}
	return out
}

// simulatedQuantity is the usage of dimension key in hour that the simulated product reports:
// a whole number that depends only on its arguments (never on the product's dimensions now,
// which a sync changes), so that reporting it again is the same report. It is 20 to 59 units
// of overage, plus, so that the first simulatedUsageSpread hours use up the contract, a share
// of the grant of key and, when usage is metered against the commit, of the commit's worth of
// units at key's price (split evenly between the dimensions the contract prices).
func simulatedQuantity(entitlementID, key string, hour time.Time, terms dealdesk.MeteringTerms) dealdesk.Decimal {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d", entitlementID, key, hour.Unix()))
	q := decimal.NewFromInt(20 + int64(binary.BigEndian.Uint64(sum[:8])%40))
	spread := decimal.NewFromInt(simulatedUsageSpread)
	if g := terms.Grants[key]; g > 0 {
		q = q.Add(decimal.NewFromInt(g).Div(spread).Ceil())
	}
	if price, ok := terms.Prices[key]; ok && terms.MeterAgainstCommit && terms.CommitAmount.IsSet() && price.IsPositive() {
		share := terms.CommitAmount.Decimal.Div(price.Decimal).Div(decimal.NewFromInt(int64(len(terms.Prices))))
		q = q.Add(share.Div(spread).Ceil())
	}
	if limit := dealdesk.MaxUsageQuantity.Decimal; q.GreaterThan(limit) {
		q = limit
	}
	return dealdesk.MustDecimal(q.String())
}

// simulatedUsageNotice is the entitlement page's notice after "Simulate: the product reports
// usage", from the values its redirect carries, which a link can carry too: counts out of their
// bounds (simulatedNoticeCount) give a notice without numbers, and dimensions that are not
// product's metered ones (product nil: unknown) are left out of the text.
func simulatedUsageNotice(q url.Values, product *dealdesk.Product) string {
	hours, ok1 := simulatedNoticeCount(q, "hours", simulatedUsageMaxHours)
	recorded, ok2 := simulatedNoticeCount(q, "recorded", hours)
	closed, ok3 := simulatedNoticeCount(q, "closed", simulatedNoticeMaxRecords)
	sent, ok4 := simulatedNoticeCount(q, "sent", simulatedNoticeMaxRecords)
	units, ok5 := simulatedNoticeCount(q, "units", simulatedNoticeMaxUnits)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		// Not what handleSimulateUsage writes: a link made otherwise.
		return "The simulated product reported usage and the metering was flushed."
	}
	var b strings.Builder
	switch {
	case hours == 0:
		b.WriteString("No whole hour since the entitlement started has closed within the metering window yet: no usage was reported.")
	case recorded == 0:
		fmt.Fprintf(&b, "No new usage: the %d closed hour%s since the entitlement started were reported before (each report's ID is the entitlement and its hour).", hours, plural(int(hours)))
	default:
		b.WriteString("The simulated product reported usage")
		if dims := q.Get("dimensions"); meteredKeys(product, dims) {
			b.WriteString(" of " + dims)
		}
		fmt.Fprintf(&b, " in %d closed hour%s", recorded, plural(int(recorded)))
		if old := hours - recorded; old > 0 {
			fmt.Fprintf(&b, " (%d more reported before)", old)
		}
		b.WriteString(".")
	}
	fmt.Fprintf(&b, " The metering flush closed %d record%s and AWS accepted %d, metering %d unit%s of this entitlement.",
		closed, plural(int(closed)), sent, units, plural(int(min(units, 2))))
	return b.String()
}

// Bounds of the counts a simulated usage notice shows: records one flush closes or sends, and
// units of one entitlement it meters (simulatedUsageMaxHours hours of MaxUsageQuantity in a
// few dimensions is far below).
const (
	simulatedNoticeMaxRecords = 1_000_000
	simulatedNoticeMaxUnits   = 1_000_000_000_000_000
)

// simulatedNoticeCount reads q's value k as a count from 0 to limit, written as strconv
// writes it; ok is false otherwise.
func simulatedNoticeCount(q url.Values, k string, limit int64) (n int64, ok bool) {
	s := q.Get(k)
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0 && n <= limit && strconv.FormatInt(n, 10) == s
}

// meteredKeys reports whether list is keys of metered dimensions of product, each once,
// joined by ", " (as handleSimulateUsage writes them).
func meteredKeys(product *dealdesk.Product, list string) bool {
	if product == nil || list == "" {
		return false
	}
	seen := map[string]bool{}
	for _, k := range strings.Split(list, ", ") {
		d := product.Dimension(k)
		if d == nil || !d.Kind.Metered() || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}
