package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/dealdesk/dealdesk"
)

// applyLegacy applies a legacy SNS message of a SaaS product (subscribe-success,
// subscribe-fail, unsubscribe-pending, unsubscribe-success, entitlement-updated). The messages
// name no agreement, only the customer identifier and the product code, so they find the
// entitlement by those two (decision 017): the entitlements of the product with that
// CustomerIdentifier, which reconciliation records from GetEntitlements. When none has it yet,
// or more than one, the message changes nothing and its note says so; the EventBridge events of
// the same agreement carry the state.
//
// What each message does to the entitlement found:
//   - subscribe-success: ACTIVE (never revives an ended one);
//   - subscribe-fail: CANCELLED (payment failed, AWS does not provision), timeline ENDED;
//   - unsubscribe-success: ended, as an undated report like License Deprovisioned (EXPIRED
//     unless a Purchase Agreement Ended says otherwise), timeline ENDED;
//   - unsubscribe-pending and entitlement-updated: nothing (the last hour of metering; read the
//     entitlements again, which reconciliation does).
func (w *ApplyEventWorker) applyLegacy(ctx context.Context, ev *dealdesk.AWSEvent) (outcome, error) {
	m := ev.Legacy
	var (
		status dealdesk.EntitlementStatus
		entry  *dealdesk.TimelineEntry
		dated  = true
	)
	switch ev.Kind {
	case dealdesk.EventSubscribeSuccess:
		status = dealdesk.EntitlementActive
	case dealdesk.EventSubscribeFail:
		status = dealdesk.EntitlementCancelled
		entry = ptr(happened(ev, dealdesk.TimelineEnded, "Subscription failed for customer "+m.CustomerIdentifier))
	case dealdesk.EventUnsubscribeSuccess:
		status, dated = dealdesk.EntitlementExpired, false
		entry = ptr(happened(ev, dealdesk.TimelineEnded, "Customer "+m.CustomerIdentifier+" unsubscribed"))
	default:
		return applied("%s: nothing to change", m.Action), nil
	}
	found, note, err := w.entitlementByCustomer(ctx, m.CustomerIdentifier, m.ProductCode)
	if err != nil || found == nil {
		return applied("%s", note), err
	}
	e := &dealdesk.Entitlement{ExternalID: found.ExternalID, Status: status, CustomerIdentifier: m.CustomerIdentifier, ReportedAt: ev.Time}
	if !dated {
		e.ReportedAt = time.Time{}
	}
	var entries []dealdesk.TimelineEntry
	if entry != nil {
		entries = append(entries, *entry)
	}
	if _, err := w.store.SaveEntitlement(ctx, e, "", entries...); err != nil {
		return outcome{}, err
	}
	return applied(""), nil
}

// entitlementByCustomer returns the one entitlement of the product with code productCode whose
// customer identifier is customer, or nil and a note saying why there is none.
func (w *ApplyEventWorker) entitlementByCustomer(ctx context.Context, customer, productCode string) (*dealdesk.Entitlement, string, error) {
	productID, err := w.productByCode(ctx, productCode)
	if err != nil {
		return nil, "", err
	}
	if productID == "" {
		return nil, fmt.Sprintf("no product has product code %q", productCode), nil
	}
	var match []*dealdesk.Entitlement
	f := dealdesk.EntitlementFilter{ProductID: productID, Limit: dealdesk.MaxPageSize}
	for {
		es, next, err := w.store.FindEntitlements(ctx, f)
		if err != nil {
			return nil, "", err
		}
		for _, e := range es {
			if e.CustomerIdentifier == customer {
				match = append(match, e)
			}
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	switch len(match) {
	case 1:
		return match[0], "", nil
	case 0:
		return nil, fmt.Sprintf("no entitlement of product %s has customer identifier %s yet", productCode, customer), nil
	}
	return nil, fmt.Sprintf("%d entitlements of product %s have customer identifier %s: none changed", len(match), productCode, customer), nil
}

func ptr[T any](v T) *T { return &v }
