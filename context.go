package dealdesk

import "context"

type contextKey int

const orgContextKey contextKey = iota + 1

// NewContextWithOrgID returns a context that carries the caller's organization. Every service
// call scopes its queries to it.
func NewContextWithOrgID(ctx context.Context, orgID string) context.Context {
	return context.WithValue(ctx, orgContextKey, orgID)
}

// OrgIDFromContext returns the organization carried by ctx, or "".
func OrgIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(orgContextKey).(string)
	return id
}

// RequireOrgID returns the organization carried by ctx, or an EUNAUTHORIZED error when there is none.
func RequireOrgID(ctx context.Context) (string, error) {
	if id := OrgIDFromContext(ctx); id != "" {
		return id, nil
	}
	return "", Errorf(EUNAUTHORIZED, "No organization in context.")
}
