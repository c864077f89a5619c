package awsmp

import (
	"encoding/json"
	"strconv"
	"strings"
)

// byValue marks a field of errorFields whose element is found by the value AWS's message
// names: a dimension key, a charge date or a buyer account.
const byValue = "[]"

// errorFields maps each asynchronous error code of a change (AWS's ErrorDetailList, reference
// §1.3) to the opportunity's field it concerns, per change type; the "" entry is the change
// type's default. A field ending in byValue names the list; the element is the one whose key,
// date or account the message names ("dimensionPrices[1].dimensionKey"), else the list itself.
var errorFields = map[string]map[string]string{
	ChangeCreate: {
		"INVALID_RESELLER_ACCOUNT": "resellerAccountId",
		"":                         "productId",
	},
	ChangeUpdateInformation: {
		"INCOMPATIBLE_BUYER_TARGETING": "buyerAccountIds",
		"":                             "renewal",
	},
	ChangeUpdatePricing: {
		"INVALID_CURRENCY_CODE":           "currency",
		"INCOMPATIBLE_CURRENCY_CODE":      "currency",
		"INVALID_DURATION":                "contractDuration",
		"MISSING_DURATION":                "contractDuration",
		"INVALID_SELECTOR_DURATION_VALUE": "contractDuration",
		"TOO_MANY_GRANTS":                 "entitledDimensions",
		"INCOMPATIBLE_PRODUCT":            "entitledDimensions" + byValue,
		"DUPLICATE_DIMENSION_KEYS":        "dimensionPrices" + byValue,
		"INVALID_RATE_CARD":               "dimensionPrices" + byValue,
		"TOO_MANY_RATES":                  "dimensionPrices",
		"":                                "commitAmount",
	},
	ChangeUpdatePayment: {
		"INVALID_CURRENCY_CODE":      "currency",
		"INCOMPATIBLE_CURRENCY_CODE": "currency",
		"INVALID_CHARGE_DATES":       "installments" + byValue,
		"DUPLICATE_CHARGE_DATES":     "installments" + byValue,
		"INCOMPATIBLE_TERMS":         "oneTime",
		"":                           "installments",
	},
	ChangeUpdateAvailability: {
		"": "expiryDate",
	},
	ChangeUpdateLegal: {
		"INVALID_BUYER_LEGAL_DOCUMENTS":  "eula.url",
		"INVALID_RESALE_LEGAL_DOCUMENTS": "resellerContract.url",
		"":                               "eula",
	},
	ChangeUpdateTargeting: {
		"": "buyerAccountIds" + byValue,
	},
	ChangeRelease: {
		"INCOMPATIBLE_PRODUCT":          "productId",
		"INCOMPATIBLE_BUYER_TARGETING":  "buyerAccountIds",
		"INCOMPATIBLE_PRICING_TERM":     "installments",
		"INVALID_AVAILABILITY_END_DATE": "expiryDate",
		"":                              "",
	},
}

// echoedDetails is what errorField reads of a change's details as DescribeChangeSet echoes
// them: the lists whose order is the opportunity's (the builder keeps it).
type echoedDetails struct {
	Terms []struct {
		Grants            []grant            `json:"Grants"`
		RateCards         []rateCard         `json:"RateCards"`
		Schedule          []charge           `json:"Schedule"`
		PositiveTargeting *positiveTargeting `json:"PositiveTargeting"`
	} `json:"Terms"`
}

// errorField returns the opportunity's field that error code of a changeType change concerns,
// message being AWS's ErrorMessage and details the change's echoed details (JSON; may be
// empty). A MISSING_MANDATORY_TERMS of the release names the term it misses: the EULA or the
// pricing.
func errorField(changeType, code, message string, details []byte) string {
	if changeType == ChangeRelease && code == "MISSING_MANDATORY_TERMS" {
		if strings.Contains(message, "LegalTerm") {
			return "eula"
		}
		return "commitAmount"
	}
	rules := errorFields[changeType]
	field, ok := rules[code]
	if !ok {
		field = rules[""]
	}
	base, indexed := strings.CutSuffix(field, byValue)
	if !indexed {
		return field
	}
	var d echoedDetails
	if len(details) > 0 && json.Unmarshal(details, &d) == nil {
		if f := locate(&d, words(message), base, strings.Contains(strings.ToLower(message), "price")); f != "" {
			return f
		}
	}
	return base
}

// locate returns the element of the echoed lists that one of words names, looking first in
// the list prefer (the one the error code concerns: a key can be both granted and priced); a
// usage price named by a message about its price is the price itself.
func locate(d *echoedDetails, words map[string]bool, prefer string, aboutPrice bool) string {
	at := func(list string, i int, member string) string {
		return list + "[" + strconv.Itoa(i) + "]." + member
	}
	grants := func() string {
		for _, t := range d.Terms {
			for i, g := range t.Grants {
				if words[g.DimensionKey] {
					return at("entitledDimensions", i, "dimensionKey")
				}
			}
		}
		return ""
	}
	rates := func() string {
		for _, t := range d.Terms {
			for _, rc := range t.RateCards {
				for i, r := range rc.RateCard {
					if words[r.DimensionKey] {
						if aboutPrice {
							return at("dimensionPrices", i, "price")
						}
						return at("dimensionPrices", i, "dimensionKey")
					}
				}
			}
		}
		return ""
	}
	first, second := grants, rates
	if prefer == "dimensionPrices" {
		first, second = rates, grants
	}
	if f := first(); f != "" {
		return f
	}
	if f := second(); f != "" {
		return f
	}
	for _, t := range d.Terms {
		for i, c := range t.Schedule {
			if words[c.ChargeDate] {
				return at("installments", i, "chargeDate")
			}
		}
		if t.PositiveTargeting != nil {
			for i, a := range t.PositiveTargeting.BuyerAccounts {
				if words[a] {
					return "buyerAccountIds[" + strconv.Itoa(i) + "]"
				}
			}
		}
	}
	return ""
}

// words splits an error message into the values it may name: runs of letters, digits and
// "_.-:", each also without a trailing '.' (the end of a sentence).
func words(message string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(message, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-:", r))
	}) {
		out[w] = true
		out[strings.TrimRight(w, ".:")] = true
	}
	return out
}
