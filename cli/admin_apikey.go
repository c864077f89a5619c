package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/dealdesk/dealdesk"
)

// listAPIKeys prints every API key of orgID, newest first, one a line under a header: ID, name,
// prefix, and the created, last used and revoked times ("-" for none). It returns ENOTFOUND for
// an unknown organization.
func listAPIKeys(ctx context.Context, keys interface {
	dealdesk.APIKeyService
	dealdesk.OrganizationService
}, orgID string, env Env) error {
	if _, err := keys.FindOrganizationByID(ctx, orgID); err != nil {
		return err
	}
	ctx = dealdesk.NewContextWithOrgID(ctx, orgID)
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
	f := dealdesk.APIKeyFilter{Limit: dealdesk.MaxPageSize}
	for {
		page, next, err := keys.FindAPIKeys(ctx, f)
		if err != nil {
			return err
		}
		for _, k := range page {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, orDash(k.Name), k.Prefix, k.CreatedAt.Format(time.RFC3339),
				timeOrDash(k.LastUsedAt), timeOrDash(k.RevokedAt))
		}
		if next == "" {
			return w.Flush()
		}
		f.Cursor = next
	}
}

// revokeAPIKey revokes the key id of orgID and says when it was revoked. It returns ENOTFOUND
// for a key of another organization or none.
func revokeAPIKey(ctx context.Context, keys dealdesk.APIKeyService, orgID, id string, env Env) error {
	k, err := keys.RevokeAPIKey(dealdesk.NewContextWithOrgID(ctx, orgID), id)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "API key %s (%s, %s...) of organization %s is revoked since %s\n",
		k.ID, orDash(k.Name), k.Prefix, k.OrgID, k.RevokedAt.Format(time.RFC3339))
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
