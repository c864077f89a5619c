package dealdesk

import (
	"context"
	"time"
)

// Organization is a vendor using dealdesk. Every other row belongs to exactly one.
type Organization struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// User is a person who signs in to the console of one organization.
type User struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// SessionsEndedAt is when the user's console sessions were last ended (EndUserSessions): a
	// session signed in before it is refused on its next request (decision 026). Nil: never.
	SessionsEndedAt *time.Time `json:"sessionsEndedAt,omitempty"`
}

// APIKey authenticates API calls for one organization. Only a hash of the secret is stored; the
// key's fields are safe to list (decision 007). A revoked key stays, with RevokedAt, for audit.
type APIKey struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"orgId"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // "ddk_" and the key's next 8 characters, to recognise it in lists
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"` // updated at most once a minute
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// APIKeyInput is the request to create an API key: POST /api/v1/api-keys.
type APIKeyInput struct {
	Name string `json:"name"` // 0..200 characters, to recognise the key in lists
}

// APIKeyFilter pages through the API keys of the caller's organization, newest first, revoked
// ones included. Limit follows the page size rule of every list (DefaultPageSize, MaxPageSize).
type APIKeyFilter struct {
	Cursor string
	Limit  int
}

// UserFilter pages through the users of the caller's organization, newest first. Limit follows
// the page size rule of every list (DefaultPageSize, MaxPageSize).
type UserFilter struct {
	Cursor string
	Limit  int
}

// OrganizationService manages organizations. It is not scoped to a tenant: only the admin
// command and first start-up use it.
type OrganizationService interface {
	// CreateOrganization creates an organization. Returns EINVALID naming a blank or too long name.
	CreateOrganization(ctx context.Context, name string) (*Organization, error)
	// FindOrganizationByID returns ENOTFOUND if there is no such organization.
	FindOrganizationByID(ctx context.Context, id string) (*Organization, error)
	// CountOrganizations returns how many organizations exist.
	CountOrganizations(ctx context.Context) (int, error)
	// CreateFirstOrganization creates an organization and an API key for it in one step when
	// there is no organization yet, and returns them with the key's secret; otherwise nils.
	// Concurrent callers create one between them. Returns EINVALID naming a bad name.
	CreateFirstOrganization(ctx context.Context, name, keyName string) (*Organization, *APIKey, string, error)
}

// UserService manages console users.
type UserService interface {
	// CreateUser creates a user in orgID with a password stored as a slow salted hash.
	// Returns EINVALID naming a bad email, a name over 200 characters or a password under 12
	// characters or over 72 bytes, ECONFLICT for a taken email, ENOTFOUND for an unknown
	// organization.
	CreateUser(ctx context.Context, orgID, email, name, password string) (*User, error)
	// AuthenticateUser returns the user whose email and password match, else EUNAUTHORIZED.
	AuthenticateUser(ctx context.Context, email, password string) (*User, error)
	// FindUsers lists the users of the caller's organization, newest first, and the cursor of
	// the next page ("" on the last). Never returns a password or its hash. Returns EINVALID
	// naming a cursor that this list did not return, EUNAUTHORIZED without an organization.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, string, error)
	// FindUserByID returns the user id of the caller's organization, without its password hash.
	// The console asks on every request of a signed-in session, so that a removed user, or one
	// whose sessions were ended, is signed out at once (decision 026). Returns ENOTFOUND for a
	// user of another organization, a removed one or none, EUNAUTHORIZED without an
	// organization.
	FindUserByID(ctx context.Context, id string) (*User, error)
	// EndUserSessions ends every console session of the user id of the caller's organization
	// signed in until now, on every browser and replica: its SessionsEndedAt becomes now.
	// Returns the user; errors as FindUserByID.
	EndUserSessions(ctx context.Context, id string) (*User, error)
	// RemoveUser deletes the user id of the caller's organization; its sessions end with it.
	// Returns ECONFLICT when it is the organization's last user (nobody could sign in to the
	// console then; `dealdesk admin` can still add one), errors as FindUserByID otherwise.
	RemoveUser(ctx context.Context, id string) error
}

// APIKeyService manages API keys.
type APIKeyService interface {
	// CreateAPIKey creates a key for orgID and returns it with its secret, which is shown once and
	// never stored. Returns EINVALID for a name over 200 characters and ENOTFOUND for an unknown
	// organization.
	CreateAPIKey(ctx context.Context, orgID, name string) (*APIKey, string, error)
	// AuthenticateAPIKey returns the key matching secret, else EUNAUTHORIZED; a revoked key is
	// refused from the moment RevokeAPIKey returns, on every replica (no cache; decision 007).
	AuthenticateAPIKey(ctx context.Context, secret string) (*APIKey, error)
	// FindAPIKeys lists the keys of the caller's organization, newest first, and the cursor of
	// the next page ("" on the last). Never returns a secret or its hash. Returns EINVALID
	// naming a cursor that this list did not return, EUNAUTHORIZED without an organization.
	FindAPIKeys(ctx context.Context, f APIKeyFilter) ([]*APIKey, string, error)
	// FindAPIKeyByID returns the key id of the caller's organization, revoked or not, without its
	// secret or hash. Returns ENOTFOUND for a key of another organization or none, EUNAUTHORIZED
	// without an organization.
	FindAPIKeyByID(ctx context.Context, id string) (*APIKey, error)
	// RevokeAPIKey revokes the key id of the caller's organization and returns it with
	// RevokedAt. Revoking a revoked key changes nothing and returns it as it is (idempotent).
	// Returns ENOTFOUND for a key of another organization or none, EUNAUTHORIZED without an
	// organization.
	RevokeAPIKey(ctx context.Context, id string) (*APIKey, error)
}

// ValidateOrganizationName checks an organization name.
func ValidateOrganizationName(name string) error {
	var p Problems
	p.CheckText("name", name, 1, 200)
	return p.Err()
}
