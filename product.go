package dealdesk

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// DimensionKind says how a product dimension is charged.
type DimensionKind string

// Dimension kinds.
const (
	DimensionEntitled DimensionKind = "ENTITLED" // bought up front in a contract
	DimensionMetered  DimensionKind = "METERED"  // reported as usage and metered to AWS
	// DimensionEntitledAndMetered is bought up front and metered beyond what the contract
	// grants: an AWS dimension whose Types hold both "Entitled" and "ExternallyMetered". Usage
	// on it is covered first by the opportunity's grant of the same key (decision 023).
	DimensionEntitledAndMetered DimensionKind = "ENTITLED_AND_METERED"
)

// DimensionKinds lists every dimension kind.
var DimensionKinds = []DimensionKind{DimensionEntitled, DimensionMetered, DimensionEntitledAndMetered}

// Entitled reports whether a contract can grant quantities of a dimension of kind k.
func (k DimensionKind) Entitled() bool {
	return k == DimensionEntitled || k == DimensionEntitledAndMetered
}

// Metered reports whether usage of a dimension of kind k is reported and metered to AWS.
func (k DimensionKind) Metered() bool {
	return k == DimensionMetered || k == DimensionEntitledAndMetered
}

// DimensionKindOf returns the kind of an AWS Catalog dimension from its Types ("Entitled",
// "ExternallyMetered"; AWS Marketplace Catalog API, SaaS product dimensions), and false when
// they name neither.
func DimensionKindOf(types []string) (DimensionKind, bool) {
	entitled, metered := slices.Contains(types, "Entitled"), slices.Contains(types, "ExternallyMetered")
	switch {
	case entitled && metered:
		return DimensionEntitledAndMetered, true
	case entitled:
		return DimensionEntitled, true
	case metered:
		return DimensionMetered, true
	}
	return "", false
}

// MeteringIdentity says how usage of a product names the customer when metered to AWS.
type MeteringIdentity string

// Metering identities: products listed from 2026 on meter by account and license; older ones by
// customer identifier and product code.
const (
	MeteringByLicense            MeteringIdentity = "LICENSE_ARN"
	MeteringByCustomerIdentifier MeteringIdentity = "CUSTOMER_IDENTIFIER"
)

// Product is an AWS Marketplace SaaS product the vendor sells.
type Product struct {
	ID               string           `json:"id"`
	OrgID            string           `json:"-"`
	ExternalID       string           `json:"externalId"`  // AWS product ID, "prod-..."
	ProductCode      string           `json:"productCode"` // AWS product code, used for metering
	Title            string           `json:"title"`
	MeteringIdentity MeteringIdentity `json:"meteringIdentity"`
	Dimensions       []Dimension      `json:"dimensions"`
	CreatedAt        time.Time        `json:"createdAt"`
	UpdatedAt        time.Time        `json:"updatedAt"`
}

// Dimension is one priced unit of a product. Removed and RemovedAt are set by product sync only
// (ProductSyncStore.SyncProducts): a dimension AWS no longer lists is kept, marked, so that the
// offers and entitlements that name it still resolve (decision 018); a request that registers a
// product cannot set them.
type Dimension struct {
	Key       string        `json:"key"`
	Name      string        `json:"name"`
	Unit      string        `json:"unit"`
	Kind      DimensionKind `json:"kind"`
	Removed   bool          `json:"removed,omitempty"`   // AWS's Catalog no longer lists it
	RemovedAt *time.Time    `json:"removedAt,omitempty"` // when a sync first found it missing
}

// Dimension returns the product's dimension with key, or nil.
func (p *Product) Dimension(key string) *Dimension {
	for i := range p.Dimensions {
		if p.Dimensions[i].Key == key {
			return &p.Dimensions[i]
		}
	}
	return nil
}

// MarshalJSON writes the product with its dimensions as [] rather than null.
func (p Product) MarshalJSON() ([]byte, error) {
	type plain Product // without this method
	p.Dimensions = nonNil(p.Dimensions)
	return json.Marshal(plain(p))
}

// ProductInput is the request to register a product.
type ProductInput struct {
	ExternalID       string           `json:"externalId"`
	ProductCode      string           `json:"productCode"`
	Title            string           `json:"title"`
	MeteringIdentity MeteringIdentity `json:"meteringIdentity,omitempty"`
	Dimensions       []Dimension      `json:"dimensions"`
}

// ProductFilter selects products; Cursor and Limit page through them.
type ProductFilter struct {
	ExternalID string
	Cursor     string
	Limit      int
}

// ProductService manages the products of the caller's organization. Every method returns
// EUNAUTHORIZED when the context carries no organization.
type ProductService interface {
	// CreateProduct validates and stores a product. Returns EINVALID naming every bad field and
	// ECONFLICT when the organization already has a product with this externalId.
	CreateProduct(ctx context.Context, in ProductInput) (*Product, error)
	// FindProductByID returns ENOTFOUND unless the product belongs to the caller's organization.
	FindProductByID(ctx context.Context, id string) (*Product, error)
	// FindProducts lists products, newest first, and the cursor of the next page ("" at the end).
	// Returns EINVALID naming a filter that is not text or a cursor this list did not return.
	FindProducts(ctx context.Context, f ProductFilter) ([]*Product, string, error)
}

// MaxDimensions is how many dimensions a product, and so an offer's list of them, may have.
const MaxDimensions = 200

var (
	productIDPattern    = regexp.MustCompile(`^prod-[a-z0-9]{1,45}$`)
	productCodePattern  = regexp.MustCompile(`^[a-z0-9]{1,255}$`)
	dimensionKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,` + strconv.Itoa(maxDimensionKeyLength) + `}$`)
)

// maxDimensionKeyLength bounds a dimension key, as AWS Marketplace does.
const maxDimensionKeyLength = 100

// checkDimensionKey adds a problem and returns false when key is not a dimension key: 1 to
// maxDimensionKeyLength letters, digits, '_', '.' or '-'.
func checkDimensionKey(p *Problems, field, key string) bool {
	if !dimensionKeyPattern.MatchString(key) {
		p.Add(field, "must be 1 to %d letters, digits, '_', '.' or '-'", maxDimensionKeyLength)
		return false
	}
	return true
}

// NewProduct validates in and returns the product it describes (without ID and times).
func NewProduct(in ProductInput) (*Product, error) {
	var p Problems
	if !productIDPattern.MatchString(in.ExternalID) {
		p.Add("externalId", "must be an AWS product ID such as prod-abc123def456")
	}
	if !productCodePattern.MatchString(in.ProductCode) {
		p.Add("productCode", "must be an AWS product code (lower-case letters and digits)")
	}
	p.CheckText("title", in.Title, 1, 255)
	mode := in.MeteringIdentity
	switch mode {
	case "":
		mode = MeteringByLicense
	case MeteringByLicense, MeteringByCustomerIdentifier:
	default:
		p.Add("meteringIdentity", "must be LICENSE_ARN or CUSTOMER_IDENTIFIER")
	}
	if len(in.Dimensions) == 0 {
		p.Add("dimensions", "at least one dimension is required")
	} else if len(in.Dimensions) > MaxDimensions {
		p.Add("dimensions", "at most %d dimensions are allowed", MaxDimensions)
	}
	seen := map[string]bool{}
	for i, d := range in.Dimensions {
		f := "dimensions[" + strconv.Itoa(i) + "]"
		if checkDimensionKey(&p, f+".key", d.Key) && seen[d.Key] {
			p.Add(f+".key", "duplicates dimension %q", d.Key)
		}
		seen[d.Key] = true
		p.CheckText(f+".name", d.Name, 1, 255)
		p.CheckText(f+".unit", d.Unit, 1, 64)
		if !slices.Contains(DimensionKinds, d.Kind) {
			p.Add(f+".kind", "%s", OneOf(DimensionKinds))
		}
		if d.Removed || d.RemovedAt != nil {
			p.Add(f+".removed", "is set by product sync only; leave removed and removedAt out")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &Product{
		ExternalID:       in.ExternalID,
		ProductCode:      in.ProductCode,
		Title:            in.Title,
		MeteringIdentity: mode,
		Dimensions:       append([]Dimension(nil), in.Dimensions...),
	}, nil
}
