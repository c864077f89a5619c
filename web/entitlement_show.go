package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/dealdesk/dealdesk"
)

// chartHours is how many closed hours the entitlement page's usage chart shows.
const chartHours = 48

// meteringRecordPageSize is how many metering records a page of the entitlement's table shows.
const meteringRecordPageSize = 50

// entitlementPage is what the page of an entitlement shows: the entitlement, its product, the
// metering totals over its term, a usage chart per dimension of the last chartHours closed
// hours, and a page of its metering records with AWS's answers.
type entitlementPage struct {
	Entitlement *dealdesk.Entitlement
	Product     *dealdesk.Product // nil when it is not known
	Totals      *dealdesk.MeteringTotals
	ChartFrom   time.Time
	ChartTo     time.Time
	Charts      []usageChart
	Records     []*dealdesk.MeteringRecord
	NextURL     string // the next page of records, "" on the last
	FirstURL    string // the first page, "" on it
	Notice      string
	// SimulateUsage is dev's "Simulate: the product reports usage" button (Config.Simulator).
	SimulateUsage bool
}

// handleEntitlementShow shows an entitlement and its metering: GET /entitlements/{id}, with
// ?cursor= paging its metering records. Another organization's entitlement is 404.
func (h *Handler) handleEntitlementShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	e, err := h.cfg.Entitlements.FindEntitlementByID(ctx, r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := entitlementPage{Entitlement: e, SimulateUsage: h.canSimulateUsage(e)}
	if e.ProductID != "" {
		if p.Product, err = h.cfg.Products.FindProductByID(ctx, e.ProductID); err != nil && dealdesk.ErrorCode(err) != dealdesk.ENOTFOUND {
			h.renderError(w, r, err)
			return
		}
	}
	p.Notice = entitlementNotice(r.URL.Query(), p.Product)
	if p.Totals, err = h.cfg.Metering.MeteringTotals(ctx, e.ID); err != nil {
		h.renderError(w, r, err)
		return
	}
	p.ChartTo = dealdesk.Hour(h.now())
	p.ChartFrom = p.ChartTo.Add(-chartHours * time.Hour)
	if p.Charts, err = h.usageCharts(r, e.ID, p.Product, p.ChartFrom, p.ChartTo); err != nil {
		h.renderError(w, r, err)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	recs, next, err := h.cfg.Metering.FindMeteringRecords(ctx, dealdesk.MeteringRecordFilter{EntitlementID: e.ID,
		Cursor: cursor, Limit: meteringRecordPageSize})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Records = recs
	if next != "" {
		p.NextURL = entitlementURL(e.ID, next)
	}
	if cursor != "" {
		p.FirstURL = entitlementURL(e.ID, "")
	}
	h.render(w, r, http.StatusOK, "entitlement_show", "entitlements", p)
}

// usageCharts reads the entitlement's metering records of the hours in [from, to), page by
// page, and draws a chart per dimension: the product's dimensions in its order (those with
// records), then any other key in the records.
func (h *Handler) usageCharts(r *http.Request, entitlementID string, product *dealdesk.Product, from, to time.Time) ([]usageChart, error) {
	byKey := map[string][]*dealdesk.MeteringRecord{}
	var keys []string
	f := dealdesk.MeteringRecordFilter{EntitlementID: entitlementID, From: &from, To: &to, Limit: dealdesk.MaxPageSize}
	for {
		recs, next, err := h.cfg.Metering.FindMeteringRecords(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			if byKey[rec.DimensionKey] == nil {
				keys = append(keys, rec.DimensionKey)
			}
			byKey[rec.DimensionKey] = append(byKey[rec.DimensionKey], rec)
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	slices.Sort(keys)
	var charts []usageChart
	add := func(key, name, unit string) {
		if recs, ok := byKey[key]; ok {
			charts = append(charts, newUsageChart("chart-"+key, key, name, unit, recs))
			delete(byKey, key)
		}
	}
	if product != nil {
		for _, d := range product.Dimensions {
			add(d.Key, d.Name, d.Unit)
		}
	}
	for _, k := range keys {
		add(k, k, "units")
	}
	return charts, nil
}

// entitlementURL is the URL of the entitlement's page, at a page of its metering records.
func entitlementURL(id, cursor string) string {
	u := "/entitlements/" + url.PathEscape(id)
	if cursor != "" {
		u += "?" + url.Values{"cursor": {cursor}}.Encode()
	}
	return u
}

// entitlementNotice is the message a redirect after a post asks the entitlement page to show:
// q's notice, with the values a simulated usage report carries (checked against product, the
// entitlement's; nil when unknown).
func entitlementNotice(q url.Values, product *dealdesk.Product) string {
	switch q.Get("notice") {
	case "retried":
		return "The record is PENDING again: it goes to AWS with the next batch."
	case "simulated-usage":
		return simulatedUsageNotice(q, product)
	}
	return ""
}
