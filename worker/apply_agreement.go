package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/dealdesk/dealdesk"
)

// applyAgreementCreated stores a buyer's acceptance of a CPPO offer ("Purchase Agreement
// Created - Manufacturer" with a resale authorization) as an ACTIVE CPPO entitlement keyed by
// the agreement ID, linked to the offer and its opportunity, and makes the offer ACCEPTED. The
// offer is saved from the agreement too (ID, status, resale authorization), so an agreement
// that arrives before its "Offer Released" links at once; the later Offer Released, older,
// only fills the fields the offer lacks. An agreement without a resale authorization is a
// direct one, not dealdesk's: UNKNOWN.
func (w *ApplyEventWorker) applyAgreementCreated(ctx context.Context, ev *dealdesk.AWSEvent) (outcome, error) {
	a := ev.Agreement
	if !a.IsCPPO() {
		return outcome{status: dealdesk.InboxUnknown, note: fmt.Sprintf("agreement %s is not from a resale authorization", a.AgreementID)}, nil
	}
	e, err := w.agreementEntitlement(ctx, ev)
	if err != nil {
		return outcome{}, err
	}
	e.Status = dealdesk.EntitlementActive
	summary := fmt.Sprintf("Buyer %s accepted CPPO offer %s (agreement %s)", a.AcceptorAccountID, a.OfferID, a.AgreementID)
	if _, err := w.store.SaveEntitlement(ctx, e, a.OfferID, happened(ev, dealdesk.TimelineAccepted, summary)); err != nil {
		return outcome{}, err
	}
	if a.OfferID == "" {
		return applied("the agreement names no offer"), nil
	}
	o := &dealdesk.Offer{Type: dealdesk.OfferCPPO, Status: dealdesk.OfferAccepted, ExternalID: a.OfferID,
		ResellerAccountID: a.ProposerAccountID, ProductID: e.ProductID, ReportedAt: ev.Time}
	if _, err := w.store.SaveCPPOOffer(ctx, o, a.ResaleAuthorizationID, usedBy(ev, a.OfferID)); err != nil {
		return outcome{}, err
	}
	return applied(""), nil
}

// usedBy is the entry that records, when the event is the first to link CPPO offer offerID to
// its one-time opportunity, that the opportunity was used (dealdesk.OfferService.SaveCPPOOffer).
func usedBy(ev *dealdesk.AWSEvent, offerID string) dealdesk.TimelineEntry {
	return happened(ev, dealdesk.TimelineUsed, "The one-time opportunity was used: the reseller made CPPO offer "+offerID+" from it.")
}

// applyAgreementAmended updates the terms an amendment reports (start, end, parties).
func (w *ApplyEventWorker) applyAgreementAmended(ctx context.Context, ev *dealdesk.AWSEvent) (outcome, error) {
	a := ev.Agreement
	e, err := w.agreementEntitlement(ctx, ev)
	if err != nil {
		return outcome{}, err
	}
	if a.Status == "ACTIVE" {
		e.Status = dealdesk.EntitlementActive
	}
	summary := fmt.Sprintf("Agreement %s amended", a.AgreementID)
	if !a.EndTime.IsZero() {
		summary += ", ends " + a.EndTime.UTC().Format(time.RFC3339)
	}
	if _, err := w.store.SaveEntitlement(ctx, e, a.OfferID, happened(ev, dealdesk.TimelineAmended, summary)); err != nil {
		return outcome{}, err
	}
	return applied(""), nil
}

// applyAgreementEnded ends the entitlement with the status AWS gives (endedStatus).
func (w *ApplyEventWorker) applyAgreementEnded(ctx context.Context, ev *dealdesk.AWSEvent) (outcome, error) {
	a := ev.Agreement
	e, err := w.agreementEntitlement(ctx, ev)
	if err != nil {
		return outcome{}, err
	}
	e.Status = endedStatus(a.Status)
	if e.EndTime == nil {
		end := ev.Time
		e.EndTime = &end
	}
	summary := fmt.Sprintf("Agreement %s ended: %s", a.AgreementID, a.Status)
	if _, err := w.store.SaveEntitlement(ctx, e, a.OfferID, happened(ev, dealdesk.TimelineEnded, summary)); err != nil {
		return outcome{}, err
	}
	return applied(""), nil
}

// endedStatus maps the status of an ended AWS agreement to the entitlement's: CANCELLED for an
// agreement cancelled, terminated or rolled back before its end; EXPIRED for one that ran to
// its end or was renewed, replaced, superseded or archived (AWS Marketplace Agreement API,
// AgreementViewSummary status). Anything else ends it as EXPIRED.
func endedStatus(aws string) dealdesk.EntitlementStatus {
	switch aws {
	case "CANCELLED", "TERMINATED", "ROLLED_BACK":
		return dealdesk.EntitlementCancelled
	}
	return dealdesk.EntitlementExpired
}

// agreementEntitlement is the entitlement an agreement event reports, without a status.
func (w *ApplyEventWorker) agreementEntitlement(ctx context.Context, ev *dealdesk.AWSEvent) (*dealdesk.Entitlement, error) {
	a := ev.Agreement
	productID, err := w.productByExternalID(ctx, a.ProductID)
	if err != nil {
		return nil, err
	}
	e := &dealdesk.Entitlement{Type: dealdesk.EntitlementCPPO, ExternalID: a.AgreementID, ProductID: productID,
		BuyerAccountID: a.AcceptorAccountID, ResellerAccountID: a.ProposerAccountID, ReportedAt: ev.Time}
	if !a.StartTime.IsZero() {
		t := a.StartTime.UTC()
		e.StartTime = &t
	}
	if !a.EndTime.IsZero() {
		t := a.EndTime.UTC()
		e.EndTime = &t
	}
	return e, nil
}

// applyLicense records "License Updated - Manufacturer" (license ARN and product) and "License
// Deprovisioned - Manufacturer" (the license is gone: the entitlement has ended). The
// deprovisioning names no status, so it is saved as an undated report (decision 017): it ends
// an entitlement that has not ended, as EXPIRED, but a dated "Purchase Agreement Ended", even
// applied later, decides between CANCELLED and EXPIRED.
//
// AWS sends license events for every agreement of the product, direct and public ones too, and
// they carry no resale authorization (reference §2.1). So a license event is applied only to an
// entitlement dealdesk has for its agreement or license, or when the Catalog shows its offer
// made from a resale authorization (a CPPO offer whose agreement event has not come yet);
// otherwise it is marked UNKNOWN with a note and changes nothing (review 7 F3).
func (w *ApplyEventWorker) applyLicense(ctx context.Context, ev *dealdesk.AWSEvent) (outcome, error) {
	l := ev.License
	productID, err := w.productByCode(ctx, l.ProductCode)
	if err == nil && productID == "" {
		productID, err = w.productByExternalID(ctx, l.ProductID)
	}
	if err != nil {
		return outcome{}, err
	}
	known, err := w.knownEntitlement(ctx, productID, l.AgreementID, l.LicenseARN)
	if err != nil {
		return outcome{}, err
	}
	raID := ""
	if !known {
		c, note, err := w.cppoOffer(ctx, l.OfferID)
		if err != nil {
			return outcome{}, err
		}
		if c == nil {
			return outcome{status: dealdesk.InboxUnknown, note: fmt.Sprintf("agreement %s is not a known CPPO agreement: %s", l.AgreementID, note)}, nil
		}
		raID = c.ResaleAuthorizationID
	}
	e := &dealdesk.Entitlement{Type: dealdesk.EntitlementCPPO, ExternalID: l.AgreementID, ProductID: productID,
		LicenseARN: l.LicenseARN, BuyerAccountID: l.AcceptorAccountID, ResellerAccountID: l.ProposerAccountID,
		ReportedAt: ev.Time}
	entry := happened(ev, dealdesk.TimelineLicenseUpdated, fmt.Sprintf("License %s of product %s", l.LicenseARN, l.ProductCode))
	if ev.Kind == dealdesk.EventLicenseDeprovisioned {
		e.Status, e.ReportedAt = dealdesk.EntitlementExpired, time.Time{}
		entry = happened(ev, dealdesk.TimelineEnded, fmt.Sprintf("License %s deprovisioned", l.LicenseARN))
	}
	if _, err := w.store.SaveEntitlement(ctx, e, l.OfferID, entry); err != nil {
		return outcome{}, err
	}
	if l.OfferID == "" {
		return applied("the license names no offer"), nil
	}
	// A license of an agreement is the buyer's acceptance of its offer: the offer is ACCEPTED
	// even when "Purchase Agreement Created" never comes (review of issue 7, finding 1).
	o := &dealdesk.Offer{Type: dealdesk.OfferCPPO, Status: dealdesk.OfferAccepted, ExternalID: l.OfferID,
		ResellerAccountID: l.ProposerAccountID, ProductID: productID, ReportedAt: ev.Time}
	if ev.Kind == dealdesk.EventLicenseDeprovisioned {
		o.ReportedAt = time.Time{} // undated, as the entitlement's report
	}
	if _, err := w.store.SaveCPPOOffer(ctx, o, raID, usedBy(ev, l.OfferID)); err != nil {
		return outcome{}, err
	}
	return applied(""), nil
}

// knownEntitlement reports whether the organization has an entitlement of product productID
// (any product when "") keyed by agreementID or holding licenseARN.
func (w *ApplyEventWorker) knownEntitlement(ctx context.Context, productID, agreementID, licenseARN string) (bool, error) {
	cursor := ""
	for {
		list, next, err := w.store.FindEntitlements(ctx, dealdesk.EntitlementFilter{ProductID: productID, Cursor: cursor, Limit: dealdesk.MaxPageSize})
		if err != nil {
			return false, err
		}
		for _, e := range list {
			if (agreementID != "" && e.ExternalID == agreementID) || (licenseARN != "" && e.LicenseARN == licenseARN) {
				return true, nil
			}
		}
		if next == "" {
			return false, nil
		}
		cursor = next
	}
}

// cppoOffer returns the Catalog's offerID when it shows it made from a resale authorization;
// when it does not, nil and a note saying why. A retryable Catalog error is returned.
func (w *ApplyEventWorker) cppoOffer(ctx context.Context, offerID string) (*dealdesk.CatalogOffer, string, error) {
	if offerID == "" {
		return nil, "the event names no offer", nil
	}
	c, note, err := w.describeOffer(ctx, offerID)
	switch {
	case err != nil:
		return nil, "", err
	case c == nil:
		return nil, note, nil
	case c.ResaleAuthorizationID == "":
		return nil, "offer " + offerID + " is not a channel partner's offer", nil
	}
	return c, "", nil
}
