package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/dealdesk/dealdesk/sim/wire"
)

// Change types of ResaleAuthorization@1.0 the simulator accepts.
const (
	ctCreate             = "CreateResaleAuthorization"
	ctUpdateInformation  = "UpdateInformation"
	ctUpdatePricing      = "UpdatePricingTerms"
	ctUpdatePayment      = "UpdatePaymentScheduleTerms"
	ctUpdateAvailability = "UpdateAvailability"
	ctUpdateLegal        = "UpdateLegalTerms"
	ctUpdateTargeting    = "UpdateBuyerTargetingTerms"
	ctUpdateValidity     = "UpdateBuyerValidityTerms"
	ctRelease            = "ReleaseResaleAuthorization"
	ctRestrict           = "RestrictResaleAuthorization"
)

const raEntityType = "ResaleAuthorization@1.0"

var (
	raNamePattern     = regexp.MustCompile(`^\S+[\S\s]*$`)
	uuidPattern       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	currencyPattern   = regexp.MustCompile(`^[A-Z]{3}$`)
	urlPattern        = regexp.MustCompile(`^https?://[^\s]+$`)
	upfrontPrice      = regexp.MustCompile(`^((100000000(\.0{0,3})?)|(\d{1,8}(\.\d{0,3})?))$`)
	ratePrice         = regexp.MustCompile(`^\d{1,9}(\.\d{0,8})?$`)
	chargeAmount      = regexp.MustCompile(`^((100000000(\.0{0,2})?)|(\d{1,8}(\.\d{0,2})?))$`)
	supportedCurrency = map[string]bool{"USD": true, "AUD": true, "EUR": true, "GBP": true, "JPY": true}
)

// createDetails is the DetailsDocument of CreateResaleAuthorization.
type createDetails struct {
	ProductID         string `json:"ProductId"`
	Name              string `json:"Name"`
	Description       string `json:"Description,omitempty"`
	ResellerAccountID string `json:"ResellerAccountId"`
	BulkRequestID     string `json:"BulkRequestId,omitempty"`
}

// PreExistingBuyerAgreement marks a renewal resale authorization.
type PreExistingBuyerAgreement struct {
	AcquisitionChannel string `json:"AcquisitionChannel"`
	PricingModel       string `json:"PricingModel"`
}

type informationDetails struct {
	Name                      *string                    `json:"Name,omitempty"`
	Description               *string                    `json:"Description,omitempty"`
	PreExistingBuyerAgreement *PreExistingBuyerAgreement `json:"PreExistingBuyerAgreement,omitempty"`
}

// Grant is a dimension quantity bought by a fixed upfront term.
type Grant struct {
	DimensionKey string `json:"DimensionKey"`
	MaxQuantity  int64  `json:"MaxQuantity"`
}

// Rate is the price of one dimension.
type Rate struct {
	DimensionKey string `json:"DimensionKey"`
	Price        string `json:"Price"`
}

// Selector selects a rate card (by contract duration).
type Selector struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// Constraints restrict how a buyer configures a configurable upfront term.
type Constraints struct {
	MultipleDimensionSelection string `json:"MultipleDimensionSelection,omitempty"`
	QuantityConfiguration      string `json:"QuantityConfiguration,omitempty"`
}

// RateCardItem is one rate card of a usage or configurable upfront pricing term.
type RateCardItem struct {
	Selector    *Selector    `json:"Selector,omitempty"`
	RateCard    []Rate       `json:"RateCard"`
	Constraints *Constraints `json:"Constraints,omitempty"`
}

// PricingTerm is one resale pricing term (fixed upfront, configurable upfront or usage based).
type PricingTerm struct {
	Type         string         `json:"Type"`
	CurrencyCode string         `json:"CurrencyCode,omitempty"`
	Price        *string        `json:"Price,omitempty"`
	Duration     *string        `json:"Duration,omitempty"`
	Grants       []Grant        `json:"Grants,omitempty"`
	RateCards    []RateCardItem `json:"RateCards,omitempty"`
}

type pricingDetails struct {
	PricingModel string        `json:"PricingModel"`
	Terms        []PricingTerm `json:"Terms"`
}

// Installment is one dated charge of a payment schedule.
type Installment struct {
	ChargeDate   string `json:"ChargeDate"`
	ChargeAmount string `json:"ChargeAmount"`
}

// PaymentScheduleTerm spreads the contract price over installments.
type PaymentScheduleTerm struct {
	Type         string        `json:"Type"`
	CurrencyCode string        `json:"CurrencyCode"`
	Schedule     []Installment `json:"Schedule"`
}

type paymentDetails struct {
	Terms []PaymentScheduleTerm `json:"Terms"`
}

type availabilityDetails struct {
	AvailabilityEndDate *string `json:"AvailabilityEndDate,omitempty"`
	OffersMaxQuantity   *int    `json:"OffersMaxQuantity,omitempty"`
}

// LegalDocument is a EULA or reseller contract.
type LegalDocument struct {
	Type string `json:"Type"`
	URL  string `json:"Url,omitempty"`
}

// LegalTerm is a BuyerLegalTerm or ResaleLegalTerm.
type LegalTerm struct {
	Type      string          `json:"Type"`
	Documents []LegalDocument `json:"Documents"`
}

type legalDetails struct {
	Terms []LegalTerm `json:"Terms"`
}

// Targeting lists the buyer accounts a resale authorization is limited to.
type Targeting struct {
	BuyerAccounts []string `json:"BuyerAccounts"`
}

// TargetingTerm is a BuyerTargetingTerm.
type TargetingTerm struct {
	Type              string     `json:"Type"`
	PositiveTargeting *Targeting `json:"PositiveTargeting"`
}

type targetingDetails struct {
	Terms []TargetingTerm `json:"Terms"`
}

// ValidityTerm is a BuyerValidityTerm.
type ValidityTerm struct {
	Type                      string `json:"Type"`
	MaximumAgreementStartDate string `json:"MaximumAgreementStartDate"`
}

type validityDetails struct {
	Terms []ValidityTerm `json:"Terms"`
}

type emptyDetails struct{}

// newDetails returns a pointer to the details type of a change type, or nil when unknown.
func newDetails(changeType string) any {
	switch changeType {
	case ctCreate:
		return &createDetails{}
	case ctUpdateInformation:
		return &informationDetails{}
	case ctUpdatePricing:
		return &pricingDetails{}
	case ctUpdatePayment:
		return &paymentDetails{}
	case ctUpdateAvailability:
		return &availabilityDetails{}
	case ctUpdateLegal:
		return &legalDetails{}
	case ctUpdateTargeting:
		return &targetingDetails{}
	case ctUpdateValidity:
		return &validityDetails{}
	case ctRelease, ctRestrict:
		return &emptyDetails{}
	}
	return nil
}

// decodeDetails strictly decodes raw details into the change type's struct: unknown properties,
// wrong types and trailing data are errors naming the property.
func decodeDetails(changeType string, raw []byte) (any, error) {
	v := newDetails(changeType)
	if v == nil {
		return nil, fmt.Errorf("unsupported ChangeType %q", changeType)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return v, nil
}

// jsonProblem rewords encoding/json errors so they name the property.
func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(document)"
		}
		// The JSON type expected, never the simulator's Go type (decision 009).
		return fmt.Errorf("property %s: expected %s, got a JSON %s", field, wire.JSONTypeName(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not valid JSON at offset %d: %v", se.Offset, err)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "json: unknown field ") {
		return fmt.Errorf("unknown property %s", strings.TrimPrefix(msg, "json: unknown field "))
	}
	return errors.New(strings.TrimPrefix(msg, "json: "))
}

// decimalOf parses a validated decimal string.
func decimalOf(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}
