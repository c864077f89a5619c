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

// PartyService records the resellers and buyers of the caller's organization. Every method
// returns EUNAUTHORIZED when the context carries no organization.
type PartyService interface {
	// SaveReseller creates the reseller with this account ID or updates its legal name.
	// Returns EINVALID naming a bad accountId or legalName.
	SaveReseller(ctx context.Context, accountID, legalName string) (*Reseller, error)
	// FindResellers lists the organization's resellers by account ID.
	FindResellers(ctx context.Context) ([]*Reseller, error)
	// SaveBuyer creates the buyer with this account ID or updates its name. Returns EINVALID
	// naming a bad accountId or name.
	SaveBuyer(ctx context.Context, accountID, name string) (*Buyer, error)
	// FindBuyers lists the organization's buyers by account ID.
	FindBuyers(ctx context.Context) ([]*Buyer, error)
}

// ValidateParty checks a reseller's or buyer's account ID and name.
func ValidateParty(accountID, name string) error {
	var p Problems
	if !ValidAccountID(accountID) {
		p.Add("accountId", "must be a 12-digit AWS account ID")
	}
	p.CheckText("name", name, 1, 255)
	return p.Err()
}
