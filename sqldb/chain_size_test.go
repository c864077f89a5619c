package sqldb_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// TestOfferChainOfManyOffers reads the chain of an opportunity with more CPPO offers than
// either engine takes query arguments (SQLite 32,766, PostgreSQL 65,535 at two per offer): the
// chain's query must not grow with the number of offers.
func TestOfferChainOfManyOffers(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *sqldb.DB, e engine) {
		c := newChain(t, db, "acme")
		const extra = 33000
		cols := columns(t, db, e.name, "offers")
		exprs := make([]string, len(cols))
		for i, col := range cols {
			switch col {
			case "id":
				exprs[i] = "'off_bulk' || s.n"
			case "external_id":
				exprs[i] = "'offer-bulk-' || s.n"
			default:
				exprs[i] = "offers." + col
			}
		}
		if _, err := db.SQL().ExecContext(context.Background(), `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < `+
			strconv.Itoa(extra)+`) INSERT INTO offers (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(exprs, ", ")+
			` FROM s, offers WHERE offers.id = $1`, c.offer); err != nil {
			t.Fatalf("insert %d offers: %v", extra, err)
		}
		chain, err := db.FindOfferChain(c.ctx, c.opportunity)
		if err != nil {
			t.Fatal(err)
		}
		if chain.Opportunity == nil || chain.Opportunity.ID != c.opportunity || len(chain.Offers) != extra+1 ||
			len(chain.Entitlements) != 1 || chain.Entitlements[0].ID != c.entitlement {
			t.Fatalf("chain of %d offers and %d entitlements, want %d and the entitlement %s", len(chain.Offers), len(chain.Entitlements), extra+1, c.entitlement)
		}
		for _, o := range chain.Offers {
			if o.Type != dealdesk.OfferCPPO || o.OpportunityID != c.opportunity {
				t.Fatalf("offer %s of type %s, opportunity %q in the chain", o.ID, o.Type, o.OpportunityID)
			}
		}
	})
}
