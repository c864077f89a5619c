package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/dealdesk/dealdesk/sim/invalid"
)

// Seed declares the parties and products the simulator knows: the vendor's seller account, its
// SaaS products with their dimensions, the resellers (channel partners) and the buyers.
type Seed struct {
	Seller    Party     `json:"seller"`
	Products  []Product `json:"products"`
	Resellers []Party   `json:"resellers"`
	Buyers    []Party   `json:"buyers"`
}

// Party is an AWS account with its legal name.
type Party struct {
	AccountID string `json:"accountId"`
	LegalName string `json:"legalName"`
}

// Product is one SaaS product of the seller.
type Product struct {
	ProductID   string `json:"productId"`   // prod-...
	ProductCode string `json:"productCode"` // what metering and entitlements use
	Title       string `json:"title"`
	// Visibility is Public, Limited, Restricted or Draft; only Public and Limited can be resold.
	Visibility string `json:"visibility"`
	// MeteringMode says how usage is reported: "LicenseArn" (CustomerAWSAccountId + LicenseArn,
	// products from 2026) or "CustomerIdentifier" (CustomerIdentifier + ProductCode, legacy).
	MeteringMode string      `json:"meteringMode"`
	Dimensions   []Dimension `json:"dimensions"`
}

// Dimension is a pricing dimension of a product.
type Dimension struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Unit        string `json:"unit"`
	// Types holds "Entitled" (contract) and/or "ExternallyMetered" (usage reported by the seller).
	Types []string `json:"types"`
}

// Metering modes of a product.
const (
	MeteringLicenseArn         = "LicenseArn"
	MeteringCustomerIdentifier = "CustomerIdentifier"
)

// Dimension types.
const (
	DimensionEntitled = "Entitled"
	DimensionMetered  = "ExternallyMetered"
)

var (
	accountIDPattern   = regexp.MustCompile(`^\d{12}$`)
	productIDPattern   = regexp.MustCompile(`^prod-[a-z0-9]{4,40}$`)
	productCodePattern = regexp.MustCompile(`^[a-z0-9]{4,64}$`)
	dimensionKeyRegexp = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,100}$`)
)

// DemoSeed is the seed used without --seed: one seller, a LicenseArn-metered and a legacy
// CustomerIdentifier-metered SaaS product, two resellers and three buyers.
func DemoSeed() Seed {
	return Seed{
		Seller: Party{AccountID: "111122223333", LegalName: "Example Software, Inc."},
		Products: []Product{
			{
				ProductID:    "prod-dd3mo4nalyt1cs",
				ProductCode:  "dd3mo4nalyt1cs0000000000a",
				Title:        "Example Analytics Platform",
				Visibility:   "Public",
				MeteringMode: MeteringLicenseArn,
				Dimensions: []Dimension{
					{Key: "seats", Name: "Seats", Description: "Named users", Unit: "Users", Types: []string{DimensionEntitled}},
					{Key: "api_calls", Name: "API calls", Description: "API calls beyond the contract", Unit: "Requests", Types: []string{DimensionMetered}},
					{Key: "storage_gb", Name: "Storage", Description: "Stored data per hour", Unit: "GB", Types: []string{DimensionMetered}},
				},
			},
			{
				ProductID:    "prod-dd3mo1egacyl0g",
				ProductCode:  "dd3mo1egacyl0g0000000000b",
				Title:        "Example Log Shipper (legacy)",
				Visibility:   "Limited",
				MeteringMode: MeteringCustomerIdentifier,
				Dimensions: []Dimension{
					{Key: "hosts", Name: "Hosts", Description: "Monitored hosts", Unit: "Units", Types: []string{DimensionEntitled}},
					{Key: "events", Name: "Events", Description: "Ingested events (thousands)", Unit: "Units", Types: []string{DimensionMetered}},
				},
			},
		},
		Resellers: []Party{
			{AccountID: "444455556666", LegalName: "Northwind Cloud Partners LLC"},
			{AccountID: "777788889999", LegalName: "Contoso Reseller Ltd."},
		},
		Buyers: []Party{
			{AccountID: "210987654321", LegalName: "Acme Corporation"},
			{AccountID: "123456789012", LegalName: "Globex Inc."},
			{AccountID: "345678901234", LegalName: "Initech LLC"},
		},
	}
}

// LoadSeed reads and validates a seed file.
func LoadSeed(path string) (Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("read seed: %w", err)
	}
	return ParseSeed(b)
}

// ParseSeed decodes and validates a seed document; unknown fields are an error.
func ParseSeed(b []byte) (Seed, error) {
	var s Seed
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Seed{}, fmt.Errorf("seed: %w", err)
	}
	if err := s.Validate(); err != nil {
		return Seed{}, err
	}
	return s, nil
}

// Validate checks the seed and returns one error naming every bad field.
func (s Seed) Validate() error {
	var errs invalid.Fields
	seen := map[string]string{}
	party := func(field string, p Party) {
		if !accountIDPattern.MatchString(p.AccountID) {
			errs.Add(field+".accountId", "must be 12 digits, got %q", p.AccountID)
		} else if prev, ok := seen[p.AccountID]; ok {
			errs.Add(field+".accountId", "%s is already used by %s", p.AccountID, prev)
		} else {
			seen[p.AccountID] = field
		}
		if strings.TrimSpace(p.LegalName) == "" {
			errs.Add(field+".legalName", "is required")
		}
	}
	party("seller", s.Seller)
	for i, p := range s.Resellers {
		party(fmt.Sprintf("resellers[%d]", i), p)
	}
	for i, p := range s.Buyers {
		party(fmt.Sprintf("buyers[%d]", i), p)
	}
	if len(s.Products) == 0 {
		errs.Add("products", "at least one product is required")
	}
	ids, codes := map[string]bool{}, map[string]bool{}
	for i, p := range s.Products {
		f := fmt.Sprintf("products[%d]", i)
		if !productIDPattern.MatchString(p.ProductID) {
			errs.Add(f+".productId", "must look like prod-<lowercase letters and digits>, got %q", p.ProductID)
		} else if ids[p.ProductID] {
			errs.Add(f+".productId", "%s is declared twice", p.ProductID)
		}
		ids[p.ProductID] = true
		if !productCodePattern.MatchString(p.ProductCode) {
			errs.Add(f+".productCode", "must be 4-64 lowercase letters and digits, got %q", p.ProductCode)
		} else if codes[p.ProductCode] {
			errs.Add(f+".productCode", "%s is declared twice", p.ProductCode)
		}
		codes[p.ProductCode] = true
		if strings.TrimSpace(p.Title) == "" {
			errs.Add(f+".title", "is required")
		}
		switch p.Visibility {
		case "Public", "Limited", "Restricted", "Draft":
		default:
			errs.Add(f+".visibility", "must be Public, Limited, Restricted or Draft, got %q", p.Visibility)
		}
		switch p.MeteringMode {
		case MeteringLicenseArn, MeteringCustomerIdentifier:
		default:
			errs.Add(f+".meteringMode", "must be %s or %s, got %q", MeteringLicenseArn, MeteringCustomerIdentifier, p.MeteringMode)
		}
		if len(p.Dimensions) == 0 {
			errs.Add(f+".dimensions", "at least one dimension is required")
		}
		keys := map[string]bool{}
		for j, d := range p.Dimensions {
			df := fmt.Sprintf("%s.dimensions[%d]", f, j)
			if !dimensionKeyRegexp.MatchString(d.Key) {
				errs.Add(df+".key", "must be 1-100 letters, digits, '_', '.' or '-', got %q", d.Key)
			} else if keys[d.Key] {
				errs.Add(df+".key", "%s is declared twice", d.Key)
			}
			keys[d.Key] = true
			if strings.TrimSpace(d.Name) == "" {
				errs.Add(df+".name", "is required")
			}
			if strings.TrimSpace(d.Unit) == "" {
				errs.Add(df+".unit", "is required")
			}
			if len(d.Types) == 0 {
				errs.Add(df+".types", "at least one of Entitled, ExternallyMetered is required")
			}
			for k, t := range d.Types {
				if t != DimensionEntitled && t != DimensionMetered {
					errs.Add(fmt.Sprintf("%s.types[%d]", df, k), "must be Entitled or ExternallyMetered, got %q", t)
				}
			}
		}
	}
	return errs.Err("invalid seed")
}

// has reports whether d has type t.
func (d Dimension) has(t string) bool {
	for _, x := range d.Types {
		if x == t {
			return true
		}
	}
	return false
}

// dimension returns the product's dimension with key k.
func (p *Product) dimension(k string) (Dimension, bool) {
	for _, d := range p.Dimensions {
		if d.Key == k {
			return d, true
		}
	}
	return Dimension{}, false
}

// seedIndex gives fast lookups over a seed.
type seedIndex struct {
	seed      Seed
	byID      map[string]*Product
	byCode    map[string]*Product
	resellers map[string]Party
	buyers    map[string]Party
}

func newSeedIndex(s Seed) *seedIndex {
	x := &seedIndex{seed: s, byID: map[string]*Product{}, byCode: map[string]*Product{},
		resellers: map[string]Party{}, buyers: map[string]Party{}}
	for i := range x.seed.Products {
		p := &x.seed.Products[i]
		x.byID[p.ProductID] = p
		x.byCode[p.ProductCode] = p
	}
	for _, p := range s.Resellers {
		x.resellers[p.AccountID] = p
	}
	for _, p := range s.Buyers {
		x.buyers[p.AccountID] = p
	}
	return x
}

// legalName returns the legal name of a known account, or "".
func (x *seedIndex) legalName(acct string) string {
	if acct == x.seed.Seller.AccountID {
		return x.seed.Seller.LegalName
	}
	if p, ok := x.resellers[acct]; ok {
		return p.LegalName
	}
	if p, ok := x.buyers[acct]; ok {
		return p.LegalName
	}
	return ""
}

// known reports whether acct is an account of the seed.
func (x *seedIndex) known(acct string) bool { return x.legalName(acct) != "" }
