package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

// standardDocumentURL is where the simulator says a standard document (StandardEula,
// EnterpriseEula, StandardResellerContract) lives; AWS answers with a signed S3 URL.
const standardDocumentURL = "https://sim.dealdesk.invalid/legal/"

type describeEntityOutput struct {
	EntityType       string          `json:"EntityType"`
	EntityIdentifier string          `json:"EntityIdentifier"`
	EntityArn        string          `json:"EntityArn"`
	LastModifiedDate string          `json:"LastModifiedDate"`
	Details          string          `json:"Details"`
	DetailsDocument  json.RawMessage `json:"DetailsDocument"`
}

// visibleEntity resolves an entity id for acct: a resale authorization (owner or reseller), a
// CPPO offer (reseller or manufacturer) or a seed product (seller).
func (s *Server) visibleEntity(acct, id string) (*describeEntityOutput, *apiError) {
	if p := s.seed.byID[id]; p != nil {
		if acct != s.seed.seed.Seller.AccountID {
			return nil, newAPIError(http.StatusForbidden, "AccessDeniedException", "entity %s is not visible to account %s", id, acct)
		}
		return s.productOutput(p), nil
	}
	e := s.st.Entities[id]
	if e == nil {
		return nil, newAPIError(http.StatusNotFound, "ResourceNotFoundException", "entity %s does not exist", id)
	}
	if !s.canSee(acct, e) {
		return nil, newAPIError(http.StatusForbidden, "AccessDeniedException", "entity %s is not visible to account %s", id, acct)
	}
	return s.entityOutput(e), nil
}

// canSee reports whether acct may read e: its owner, or the party it is shared with.
func (s *Server) canSee(acct string, e *Entity) bool {
	if e.Owner == acct {
		return true
	}
	return s.sharedWith(acct, e)
}

func (s *Server) sharedWith(acct string, e *Entity) bool {
	switch {
	case e.RA != nil:
		return e.RA.Status != "Draft" && e.RA.ResellerAccountID == acct
	case e.Offer != nil:
		return acct == s.seed.seed.Seller.AccountID
	}
	return false
}

func (s *Server) describeEntity(acct string, q map[string][]string) (any, error) {
	if err := checkCatalogParam(q); err != nil {
		return nil, err
	}
	id := first(q, "entityId")
	if id == "" {
		return nil, validationError("entityId: is required")
	}
	if !resourceIDPattern.MatchString(id) {
		return nil, validationError(fmt.Sprintf("entityId: must be 1-255 letters, digits, _ and -, got %.300q", id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	out, ae := s.visibleEntity(acct, id)
	if ae != nil {
		return nil, ae
	}
	return out, nil
}

type batchDescribeInput struct {
	EntityRequestList []struct {
		Catalog  string `json:"Catalog"`
		EntityID string `json:"EntityId"`
	} `json:"EntityRequestList"`
}

type batchEntityDetail struct {
	EntityType       string          `json:"EntityType"`
	EntityArn        string          `json:"EntityArn"`
	EntityIdentifier string          `json:"EntityIdentifier"`
	LastModifiedDate string          `json:"LastModifiedDate"`
	DetailsDocument  json.RawMessage `json:"DetailsDocument"`
}

type batchEntityError struct {
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

func (s *Server) batchDescribeEntities(acct string, body []byte) (any, error) {
	var in batchDescribeInput
	if err := strictJSON(body, &in); err != nil {
		return nil, validationError("invalid request body: " + err.Error())
	}
	var errs invalid.Fields
	if n := len(in.EntityRequestList); n < 1 || n > 20 {
		errs.Add("EntityRequestList", "must hold 1-20 requests, got %d", n)
	}
	for i, r := range in.EntityRequestList {
		if r.Catalog != catalogName {
			errs.Add(fmt.Sprintf("EntityRequestList[%d].Catalog", i), "must be AWSMarketplace, got %q", r.Catalog)
		}
		if r.EntityID == "" {
			errs.Add(fmt.Sprintf("EntityRequestList[%d].EntityId", i), "is required")
		} else if len(r.EntityID) > 255 || !batchEntityIDPattern.MatchString(r.EntityID) {
			errs.Add(fmt.Sprintf("EntityRequestList[%d].EntityId", i), "must be 1-255 letters, digits and .-/, starting and ending with a letter or digit, got %.300q", r.EntityID)
		}
	}
	if len(errs) > 0 {
		return nil, catalogInvalid(errs, "invalid BatchDescribeEntities request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	details := map[string]batchEntityDetail{}
	failed := map[string]batchEntityError{}
	for _, r := range in.EntityRequestList {
		out, ae := s.visibleEntity(acct, r.EntityID)
		if ae != nil {
			failed[r.EntityID] = batchEntityError{ErrorCode: ae.Type, ErrorMessage: ae.Message}
			continue
		}
		details[r.EntityID] = batchEntityDetail{EntityType: out.EntityType, EntityArn: out.EntityArn,
			EntityIdentifier: out.EntityIdentifier, LastModifiedDate: out.LastModifiedDate, DetailsDocument: out.DetailsDocument}
	}
	return map[string]any{"EntityDetails": details, "Errors": failed}, nil
}

// entityOutput renders an entity in AWS's DescribeEntity shape.
func (s *Server) entityOutput(e *Entity) *describeEntityOutput {
	var doc any
	typ := e.Type
	switch {
	case e.RA != nil:
		doc = s.raDocument(e)
	case e.Offer != nil:
		doc = s.offerDocument(e)
	}
	b, _ := json.Marshal(doc)
	return &describeEntityOutput{
		EntityType: typ + "@1.0", EntityIdentifier: e.ID + "@" + strconv.Itoa(e.revision()), EntityArn: entityArn(e.Owner, typ, e.ID),
		LastModifiedDate: catalogTime(e.LastModified), Details: string(b), DetailsDocument: b,
	}
}

func (s *Server) productOutput(p *Product) *describeEntityOutput {
	dims := make([]dimensionDoc, 0, len(p.Dimensions))
	for _, d := range p.Dimensions {
		dims = append(dims, dimensionDoc{Name: d.Name, Description: d.Description, Key: d.Key, Unit: d.Unit, Types: d.Types})
	}
	doc := map[string]any{
		"Description": map[string]any{"ProductTitle": p.Title, "ShortDescription": p.Title, "Visibility": p.Visibility},
		"Dimensions":  dims,
	}
	b, _ := json.Marshal(doc)
	return &describeEntityOutput{EntityType: "SaaSProduct@1.0", EntityIdentifier: p.ProductID + "@1",
		EntityArn:        entityArn(s.seed.seed.Seller.AccountID, typeSaaSProduct, p.ProductID),
		LastModifiedDate: catalogTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Details: string(b), DetailsDocument: b}
}

type dimensionDoc struct {
	Name        string   `json:"Name"`
	Description string   `json:"Description,omitempty"`
	Key         string   `json:"Key"`
	Unit        string   `json:"Unit"`
	Types       []string `json:"Types"`
}

type raDocument struct {
	Name                      string                     `json:"Name"`
	Description               string                     `json:"Description,omitempty"`
	ProductID                 string                     `json:"ProductId"`
	ProductName               string                     `json:"ProductName"`
	PricingModel              string                     `json:"PricingModel,omitempty"`
	Status                    string                     `json:"Status"`
	PreExistingBuyerAgreement *PreExistingBuyerAgreement `json:"PreExistingBuyerAgreement,omitempty"`
	CreatedDate               string                     `json:"CreatedDate"`
	ManufacturerLegalName     string                     `json:"ManufacturerLegalName"`
	ManufacturerAccountID     string                     `json:"ManufacturerAccountId"`
	Dimensions                []dimensionDoc             `json:"Dimensions"`
	OfferDetails              offerDetailsDoc            `json:"OfferDetails"`
	Terms                     []any                      `json:"Terms"`
	Rules                     []any                      `json:"Rules"`
}

type offerDetailsDoc struct {
	OfferExtendedStatus string `json:"OfferExtendedStatus"`
	OfferCreatedCount   int    `json:"OfferCreatedCount"`
}

type termDoc struct {
	Type              string            `json:"Type"`
	ID                string            `json:"Id"`
	CurrencyCode      string            `json:"CurrencyCode,omitempty"`
	Duration          string            `json:"Duration,omitempty"`
	Price             string            `json:"Price,omitempty"`
	Grants            []Grant           `json:"Grants,omitempty"`
	RateCards         []RateCardItem    `json:"RateCards,omitempty"`
	Schedule          []Installment     `json:"Schedule,omitempty"`
	Documents         []LegalDocument   `json:"Documents,omitempty"`
	MaximumAgreement  string            `json:"MaximumAgreementStartDate,omitempty"`
	PositiveTargeting *accountTargeting `json:"PositiveTargeting,omitempty"`
}

type accountTargeting struct {
	BuyerAccounts []buyerAccount `json:"BuyerAccounts"`
}

type buyerAccount struct {
	AwsAccountID string `json:"AwsAccountId"`
	LegalName    string `json:"LegalName,omitempty"`
}

type availabilityRuleDoc struct {
	Type                string `json:"Type"`
	ID                  string `json:"Id"`
	Usage               string `json:"Usage"`
	AvailabilityEndDate string `json:"AvailabilityEndDate,omitempty"`
	OffersMaxQuantity   int    `json:"OffersMaxQuantity,omitempty"`
}

type partnerRuleDoc struct {
	Type              string `json:"Type"`
	ID                string `json:"Id"`
	ResellerAccountID string `json:"ResellerAccountId"`
	ResellerLegalName string `json:"ResellerLegalName"`
}

// withDefaults fills the implicit constraints of a configurable rate card.
func ratesWithDefaults(cards []RateCardItem) []RateCardItem {
	out := make([]RateCardItem, len(cards))
	for i, c := range cards {
		out[i] = c
		if c.Selector != nil {
			cons := Constraints{MultipleDimensionSelection: "Allowed", QuantityConfiguration: "Allowed"}
			if c.Constraints != nil {
				if c.Constraints.MultipleDimensionSelection != "" {
					cons.MultipleDimensionSelection = c.Constraints.MultipleDimensionSelection
				}
				if c.Constraints.QuantityConfiguration != "" {
					cons.QuantityConfiguration = c.Constraints.QuantityConfiguration
				}
			}
			out[i].Constraints = &cons
		}
	}
	return out
}

func legalDocs(docs []LegalDocument) []LegalDocument {
	out := make([]LegalDocument, len(docs))
	for i, d := range docs {
		out[i] = d
		if d.URL == "" {
			out[i].URL = standardDocumentURL + d.Type + ".pdf"
		}
	}
	return out
}

func scheduleDocs(in []Installment) []Installment {
	out := make([]Installment, len(in))
	for i, x := range in {
		day, _ := parseDay(x.ChargeDate)
		out[i] = Installment{ChargeDate: day.Format(isoMilli), ChargeAmount: x.ChargeAmount}
	}
	return out
}

// raDocument renders a resale authorization's DetailsDocument (reference §1.5).
func (s *Server) raDocument(e *Entity) raDocument {
	ra := e.RA
	p := s.seed.byID[ra.ProductID]
	doc := raDocument{
		Name: ra.Name, Description: ra.Description, ProductID: ra.ProductID, PricingModel: ra.PricingModel,
		Status: ra.Status, PreExistingBuyerAgreement: ra.PreExistingBuyerAgreement,
		CreatedDate:           e.CreatedAt.UTC().Format(isoMilli),
		ManufacturerLegalName: s.seed.legalName(e.Owner), ManufacturerAccountID: e.Owner,
		OfferDetails: offerDetailsDoc{OfferExtendedStatus: ra.offerExtendedStatus(), OfferCreatedCount: ra.OfferCreatedCount},
		Terms:        []any{}, Rules: []any{},
	}
	if p != nil {
		doc.ProductName = p.Title
		for _, d := range p.Dimensions {
			doc.Dimensions = append(doc.Dimensions, dimensionDoc{Name: d.Name, Description: d.Description, Key: d.Key, Unit: d.Unit, Types: d.Types})
		}
	}
	for _, kind := range []string{"ResaleUsageBasedPricingTerm", "ResaleConfigurableUpfrontPricingTerm", "ResaleFixedUpfrontPricingTerm"} {
		t := pricingTermOf(ra.PricingTerms, kind)
		if t == nil {
			continue
		}
		doc.Terms = append(doc.Terms, pricingTermDoc(*t, t.Type, ra.TermIDs[t.Type]))
	}
	if ps := ra.PaymentSchedule; ps != nil {
		doc.Terms = append(doc.Terms, termDoc{Type: ps.Type, ID: ra.TermIDs[ps.Type], CurrencyCode: ps.CurrencyCode, Schedule: scheduleDocs(ps.Schedule)})
	}
	for _, kind := range []string{"BuyerLegalTerm", "ResaleLegalTerm"} {
		if t := legalTermOf(ra.LegalTerms, kind); t != nil {
			doc.Terms = append(doc.Terms, termDoc{Type: t.Type, ID: ra.TermIDs[t.Type], Documents: legalDocs(t.Documents)})
		}
	}
	if v := ra.Validity; v != nil {
		day, _ := parseDay(v.MaximumAgreementStartDate)
		doc.Terms = append(doc.Terms, termDoc{Type: v.Type, ID: ra.TermIDs[v.Type], MaximumAgreement: endOfDay(day).Format(isoMilli)})
	}
	if buyers := ra.buyers(); len(buyers) > 0 {
		tg := &accountTargeting{}
		for _, b := range buyers {
			tg.BuyerAccounts = append(tg.BuyerAccounts, buyerAccount{AwsAccountID: b, LegalName: s.seed.legalName(b)})
		}
		doc.Terms = append(doc.Terms, termDoc{Type: "BuyerTargetingTerm", ID: ra.TermIDs["BuyerTargetingTerm"], PositiveTargeting: tg})
	}
	rule := availabilityRuleDoc{Type: "AvailabilityRule", ID: ra.TermIDs["AvailabilityRule"], Usage: "Unlimited", OffersMaxQuantity: ra.OffersMaxQuantity}
	if ra.OffersMaxQuantity > 0 {
		rule.Usage = "Limited"
	}
	if ra.AvailabilityEndDate != "" {
		day, _ := parseDay(ra.AvailabilityEndDate)
		rule.AvailabilityEndDate = endOfDay(day).Format(isoSecond)
	}
	doc.Rules = append(doc.Rules, rule, partnerRuleDoc{Type: "PartnerTargetingRule", ID: ra.TermIDs["PartnerTargetingRule"],
		ResellerAccountID: ra.ResellerAccountID, ResellerLegalName: s.seed.legalName(ra.ResellerAccountID)})
	return doc
}

// ensureTermIDs gives every term and rule of the authorization a stable Id.
func (ra *ResaleAuthorization) ensureTermIDs() {
	for _, t := range ra.PricingTerms {
		ra.termID(t.Type)
	}
	if ra.PaymentSchedule != nil {
		ra.termID(ra.PaymentSchedule.Type)
	}
	for _, t := range ra.LegalTerms {
		ra.termID(t.Type)
	}
	if ra.Validity != nil {
		ra.termID(ra.Validity.Type)
	}
	ra.termID("BuyerTargetingTerm")
	ra.termID("AvailabilityRule")
	ra.termID("PartnerTargetingRule")
}

type offerDocument struct {
	ID                    string `json:"Id"`
	Name                  string `json:"Name"`
	Description           string `json:"Description,omitempty"`
	ProductID             string `json:"ProductId"`
	ResaleAuthorizationID string `json:"ResaleAuthorizationId"`
	MarkupPercentage      string `json:"MarkupPercentage"`
	State                 string `json:"State"`
	Terms                 []any  `json:"Terms"`
	Rules                 []any  `json:"Rules"`
}

type offerTargetingRule struct {
	Type              string `json:"Type"`
	ID                string `json:"Id"`
	PositiveTargeting struct {
		BuyerAccounts []string `json:"BuyerAccounts"`
	} `json:"PositiveTargeting"`
}

type offerAvailabilityRule struct {
	Type                string `json:"Type"`
	ID                  string `json:"Id"`
	AvailabilityEndDate string `json:"AvailabilityEndDate"`
}

// offerDocument renders a CPPO offer: the authorization's terms without the "Resale" prefix.
func (s *Server) offerDocument(e *Entity) offerDocument {
	o := e.Offer
	doc := offerDocument{ID: e.ID, Name: o.Name, ProductID: o.ProductID, ResaleAuthorizationID: o.ResaleAuthorizationID,
		MarkupPercentage: o.MarkupPercentage, State: o.State, Terms: []any{}, Rules: []any{}}
	for _, t := range o.LegalTerms {
		if t.Type == "BuyerLegalTerm" {
			doc.Terms = append(doc.Terms, termDoc{Type: "LegalTerm", ID: o.TermIDs["LegalTerm"], Documents: legalDocs(t.Documents)})
		}
	}
	for _, t := range o.PricingTerms {
		name := offerTermName(t.Type)
		doc.Terms = append(doc.Terms, pricingTermDoc(t, name, o.TermIDs[name]))
	}
	if ps := o.PaymentSchedule; ps != nil {
		doc.Terms = append(doc.Terms, termDoc{Type: "PaymentScheduleTerm", ID: o.TermIDs["PaymentScheduleTerm"], CurrencyCode: ps.CurrencyCode, Schedule: scheduleDocs(ps.Schedule)})
	}
	tr := offerTargetingRule{Type: "TargetingRule", ID: o.TermIDs["TargetingRule"]}
	tr.PositiveTargeting.BuyerAccounts = o.BuyerAccountIDs
	day, _ := parseDay(o.AvailabilityEndDate)
	doc.Rules = append(doc.Rules, tr, offerAvailabilityRule{Type: "AvailabilityRule", ID: o.TermIDs["AvailabilityRule"], AvailabilityEndDate: day.Format(isoDay)})
	return doc
}

// offerTermName drops the "Resale" prefix of a resale term type.
func offerTermName(t string) string {
	if len(t) > 6 && t[:6] == "Resale" {
		return t[6:]
	}
	return t
}

// pricingTermDoc is a pricing term as DescribeEntity shows it, under the type name typ (the
// resale authorization's, or the offer's without "Resale").
func pricingTermDoc(t PricingTerm, typ, id string) termDoc {
	td := termDoc{Type: typ, ID: id, CurrencyCode: t.CurrencyCode, Grants: t.Grants, RateCards: ratesWithDefaults(t.RateCards)}
	if t.Duration != nil {
		td.Duration = *t.Duration
	}
	if t.Price != nil {
		td.Price = *t.Price
	}
	return td
}
