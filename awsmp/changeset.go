package awsmp

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/document"
	"github.com/aws/aws-sdk-go-v2/service/marketplacecatalog/types"

	"github.com/dealdesk/dealdesk"
)

// Entity type and change types of a resale authorization (reference §1.3; AWS Marketplace API
// Reference, "Work with resale authorizations").
const (
	ResaleAuthorizationType = "ResaleAuthorization@1.0"

	ChangeCreate             = "CreateResaleAuthorization"
	ChangeUpdateInformation  = "UpdateInformation"
	ChangeUpdatePricing      = "UpdatePricingTerms"
	ChangeUpdatePayment      = "UpdatePaymentScheduleTerms"
	ChangeUpdateAvailability = "UpdateAvailability"
	ChangeUpdateLegal        = "UpdateLegalTerms"
	ChangeUpdateTargeting    = "UpdateBuyerTargetingTerms"
	ChangeRelease            = "ReleaseResaleAuthorization"
	ChangeRestrict           = "RestrictResaleAuthorization"
)

// createName is the ChangeName of the Create change; the other changes name the new entity
// with the reference raRef.
const (
	createName = "RA"
	raRef      = "$" + createName + ".Entity.Identifier"
)

// Change is one change of a change set, as StartChangeSet takes it; the golden files hold
// change sets in this form.
type Change struct {
	ChangeType      string `json:"ChangeType"`
	ChangeName      string `json:"ChangeName,omitempty"`
	Entity          Entity `json:"Entity"`
	DetailsDocument any    `json:"DetailsDocument"`
}

// Entity names the entity a change applies to; Identifier is empty for a Create.
type Entity struct {
	Type       string `json:"Type"`
	Identifier string `json:"Identifier,omitempty"`
}

// The DetailsDocument shapes of the resale authorization's change types. Each field carries
// the same name for encoding/json (golden files) and for the SDK's document encoder (requests).

type createDetails struct {
	ProductID         string `json:"ProductId" document:"ProductId"`
	Name              string `json:"Name" document:"Name"`
	Description       string `json:"Description,omitempty" document:"Description,omitempty"`
	ResellerAccountID string `json:"ResellerAccountId" document:"ResellerAccountId"`
}

type preExistingBuyerAgreement struct {
	AcquisitionChannel string `json:"AcquisitionChannel" document:"AcquisitionChannel"`
	PricingModel       string `json:"PricingModel" document:"PricingModel"`
}

type informationDetails struct {
	PreExistingBuyerAgreement preExistingBuyerAgreement `json:"PreExistingBuyerAgreement" document:"PreExistingBuyerAgreement"`
}

type grant struct {
	DimensionKey string `json:"DimensionKey" document:"DimensionKey"`
	MaxQuantity  int64  `json:"MaxQuantity" document:"MaxQuantity"`
}

type rateItem struct {
	DimensionKey string `json:"DimensionKey" document:"DimensionKey"`
	Price        string `json:"Price" document:"Price"`
}

type rateCard struct {
	RateCard []rateItem `json:"RateCard" document:"RateCard"`
}

// pricingTerm is a ResaleFixedUpfrontPricingTerm (Price, Duration, Grants) or a
// ResaleUsageBasedPricingTerm (RateCards).
type pricingTerm struct {
	Type         string     `json:"Type" document:"Type"`
	CurrencyCode string     `json:"CurrencyCode" document:"CurrencyCode"`
	Price        string     `json:"Price,omitempty" document:"Price,omitempty"`
	Duration     string     `json:"Duration,omitempty" document:"Duration,omitempty"`
	Grants       []grant    `json:"Grants,omitempty" document:"Grants,omitempty"`
	RateCards    []rateCard `json:"RateCards,omitempty" document:"RateCards,omitempty"`
}

type pricingDetails struct {
	PricingModel string        `json:"PricingModel" document:"PricingModel"`
	Terms        []pricingTerm `json:"Terms" document:"Terms"`
}

type charge struct {
	ChargeDate   string `json:"ChargeDate" document:"ChargeDate"`
	ChargeAmount string `json:"ChargeAmount" document:"ChargeAmount"`
}

type paymentScheduleTerm struct {
	Type         string   `json:"Type" document:"Type"`
	CurrencyCode string   `json:"CurrencyCode" document:"CurrencyCode"`
	Schedule     []charge `json:"Schedule" document:"Schedule"`
}

type paymentDetails struct {
	Terms []paymentScheduleTerm `json:"Terms" document:"Terms"`
}

type availabilityDetails struct {
	AvailabilityEndDate string `json:"AvailabilityEndDate,omitempty" document:"AvailabilityEndDate,omitempty"`
	OffersMaxQuantity   int    `json:"OffersMaxQuantity,omitempty" document:"OffersMaxQuantity,omitempty"`
}

type legalDocument struct {
	Type string `json:"Type" document:"Type"`
	URL  string `json:"Url,omitempty" document:"Url,omitempty"`
}

type legalTerm struct {
	Type      string          `json:"Type" document:"Type"`
	Documents []legalDocument `json:"Documents" document:"Documents"`
}

type legalDetails struct {
	Terms []legalTerm `json:"Terms" document:"Terms"`
}

type positiveTargeting struct {
	BuyerAccounts []string `json:"BuyerAccounts" document:"BuyerAccounts"`
}

type targetingTerm struct {
	Type              string            `json:"Type" document:"Type"`
	PositiveTargeting positiveTargeting `json:"PositiveTargeting" document:"PositiveTargeting"`
}

type targetingDetails struct {
	Terms []targetingTerm `json:"Terms" document:"Terms"`
}

type emptyDetails struct{}

// zeroPrice is the fixed upfront price when a payment schedule carries the commit (the
// installments are the price; AWS's UpdatePricingTerms table: "Allowed values: 0.0").
const zeroPrice = "0.00"

// BuildResaleAuthorizationChangeSet returns the one change set that publishes opportunity o (a
// CPPO_OUT offer) for product p as a released resale authorization, in this order, every change
// after the first on $RA.Entity.Identifier (reference §1.3–§1.4):
//
//   - CreateResaleAuthorization "RA": ProductId (p.ExternalID), Name, Description,
//     ResellerAccountId;
//   - UpdateInformation with PreExistingBuyerAgreement, for a renewal only: AcquisitionChannel
//     AwsMarketplace or External, PricingModel that of the renewal (Contract or Usage);
//   - UpdatePricingTerms: PricingModel Contract with a ResaleFixedUpfrontPricingTerm (the commit
//     amount, or 0.00 when installments carry it; currency; duration; a grant per entitled
//     dimension), or Usage without entitled dimensions; and a ResaleUsageBasedPricingTerm (USD)
//     with one rate card of the metered dimensions' prices when there are any;
//   - UpdatePaymentScheduleTerms with the installments, when there are any;
//   - UpdateAvailability: the expiry date (YYYY-MM-DD) and OffersMaxQuantity 1 for a one-time
//     opportunity; left out for a multi-use one without expiry (unlimited);
//   - UpdateLegalTerms: BuyerLegalTerm StandardEula or CustomEula with its URL, and a
//     ResaleLegalTerm StandardResellerContract or CustomResellerContract when o has a reseller
//     contract;
//   - UpdateBuyerTargetingTerms with the buyer accounts, when there are any (none targets every
//     buyer);
//   - ReleaseResaleAuthorization.
//
// It is pure: the same opportunity always gives the same change set, so a retried
// StartChangeSet with the same ClientRequestToken is the same request. It returns EINVALID
// naming the opportunity's fields that a change set needs and o lacks (o is expected to have
// passed dealdesk.ValidateOpportunity).
func BuildResaleAuthorizationChangeSet(o *dealdesk.Offer, p *dealdesk.Product) ([]Change, error) {
	var pr dealdesk.Problems
	if o == nil {
		pr.Add("opportunity", "is required")
		return nil, pr.Err()
	}
	if o.Type != dealdesk.OfferCPPOOut {
		pr.Add("type", "must be CPPO_OUT to publish a resale authorization")
	}
	if p == nil || p.ExternalID == "" {
		pr.Add("productId", "the product has no AWS product ID")
	}
	if o.Name == "" {
		pr.Add("name", "is required")
	}
	if o.ResellerAccountID == "" {
		pr.Add("resellerAccountId", "is required")
	}
	if o.CommitAmount == nil {
		pr.Add("commitAmount", "is required")
	}
	if o.Currency == "" {
		pr.Add("currency", "is required")
	}
	if o.EULA == nil {
		pr.Add("eula", "is required")
	}
	contract := len(o.EntitledDimensions) > 0
	if contract && o.ContractDuration == "" {
		pr.Add("contractDuration", "is required for a contract")
	}
	if !contract && len(o.DimensionPrices) == 0 {
		pr.Add("entitledDimensions", "the opportunity prices nothing: give entitled dimensions or usage prices")
	}
	if len(o.Installments) > 0 && !contract {
		pr.Add("installments", "installments need a contract: at least one entitled dimension")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}

	changes := []Change{{
		ChangeType: ChangeCreate,
		ChangeName: createName,
		Entity:     Entity{Type: ResaleAuthorizationType},
		DetailsDocument: createDetails{
			ProductID: p.ExternalID, Name: o.Name, Description: o.Description, ResellerAccountID: o.ResellerAccountID,
		},
	}}
	on := func(changeType string, details any) {
		changes = append(changes, Change{ChangeType: changeType, Entity: Entity{Type: ResaleAuthorizationType, Identifier: raRef}, DetailsDocument: details})
	}
	pricingModel := "Usage"
	if contract {
		pricingModel = "Contract"
	}
	if o.Renewal {
		channel := "External"
		if o.RenewalChannel == dealdesk.RenewalAWSMarketplace {
			channel = "AwsMarketplace"
		}
		on(ChangeUpdateInformation, informationDetails{PreExistingBuyerAgreement: preExistingBuyerAgreement{AcquisitionChannel: channel, PricingModel: pricingModel}})
	}
	on(ChangeUpdatePricing, pricingDetails{PricingModel: pricingModel, Terms: pricingTerms(o, contract)})
	if len(o.Installments) > 0 {
		schedule := make([]charge, len(o.Installments))
		for i, in := range o.Installments {
			schedule[i] = charge{ChargeDate: in.ChargeDate.String(), ChargeAmount: in.Amount.String()}
		}
		on(ChangeUpdatePayment, paymentDetails{Terms: []paymentScheduleTerm{{Type: "ResalePaymentScheduleTerm", CurrencyCode: string(o.Currency), Schedule: schedule}}})
	}
	var avail availabilityDetails
	if o.ExpiryDate != nil {
		avail.AvailabilityEndDate = o.ExpiryDate.String()
	}
	if o.OneTime {
		avail.OffersMaxQuantity = 1
	}
	if avail != (availabilityDetails{}) {
		on(ChangeUpdateAvailability, avail)
	}
	legal := []legalTerm{{Type: "BuyerLegalTerm", Documents: []legalDocument{legalDoc(*o.EULA, "StandardEula", "CustomEula")}}}
	if o.ResellerContract != nil {
		legal = append(legal, legalTerm{Type: "ResaleLegalTerm", Documents: []legalDocument{
			legalDoc(*o.ResellerContract, "StandardResellerContract", "CustomResellerContract")}})
	}
	on(ChangeUpdateLegal, legalDetails{Terms: legal})
	if len(o.BuyerAccountIDs) > 0 {
		on(ChangeUpdateTargeting, targetingDetails{Terms: []targetingTerm{{Type: "BuyerTargetingTerm",
			PositiveTargeting: positiveTargeting{BuyerAccounts: append([]string(nil), o.BuyerAccountIDs...)}}}})
	}
	on(ChangeRelease, emptyDetails{})
	return changes, nil
}

// pricingTerms returns the fixed upfront term of a contract and the usage term of the metered
// dimensions' prices.
func pricingTerms(o *dealdesk.Offer, contract bool) []pricingTerm {
	var terms []pricingTerm
	if contract {
		price := o.CommitAmount.String()
		if len(o.Installments) > 0 {
			price = zeroPrice
		}
		grants := make([]grant, len(o.EntitledDimensions))
		for i, d := range o.EntitledDimensions {
			grants[i] = grant{DimensionKey: d.DimensionKey, MaxQuantity: d.Quantity}
		}
		terms = append(terms, pricingTerm{Type: "ResaleFixedUpfrontPricingTerm", CurrencyCode: string(o.Currency),
			Price: price, Duration: o.ContractDuration, Grants: grants})
	}
	if len(o.DimensionPrices) > 0 {
		rates := make([]rateItem, len(o.DimensionPrices))
		for i, d := range o.DimensionPrices {
			rates[i] = rateItem{DimensionKey: d.DimensionKey, Price: d.Price.String()}
		}
		// Usage prices are in USD only (AWS's UpdatePricingTerms table).
		terms = append(terms, pricingTerm{Type: "ResaleUsageBasedPricingTerm", CurrencyCode: string(dealdesk.USD),
			RateCards: []rateCard{{RateCard: rates}}})
	}
	return terms
}

// legalDoc returns the legal document d as AWS names it: the standard type, or the custom
// type with its URL.
func legalDoc(d dealdesk.Document, standard, custom string) legalDocument {
	if d.Type == dealdesk.DocumentCustom {
		return legalDocument{Type: custom, URL: d.URL}
	}
	return legalDocument{Type: standard}
}

// sdkChanges returns changes as the Catalog client sends them: each DetailsDocument through
// the SDK's document encoder.
func sdkChanges(changes []Change) []types.Change {
	out := make([]types.Change, len(changes))
	for i, c := range changes {
		out[i] = types.Change{
			ChangeType:      aws.String(c.ChangeType),
			Entity:          &types.Entity{Type: aws.String(c.Entity.Type)},
			DetailsDocument: document.NewLazyDocument(c.DetailsDocument),
		}
		if c.ChangeName != "" {
			out[i].ChangeName = aws.String(c.ChangeName)
		}
		if c.Entity.Identifier != "" {
			out[i].Entity.Identifier = aws.String(c.Entity.Identifier)
		}
	}
	return out
}
