package sim

import (
	"sort"
	"time"

	"github.com/dealdesk/dealdesk/sim/eventbus"

	"github.com/shopspring/decimal"
)

// Agreement statuses used by the simulator.
const (
	agreementActive = "ACTIVE"
)

// meteringGrace is how long after an agreement ends usage for hours before the end is accepted.
const meteringGrace = time.Hour

// Agreement is a purchase agreement: a buyer accepted a CPPO offer. It also carries the license,
// the metering customer and the entitlements that follow from it.
type Agreement struct {
	ID                    string    `json:"id"`
	Seq                   int       `json:"seq"` // creation order
	OfferID               string    `json:"offerId"`
	ResaleAuthorizationID string    `json:"resaleAuthorizationId,omitempty"`
	ProductID             string    `json:"productId"`
	ProductCode           string    `json:"productCode"`
	MeteringMode          string    `json:"meteringMode"`
	Proposer              string    `json:"proposer"`
	Acceptor              string    `json:"acceptor"`
	Manufacturer          string    `json:"manufacturer"`
	Status                string    `json:"status"`
	Intent                string    `json:"intent"`
	AcceptanceTime        time.Time `json:"acceptanceTime"`
	StartTime             time.Time `json:"startTime"`
	EndTime               time.Time `json:"endTime,omitzero"` // contract end; zero for pay-as-you-go
	EndedAt               time.Time `json:"endedAt,omitzero"`
	// Deprovisioned is set when the metering grace after the end has passed and License
	// Deprovisioned and unsubscribe-success have been sent.
	Deprovisioned      bool      `json:"deprovisioned,omitempty"`
	LastUpdateTime     time.Time `json:"lastUpdateTime"`
	LicenseArn         string    `json:"licenseArn"`
	CustomerIdentifier string    `json:"customerIdentifier"`
	RegistrationToken  string    `json:"registrationToken"`
	Amendments         int       `json:"amendments"`
	// Grants are the entitled quantities (from the fixed upfront term, or amendments).
	Grants []Grant `json:"grants,omitempty"`
	// Terms as accepted, buyer prices (wholesale plus markup).
	MarkupPercentage string               `json:"markupPercentage"`
	PricingTerms     []PricingTerm        `json:"pricingTerms,omitempty"`
	PaymentSchedule  *PaymentScheduleTerm `json:"paymentSchedule,omitempty"`
	LegalTerms       []LegalTerm          `json:"legalTerms,omitempty"`
	Validity         *ValidityTerm        `json:"validity,omitempty"`
	TermIDs          map[string]string    `json:"termIds"`
	CurrencyCode     string               `json:"currencyCode,omitempty"`
	Value            string               `json:"value,omitempty"`
}

// meteringOpen reports whether usage at hour t may still be metered at now: the agreement is
// in force, or it ended (or reached its end time, even before the simulator noticed) less than
// an hour ago and t is before its end.
func (a *Agreement) meteringOpen(t, now time.Time) bool {
	if t.Before(a.AcceptanceTime.Truncate(time.Hour)) {
		return false
	}
	end := a.EndedAt
	if a.Status == agreementActive {
		if a.EndTime.IsZero() || now.Before(a.EndTime) {
			return true
		}
		end = a.EndTime
	}
	return !end.IsZero() && now.Before(end.Add(meteringGrace)) && t.Before(end)
}

// endLocked ends an active agreement at `at` with status (CANCELLED, EXPIRED or TERMINATED):
// Purchase Agreement Ended, the legacy unsubscribe-pending and entitlement-updated, all dated at.
// The metering grace hour starts then. s.mu must be held.
func (s *Server) endLocked(a *Agreement, status string, at time.Time) {
	a.Status = status
	a.EndedAt = at
	if a.EndTime.IsZero() || a.EndTime.After(at) {
		a.EndTime = at
	}
	a.LastUpdateTime = at
	s.indexAgreementLocked(a)
	env := s.bus.PurchaseAgreementEnded(s.agreementEvent(a, false))
	env.Time = at.UTC().Format(isoSecond)
	s.bus.Publish(env)
	for _, m := range []eventbus.Message{
		s.bus.UnsubscribePending(eventbus.SubscriptionInput{CustomerIdentifier: a.CustomerIdentifier, ProductCode: a.ProductCode, OfferID: a.OfferID}),
		s.bus.EntitlementUpdated(eventbus.EntitlementInput{CustomerIdentifier: a.CustomerIdentifier, ProductCode: a.ProductCode}),
	} {
		m.Time = at.UTC().Format(snsTime)
		s.bus.PublishMessage(m)
	}
	s.markDirty()
}

// expireLocked ends, as EXPIRED, every active agreement whose contract end has passed, in the
// order they ended: AWS ends an agreement at its end time without anyone calling. s.mu must be
// held.
func (s *Server) expireLocked(now time.Time) {
	var due []*Agreement
	for _, a := range s.st.Agreements {
		if a.Status == agreementActive && !a.EndTime.IsZero() && !now.Before(a.EndTime) {
			due = append(due, a)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].EndTime.Equal(due[j].EndTime) {
			return due[i].EndTime.Before(due[j].EndTime)
		}
		return due[i].Seq < due[j].Seq
	})
	for _, a := range due {
		s.endLocked(a, "EXPIRED", a.EndTime)
	}
}

// deprovisionLocked closes the metering window of every agreement that ended at least
// meteringGrace ago: AWS then sends License Deprovisioned (the end of the window, reference
// §2.1) and the legacy unsubscribe-success (no more metering accepted, §2.2). Both are dated
// when the window closed, even when the simulator notices later. s.mu must be held.
func (s *Server) deprovisionLocked(now time.Time) {
	var due []*Agreement
	for _, a := range s.st.Agreements {
		if !a.Deprovisioned && !a.EndedAt.IsZero() && !now.Before(a.EndedAt.Add(meteringGrace)) {
			due = append(due, a)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].Seq < due[j].Seq })
	for _, a := range due {
		closed := a.EndedAt.Add(meteringGrace).UTC()
		env := s.bus.LicenseDeprovisioned(s.licenseEvent(a))
		env.Time = closed.Format(isoSecond)
		s.bus.Publish(env)
		msg := s.bus.UnsubscribeSuccess(eventbus.SubscriptionInput{CustomerIdentifier: a.CustomerIdentifier, ProductCode: a.ProductCode, OfferID: a.OfferID})
		msg.Time = closed.Format(snsTime)
		s.bus.PublishMessage(msg)
		a.Deprovisioned = true
	}
	if len(due) > 0 {
		s.markDirty()
	}
}

// entitled reports whether the agreement's entitlements are in force at now.
func (a *Agreement) entitled(now time.Time) bool {
	return a.Status == agreementActive && (a.EndTime.IsZero() || now.Before(a.EndTime))
}

// withMarkup returns price raised by pct percent, rounded to places decimals.
func withMarkup(price string, pct decimal.Decimal, places int32) string {
	p := decimalOf(price)
	factor := decimal.NewFromInt(1).Add(pct.Div(decimal.NewFromInt(100)))
	return p.Mul(factor).Round(places).StringFixed(places)
}

// customerKey identifies a legacy metering customer.
func customerKey(productCode, customerIdentifier string) string {
	return productCode + "/" + customerIdentifier
}

// indexCustomersLocked rebuilds the lookups of agreements by license, customer and token.
func (s *Server) indexCustomersLocked() {
	s.byLicense = map[string]*Agreement{}
	s.byCustomer = map[string]*Agreement{}
	s.byToken = map[string]*Agreement{}
	for _, a := range sortedAgreements(s.st.Agreements) {
		s.indexAgreementLocked(a)
	}
}

func (s *Server) indexAgreementLocked(a *Agreement) {
	s.byLicense[a.LicenseArn] = a
	key := customerKey(a.ProductCode, a.CustomerIdentifier)
	if prev := s.byCustomer[key]; prev == nil || a.Status == agreementActive || prev.Status != agreementActive {
		s.byCustomer[key] = a
	}
	s.byToken[a.RegistrationToken] = a
}
