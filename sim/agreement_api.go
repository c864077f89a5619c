package sim

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/dealdesk/dealdesk/sim/wire"
)

type accountID struct {
	AccountID string `json:"accountId"`
}

type resourceRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type proposalSummary struct {
	OfferID   string        `json:"offerId"`
	Resources []resourceRef `json:"resources"`
}

type licenseRefOut struct {
	LicenseArn string `json:"licenseArn"`
}

type agreementSummary struct {
	AgreementID     string          `json:"agreementId"`
	AcceptanceTime  wire.Time       `json:"acceptanceTime"`
	StartTime       wire.Time       `json:"startTime"`
	EndTime         *wire.Time      `json:"endTime,omitempty"`
	LastUpdateTime  wire.Time       `json:"lastUpdateTime"`
	AgreementType   string          `json:"agreementType"`
	Acceptor        accountID       `json:"acceptor"`
	Proposer        accountID       `json:"proposer"`
	ProposalSummary proposalSummary `json:"proposalSummary"`
	Status          string          `json:"status"`
	Entitlements    []licenseRefOut `json:"entitlements"`
}

type estimatedCharges struct {
	CurrencyCode   string `json:"currencyCode"`
	AgreementValue string `json:"agreementValue"`
}

type describeAgreementOutput struct {
	AgreementID      string            `json:"agreementId"`
	Acceptor         accountID         `json:"acceptor"`
	Proposer         accountID         `json:"proposer"`
	StartTime        wire.Time         `json:"startTime"`
	EndTime          *wire.Time        `json:"endTime,omitempty"`
	AcceptanceTime   wire.Time         `json:"acceptanceTime"`
	AgreementType    string            `json:"agreementType"`
	EstimatedCharges *estimatedCharges `json:"estimatedCharges,omitempty"`
	ProposalSummary  proposalSummary   `json:"proposalSummary"`
	Status           string            `json:"status"`
}

func agreementValidation(reason, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "ValidationException", Message: fmt.Sprintf(format, args...),
		Extra: map[string]any{"reason": reason}}
}

func agreementNotFound(id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Type: "ResourceNotFoundException",
		Message: "agreement " + id + " does not exist or is not visible to the caller",
		Extra:   map[string]any{"resourceId": id, "resourceType": "Agreement"}}
}

func (s *Server) summary(a *Agreement) agreementSummary {
	out := agreementSummary{AgreementID: a.ID, AcceptanceTime: wire.NewTime(a.AcceptanceTime), StartTime: wire.NewTime(a.StartTime),
		LastUpdateTime: wire.NewTime(a.LastUpdateTime), AgreementType: "PurchaseAgreement",
		Acceptor: accountID{a.Acceptor}, Proposer: accountID{a.Proposer},
		ProposalSummary: proposalSummary{OfferID: a.OfferID, Resources: []resourceRef{{ID: a.ProductID, Type: "SaaSProduct"}}},
		Status:          a.Status, Entitlements: []licenseRefOut{{LicenseArn: a.LicenseArn}}}
	if !a.EndTime.IsZero() {
		out.EndTime = wire.TimePtr(a.EndTime)
	}
	return out
}

// participant reports whether acct took part in the agreement as proposer or acceptor; the
// Agreement API shows nothing else (a CPPO's manufacturer is not a party).
func participant(a *Agreement, acct string) bool {
	return a.Proposer == acct || a.Acceptor == acct
}

type agreementIDInput struct {
	AgreementID string  `json:"agreementId"`
	MaxResults  *int    `json:"maxResults"`
	NextToken   *string `json:"nextToken"`
}

func (s *Server) findAgreement(acct string, c wire.Call, in *agreementIDInput) (*Agreement, error) {
	if err := decodeCall(c, in, func(err error) *apiError { return agreementValidation("OTHER", "invalid request: %v", err) }); err != nil {
		return nil, err
	}
	if in.AgreementID == "" {
		return nil, agreementValidation("MISSING_AGREEMENT_ID", "agreementId is required")
	}
	if !agreementIDPattern.MatchString(in.AgreementID) {
		return nil, agreementValidation("INVALID_AGREEMENT_ID", "agreementId %q is not valid", in.AgreementID)
	}
	a := s.st.Agreements[in.AgreementID]
	if a == nil || !participant(a, acct) && !(s.cfg.ManufacturerReadsAgreements && a.Manufacturer == acct) {
		return nil, agreementNotFound(in.AgreementID)
	}
	return a, nil
}

func (s *Server) describeAgreement(r *http.Request, acct string, c wire.Call) (any, error) {
	var in agreementIDInput
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.findAgreement(acct, c, &in)
	if err != nil {
		return nil, err
	}
	sum := s.summary(a)
	out := describeAgreementOutput{AgreementID: a.ID, Acceptor: sum.Acceptor, Proposer: sum.Proposer, StartTime: sum.StartTime,
		EndTime: sum.EndTime, AcceptanceTime: sum.AcceptanceTime, AgreementType: sum.AgreementType,
		ProposalSummary: sum.ProposalSummary, Status: a.Status}
	if a.CurrencyCode != "" {
		out.EstimatedCharges = &estimatedCharges{CurrencyCode: a.CurrencyCode, AgreementValue: a.Value}
	}
	return out, nil
}

func (s *Server) getAgreementTerms(r *http.Request, acct string, c wire.Call) (any, error) {
	var in agreementIDInput
	s.mu.Lock()
	a, err := s.findAgreement(acct, c, &in)
	var terms []map[string]any
	if err == nil {
		terms = acceptedTerms(a)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	max := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, agreementValidation("INVALID_MAX_RESULTS", "maxResults must be 1-50, got %d", *in.MaxResults)
		}
		max = *in.MaxResults
	}
	offset, terr := decodeToken(in.NextToken)
	if terr != nil {
		return nil, agreementValidation("INVALID_NEXT_TOKEN", "nextToken is not a token this API returned")
	}
	page, next := paginate(len(terms), offset, max)
	out := map[string]any{"acceptedTerms": emptyIfNil(terms[page[0]:page[1]])}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// acceptedTerms renders the agreement's terms as the AcceptedTerm union (lowerCamel members).
func acceptedTerms(a *Agreement) []map[string]any {
	var out []map[string]any
	for _, t := range a.LegalTerms {
		if t.Type != "BuyerLegalTerm" {
			continue
		}
		var docs []map[string]any
		for _, d := range legalDocs(t.Documents) {
			docs = append(docs, map[string]any{"type": d.Type, "url": d.URL})
		}
		out = append(out, map[string]any{"legalTerm": map[string]any{"id": a.TermIDs["LegalTerm"], "type": "LegalTerm", "documents": docs}})
	}
	for _, t := range a.PricingTerms {
		name := offerTermName(t.Type)
		m := map[string]any{"id": a.TermIDs[name], "type": name, "currencyCode": t.CurrencyCode}
		switch name {
		case "FixedUpfrontPricingTerm":
			if t.Duration != nil {
				m["duration"] = *t.Duration
			}
			if t.Price != nil {
				m["price"] = *t.Price
			}
			var grants []map[string]any
			for _, g := range t.Grants {
				grants = append(grants, map[string]any{"dimensionKey": g.DimensionKey, "maxQuantity": g.MaxQuantity})
			}
			m["grants"] = grants
			out = append(out, map[string]any{"fixedUpfrontPricingTerm": m})
		case "UsageBasedPricingTerm", "ConfigurableUpfrontPricingTerm":
			var cards []map[string]any
			for _, rc := range ratesWithDefaults(t.RateCards) {
				card := map[string]any{}
				var rates []map[string]any
				for _, r := range rc.RateCard {
					rates = append(rates, map[string]any{"dimensionKey": r.DimensionKey, "price": r.Price})
				}
				card["rateCard"] = rates
				if rc.Selector != nil {
					card["selector"] = map[string]any{"type": rc.Selector.Type, "value": rc.Selector.Value}
				}
				if rc.Constraints != nil {
					card["constraints"] = map[string]any{"multipleDimensionSelection": rc.Constraints.MultipleDimensionSelection,
						"quantityConfiguration": rc.Constraints.QuantityConfiguration}
				}
				cards = append(cards, card)
			}
			m["rateCards"] = cards
			key := "usageBasedPricingTerm"
			if name == "ConfigurableUpfrontPricingTerm" {
				key = "configurableUpfrontPricingTerm"
			}
			out = append(out, map[string]any{key: m})
		}
	}
	if ps := a.PaymentSchedule; ps != nil {
		var sched []map[string]any
		for _, in := range ps.Schedule {
			day, _ := parseDay(in.ChargeDate)
			sched = append(sched, map[string]any{"chargeDate": wire.NewTime(day), "chargeAmount": in.ChargeAmount})
		}
		out = append(out, map[string]any{"paymentScheduleTerm": map[string]any{"id": a.TermIDs["PaymentScheduleTerm"],
			"type": "PaymentScheduleTerm", "currencyCode": ps.CurrencyCode, "schedule": sched}})
	}
	v := map[string]any{"id": a.TermIDs["ValidityTerm"], "type": "ValidityTerm", "agreementStartDate": wire.NewTime(a.StartTime)}
	if a.TermIDs["ValidityTerm"] == "" {
		v["id"] = a.TermIDs["AvailabilityRule"]
	}
	if !a.EndTime.IsZero() {
		v["agreementEndDate"] = wire.NewTime(a.EndTime)
	}
	out = append(out, map[string]any{"validityTerm": v})
	return out
}

type searchAgreementsInput struct {
	Catalog string `json:"catalog"`
	Filters []struct {
		Name   string   `json:"name"`
		Values []string `json:"values"`
	} `json:"filters"`
	Sort *struct {
		SortBy    string `json:"sortBy"`
		SortOrder string `json:"sortOrder"`
	} `json:"sort"`
	MaxResults *int    `json:"maxResults"`
	NextToken  *string `json:"nextToken"`
}

var searchFilters = map[string]bool{"PartyType": true, "AgreementType": true, "ResourceIdentifier": true, "ResourceType": true,
	"AcceptorAccountId": true, "OfferId": true, "Status": true, "LicenseArn": true, "BeforeEndTime": true, "AfterEndTime": true,
	"BeforeStartTime": true, "AfterStartTime": true, "BeforeLastUpdateTime": true, "AfterLastUpdateTime": true}

func (s *Server) searchAgreements(r *http.Request, acct string, c wire.Call) (any, error) {
	var in searchAgreementsInput
	if err := decodeCall(c, &in, func(err error) *apiError { return agreementValidation("OTHER", "invalid request: %v", err) }); err != nil {
		return nil, err
	}
	if in.Catalog != catalogName {
		return nil, agreementValidation("INVALID_CATALOG", "catalog must be AWSMarketplace, got %q", in.Catalog)
	}
	if len(in.Filters) > 10 {
		return nil, agreementValidation("INVALID_FILTER_VALUES", "at most 10 filters, got %d", len(in.Filters))
	}
	f := map[string]string{}
	for _, flt := range in.Filters {
		if !searchFilters[flt.Name] {
			return nil, agreementValidation("INVALID_FILTER_NAME", "filter %q is not supported", flt.Name)
		}
		if len(flt.Values) != 1 || flt.Values[0] == "" || len(flt.Values[0]) > 64 {
			return nil, agreementValidation("INVALID_FILTER_VALUES", "filter %s takes exactly one value", flt.Name)
		}
		f[flt.Name] = flt.Values[0]
	}
	if f["AgreementType"] != "PurchaseAgreement" {
		return nil, agreementValidation("UNSUPPORTED_FILTERS", "the AgreementType filter is required with value PurchaseAgreement")
	}
	party := f["PartyType"]
	if party != "Proposer" && party != "Acceptor" {
		return nil, agreementValidation("UNSUPPORTED_FILTERS", "the PartyType filter is required with value Proposer or Acceptor")
	}
	times := map[string]time.Time{}
	for _, k := range []string{"BeforeEndTime", "AfterEndTime", "BeforeStartTime", "AfterStartTime", "BeforeLastUpdateTime", "AfterLastUpdateTime"} {
		if v, ok := f[k]; ok {
			t, err := parseFilterTime(v)
			if err != nil {
				return nil, agreementValidation("INVALID_FILTER_VALUES", "filter %s: %q is not a time (epoch seconds or RFC 3339)", k, v)
			}
			times[k] = t
		}
	}
	sortBy, desc := "EndTime", true
	if in.Sort != nil {
		if in.Sort.SortBy != "" {
			sortBy = in.Sort.SortBy
		}
		switch {
		case sortBy == "EndTime":
		case (sortBy == "StartTime" || sortBy == "LastUpdateTime") && party == "Proposer":
		default:
			return nil, agreementValidation("INVALID_SORT_BY", "sortBy %q is not supported for PartyType %s", sortBy, party)
		}
		switch in.Sort.SortOrder {
		case "", "DESCENDING":
		case "ASCENDING":
			desc = false
		default:
			return nil, agreementValidation("INVALID_SORT_ORDER", "sortOrder must be ASCENDING or DESCENDING, got %q", in.Sort.SortOrder)
		}
	}
	max := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, agreementValidation("INVALID_MAX_RESULTS", "maxResults must be 1-50, got %d", *in.MaxResults)
		}
		max = *in.MaxResults
	}
	offset, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, agreementValidation("INVALID_NEXT_TOKEN", "nextToken is not a token this API returned")
	}
	s.mu.Lock()
	var hits []*Agreement
	for _, a := range sortedAgreements(s.st.Agreements) {
		if party == "Proposer" && a.Proposer != acct || party == "Acceptor" && a.Acceptor != acct {
			continue
		}
		if !matchAgreement(a, f, times) {
			continue
		}
		hits = append(hits, a)
	}
	sort.SliceStable(hits, func(i, j int) bool {
		ti, tj := sortTime(hits[i], sortBy), sortTime(hits[j], sortBy)
		if desc {
			return ti.After(tj)
		}
		return ti.Before(tj)
	})
	page, next := paginate(len(hits), offset, max)
	list := make([]agreementSummary, 0, page[1]-page[0])
	for _, a := range hits[page[0]:page[1]] {
		list = append(list, s.summary(a))
	}
	s.mu.Unlock()
	out := map[string]any{"agreementViewSummaries": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func sortTime(a *Agreement, by string) time.Time {
	switch by {
	case "StartTime":
		return a.StartTime
	case "LastUpdateTime":
		return a.LastUpdateTime
	}
	if a.EndTime.IsZero() {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return a.EndTime
}

func matchAgreement(a *Agreement, f map[string]string, times map[string]time.Time) bool {
	eq := func(k, v string) bool { want, ok := f[k]; return !ok || want == v }
	if !eq("ResourceIdentifier", a.ProductID) || !eq("ResourceType", "SaaSProduct") || !eq("AcceptorAccountId", a.Acceptor) ||
		!eq("OfferId", a.OfferID) || !eq("Status", a.Status) || !eq("LicenseArn", a.LicenseArn) {
		return false
	}
	for k, t := range times {
		var v time.Time
		switch k[len(k)-7:] {
		case "EndTime":
			v = sortTime(a, "EndTime")
		case "artTime":
			v = a.StartTime
		default:
			v = a.LastUpdateTime
		}
		if k[:6] == "Before" && !v.Before(t) || k[:5] == "After" && !v.After(t) {
			return false
		}
	}
	return true
}

func parseFilterTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	var sec int64
	if _, err := fmt.Sscanf(v, "%d", &sec); err != nil {
		return time.Time{}, err
	}
	return time.Unix(sec, 0).UTC(), nil
}
