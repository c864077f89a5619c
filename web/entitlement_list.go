package web

import (
	"net/http"
	"net/url"

	"github.com/dealdesk/dealdesk"
)

// entitlementListPageSize is how many entitlements a page of the list shows.
const entitlementListPageSize = 25

// entitlementListPage is what the entitlements list shows.
type entitlementListPage struct {
	Status       dealdesk.EntitlementStatus
	Statuses     []dealdesk.EntitlementStatus
	Entitlements []*dealdesk.Entitlement
	NextURL      string // the next page, "" on the last
	FirstURL     string // the first page, "" on it
}

// handleEntitlementList lists the organization's entitlements, newest first: GET
// /entitlements, with ?status= and the cursor of a page. An unknown status is 422.
func (h *Handler) handleEntitlementList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := entitlementListPage{Status: dealdesk.EntitlementStatus(q.Get("status")), Statuses: dealdesk.EntitlementStatuses}
	es, next, err := h.cfg.Entitlements.FindEntitlements(r.Context(), dealdesk.EntitlementFilter{Status: p.Status,
		Cursor: q.Get("cursor"), Limit: entitlementListPageSize})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p.Entitlements = es
	if next != "" {
		p.NextURL = entitlementListURL(p.Status, next)
	}
	if q.Get("cursor") != "" {
		p.FirstURL = entitlementListURL(p.Status, "")
	}
	h.render(w, r, http.StatusOK, "entitlement_list", "entitlements", p)
}

// entitlementListURL is the URL of a page of the entitlements list.
func entitlementListURL(s dealdesk.EntitlementStatus, cursor string) string {
	v := url.Values{}
	if s != "" {
		v.Set("status", string(s))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/entitlements"
	}
	return "/entitlements?" + v.Encode()
}
