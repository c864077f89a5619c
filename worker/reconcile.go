package worker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/dealdesk/dealdesk"
)

// ReconcileWorker runs ReconcileJob: it reads what AWS shows the vendor of its deals and
// repairs what events missed (issue 7 item 6, decision 018), within AWS's quotas (the awsmp
// clients' rate limits):
//   - resale authorizations (ListEntities, DescribeEntity): an ACTIVE opportunity whose resale
//     authorization is Restricted becomes CANCELLED, one used (one-time, its offer made) USED,
//     one past its availability end EXPIRED;
//   - the CPPO offers made from them (ListEntities SHARED, DescribeEntity): a released offer
//     dealdesk lacks is saved, linked to its opportunity; one saved without its opportunity is
//     linked; a linked one lacking what the Catalog carries (buyers, markup, expiry, …) is
//     completed;
//   - the buyers' licenses of each product (GetEntitlements; the Agreement API does not show a
//     CPPO agreement to the manufacturer): a license dealdesk has no entitlement for is matched
//     to the one entitlement of that product and buyer that lacks its license, when it is the
//     buyer's only license no entitlement holds (otherwise it is left alone), else to the one
//     CPPO offer of that product for that buyer no entitlement came from, and saved linked to it
//     (the offer becomes ACCEPTED); with more than one such offer it is saved unlinked and the
//     repair's notification says so; with none, or with fewer than the buyer's licenses no
//     entitlement holds, it may be a direct or public purchase and is left alone (see license).
//     An entitlement holding a listed license gets what the listing carries and it lacks (end,
//     buyer, customer; PENDING_START becomes ACTIVE: heldLicense); one that has not ended whose
//     license is no longer listed, or that has no license while its buyer holds none unheld,
//     has ended (endUnlisted);
//   - every ACTIVE CPPO offer an entitlement came from becomes ACCEPTED (acceptedOffers).
//
// Entities are listed (ListEntities) and only those whose listing allows a repair are described:
// resale authorizations of ACTIVE opportunities that the listing shows Restricted, used or past
// their end; shared CPPO offers dealdesk lacks, has unlinked or lacks fields of. One entity (or
// one product's GetEntitlements) that cannot be read is logged and skipped, and the run goes on;
// the run's log line counts what it described and the reads that failed, at WARN when one did
// (review F10, decision 022). A failed listing fails the job, for River to retry.
//
// Every repair is saved with a timeline entry of kind REPAIRED and source RECONCILE (and so a
// notification); its source reference names the read, so the same repair is recorded once. A
// run after a run repairs nothing and records nothing. Reads are reports without AWS's time:
// they only fill what is missing and move statuses forward (MergeReport), so they never undo an
// event.
type ReconcileWorker struct {
	river.WorkerDefaults[dealdesk.ReconcileJob]

	store        dealdesk.ReconcileStore
	catalog      dealdesk.ReconcileCatalog
	entitlements dealdesk.EntitlementReader
	now          func() time.Time
	logger       *slog.Logger
}

// NewReconcileWorker returns the worker of ReconcileJob over store, reading catalog and
// entitlements. now gives the time of the run (nil: time.Now); a nil logger discards.
func NewReconcileWorker(store dealdesk.ReconcileStore, catalog dealdesk.ReconcileCatalog, entitlements dealdesk.EntitlementReader,
	now func() time.Time, logger *slog.Logger) *ReconcileWorker {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ReconcileWorker{store: store, catalog: catalog, entitlements: entitlements, now: now, logger: logger}
}

// Work reconciles the job's organization.
func (w *ReconcileWorker) Work(ctx context.Context, job *river.Job[dealdesk.ReconcileJob]) error {
	_, err := w.Reconcile(ctx, job.Args)
	return err
}

// Repair is one thing a reconciliation run fixed.
type Repair struct {
	SubjectType dealdesk.TimelineSubject
	SubjectID   string
	SourceRef   string
	Summary     string
}

// run is the state of one reconciliation of one organization.
type run struct {
	*ReconcileWorker
	conn    *dealdesk.AWSConnection
	at      time.Time
	repairs []Repair
	// described counts the entities described; failedReads the reads skipped (readFailed).
	described, failedReads int

	products      []*dealdesk.Product
	opportunities map[string]*dealdesk.Offer // by resale authorization ID
	offers        map[string]*dealdesk.Offer // CPPO offers by AWS offer ID
}

// Reconcile is Work without River's job wrapper; it returns the repairs it made (none when the
// organization has no AWS connection).
func (w *ReconcileWorker) Reconcile(ctx context.Context, args dealdesk.ReconcileJob) ([]Repair, error) {
	if args.OrgID == "" {
		return nil, river.JobCancel(fmt.Errorf("reconcile job without orgId"))
	}
	ctx = dealdesk.NewContextWithOrgID(ctx, args.OrgID)
	conn, err := w.store.AWSConnectionWithSecret(ctx)
	if isNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	r := &run{ReconcileWorker: w, conn: conn, at: w.now().UTC()}
	for _, step := range []func(context.Context) error{r.load, r.resaleAuthorizations, r.cppoOffers, r.licenses, r.acceptedOffers} {
		if err := step(ctx); err != nil {
			return r.repairs, err
		}
	}
	level := slog.LevelInfo
	if r.failedReads > 0 {
		level = slog.LevelWarn
	}
	w.logger.Log(ctx, level, "reconcile", "org", args.OrgID, "repairs", len(r.repairs), "described", r.described, "failedReads", r.failedReads)
	return r.repairs, nil
}

// entry is the timeline entry of a repair.
func (r *run) entry(ref, summary string) dealdesk.TimelineEntry {
	return dealdesk.TimelineEntry{Kind: dealdesk.TimelineRepaired, At: r.at, Source: dealdesk.SourceReconcile,
		SourceRef: dealdesk.Clip(ref, dealdesk.MaxExternalIDLength), Summary: dealdesk.Clip(summary, dealdesk.MaxTimelineSummaryLength)}
}

func (r *run) repaired(subject dealdesk.TimelineSubject, id, ref, summary string) {
	r.repairs = append(r.repairs, Repair{SubjectType: subject, SubjectID: id, SourceRef: ref, Summary: summary})
}

// load reads the organization's products, opportunities and CPPO offers.
func (r *run) load(ctx context.Context) error {
	var err error
	if r.products, err = allPages(func(cursor string) ([]*dealdesk.Product, string, error) {
		return r.store.FindProducts(ctx, dealdesk.ProductFilter{Cursor: cursor, Limit: dealdesk.MaxPageSize})
	}); err != nil {
		return err
	}
	r.opportunities, r.offers = map[string]*dealdesk.Offer{}, map[string]*dealdesk.Offer{}
	for _, t := range []dealdesk.OfferType{dealdesk.OfferCPPOOut, dealdesk.OfferCPPO} {
		list, err := allPages(func(cursor string) ([]*dealdesk.Offer, string, error) {
			return r.store.FindOffers(ctx, dealdesk.OfferFilter{Type: t, Cursor: cursor, Limit: dealdesk.MaxPageSize})
		})
		if err != nil {
			return err
		}
		for _, o := range list {
			if o.ExternalID == "" {
				continue
			}
			if t == dealdesk.OfferCPPOOut {
				r.opportunities[o.ExternalID] = o
			} else {
				r.offers[o.ExternalID] = o
			}
		}
	}
	return nil
}

// allPages reads every page of a list.
func allPages[T any](page func(cursor string) ([]T, string, error)) ([]T, error) {
	var all []T
	cursor := ""
	for {
		items, next, err := page(cursor)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		cursor = next
	}
}

// productByExternalID returns the organization's product with AWS product ID id, or nil.
func (r *run) productByExternalID(id string) *dealdesk.Product {
	for _, p := range r.products {
		if p.ExternalID == id && id != "" {
			return p
		}
	}
	return nil
}

// readFailed records that reading one entity failed: the run goes on without it (the next run
// reads it again), the failure is logged and counted in the run's summary line (review F10).
func (r *run) readFailed(ctx context.Context, what, id string, err error) {
	r.failedReads++
	r.logger.WarnContext(ctx, "reconcile: read failed, skipped", "org", dealdesk.OrgIDFromContext(ctx), "read", what, "id", id, "err", err)
}

// raMayHaveEnded reports whether the listing of a resale authorization allows that it ended
// (Restricted, used, past its availability end at at): only those are described. A listing
// without the summary allows anything.
func raMayHaveEnded(s *dealdesk.CatalogEntitySummary, at time.Time) bool {
	return !s.Summarized || s.State != string(dealdesk.ResaleAuthorizationActive) || s.OfferExtendedState == "Completed-Used" ||
		(s.AvailabilityEnd != nil && at.After(*s.AvailabilityEnd))
}

// resaleAuthorizations ends the opportunities whose resale authorization AWS shows ended. Only
// the resale authorizations of ACTIVE opportunities whose listing allows that they ended are
// described; one that cannot be read is skipped (readFailed).
func (r *run) resaleAuthorizations(ctx context.Context) error {
	list, err := r.catalog.ListResaleAuthorizationSummaries(ctx, r.conn)
	if err != nil {
		return awsJobError(err)
	}
	for _, s := range list {
		opp := r.opportunities[s.ID]
		if opp == nil || opp.Status != dealdesk.OfferActive || !raMayHaveEnded(s, r.at) {
			continue
		}
		ra, err := r.catalog.DescribeResaleAuthorization(ctx, r.conn, s.ID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.readFailed(ctx, "ResaleAuthorization", s.ID, err)
			continue
		}
		r.described++
		var status dealdesk.OfferStatus
		var why string
		switch {
		case ra.Status == dealdesk.ResaleAuthorizationRestricted:
			status, why = dealdesk.OfferCancelled, "is Restricted"
		case ra.Used():
			status, why = dealdesk.OfferUsed, "was used for its one offer"
		case ra.AvailabilityEnd != nil && r.at.After(*ra.AvailabilityEnd):
			status, why = dealdesk.OfferExpired, "passed its availability end "+ra.AvailabilityEnd.Format(time.RFC3339)
		default:
			continue
		}
		ref := "ResaleAuthorization:" + ra.ID + ":" + string(status)
		summary := fmt.Sprintf("Reconciliation: resale authorization %s %s; the opportunity is now %s", ra.ID, why, status)
		// The timeline says what happened (RESTRICTED, USED or EXPIRED, as an event would
		// have) and that reconciliation found it (REPAIRED, which notifies): a deal's timeline
		// reads the same whichever came first, the event or the reconciliation.
		happened := r.entry(ref, summary)
		happened.Kind = endedKinds[status]
		changed, err := r.store.EndOpportunity(ctx, ra.ID, status, happened, r.entry(ref, summary))
		if err != nil {
			return err
		}
		if changed {
			opp.Status = status
			r.repaired(dealdesk.SubjectOffer, opp.ID, ref, summary)
		}
	}
	return nil
}

// endedKinds are the timeline kinds of the statuses reconciliation ends an opportunity in.
var endedKinds = map[dealdesk.OfferStatus]dealdesk.TimelineKind{
	dealdesk.OfferCancelled: dealdesk.TimelineRestricted,
	dealdesk.OfferUsed:      dealdesk.TimelineUsed,
	dealdesk.OfferExpired:   dealdesk.TimelineExpired,
}

// offerMayBeRepaired reports whether describing a listed shared offer can repair anything: not
// when the listing shows it is not a released CPPO offer, nor when dealdesk has it linked
// already, or unlinked while its resale authorization is no opportunity of dealdesk's.
func (r *run) offerMayBeRepaired(s *dealdesk.CatalogEntitySummary) bool {
	if s.Summarized && (s.ResaleAuthorizationID == "" || s.State != "Released") {
		return false
	}
	stored := r.offers[s.ID]
	if stored == nil {
		return true
	}
	if stored.OpportunityID != "" {
		// An offer saved from an agreement or license event whose "Offer Released" was
		// dropped lacks what only the Catalog then carries (review of issue 7, finding 2).
		return len(missingOfferFields(stored)) > 0
	}
	return !s.Summarized || r.opportunities[s.ResaleAuthorizationID] != nil
}

// missingOfferFields names the fields of a stored CPPO offer that the Catalog's description of
// a released CPPO offer carries and the stored offer lacks.
func missingOfferFields(o *dealdesk.Offer) []string {
	var out []string
	if o.Name == "" {
		out = append(out, "name")
	}
	if o.ResellerAccountID == "" {
		out = append(out, "resellerAccountId")
	}
	if o.ProductID == "" {
		out = append(out, "productId")
	}
	if len(o.BuyerAccountIDs) == 0 {
		out = append(out, "buyerAccountIds")
	}
	if o.MarkupPercentage == nil {
		out = append(out, "markupPercentage")
	}
	if o.ExpiryDate == nil {
		out = append(out, "expiryDate")
	}
	return out
}

// filledOfferFields names the fields of stored that the Catalog's description read carries and
// stored lacks: those a fill-only save of read sets.
func filledOfferFields(stored, read *dealdesk.Offer) []string {
	lacking := missingOfferFields(read)
	var out []string
	for _, f := range missingOfferFields(stored) {
		if !slices.Contains(lacking, f) {
			out = append(out, f)
		}
	}
	return out
}

// cppoOffers saves the released CPPO offers dealdesk lacks, or has without their opportunity,
// and fills the fields the Catalog carries that a linked offer lacks (its "Offer Released" was
// missed: it was saved from its agreement or license event). Only the listed offers that may
// need it are described (offerMayBeRepaired); one that cannot be read is skipped (readFailed).
func (r *run) cppoOffers(ctx context.Context) error {
	list, err := r.catalog.ListSharedOfferSummaries(ctx, r.conn)
	if err != nil {
		return awsJobError(err)
	}
	for _, s := range list {
		if !r.offerMayBeRepaired(s) {
			continue
		}
		c, err := r.catalog.DescribeOffer(ctx, r.conn, s.ID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.readFailed(ctx, "Offer", s.ID, err)
			continue
		}
		r.described++
		if c.Offer == nil || c.Offer.ExternalID == "" || c.State != "Released" || c.ResaleAuthorizationID == "" {
			continue
		}
		stored := r.offers[c.Offer.ExternalID]
		opp := r.opportunities[c.ResaleAuthorizationID]
		o := *c.Offer
		o.Status, o.ReportedAt = dealdesk.OfferActive, time.Time{} // a read without AWS's time: fills only
		if p := r.productByExternalID(c.ProductExternalID); p != nil {
			o.ProductID = p.ID
		}
		ref, summary := "Offer:"+o.ExternalID, ""
		switch {
		case stored == nil:
			summary = fmt.Sprintf("Reconciliation: CPPO offer %s of reseller %s, made from resale authorization %s, was missing",
				c.Offer.ExternalID, c.Offer.ResellerAccountID, c.ResaleAuthorizationID)
		case stored.OpportunityID == "" && opp != nil:
			summary = fmt.Sprintf("Reconciliation: CPPO offer %s linked to its opportunity (resale authorization %s)",
				c.Offer.ExternalID, c.ResaleAuthorizationID)
		case stored.OpportunityID != "":
			filled := filledOfferFields(stored, &o)
			if len(filled) == 0 {
				continue // the Catalog carries nothing the offer lacks
			}
			summary = fmt.Sprintf("Reconciliation: CPPO offer %s completed from the Catalog: %s", o.ExternalID, strings.Join(filled, ", "))
			ref = "Offer:" + o.ExternalID + ":" + strings.Join(filled, ",")
		default:
			continue
		}
		saved, err := r.store.SaveCPPOOffer(ctx, &o, c.ResaleAuthorizationID, r.entry(ref, summary))
		if err != nil {
			return err
		}
		r.offers[saved.ExternalID] = saved
		r.repaired(dealdesk.SubjectOffer, saved.ID, ref, summary)
	}
	return nil
}

// license is one buyer's license for a product: the GetEntitlements entries of one license ARN.
type license struct {
	arn, buyer, customerIdentifier string
	dimensions                     []string
	expires                        *time.Time
}

// licensesOf groups GetEntitlements' entries by license, in ARN order.
func licensesOf(entries []dealdesk.MarketplaceEntitlement) []*license {
	by := map[string]*license{}
	for _, e := range entries {
		if e.LicenseARN == "" {
			continue
		}
		l := by[e.LicenseARN]
		if l == nil {
			l = &license{arn: e.LicenseARN, buyer: e.CustomerAWSAccountID, customerIdentifier: e.CustomerIdentifier}
			by[e.LicenseARN] = l
		}
		l.dimensions = append(l.dimensions, e.Dimension)
		if e.ExpirationDate != nil && (l.expires == nil || e.ExpirationDate.After(*l.expires)) {
			l.expires = e.ExpirationDate
		}
	}
	out := make([]*license, 0, len(by))
	for _, l := range by {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].arn < out[j].arn })
	return out
}

// licenses repairs the entitlements of every product from its buyers' licenses.
func (r *run) licenses(ctx context.Context) error {
	if r.entitlements == nil {
		return nil
	}
	for _, p := range r.products {
		if p.ProductCode == "" {
			continue
		}
		// The stored entitlements are read before AWS is asked, so that one an event changes
		// meanwhile is not judged by a read older than it (review 7 F1).
		stored, err := allPages(func(cursor string) ([]*dealdesk.Entitlement, string, error) {
			return r.store.FindEntitlements(ctx, dealdesk.EntitlementFilter{ProductID: p.ID, Cursor: cursor, Limit: dealdesk.MaxPageSize})
		})
		if err != nil {
			return err
		}
		asked := r.now().UTC()
		entries, err := r.entitlements.GetEntitlements(ctx, r.conn, p.ProductCode)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Nothing is known of this product's licenses: none is ended for want of a listing.
			r.readFailed(ctx, "Entitlements", p.ProductCode, err)
			continue
		}
		listed := map[string]bool{}
		licenses := licensesOf(entries)
		unheld := unheldByBuyer(licenses, stored)
		for _, l := range licenses {
			listed[l.arn] = true
			if err := r.license(ctx, p, l, stored, unheld[l.buyer]); err != nil {
				return err
			}
		}
		if err := r.endUnlisted(ctx, stored, listed, unheld, asked); err != nil {
			return err
		}
	}
	return nil
}

// unheldByBuyer counts, per buyer account, the licenses no stored entitlement holds.
func unheldByBuyer(licenses []*license, stored []*dealdesk.Entitlement) map[string]int {
	held := map[string]bool{}
	for _, e := range stored {
		held[e.LicenseARN] = true
	}
	out := map[string]int{}
	for _, l := range licenses {
		if !held[l.arn] {
			out[l.buyer]++
		}
	}
	return out
}

// license repairs what dealdesk has of one license of product p, stored being p's entitlements
// and unheld the number of the buyer's licenses of p no entitlement holds.
//
// GetEntitlements lists every license of the product, direct and public purchases too, and
// names no offer or agreement (review 7 F6). So a license is attributed only when no other
// unheld license of the buyer could be the one: to the buyer's one entitlement lacking its
// license when it is the buyer's only unheld license; else to a CPPO offer of the buyer that no
// entitlement came from yet (a CPPO offer is accepted once), only when the buyer has no more
// unheld licenses than such offers. Anything else is left alone and logged.
func (r *run) license(ctx context.Context, p *dealdesk.Product, l *license, stored []*dealdesk.Entitlement, unheld int) error {
	ref := "License:" + l.arn
	for _, e := range stored {
		if e.LicenseARN == l.arn {
			return r.heldLicense(ctx, e, l)
		}
	}
	if l.buyer == "" {
		return nil // a customer-identifier license without its account: no buyer to match by
	}
	// An entitlement of this product and buyer whose license event was missed.
	var open []*dealdesk.Entitlement
	for _, e := range stored {
		if e.LicenseARN == "" && e.BuyerAccountID == l.buyer && !e.Status.Terminal() {
			open = append(open, e)
		}
	}
	if len(open) > 0 && unheld > 1 {
		// Which of the buyer's licenses is the entitlement's, no read says; one may be a
		// direct or public purchase.
		r.logger.WarnContext(ctx, "reconcile: buyer has several licenses no entitlement holds", "license", l.arn, "buyer", l.buyer,
			"licenses", unheld, "entitlements", len(open))
		return nil
	}
	if len(open) == 1 {
		e := open[0]
		summary := fmt.Sprintf("Reconciliation: license %s of buyer %s recorded on entitlement %s", l.arn, l.buyer, e.ExternalID)
		return r.saveEntitlement(ctx, &dealdesk.Entitlement{ExternalID: e.ExternalID, LicenseARN: l.arn,
			CustomerIdentifier: l.customerIdentifier, EndTime: l.expires, Status: dealdesk.EntitlementActive}, "", ref, summary)
	}
	if len(open) > 1 {
		// Which of them holds this license, no read says; a new entitlement would duplicate one.
		r.logger.WarnContext(ctx, "reconcile: license matches several entitlements", "license", l.arn, "buyer", l.buyer, "entitlements", len(open))
		return nil
	}
	// The CPPO offers of this product made for this buyer that no entitlement came from.
	accepted := map[string]bool{}
	for _, e := range stored {
		accepted[e.OfferID] = true
	}
	var offers []*dealdesk.Offer
	for _, o := range r.offers {
		if o.ProductID == p.ID && slices.Contains(o.BuyerAccountIDs, l.buyer) && !accepted[o.ID] {
			offers = append(offers, o)
		}
	}
	if len(offers) == 0 {
		return nil // not from a CPPO offer dealdesk knows: a direct or public purchase
	}
	if unheld > len(offers) {
		// More licenses than CPPO offers they could come from: some are direct or public
		// purchases, and which, no read says.
		r.logger.WarnContext(ctx, "reconcile: buyer has more licenses than CPPO offers", "license", l.arn, "buyer", l.buyer,
			"licenses", unheld, "offers", len(offers))
		return nil
	}
	sort.Slice(offers, func(i, j int) bool { return offers[i].ExternalID < offers[j].ExternalID })
	// AWS gives the manufacturer no agreement ID for a license: the license ARN identifies the
	// entitlement (decision 018).
	e := &dealdesk.Entitlement{Type: dealdesk.EntitlementCPPO, Status: dealdesk.EntitlementActive, ExternalID: l.arn,
		ProductID: p.ID, BuyerAccountID: l.buyer, LicenseARN: l.arn, CustomerIdentifier: l.customerIdentifier, EndTime: l.expires}
	if len(offers) == 1 {
		o := offers[0]
		summary := fmt.Sprintf("Reconciliation: buyer %s holds license %s of product %s from CPPO offer %s; the entitlement was missing",
			l.buyer, l.arn, p.ExternalID, o.ExternalID)
		return r.saveEntitlement(ctx, e, o.ExternalID, ref, summary) // acceptedOffers makes the offer ACCEPTED
	}
	ids := make([]string, 0, len(offers))
	for _, o := range offers {
		ids = append(ids, o.ExternalID)
	}
	summary := fmt.Sprintf("Reconciliation: buyer %s holds license %s of product %s, which may come from any of CPPO offers %s; "+
		"saved unlinked: link it by hand", l.buyer, l.arn, p.ExternalID, strings.Join(ids, ", "))
	return r.saveEntitlement(ctx, e, "", ref, summary)
}

func (r *run) saveEntitlement(ctx context.Context, e *dealdesk.Entitlement, offerExternalID, ref, summary string) error {
	saved, err := r.store.SaveEntitlement(ctx, e, offerExternalID, r.entry(ref, summary))
	if err != nil {
		return err
	}
	r.repaired(dealdesk.SubjectEntitlement, saved.ID, ref, summary)
	return nil
}

// grantsEntitled reports whether the opportunity with dealdesk ID oppID is known and grants
// entitled dimensions, so that its buyers' licenses show in GetEntitlements while in force.
func (r *run) grantsEntitled(oppID string) bool {
	o := r.opportunityByID(oppID)
	return o != nil && len(o.EntitledDimensions) > 0
}
