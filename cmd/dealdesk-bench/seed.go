package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

// benchDB is a fresh database of one engine with one organization, its API key and a CPPO deal
// whose buyer's entitlement meters api_calls and seats.
type benchDB struct {
	dsn, engine string
	db          *sqldb.DB
	ctx         context.Context // the organization's
	orgID       string
	apiKey      string
	entitlement string
	drop        func()
}

// newSQLiteDSN is a fresh SQLite file in dir.
func newSQLiteDSN(dir, name string) (string, func()) {
	return dir + "/" + name + ".db", func() {}
}

// newPostgresDSN creates a fresh database on the server of admin (a DSN of its postgres
// database) and returns its DSN and a function that drops it.
func newPostgresDSN(ctx context.Context, admin, name string) (string, func(), error) {
	a, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	dbname := fmt.Sprintf("dealdesk_bench_%s_%d", name, time.Now().UnixNano())
	if _, err := a.ExecContext(ctx, "CREATE DATABASE "+dbname); err != nil {
		a.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	dsn := strings.Replace(admin, "/postgres?", "/"+dbname+"?", 1)
	if dsn == admin {
		a.Close()
		return "", nil, fmt.Errorf("--pg must end in /postgres?…, got %q", admin)
	}
	return dsn, func() {
		_, _ = a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+dbname+" WITH (FORCE)")
		a.Close()
	}, nil
}

// seed opens dsn (migrating it) and makes the organization, API key and usage deal, its
// entitlement started at start.
func seed(ctx context.Context, engine, dsn string, start time.Time, drop func()) (*benchDB, error) {
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{Logger: quiet})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", engine, err)
	}
	b := &benchDB{dsn: dsn, engine: engine, db: db, drop: drop}
	org, err := db.CreateOrganization(ctx, "Bench")
	if err != nil {
		return nil, err
	}
	b.orgID = org.ID
	b.ctx = dealdesk.NewContextWithOrgID(ctx, org.ID)
	if _, b.apiKey, err = db.CreateAPIKey(ctx, org.ID, "bench"); err != nil {
		return nil, err
	}
	p, err := db.CreateProduct(b.ctx, dealdesk.ProductInput{ExternalID: "prod-bench", ProductCode: "codebench", Title: "Analytics",
		Dimensions: []dealdesk.Dimension{
			{Key: "api_calls", Name: "API calls", Unit: "Requests", Kind: dealdesk.DimensionMetered},
			{Key: "seats", Name: "Seats", Unit: "Users", Kind: dealdesk.DimensionEntitledAndMetered},
		}})
	if err != nil {
		return nil, fmt.Errorf("create product: %w", err)
	}
	typ, name, desc, reseller, renewal := dealdesk.OfferCPPOOut, "Bench deal", "", "123456789012", false
	commit, cur, dur, against := dealdesk.MustDecimal("100"), dealdesk.USD, "P12M", false
	opp, err := db.CreateOffer(b.ctx, dealdesk.OfferInput{Type: &typ, Name: &name, Description: &desc, ProductID: &p.ID,
		ResellerAccountID: &reseller, BuyerAccountIDs: &[]string{"210987654321"}, Renewal: &renewal,
		CommitAmount: &commit, Currency: &cur, ContractDuration: &dur,
		EntitledDimensions: &[]dealdesk.EntitledDimension{{DimensionKey: "seats", Quantity: 100}},
		DimensionPrices: &[]dealdesk.DimensionPrice{{DimensionKey: "api_calls", Price: dealdesk.MustDecimal("0.5")},
			{DimensionKey: "seats", Price: dealdesk.MustDecimal("1")}},
		EULA: &dealdesk.Document{Type: dealdesk.DocumentStandard}, MeterUsageAgainstCommit: &against}, true)
	if err != nil {
		return nil, fmt.Errorf("create opportunity: %w", err)
	}
	// What the publish job and AWS's events would store: the opportunity ACTIVE, its CPPO
	// offer and the buyer's entitlement.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE offers SET status = $1, external_id = $2 WHERE org_id = $3 AND id = $4`,
		string(dealdesk.OfferActive), "ra-bench", org.ID, opp.ID); err != nil {
		return nil, err
	}
	if _, err := db.SaveCPPOOffer(b.ctx, &dealdesk.Offer{ExternalID: "offer-bench"}, "ra-bench"); err != nil {
		return nil, fmt.Errorf("save CPPO offer: %w", err)
	}
	ent, err := db.SaveEntitlement(b.ctx, &dealdesk.Entitlement{ExternalID: "agmt-bench", BuyerAccountID: "210987654321",
		LicenseARN: "arn:aws:license-manager::1:license:l-bench", StartTime: &start}, "offer-bench")
	if err != nil {
		return nil, fmt.Errorf("save entitlement: %w", err)
	}
	if ent.OpportunityID != opp.ID {
		return nil, fmt.Errorf("entitlement not linked to its opportunity: %+v", ent)
	}
	b.entitlement = ent.ID
	return b, nil
}

// quiet drops the store's and River's logs, which would bury the table.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// close closes the store and drops a PostgreSQL database.
func (b *benchDB) close() {
	b.db.Close()
	b.drop()
}
