package worker

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
)

// heldLicense repairs entitlement e from the listing of license l, which e holds: a
// PENDING_START entitlement becomes ACTIVE (its license is in force), and the fields the listing
// carries that e lacks are filled: its end (the license's ExpirationDate), buyer and customer
// identifier. An entitlement made from "License Updated" alone, its "Purchase Agreement
// Created" missed, lacks its end (review of issue 7, finding 1). Nothing differing, nothing is
// saved.
func (r *run) heldLicense(ctx context.Context, e *dealdesk.Entitlement, l *license) error {
	rep := &dealdesk.Entitlement{ExternalID: e.ExternalID}
	var fields, what []string
	if e.Status == dealdesk.EntitlementPendingStart {
		rep.Status = dealdesk.EntitlementActive
		fields, what = append(fields, "status"), append(what, "is now ACTIVE")
	}
	if e.EndTime == nil && l.expires != nil {
		rep.EndTime = l.expires
		fields, what = append(fields, "endTime"), append(what, "ends "+l.expires.UTC().Format(time.RFC3339))
	}
	if e.BuyerAccountID == "" && l.buyer != "" {
		rep.BuyerAccountID = l.buyer
		fields, what = append(fields, "buyerAccountId"), append(what, "buyer "+l.buyer)
	}
	if e.CustomerIdentifier == "" && l.customerIdentifier != "" {
		rep.CustomerIdentifier = l.customerIdentifier
		fields, what = append(fields, "customerIdentifier"), append(what, "customer "+l.customerIdentifier)
	}
	if len(fields) == 0 {
		return nil
	}
	// The first repair of a license keeps the reference it always had (PENDING_START → ACTIVE).
	ref := "License:" + l.arn
	if len(fields) > 1 || fields[0] != "status" {
		ref += ":" + strings.Join(fields, ",")
	}
	summary := fmt.Sprintf("Reconciliation: license %s is in force; entitlement %s %s", l.arn, e.ExternalID, strings.Join(what, ", "))
	return r.saveEntitlement(ctx, rep, "", ref, summary)
}

// acceptedOffers makes ACCEPTED every ACTIVE CPPO offer an entitlement came from: an agreement
// on an offer is its buyer's acceptance, whichever event or read made the entitlement (review of
// issue 7, finding 1: an entitlement made from "License Updated", or by reconciliation from a
// license, while "Purchase Agreement Created" was missed).
func (r *run) acceptedOffers(ctx context.Context) error {
	ents, err := allPages(func(cursor string) ([]*dealdesk.Entitlement, string, error) {
		return r.store.FindEntitlements(ctx, dealdesk.EntitlementFilter{Cursor: cursor, Limit: dealdesk.MaxPageSize})
	})
	if err != nil {
		return err
	}
	from := map[string]*dealdesk.Entitlement{}
	for _, e := range ents {
		if e.OfferID != "" && from[e.OfferID] == nil {
			from[e.OfferID] = e
		}
	}
	for _, o := range sortedOffers(r.offers) {
		e := from[o.ID]
		if e == nil || o.Status != dealdesk.OfferActive {
			continue
		}
		accepted := &dealdesk.Offer{Type: dealdesk.OfferCPPO, Status: dealdesk.OfferAccepted, ExternalID: o.ExternalID}
		by := e.LicenseARN
		if by == "" {
			by = e.ExternalID
		}
		ref := "Accepted:" + o.ExternalID
		summary := fmt.Sprintf("Reconciliation: CPPO offer %s was accepted (entitlement %s)", o.ExternalID, by)
		saved, err := r.store.SaveCPPOOffer(ctx, accepted, "", r.entry(ref, summary))
		if err != nil {
			return err
		}
		r.offers[saved.ExternalID] = saved
		r.repaired(dealdesk.SubjectOffer, saved.ID, ref, summary)
	}
	return nil
}

// sortedOffers returns the offers of m in AWS ID order, so that a run repairs in a stable order.
func sortedOffers(m map[string]*dealdesk.Offer) []*dealdesk.Offer {
	out := make([]*dealdesk.Offer, 0, len(m))
	for _, o := range m {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ExternalID < out[j].ExternalID })
	return out
}

// UnlistedGrace is how long after its last change an entitlement whose license GetEntitlements
// does not list is still taken to be in force: the Entitlement Service is eventually consistent
// with License Manager, so a license event can beat the listing of its license by minutes
// (review 7 F1, decision 018).
const UnlistedGrace = time.Hour

// endUnlisted ends the entitlements that have not ended but whose license GetEntitlements does
// not list: it lists only the licenses in force, so the agreement has ended and its "Purchase
// Agreement Ended" was missed. That is an entitlement
//   - holding a license GetEntitlements no longer lists, or
//   - holding no license (its "License Updated" was missed too) while GetEntitlements lists no
//     license of its buyer that no entitlement holds (unheld): had its agreement been in force,
//     its license would be one of those (decision 024). With such a license listed, it is left
//     to license, which records it, or, when several could be it, to the next run.
//
// Only entitlements of an opportunity that grants entitled dimensions are ended:
// GetEntitlements lists only those, so a usage-only agreement's license is never listed. Only
// an entitlement whose last change (AWS's report time and dealdesk's update time) is older than
// asked, the time GetEntitlements was called, by UnlistedGrace is ended: a newer one may not be
// listed yet, and an end is terminal. Its status is unlistedEnd's. The repair is a report
// without AWS's time, so a dated "Purchase Agreement Ended" applied later still decides between
// CANCELLED and EXPIRED (decision 017).
func (r *run) endUnlisted(ctx context.Context, stored []*dealdesk.Entitlement, listed map[string]bool, unheld map[string]int, asked time.Time) error {
	settled := asked.Add(-UnlistedGrace)
	for _, e := range stored {
		if e.Status.Terminal() || e.Status == dealdesk.EntitlementPendingStart || !r.grantsEntitled(e.OpportunityID) ||
			!e.ReportedAt.Before(settled) || !e.UpdatedAt.Before(settled) {
			continue
		}
		var ref, gone string
		switch {
		case e.LicenseARN != "" && !listed[e.LicenseARN]:
			ref, gone = "Ended:"+e.LicenseARN, "license "+e.LicenseARN+" is no longer in force"
		case e.LicenseARN == "" && e.BuyerAccountID != "" && unheld[e.BuyerAccountID] == 0:
			ref, gone = "Ended:"+e.ExternalID, "buyer "+e.BuyerAccountID+" holds no license of the product that could be entitlement "+e.ExternalID+"'s"
		default:
			continue
		}
		status, why := r.unlistedEnd(e)
		summary := fmt.Sprintf("Reconciliation: %s; entitlement %s is now %s (%s)", gone, e.ExternalID, status, why)
		if err := r.saveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: e.ExternalID, Status: status}, "", ref, summary); err != nil {
			return err
		}
	}
	return nil
}

// unlistedEnd decides how entitlement e, whose license is no longer in force, ended, and says
// why (review of issue 7, finding 3). An agreement cut short before its end is CANCELLED; one
// that reached it EXPIRED:
//   - with an end time, CANCELLED when the run is before it, else EXPIRED;
//   - without one (its "Purchase Agreement Created" was missed), the contract cannot end before
//     its opportunity was created plus the contract's duration (the agreement starts after the
//     resale authorization exists and runs for the duration the opportunity gave it): before
//     that, CANCELLED; after it, or without a duration, EXPIRED, the way AWS ends most
//     agreements.
func (r *run) unlistedEnd(e *dealdesk.Entitlement) (dealdesk.EntitlementStatus, string) {
	if e.EndTime != nil {
		if r.at.Before(*e.EndTime) {
			return dealdesk.EntitlementCancelled, "before its end " + e.EndTime.UTC().Format(time.RFC3339)
		}
		return dealdesk.EntitlementExpired, "at or after its end " + e.EndTime.UTC().Format(time.RFC3339)
	}
	if opp := r.opportunityByID(e.OpportunityID); opp != nil {
		if earliest, ok := addPeriod(opp.CreatedAt, opp.ContractDuration); ok {
			if r.at.Before(earliest) {
				return dealdesk.EntitlementCancelled, "before the earliest end its contract of " + opp.ContractDuration + " allows, " +
					earliest.UTC().Format(time.RFC3339)
			}
			return dealdesk.EntitlementExpired, "its end time is unknown and its contract of " + opp.ContractDuration + " may have run out"
		}
	}
	return dealdesk.EntitlementExpired, "its end time and contract duration are unknown"
}

// opportunityByID returns the opportunity with dealdesk ID id, or nil.
func (r *run) opportunityByID(id string) *dealdesk.Offer {
	for _, o := range r.opportunities {
		if o.ID == id && id != "" {
			return o
		}
	}
	return nil
}

// isoPeriod is an ISO 8601 period of years, months and days, as an opportunity's
// contractDuration (dealdesk.validateDuration).
var isoPeriod = regexp.MustCompile(`^P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?$`)

// addPeriod returns t plus the ISO 8601 period p (such as P12M); false when p is not one or is
// empty.
func addPeriod(t time.Time, p string) (time.Time, bool) {
	m := isoPeriod.FindStringSubmatch(p)
	if m == nil || p == "P" {
		return time.Time{}, false
	}
	n := [3]int{}
	for i := range n {
		if m[i+1] != "" {
			v, err := strconv.Atoi(m[i+1])
			if err != nil {
				return time.Time{}, false
			}
			n[i] = v
		}
	}
	if n == [3]int{} {
		return time.Time{}, false
	}
	return t.AddDate(n[0], n[1], n[2]), true
}
