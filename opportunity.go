package dealdesk

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Limits of a resell opportunity, as AWS Marketplace sets them for resale authorizations.
const (
	MaxBuyerAccounts   = 25
	MaxInstallments    = 60
	MaxPricePlaces     = 8
	MaxDimensionAmount = 2147483646
)

// maxDocumentURLLength bounds the URL of a custom legal document.
const maxDocumentURLLength = 2048

var (
	maxCommit        = decimal.NewFromInt(100000000)
	isoPeriodPattern = regexp.MustCompile(`^P([0-9]{1,3}Y)?([0-9]{1,4}M)?([0-9]{1,5}D)?$`)
	nonZeroDigit     = regexp.MustCompile(`[1-9]`)
)

// NewOpportunity returns the CPPO_OUT offer that in describes, unvalidated; ValidateOpportunity
// checks it.
func NewOpportunity(in OfferInput) *Offer {
	o := &Offer{Type: OfferCPPOOut, Status: OfferDraft}
	ApplyOfferInput(o, in)
	return o
}

// ApplyOfferInput resets the fields in.Clear names, then copies the present fields of in onto o;
// the members of a present legal document are merged into o's (see mergeDocument).
func ApplyOfferInput(o *Offer, in OfferInput) {
	for _, name := range in.Clear {
		clearOfferField(o, name)
	}
	set(&o.Name, in.Name)
	set(&o.Description, in.Description)
	set(&o.ProductID, in.ProductID)
	set(&o.ResellerAccountID, in.ResellerAccountID)
	set(&o.BuyerAccountIDs, in.BuyerAccountIDs)
	set(&o.Renewal, in.Renewal)
	set(&o.RenewalChannel, in.RenewalChannel)
	if in.CommitAmount != nil {
		v := *in.CommitAmount
		o.CommitAmount = &v
	}
	set(&o.Currency, in.Currency)
	set(&o.ContractDuration, in.ContractDuration)
	set(&o.EntitledDimensions, in.EntitledDimensions)
	set(&o.DimensionPrices, in.DimensionPrices)
	if in.ExpiryDate != nil {
		v := *in.ExpiryDate
		o.ExpiryDate = &v
	}
	set(&o.OneTime, in.OneTime)
	mergeDocument(&o.EULA, in.EULA)
	mergeDocument(&o.ResellerContract, in.ResellerContract)
	set(&o.Installments, in.Installments)
	set(&o.MeterUsageAgainstCommit, in.MeterUsageAgainstCommit)
}

// mergeDocument merges the members that in sets (non-empty) into *dst, as JSON merge patch
// merges a nested object: {"eula":{"url":"https://..."}} changes a custom EULA's URL and keeps
// its type. A member to empty is named in OfferInput.Clear ("eula.url").
func mergeDocument(dst **Document, in *Document) {
	if in == nil {
		return
	}
	d := Document{}
	if *dst != nil {
		d = **dst
	}
	if in.Type != "" {
		d.Type = in.Type
	}
	if in.URL != "" {
		d.URL = in.URL
	}
	*dst = &d
}

// clearOfferField resets the field of o whose JSON name is name; other names change nothing.
func clearOfferField(o *Offer, name string) {
	switch name {
	case "name":
		o.Name = ""
	case "description":
		o.Description = ""
	case "productId":
		o.ProductID = ""
	case "resellerAccountId":
		o.ResellerAccountID = ""
	case "buyerAccountIds":
		o.BuyerAccountIDs = nil
	case "renewal":
		o.Renewal = false
	case "renewalChannel":
		o.RenewalChannel = ""
	case "commitAmount":
		o.CommitAmount = nil
	case "currency":
		o.Currency = ""
	case "contractDuration":
		o.ContractDuration = ""
	case "entitledDimensions":
		o.EntitledDimensions = nil
	case "dimensionPrices":
		o.DimensionPrices = nil
	case "expiryDate":
		o.ExpiryDate = nil
	case "oneTime":
		o.OneTime = false
	case "eula":
		o.EULA = nil
	case "eula.type", "eula.url":
		clearDocumentMember(o.EULA, name)
	case "resellerContract":
		o.ResellerContract = nil
	case "resellerContract.type", "resellerContract.url":
		clearDocumentMember(o.ResellerContract, name)
	case "installments":
		o.Installments = nil
	case "meterUsageAgainstCommit":
		o.MeterUsageAgainstCommit = false
	}
}

// clearDocumentMember empties the member of d that the path name ("eula.url") ends with; a nil
// d has nothing to clear.
func clearDocumentMember(d *Document, name string) {
	if d == nil {
		return
	}
	if strings.HasSuffix(name, ".url") {
		d.URL = ""
	} else {
		d.Type = ""
	}
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// ValidateOfferType checks the type of a create request: only CPPO_OUT offers are created
// through the API; CPPO offers come from AWS.
func ValidateOfferType(t *OfferType) error {
	var p Problems
	switch {
	case t == nil || *t == "":
		p.Add("type", "is required")
	case t.Valid() && *t != OfferCPPOOut:
		p.Add("type", "only CPPO_OUT offers can be created; %s offers come from AWS Marketplace", *t)
	case *t != OfferCPPOOut:
		p.Add("type", "must be CPPO_OUT (the only type created through the API)")
	}
	return p.Err()
}

// ValidateOpportunity checks a CPPO_OUT offer against the rules of AWS resale authorizations.
// product is the offer's product in the caller's organization, or nil when there is none;
// today is the current UTC date. With complete unset (a draft), missing fields are allowed but
// present ones are still checked. The error lists every bad field.
func ValidateOpportunity(o *Offer, product *Product, today Date, complete bool) error {
	var p Problems
	required := func(field string, missing bool) bool {
		if missing && complete {
			p.Add(field, "is required")
		}
		return !missing
	}

	if required("name", o.Name == "") {
		p.CheckText("name", o.Name, 1, MaxOfferNameLength)
	}
	p.CheckText("description", o.Description, 0, 255)
	if required("productId", o.ProductID == "") && product == nil {
		p.Add("productId", "no product %q in your organization", o.ProductID)
	}
	if required("resellerAccountId", o.ResellerAccountID == "") {
		checkAccountID(&p, "resellerAccountId", o.ResellerAccountID)
	}
	validateBuyers(&p, o)
	validateRenewal(&p, o, complete)

	required("currency", o.Currency == "")
	if o.Currency != "" && !o.Currency.Valid() {
		p.Add("currency", "%s", OneOf(Currencies))
	}
	if required("commitAmount", o.CommitAmount == nil) {
		validateAmount(&p, "commitAmount", *o.CommitAmount, o.Currency)
	}
	validateDuration(&p, o, complete)
	validateDimensions(&p, o, product, complete)

	if o.ExpiryDate != nil && !o.ExpiryDate.After(today) {
		p.Add("expiryDate", "must be after today (%s)", today)
	}
	if required("eula", o.EULA == nil) {
		validateDocument(&p, "eula", *o.EULA)
	}
	if o.ResellerContract != nil {
		validateDocument(&p, "resellerContract", *o.ResellerContract)
	}
	validateInstallments(&p, o, today, complete)
	if o.MeterUsageAgainstCommit && complete {
		if o.CommitAmount == nil || !o.CommitAmount.IsPositive() {
			p.Add("meterUsageAgainstCommit", "needs a commitAmount above 0: usage is metered against the commit")
		}
		if len(o.DimensionPrices) == 0 {
			p.Add("meterUsageAgainstCommit", "needs dimensionPrices: usage is valued at them to consume the commit")
		}
	}
	return p.Err()
}

func validateBuyers(p *Problems, o *Offer) {
	if len(o.BuyerAccountIDs) > MaxBuyerAccounts {
		p.Add("buyerAccountIds", "at most %d buyer accounts are allowed, got %d", MaxBuyerAccounts, len(o.BuyerAccountIDs))
		return
	}
	seen := map[string]bool{}
	for i, id := range o.BuyerAccountIDs {
		f := "buyerAccountIds[" + strconv.Itoa(i) + "]"
		if checkAccountID(p, f, id) && seen[id] {
			p.Add(f, "repeats buyer account %s", id)
		}
		seen[id] = true
	}
}

func validateRenewal(p *Problems, o *Offer, complete bool) {
	if !o.Renewal {
		if o.RenewalChannel != "" {
			p.Add("renewalChannel", "is only allowed when renewal is true")
		}
		return
	}
	if len(o.BuyerAccountIDs) == 0 {
		p.Add("buyerAccountIds", "at least one buyer account is required for a renewal")
	}
	switch o.RenewalChannel {
	case RenewalAWSMarketplace, RenewalExternal:
	case "":
		if complete {
			p.Add("renewalChannel", "is required for a renewal: AWS_MARKETPLACE or EXTERNAL")
		}
	default:
		p.Add("renewalChannel", "must be AWS_MARKETPLACE or EXTERNAL")
	}
}

// validateAmount checks a money amount: not negative, at most the currency's decimals, at most
// AWS's maximum.
func validateAmount(p *Problems, field string, d Decimal, c Currency) {
	places := 2
	if c.Valid() {
		places = c.MinorUnits()
	}
	switch {
	case d.IsNegative():
		p.Add(field, "must not be negative")
	case d.Places() > places:
		p.Add(field, "must have at most %d decimals", places)
	case d.GreaterThan(maxCommit):
		p.Add(field, "must be at most %s", maxCommit)
	}
}

func validateDuration(p *Problems, o *Offer, complete bool) {
	needs := (o.CommitAmount != nil && o.CommitAmount.IsPositive()) || len(o.EntitledDimensions) > 0
	if o.ContractDuration == "" {
		if needs && complete {
			p.Add("contractDuration", "is required for a contract: an ISO 8601 period such as P12M")
		}
		return
	}
	if !isoPeriodPattern.MatchString(o.ContractDuration) || !nonZeroDigit.MatchString(o.ContractDuration) {
		p.Add("contractDuration", "must be an ISO 8601 period of years, months or days such as P12M")
	}
}

func validateDimensions(p *Problems, o *Offer, product *Product, complete bool) {
	tooMany := false
	for _, l := range []struct {
		field string
		n     int
	}{{"entitledDimensions", len(o.EntitledDimensions)}, {"dimensionPrices", len(o.DimensionPrices)}} {
		if l.n > MaxDimensions {
			p.Add(l.field, "at most %d are allowed, got %d", MaxDimensions, l.n)
			tooMany = true
		}
	}
	if tooMany {
		return
	}
	seen := map[string]bool{}
	for i, d := range o.EntitledDimensions {
		f := "entitledDimensions[" + strconv.Itoa(i) + "]"
		checkDimension(p, f, d.DimensionKey, DimensionKind.Entitled, "a contract (ENTITLED) dimension", product, seen)
		if d.Quantity < 1 || d.Quantity > MaxDimensionAmount {
			p.Add(f+".quantity", "must be between 1 and %d", MaxDimensionAmount)
		}
	}
	if complete && o.CommitAmount != nil && o.CommitAmount.IsPositive() && len(o.EntitledDimensions) == 0 {
		p.Add("entitledDimensions", "at least one entitled dimension is required: the commit must buy something")
	}
	seen = map[string]bool{}
	for i, d := range o.DimensionPrices {
		f := "dimensionPrices[" + strconv.Itoa(i) + "]"
		checkDimension(p, f, d.DimensionKey, DimensionKind.Metered, "a METERED dimension", product, seen)
		switch {
		case !d.Price.IsSet():
			p.Add(f+".price", "is required")
		case d.Price.IsNegative():
			p.Add(f+".price", "must not be negative")
		case d.Price.Places() > MaxPricePlaces:
			p.Add(f+".price", "must have at most %d decimals", MaxPricePlaces)
		}
	}
	if len(o.DimensionPrices) > 0 && o.Currency.Valid() && o.Currency != USD {
		p.Add("currency", "must be USD: AWS Marketplace prices usage dimensions in USD only")
	}
	if product == nil || !complete {
		return
	}
	for _, d := range product.Dimensions {
		if d.Kind.Metered() && !seen[d.Key] {
			p.Add("dimensionPrices", "metered dimension %q has no price", d.Key)
		}
	}
}

func checkDimension(p *Problems, field, key string, fits func(DimensionKind) bool, want string, product *Product, seen map[string]bool) {
	if key == "" {
		p.Add(field+".dimensionKey", "is required")
		return
	}
	if !checkDimensionKey(p, field+".dimensionKey", key) {
		return
	}
	if seen[key] {
		p.Add(field+".dimensionKey", "repeats dimension %q", key)
	}
	seen[key] = true
	if product == nil {
		return
	}
	d := product.Dimension(key)
	switch {
	case d == nil:
		p.Add(field+".dimensionKey", "product has no dimension %q", key)
	case !fits(d.Kind):
		p.Add(field+".dimensionKey", "dimension %q is %s, not %s", key, d.Kind, want)
	}
}

func validateDocument(p *Problems, field string, d Document) {
	switch d.Type {
	case DocumentStandard:
		if d.URL != "" {
			p.Add(field+".url", "must be absent for a STANDARD document (in a PATCH, set it to null)")
		}
	case DocumentCustom:
		u, err := url.Parse(d.URL)
		if d.URL == "" || err != nil || u.Scheme != "https" || u.Host == "" || !ValidText(d.URL) {
			p.Add(field+".url", "must be an https URL for a CUSTOM document")
		} else if len(d.URL) > maxDocumentURLLength {
			p.Add(field+".url", "must be at most %d characters", maxDocumentURLLength)
		}
	default:
		p.Add(field+".type", "must be STANDARD or CUSTOM")
	}
}

// validateInstallments checks the payment schedule. Like every rule that ties two fields, the
// need for an expiry date waits for a complete offer when the date is still absent from a draft.
func validateInstallments(p *Problems, o *Offer, today Date, complete bool) {
	if len(o.Installments) == 0 {
		return
	}
	if len(o.Installments) > MaxInstallments {
		p.Add("installments", "at most %d installments are allowed, got %d", MaxInstallments, len(o.Installments))
		return
	}
	if !o.OneTime {
		p.Add("installments", "installments need a one-time opportunity (oneTime true)")
	}
	if o.ExpiryDate == nil && complete {
		p.Add("installments", "installments need an expiry date")
	}
	if len(o.EntitledDimensions) == 0 && complete {
		p.Add("installments", "installments need a contract: at least one entitled dimension")
	}
	sum := decimal.Zero
	seen := map[Date]int{}
	for i, in := range o.Installments {
		f := "installments[" + strconv.Itoa(i) + "]"
		switch {
		case in.ChargeDate.IsZero():
			p.Add(f+".chargeDate", "is required")
		case !in.ChargeDate.After(today):
			p.Add(f+".chargeDate", "must be after today (%s)", today)
		case o.ExpiryDate != nil && !in.ChargeDate.After(*o.ExpiryDate):
			p.Add(f+".chargeDate", "must be after the expiry date %s", o.ExpiryDate)
		}
		if j, dup := seen[in.ChargeDate]; dup && !in.ChargeDate.IsZero() {
			p.Add(f+".chargeDate", "repeats the date of installments[%d]", j)
		} else {
			seen[in.ChargeDate] = i
		}
		if !in.Amount.IsSet() {
			p.Add(f+".amount", "is required")
		} else {
			validateAmount(p, f+".amount", in.Amount, o.Currency)
		}
		sum = sum.Add(in.Amount.Decimal)
	}
	if o.CommitAmount != nil && !sum.Equal(o.CommitAmount.Decimal) {
		p.Add("installments", "amounts add up to %s but the commit amount is %s", Decimal{Decimal: sum, set: true}, o.CommitAmount)
	}
}
