package web

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// opportunityForm is the Create CPPO form: what was entered, as entered (so that a refused
// value comes back for correction), the choices it offers, and the errors by form field.
type opportunityForm struct {
	// OfferID is the opportunity edited; "" on the Create CPPO form. Action is where the form
	// posts (its product picker too: action=pick-product).
	OfferID, Action string

	Products  []*dealdesk.Product
	Resellers []*dealdesk.Reseller
	Product   *dealdesk.Product // the product picked; nil when the organization has none

	ProductID, Name, Description, ResellerAccountID              string
	Buyers                                                       []buyerField
	Renewal                                                      bool
	RenewalChannel                                               string
	CommitAmount, Currency, ContractDuration, ExpiryDate         string
	OneTime, MeterUsageAgainstCommit                             bool
	EULAType, EULAURL, ResellerContractType, ResellerContractURL string
	Entitled, Metered                                            []dimensionField
	Installments                                                 []installmentField

	Currencies []dealdesk.Currency
	// Errors are the messages by form field name; OtherErrors those of no field on the form.
	Errors      map[string][]string
	OtherErrors []string
	// Notice says what a row action did, shown next to the rows it concerns: NoticeRows,
	// "buyer" or "installment". FocusAdd, "buyer" or "installment", says that the page opens
	// with that Add button focused (after a remove).
	Notice, NoticeRows, FocusAdd string
	// rowProblems are the problems of the posted rows themselves (readRows): a form with any
	// is refused whatever its action.
	rowProblems dealdesk.Problems
}

// dimensionField is the input of one dimension of the product: the quantity an entitled
// dimension's commit buys, or the price of a metered one.
type dimensionField struct {
	Key, Name, Unit string
	Field           string // the form field's name: entitled.KEY or price.KEY
	Value           string
}

// newOpportunityForm returns an empty form with the defaults of a new opportunity.
func newOpportunityForm() *opportunityForm {
	return &opportunityForm{Action: "/offers", Currency: string(dealdesk.USD), ContractDuration: "P12M",
		EULAType: string(dealdesk.DocumentStandard), Currencies: dealdesk.Currencies, Errors: map[string][]string{}}
}

// setProduct picks p (nil: none) and lays out its dimensions' inputs, keeping values of vals
// (the posted form, or nil).
func (f *opportunityForm) setProduct(p *dealdesk.Product, vals url.Values) {
	f.Product, f.Entitled, f.Metered = p, nil, nil
	if p == nil {
		return
	}
	f.ProductID = p.ID
	for _, d := range p.Dimensions {
		if d.Removed {
			continue
		}
		if d.Kind.Entitled() {
			name := "entitled." + d.Key
			f.Entitled = append(f.Entitled, dimensionField{Key: d.Key, Name: d.Name, Unit: d.Unit, Field: name, Value: strings.TrimSpace(vals.Get(name))})
		}
		if d.Kind.Metered() {
			name := "price." + d.Key
			f.Metered = append(f.Metered, dimensionField{Key: d.Key, Name: d.Name, Unit: d.Unit, Field: name, Value: strings.TrimSpace(vals.Get(name))})
		}
	}
}

// readForm reads the posted values into f (its product is set already) and returns the
// OfferInput they make, with the problems of values that cannot be read at all (a commit that
// is not a number, a date that is not a date). Every rule of an opportunity is the domain's
// (dealdesk.ValidateOpportunity), checked by whoever gets the input; only reading is done here.
// Buyer and installment rows are kept as entered, blank ones too; the input holds the filled
// ones, and keys maps the indexes of the input's lists back to dimension keys and rows.
func (f *opportunityForm) readForm(v url.Values) (in dealdesk.OfferInput, parse dealdesk.Problems, keys formKeys) {
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	f.Name, f.Description, f.ResellerAccountID = get("name"), get("description"), get("resellerAccountId")
	f.RenewalChannel = get("renewalChannel")
	f.readRows(v)
	parse = append(parse, f.rowProblems...)
	f.CommitAmount, f.Currency, f.ContractDuration, f.ExpiryDate = get("commitAmount"), get("currency"), get("contractDuration"), get("expiryDate")
	f.Renewal, f.OneTime, f.MeterUsageAgainstCommit = v.Has("renewal"), v.Has("oneTime"), v.Has("meterUsageAgainstCommit")
	f.EULAType, f.EULAURL = get("eula.type"), get("eula.url")
	f.ResellerContractType, f.ResellerContractURL = get("resellerContract.type"), get("resellerContract.url")

	t := dealdesk.OfferCPPOOut
	in.Type = &t
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	in.Name, in.Description, in.ProductID, in.ResellerAccountID = str(f.Name), str(f.Description), str(f.ProductID), str(f.ResellerAccountID)
	in.ContractDuration = str(f.ContractDuration)
	// Buyer rows: the filled ones, in order; keys.buyers maps the domain's numbering back.
	var buyers []string
	for _, b := range f.Buyers {
		if b.Value != "" {
			keys.buyers = append(keys.buyers, b.Index)
			buyers = append(buyers, b.Value)
		}
	}
	if len(buyers) > 0 {
		in.BuyerAccountIDs = &buyers
	}
	if f.Renewal {
		in.Renewal = &f.Renewal
	}
	if f.RenewalChannel != "" {
		c := dealdesk.RenewalChannel(f.RenewalChannel)
		in.RenewalChannel = &c
	}
	if f.Currency != "" {
		c := dealdesk.Currency(f.Currency)
		in.Currency = &c
	}
	if f.CommitAmount != "" {
		if d, err := formDecimal(f.CommitAmount); err != nil {
			parse.Add("commitAmount", "%s", err)
		} else {
			in.CommitAmount = &d
		}
	}
	if f.ExpiryDate != "" {
		if d, err := dealdesk.ParseDate(f.ExpiryDate); err != nil {
			parse.Add("expiryDate", "%s", err)
		} else {
			in.ExpiryDate = &d
		}
	}
	if f.OneTime {
		in.OneTime = &f.OneTime
	}
	if f.MeterUsageAgainstCommit {
		in.MeterUsageAgainstCommit = &f.MeterUsageAgainstCommit
	}
	in.EULA = document(f.EULAType, f.EULAURL)
	in.ResellerContract = document(f.ResellerContractType, f.ResellerContractURL)

	var entitled []dealdesk.EntitledDimension
	for _, d := range f.Entitled {
		if d.Value == "" {
			continue
		}
		q, err := strconv.ParseInt(d.Value, 10, 64)
		if err != nil {
			parse.Add(d.Field, "must be a whole number")
			continue
		}
		keys.entitled = append(keys.entitled, d.Key)
		entitled = append(entitled, dealdesk.EntitledDimension{DimensionKey: d.Key, Quantity: q})
	}
	if len(entitled) > 0 {
		in.EntitledDimensions = &entitled
	}
	var prices []dealdesk.DimensionPrice
	for _, d := range f.Metered {
		if d.Value == "" {
			continue
		}
		p, err := formDecimal(d.Value)
		if err != nil {
			parse.Add(d.Field, "%s", err)
			continue
		}
		keys.prices = append(keys.prices, d.Key)
		prices = append(prices, dealdesk.DimensionPrice{DimensionKey: d.Key, Price: p})
	}
	if len(prices) > 0 {
		in.DimensionPrices = &prices
	}

	// Installment rows: the filled ones that can be read, in order, as the domain numbers
	// them; keys.installments maps that numbering back to the rows.
	var installments []dealdesk.Installment
	for _, row := range f.Installments {
		if row.ChargeDate == "" && row.Amount == "" {
			continue
		}
		inst, ok := dealdesk.Installment{}, true
		if d, err := dealdesk.ParseDate(row.ChargeDate); err != nil {
			parse.Add(row.DateName(), "%s", err)
			ok = false
		} else {
			inst.ChargeDate = d
		}
		if a, err := formDecimal(row.Amount); err != nil {
			parse.Add(row.AmountName(), "%s", err)
			ok = false
		} else {
			inst.Amount = a
		}
		if ok {
			keys.installments = append(keys.installments, row.Index)
			installments = append(installments, inst)
		}
	}
	if len(installments) > 0 {
		in.Installments = &installments
	}
	return in, parse, keys
}

// document returns the legal document a form's type and URL describe; nil when neither is
// given or the type is NONE (no reseller contract).
func document(typ, u string) *dealdesk.Document {
	if (typ == "" || typ == "NONE") && u == "" {
		return nil
	}
	if typ == "NONE" {
		typ = ""
	}
	return &dealdesk.Document{Type: dealdesk.DocumentType(typ), URL: u}
}

// formKeys maps the indexes of an input's lists to the form: dimension lists to dimension keys,
// buyer and installment lists to the rows of the form (blank rows are not in the input).
type formKeys struct {
	entitled, prices     []string
	buyers, installments []int
}

var indexedField = regexp.MustCompile(`^(entitledDimensions|dimensionPrices|buyerAccountIds|installments)\[([0-9]+)\](.*)$`)

// addErrors puts the domain's field errors onto the form fields they concern:
// "entitledDimensions[1].quantity" on the quantity input of that dimension,
// "buyerAccountIds[3]" on the input of the fourth buyer filled in, "installments[1].amount" on
// the amount of the second installment filled in; the errors of no field on the form go to
// OtherErrors, so that none is lost.
func (f *opportunityForm) addErrors(fields []dealdesk.FieldError, keys formKeys) {
	shown := map[string]bool{}
	for _, name := range []string{"name", "description", "productId", "resellerAccountId", "buyerAccountIds", "renewal",
		"renewalChannel", "commitAmount", "currency", "contractDuration", "entitledDimensions", "dimensionPrices",
		"expiryDate", "oneTime", "eula.type", "eula.url", "resellerContract.type", "resellerContract.url",
		"installments", "meterUsageAgainstCommit"} {
		shown[name] = true
	}
	for _, d := range append(append([]dimensionField{}, f.Entitled...), f.Metered...) {
		shown[d.Field] = true
	}
	for _, row := range f.Buyers {
		shown[row.Name()] = true
	}
	for _, row := range f.Installments {
		shown[row.DateName()] = true
		shown[row.AmountName()] = true
	}
	for _, fe := range fields {
		name := fe.Field
		if m := indexedField.FindStringSubmatch(name); m != nil {
			i, _ := strconv.Atoi(m[2])
			switch {
			case m[1] == "buyerAccountIds" && i < len(keys.buyers):
				name = fmt.Sprintf("buyerAccountIds[%d]", keys.buyers[i])
			case m[1] == "installments" && i < len(keys.installments):
				name = fmt.Sprintf("installments[%d]%s", keys.installments[i], m[3])
			case m[1] == "entitledDimensions" && i < len(keys.entitled):
				name = "entitled." + keys.entitled[i]
			case m[1] == "dimensionPrices" && i < len(keys.prices):
				name = "price." + keys.prices[i]
			default:
				name = m[1]
			}
		}
		if name == "eula" || name == "resellerContract" {
			name += ".type"
		}
		if shown[name] {
			f.Errors[name] = append(f.Errors[name], fe.Message)
		} else {
			f.OtherErrors = append(f.OtherErrors, fe.Field+": "+fe.Message)
		}
	}
}

// nav is the navigation entry the form's page belongs to: Create CPPO, or Offers when editing.
func (f *opportunityForm) nav() string {
	if f.OfferID != "" {
		return "offers"
	}
	return "new"
}

// errFormDecimal is the form's words for a value that is not a number at all: the domain's
// (dealdesk.ErrNotDecimal) speak of JSON strings, which a form has none of.
var errFormDecimal = errors.New("must be a number such as 12000.00: digits and at most one decimal point, without commas, spaces or a currency sign")

// formDecimal parses a decimal typed into the form (dealdesk.ParseDecimal), with errFormDecimal
// for a value that is not a number.
func formDecimal(s string) (dealdesk.Decimal, error) {
	d, err := dealdesk.ParseDecimal(s)
	if errors.Is(err, dealdesk.ErrNotDecimal) {
		err = errFormDecimal
	}
	return d, err
}
