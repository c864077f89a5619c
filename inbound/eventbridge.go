package inbound

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/dealdesk/dealdesk"
)

// eventBridgeEvent names what ParseEventBridge's errors are about.
const eventBridgeEvent = "EventBridge event"

// envelope is an EventBridge event as AWS delivers it (reference §2.1):
// {"version":"0","id","detail-type","source","account","time","region","resources":[…],"detail":{…}}.
type envelope struct {
	Version    *string         `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// eventKinds maps an EventBridge source and detail type to the kind of event it is: the
// detail types AWS Marketplace sends a manufacturer (Seller Guide "Amazon EventBridge events";
// reference §2.1). Any other pair is dealdesk.EventUnknown.
var eventKinds = map[[2]string]dealdesk.EventKind{
	{dealdesk.SourceMarketplaceCatalog, "Offer Released"}:                              dealdesk.EventOfferReleased,
	{dealdesk.SourceMarketplaceCatalog, "Change Set Succeeded"}:                        dealdesk.EventChangeSetSucceeded,
	{dealdesk.SourceMarketplaceCatalog, "Change Set Failed"}:                           dealdesk.EventChangeSetFailed,
	{dealdesk.SourceMarketplaceCatalog, "Change Set Cancelled"}:                        dealdesk.EventChangeSetCancelled,
	{dealdesk.SourceAgreementMarketplace, "Purchase Agreement Created - Manufacturer"}: dealdesk.EventAgreementCreated,
	{dealdesk.SourceAgreementMarketplace, "Purchase Agreement Amended - Manufacturer"}: dealdesk.EventAgreementAmended,
	{dealdesk.SourceAgreementMarketplace, "Purchase Agreement Ended - Manufacturer"}:   dealdesk.EventAgreementEnded,
	{dealdesk.SourceAgreementMarketplace, "License Updated - Manufacturer"}:            dealdesk.EventLicenseUpdated,
	{dealdesk.SourceAgreementMarketplace, "License Deprovisioned - Manufacturer"}:      dealdesk.EventLicenseDeprovisioned,
}

// ParseEventBridge turns one EventBridge event, the JSON body an API destination POSTs or the
// body of an EventBridge → SQS message, into a domain event. Every envelope field but "region"
// and "resources" is required, "version" must be "0", "time" and the detail's times RFC 3339,
// and each known kind needs its key field (offer.id, agreement.id, ChangeSetId); anything else
// wrong is an EMALFORMED *dealdesk.Error naming the JSON path of each problem (at most ten). A
// well-formed event of a source and detail type dealdesk does not handle is not an error: it
// is returned with Kind dealdesk.EventUnknown and no report. Unknown fields are ignored.
func ParseEventBridge(body []byte) (*dealdesk.AWSEvent, error) {
	if len(body) > MaxBodyBytes {
		return nil, malformed(eventBridgeEvent, "(body): %d bytes, more than the %d allowed", len(body), MaxBodyBytes)
	}
	var p problems
	var env envelope
	if !decodeObject(body, "", &env, &p) {
		return nil, p.err(eventBridgeEvent)
	}
	switch {
	case env.Version == nil:
		p.add("version", "is required")
	case *env.Version != "0":
		p.add("version", "must be \"0\", got %q", *env.Version)
	}
	required(&p, "id", env.ID)
	required(&p, "detail-type", env.DetailType)
	required(&p, "source", env.Source)
	required(&p, "account", env.Account)
	required(&p, "time", env.Time)
	ev := &dealdesk.AWSEvent{
		ID: env.ID, Source: env.Source, DetailType: env.DetailType, Account: env.Account,
		Region: env.Region, Resources: env.Resources, Time: parseTime(&p, "time", env.Time),
		Kind: dealdesk.EventUnknown,
	}
	if ev.Resources == nil {
		ev.Resources = []string{}
	}
	if len(env.Detail) == 0 {
		p.add("detail", "is required")
		return nil, p.err(eventBridgeEvent)
	}
	if kind, ok := eventKinds[[2]string{env.Source, env.DetailType}]; ok {
		ev.Kind = kind
	}
	detailParsers[ev.Kind](ev, env.Detail, &p)
	if err := p.err(eventBridgeEvent); err != nil {
		return nil, err
	}
	return ev, nil
}

// detailParsers fill the report of each kind from the event's detail, reporting problems on p.
var detailParsers = map[dealdesk.EventKind]func(ev *dealdesk.AWSEvent, detail []byte, p *problems){
	dealdesk.EventUnknown:              parseUnknownDetail,
	dealdesk.EventOfferReleased:        parseOfferDetail,
	dealdesk.EventAgreementCreated:     parseAgreementDetail,
	dealdesk.EventAgreementAmended:     parseAgreementDetail,
	dealdesk.EventAgreementEnded:       parseAgreementDetail,
	dealdesk.EventLicenseUpdated:       parseLicenseDetail,
	dealdesk.EventLicenseDeprovisioned: parseLicenseDetail,
	dealdesk.EventChangeSetSucceeded:   parseChangeSetDetail,
	dealdesk.EventChangeSetFailed:      parseChangeSetDetail,
	dealdesk.EventChangeSetCancelled:   parseChangeSetDetail,
}

// parseUnknownDetail only checks that the detail is an object.
func parseUnknownDetail(_ *dealdesk.AWSEvent, detail []byte, p *problems) {
	var fields map[string]json.RawMessage
	decodeObject(detail, "detail", &fields, p)
}

func required(p *problems, path, v string) {
	if v == "" {
		p.add(path, "is required")
	}
}

// parseTime reads an RFC 3339 time (AWS writes "2026-11-26T10:00:00Z", sometimes with
// fractional seconds) as UTC; empty is the zero time.
func parseTime(p *problems, path, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		p.add(path, "must be an RFC 3339 time such as 2026-11-26T10:00:00Z, got %s", quote(v))
		return time.Time{}
	}
	return t.UTC()
}

// quote quotes an input value for an error, cut to 64 bytes.
func quote(v string) string {
	return fmt.Sprintf("%q", dealdesk.Clip(v, 64))
}
