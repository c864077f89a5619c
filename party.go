package dealdesk

import (
	"context"
	"time"
)

// Reseller is a channel partner that the vendor authorizes to resell its products.
type Reseller struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"-"`
	AccountID string    `json:"accountId"` // 12-digit AWS account ID
	LegalName string    `json:"legalName"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Buyer is an AWS customer that buys the vendor's product, directly or through a reseller.
type Buyer struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"-"`
	AccountID string    `json:"accountId"` // 12-digit AWS account ID
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ResellerFilter pages through resellers: Cursor is the nextCursor of the previous page, Limit
// the page size (see DefaultPageSize).
type ResellerFilter struct {
	Cursor string
	Limit  int
}

// BuyerFilter pages through buyers like ResellerFilter.
type BuyerFilter struct {
	Cursor string
	Limit  int
}

// PartyService records the resellers and buyers of the caller's organization. Every method
// returns EUNAUTHORIZED when the context carries no organization.
type PartyService interface {
	// SaveReseller creates the reseller with this account ID or updates its legal name.
	// Returns EINVALID naming a bad accountId or legalName.
	SaveReseller(ctx context.Context, accountID, legalName string) (*Reseller, error)
	// FindResellers lists resellers, newest first, and the cursor of the next page ("" at the
	// end). Returns EINVALID naming a cursor this list did not return.
	FindResellers(ctx context.Context, f ResellerFilter) ([]*Reseller, string, error)
	// SaveBuyer creates the buyer with this account ID or updates its name. Returns EINVALID
	// naming a bad accountId or name.
	SaveBuyer(ctx context.Context, accountID, name string) (*Buyer, error)
	// FindBuyers lists buyers, newest first, and the cursor of the next page ("" at the end).
	// Returns EINVALID naming a cursor this list did not return.
	FindBuyers(ctx context.Context, f BuyerFilter) ([]*Buyer, string, error)
}

// ValidateParty checks a reseller's or buyer's account ID and name.
func ValidateParty(accountID, name string) error {
	var p Problems
	checkAccountID(&p, "accountId", accountID)
	p.CheckText("name", name, 1, 255)
	return p.Err()
}
