package sim

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/dealdesk/dealdesk/sim/wire"
)

type getEntitlementsInput struct {
	ProductCode string              `json:"ProductCode"`
	Filter      map[string][]string `json:"Filter"`
	NextToken   *string             `json:"NextToken"`
	MaxResults  *int                `json:"MaxResults"`
}

type entitlementValue struct {
	IntegerValue *int64 `json:"IntegerValue,omitempty"`
}

type entitlementOutput struct {
	ProductCode          string           `json:"ProductCode"`
	Dimension            string           `json:"Dimension"`
	CustomerIdentifier   string           `json:"CustomerIdentifier,omitempty"`
	CustomerAWSAccountID string           `json:"CustomerAWSAccountId,omitempty"`
	LicenseArn           string           `json:"LicenseArn,omitempty"`
	Value                entitlementValue `json:"Value"`
	ExpirationDate       *wire.Time       `json:"ExpirationDate,omitempty"`
}

func entitlementError(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "InvalidParameterException", Message: fmt.Sprintf(format, args...)}
}

// getEntitlements lists the entitlements in force for a product: one per entitled dimension of
// every active agreement, filtered (values OR'ed within a key, keys AND'ed) and paged.
func (s *Server) getEntitlements(r *http.Request, acct string, c wire.Call) (any, error) {
	var in getEntitlementsInput
	if err := decodeCall(c, &in, func(err error) *apiError { return entitlementError("invalid request: %v", err) }); err != nil {
		return nil, err
	}
	if in.ProductCode == "" {
		return nil, entitlementError("ProductCode is required")
	}
	p := s.seed.byCode[in.ProductCode]
	if p == nil || acct != s.seed.seed.Seller.AccountID {
		return nil, entitlementError("ProductCode %s is not a product of account %s", in.ProductCode, acct)
	}
	max := 25
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 25 {
			return nil, entitlementError("MaxResults must be 1-25, got %d", *in.MaxResults)
		}
		max = *in.MaxResults
	}
	names := make([]string, 0, len(in.Filter))
	for k, v := range in.Filter {
		switch k {
		case "CUSTOMER_IDENTIFIER", "CUSTOMER_AWS_ACCOUNT_ID", "LICENSE_ARN", "DIMENSION":
		default:
			return nil, entitlementError("Filter key %q is not one of CUSTOMER_IDENTIFIER, CUSTOMER_AWS_ACCOUNT_ID, LICENSE_ARN, DIMENSION", k)
		}
		if len(v) == 0 {
			return nil, entitlementError("Filter %s needs at least one value", k)
		}
		names = append(names, k)
	}
	if _, a := in.Filter["CUSTOMER_IDENTIFIER"]; a {
		if _, b := in.Filter["CUSTOMER_AWS_ACCOUNT_ID"]; b {
			return nil, entitlementError("Filter keys CUSTOMER_IDENTIFIER and CUSTOMER_AWS_ACCOUNT_ID are mutually exclusive")
		}
	}
	// A dimension filter narrows one customer's entitlements: alone it is refused (decision 009).
	if _, dim := in.Filter["DIMENSION"]; dim {
		_, ci := in.Filter["CUSTOMER_IDENTIFIER"]
		_, ca := in.Filter["CUSTOMER_AWS_ACCOUNT_ID"]
		_, la := in.Filter["LICENSE_ARN"]
		if !ci && !ca && !la {
			return nil, entitlementError("Filter DIMENSION must be combined with a customer filter: CUSTOMER_IDENTIFIER, CUSTOMER_AWS_ACCOUNT_ID or LICENSE_ARN")
		}
	}
	offset, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, entitlementError("NextToken is not a token this API returned")
	}
	now := s.now()
	s.mu.Lock()
	agreements := sortedAgreements(s.st.Agreements)
	var all []entitlementOutput
	for _, a := range agreements {
		if a.ProductCode != p.ProductCode || !a.entitled(now) {
			continue
		}
		for _, g := range a.Grants {
			q := g.MaxQuantity
			e := entitlementOutput{ProductCode: a.ProductCode, Dimension: g.DimensionKey, CustomerAWSAccountID: a.Acceptor,
				LicenseArn: a.LicenseArn, Value: entitlementValue{IntegerValue: &q}}
			if a.MeteringMode == MeteringCustomerIdentifier {
				e.CustomerIdentifier = a.CustomerIdentifier
			}
			if !a.EndTime.IsZero() {
				e.ExpirationDate = wire.TimePtr(a.EndTime)
			}
			all = append(all, e)
		}
	}
	s.mu.Unlock()
	sort.Strings(names)
	var hits []entitlementOutput
	for _, e := range all {
		ok := true
		for _, k := range names {
			v := map[string]string{"CUSTOMER_IDENTIFIER": e.CustomerIdentifier, "CUSTOMER_AWS_ACCOUNT_ID": e.CustomerAWSAccountID,
				"LICENSE_ARN": e.LicenseArn, "DIMENSION": e.Dimension}[k]
			ok = ok && contains(in.Filter[k], v)
		}
		if ok {
			hits = append(hits, e)
		}
	}
	page, next := paginate(len(hits), offset, max)
	out := map[string]any{"Entitlements": emptyIfNil(hits[page[0]:page[1]])}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}
