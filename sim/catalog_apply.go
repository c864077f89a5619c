package sim

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// advanceLocked finishes every running change set whose delay has passed, in the order they
// fall due, ends the agreements whose contract end has passed, and deprovisions the licenses
// of agreements whose metering grace has passed. s.mu must be held.
func (s *Server) advanceLocked(now time.Time) {
	s.expireLocked(now)
	s.deprovisionLocked(now)
	var due []*ChangeSet
	for _, cs := range s.st.ChangeSets {
		if !cs.terminal() && !now.Before(cs.DueTime) {
			due = append(due, cs)
		}
	}
	if len(due) == 0 {
		return
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].DueTime.Equal(due[j].DueTime) {
			return due[i].DueTime.Before(due[j].DueTime)
		}
		return due[i].StartTime.Before(due[j].StartTime)
	})
	for _, cs := range due {
		s.applyLocked(cs)
	}
	s.markDirty()
}

// unlockLocked releases the entity locks a change set holds.
func (s *Server) unlockLocked(cs *ChangeSet) {
	for id, holder := range s.locks {
		if holder == cs.ID {
			delete(s.locks, id)
		}
	}
}

// changeOrder applies creations first, then updates in submission order, then releases, then
// restrictions, so that a change set's array order does not matter.
func changeOrder(changes []*Change) []int {
	rank := func(t string) int {
		switch t {
		case ctCreate:
			return 0
		case ctRelease:
			return 2
		case ctRestrict:
			return 3
		}
		return 1
	}
	idx := make([]int, len(changes))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rank(changes[idx[a]].ChangeType) < rank(changes[idx[b]].ChangeType) })
	return idx
}

// applyLocked runs the asynchronous validation of a change set and, when nothing fails and its
// intent is APPLY, commits all of its changes at once. A failed change set changes nothing.
func (s *Server) applyLocked(cs *ChangeSet) {
	at := cs.DueTime
	work := map[string]*Entity{}
	created := map[string]string{}
	errsBy := make([][]ErrorDetail, len(cs.Changes))
	byType := map[string]map[string]int{} // entity id -> change type -> change index
	for _, i := range changeOrder(cs.Changes) {
		c := cs.Changes[i]
		d, err := decodeDetails(c.ChangeType, c.rawDetails())
		if err != nil { // validated at start; only a corrupted state file gets here
			errsBy[i] = append(errsBy[i], ErrorDetail{"INVALID_INPUT", err.Error()})
			continue
		}
		var e *Entity
		var id string
		if c.ChangeType == ctCreate {
			id = c.EntityID
			if id == "" {
				id = newResaleAuthorizationID()
			}
			e = &Entity{Type: typeResaleAuthorization, ID: id, Owner: cs.Account, CreatedAt: at,
				RA: &ResaleAuthorization{Status: "Draft"}}
			work[id] = e
			if c.ChangeName != "" {
				created[c.ChangeName] = id
			}
		} else {
			id = c.Identifier
			if name, ok := reference(id); ok {
				id = created[name]
			}
			e = work[id]
			if e == nil {
				orig := s.st.Entities[id]
				if orig == nil || orig.RA == nil {
					errsBy[i] = append(errsBy[i], ErrorDetail{"RESOURCE_NOT_FOUND", fmt.Sprintf("Resale authorization %s does not exist.", id)})
					continue
				}
				e = orig.clone()
				work[id] = e
			}
		}
		c.EntityID = id
		if byType[id] == nil {
			byType[id] = map[string]int{}
		}
		byType[id][c.ChangeType] = i
		errsBy[i] = append(errsBy[i], s.applyChange(c.ChangeType, d, e, at)...)
		e.LastModified = at
	}
	for id, types := range byType {
		if ri, ok := types[ctRelease]; ok {
			s.releaseChecks(work[id], types, ri, errsBy, at)
		} else {
			scheduleChecks(work[id].RA, types, -1, errsBy)
		}
	}
	failed := false
	for i, c := range cs.Changes {
		c.ErrorDetailList = errsBy[i]
		if len(errsBy[i]) > 0 {
			failed = true
		}
	}
	s.unlockLocked(cs)
	cs.EndTime = at
	switch {
	case cs.ServerFault:
		cs.Status = csFailed
		cs.FailureCode = "SERVER_FAULT"
		cs.FailureDescription = "An internal error occurred while applying the change set (injected fault). Retry."
		for _, c := range cs.Changes {
			c.ErrorDetailList = nil
		}
		cs.forgetCreated()
	case failed:
		cs.Status = csFailed
		cs.FailureCode = "CLIENT_ERROR"
		cs.FailureDescription = "Errors found in the change set. See ErrorDetailList of each change for details."
		cs.forgetCreated()
	case cs.Intent == "VALIDATE":
		cs.Status = csSucceeded
		cs.forgetCreated()
	default:
		cs.Status = csSucceeded
		for id, e := range work {
			if e.RA != nil {
				e.RA.ensureTermIDs()
			}
			e.Revision = 1
			if orig := s.st.Entities[id]; orig != nil {
				e.Revision = orig.revision() + 1
			}
			s.st.Entities[id] = e
		}
	}
	s.emitChangeSetLocked(cs)
}

// applyChange applies one change to a working copy and returns its asynchronous errors.
func (s *Server) applyChange(changeType string, d any, e *Entity, at time.Time) []ErrorDetail {
	var errs []ErrorDetail
	add := func(code, format string, args ...any) {
		errs = append(errs, ErrorDetail{ErrorCode: code, ErrorMessage: fmt.Sprintf(format, args...)})
	}
	ra := e.RA
	if changeType != ctCreate && changeType != ctRestrict && ra.Status != "Draft" {
		add("INCOMPATIBLE_STATUS", "[%s] request can't be performed after the resale authorization is released.", changeType)
		return errs
	}
	today := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	switch d := d.(type) {
	case *createDetails:
		ra.Name, ra.Description, ra.ProductID, ra.ResellerAccountID = d.Name, d.Description, d.ProductID, d.ResellerAccountID
		if _, ok := s.seed.resellers[d.ResellerAccountID]; !ok {
			add("INVALID_RESELLER_ACCOUNT", "Account %s is not a channel partner that can resell this product.", d.ResellerAccountID)
		}
	case *informationDetails:
		if d.Name != nil {
			ra.Name = *d.Name
		}
		if d.Description != nil {
			ra.Description = *d.Description
		}
		if d.PreExistingBuyerAgreement != nil {
			p := *d.PreExistingBuyerAgreement
			if p.PricingModel == "BYOL" {
				p.PricingModel = "Byol"
			}
			ra.PreExistingBuyerAgreement = &p
		}
	case *targetingDetails:
		ra.Targeting = nil
		if len(d.Terms) == 1 {
			t := d.Terms[0]
			seen := map[string]bool{}
			for _, a := range t.PositiveTargeting.BuyerAccounts {
				switch {
				case seen[a]:
					add("INCOMPATIBLE_BUYER_TARGETING", "Buyer account %s is listed twice.", a)
				case a == ra.ResellerAccountID || a == e.Owner:
					add("INCOMPATIBLE_BUYER_TARGETING", "Buyer account %s can't be the reseller or the manufacturer.", a)
				}
				seen[a] = true
			}
			ra.Targeting = &t
		}
	case *availabilityDetails:
		if d.AvailabilityEndDate != nil {
			day, _ := parseDay(*d.AvailabilityEndDate)
			if !day.After(today) {
				add("INVALID_AVAILABILITY_END_DATE", "AvailabilityEndDate %s must be in the future.", *d.AvailabilityEndDate)
			}
			ra.AvailabilityEndDate = day.Format(isoDay)
		}
		if d.OffersMaxQuantity != nil {
			ra.OffersMaxQuantity = *d.OffersMaxQuantity
		}
	case *validityDetails:
		t := d.Terms[0]
		day, _ := parseDay(t.MaximumAgreementStartDate)
		if !day.After(today) || day.After(today.AddDate(3, 0, 0)) {
			add("INVALID_MAXIMUM_AGREEMENT_START_DATE", "MaximumAgreementStartDate %s must be in the future and at most 3 years ahead.", t.MaximumAgreementStartDate)
		}
		t.MaximumAgreementStartDate = day.Format(isoDay)
		ra.Validity = &t
	case *legalDetails:
		if legalTermOf(d.Terms, "BuyerLegalTerm") == nil {
			add("MISSING_MANDATORY_TERMS", "Provide a BuyerLegalTerm.")
		}
		for _, t := range d.Terms {
			for _, doc := range t.Documents {
				if doc.URL != "" && !strings.HasPrefix(doc.URL, "https://") {
					code := "INVALID_BUYER_LEGAL_DOCUMENTS"
					if t.Type == "ResaleLegalTerm" {
						code = "INVALID_RESALE_LEGAL_DOCUMENTS"
					}
					add(code, "Document %s must be an accessible https URL.", doc.URL)
				}
			}
		}
		ra.LegalTerms = d.Terms
	case *pricingDetails:
		errs = append(errs, s.checkPricing(ra, d)...)
		ra.PricingModel = d.PricingModel
		ra.PricingTerms = d.Terms
	case *paymentDetails:
		ra.PaymentSchedule = nil
		if len(d.Terms) == 1 {
			t := d.Terms[0]
			if !supportedCurrency[t.CurrencyCode] {
				add("INVALID_CURRENCY_CODE", "CurrencyCode %s is not supported; use USD, AUD, EUR, GBP or JPY.", t.CurrencyCode)
			}
			if len(t.Schedule) > 60 {
				add("TOO_MANY_SCHEDULED_PAYMENTS", "A payment schedule has at most 60 installments, got %d.", len(t.Schedule))
			}
			seen := map[string]bool{}
			for i, in := range t.Schedule {
				day, _ := parseDay(in.ChargeDate)
				k := day.Format(isoDay)
				if seen[k] {
					add("DUPLICATE_CHARGE_DATES", "ChargeDate %s is used more than once.", k)
				}
				seen[k] = true
				if !day.After(today) {
					add("INVALID_CHARGE_DATES", "ChargeDate %s must be in the future.", in.ChargeDate)
				}
				t.Schedule[i].ChargeDate = k
			}
			ra.PaymentSchedule = &t
		}
	case *emptyDetails:
		switch changeType {
		case ctRelease:
			ra.Status = "Active"
		case ctRestrict:
			if ra.Status != "Active" {
				add("INCOMPATIBLE_STATUS", "Only an Active resale authorization can be restricted; this one is %s.", ra.Status)
			} else if ra.expired(at) {
				add("INCOMPATIBLE_STATUS", "An expired resale authorization can't be restricted.")
			}
			ra.Status = "Restricted"
		}
	}
	return errs
}
