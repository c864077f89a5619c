package dealdesk

import (
	"slices"
	"strings"
	"time"
)

// EventKind says what an AWS report is about. Each kind comes from one EventBridge detail type
// of AWS Marketplace (Seller Guide "Amazon EventBridge events"; reference §2.1) or one action of
// the legacy SNS messages (Seller Guide "Amazon SNS notifications for SaaS products"; reference
// §2.2). A report the inbound side does not know is EventUnknown: it is kept, not refused.
type EventKind string

// Event kinds.
const (
	// EventOfferReleased: detail type "Offer Released" (source aws.marketplacecatalog); sent to the
	// vendor when a channel partner released an offer on the vendor's product. Carries an
	// OfferReport.
	EventOfferReleased EventKind = "OFFER_RELEASED"

	// EventAgreementCreated, EventAgreementAmended, EventAgreementEnded: detail types
	// "Purchase Agreement Created|Amended|Ended - Manufacturer" (source aws.agreement-marketplace).
	// Carry an AgreementReport.
	EventAgreementCreated EventKind = "AGREEMENT_CREATED"
	EventAgreementAmended EventKind = "AGREEMENT_AMENDED"
	EventAgreementEnded   EventKind = "AGREEMENT_ENDED"

	// EventLicenseUpdated, EventLicenseDeprovisioned: detail types
	// "License Updated|Deprovisioned - Manufacturer" (source aws.agreement-marketplace). Carry a
	// LicenseReport.
	EventLicenseUpdated       EventKind = "LICENSE_UPDATED"
	EventLicenseDeprovisioned EventKind = "LICENSE_DEPROVISIONED"

	// EventChangeSetSucceeded, EventChangeSetFailed, EventChangeSetCancelled: detail types
	// "Change Set Succeeded|Failed|Cancelled" (source aws.marketplacecatalog), sent to the account
	// that started the change set. Carry a ChangeSetReport.
	EventChangeSetSucceeded EventKind = "CHANGE_SET_SUCCEEDED"
	EventChangeSetFailed    EventKind = "CHANGE_SET_FAILED"
	EventChangeSetCancelled EventKind = "CHANGE_SET_CANCELLED"

	// The legacy SNS messages, by their "action": subscribe-success (the buyer may be metered),
	// subscribe-fail (payment failed: do not provision), unsubscribe-pending (about an hour left
	// to send final metering records), unsubscribe-success (no more metering accepted), on the
	// product's aws-mp-subscription-notification topic; entitlement-updated (read the
	// entitlements again) on its aws-mp-entitlement-notification topic. Carry a LegacyReport.
	EventSubscribeSuccess   EventKind = "SUBSCRIBE_SUCCESS"
	EventSubscribeFail      EventKind = "SUBSCRIBE_FAIL"
	EventUnsubscribePending EventKind = "UNSUBSCRIBE_PENDING"
	EventUnsubscribeSuccess EventKind = "UNSUBSCRIBE_SUCCESS"
	EventEntitlementUpdated EventKind = "ENTITLEMENT_UPDATED"

	// EventUnknown is a well-formed report of a kind dealdesk does not handle (another detail
	// type, such as a "- Proposer" agreement event, or another legacy action). It carries no
	// report.
	EventUnknown EventKind = "UNKNOWN"
)

// EventKinds lists every event kind.
var EventKinds = []EventKind{
	EventOfferReleased,
	EventAgreementCreated, EventAgreementAmended, EventAgreementEnded,
	EventLicenseUpdated, EventLicenseDeprovisioned,
	EventChangeSetSucceeded, EventChangeSetFailed, EventChangeSetCancelled,
	EventSubscribeSuccess, EventSubscribeFail, EventUnsubscribePending, EventUnsubscribeSuccess, EventEntitlementUpdated,
	EventUnknown,
}

// Valid reports whether k is a known event kind.
func (k EventKind) Valid() bool { return slices.Contains(EventKinds, k) }

// Event sources of AWS Marketplace's EventBridge events (reference §2.1). Note that agreement
// and license events come from aws.agreement-marketplace, not aws.marketplace.
const (
	SourceMarketplaceCatalog   = "aws.marketplacecatalog"
	SourceAgreementMarketplace = "aws.agreement-marketplace"
)

// AWSEvent is the domain's view of one report from AWS Marketplace: an EventBridge event
// (delivered by an API destination, an SNS topic or an SQS queue) or a legacy SNS message.
// Exactly one of the report fields is set, the one Kind names; none for EventUnknown.
type AWSEvent struct {
	// ID identifies the report for deduplication: the EventBridge event "id" (the same whichever
	// way the event came), or the SNS "MessageId" of a legacy message (SNS keeps it on retries).
	ID string
	// Source is the EventBridge "source" (SourceMarketplaceCatalog, SourceAgreementMarketplace);
	// for a legacy message, the ARN of the SNS topic it came on.
	Source string
	// DetailType is the EventBridge "detail-type" ("Offer Released", ...); for a legacy message,
	// its "action" ("subscribe-success", ...).
	DetailType string
	// Time is when AWS made the report, in UTC: the EventBridge "time" (seconds), or the SNS
	// "Timestamp" of a legacy message (milliseconds). A report older than what a row was last
	// changed by must not undo it.
	Time time.Time
	// Account is the AWS account the event was sent to (EventBridge "account"); empty for a
	// legacy message, which does not name it.
	Account string
	// Region is the EventBridge "region" (us-east-1 for AWS Marketplace); empty for a legacy
	// message.
	Region string
	// Resources are the EventBridge "resources" ARNs (the offer, agreement or change set).
	Resources []string
	// Kind says what the report is about, and which one report field below is set.
	Kind EventKind

	Offer     *OfferReport
	Agreement *AgreementReport
	License   *LicenseReport
	ChangeSet *ChangeSetReport
	Legacy    *LegacyReport
}

// Party is an AWS account named in an event, with its name when the event gives one.
type Party struct {
	AccountID string // 12 digits
	Name      string
}

// OfferReport is what "Offer Released" says of a channel partner's offer (detail fields in
// parentheses; reference §2.1). The event carries neither the resale authorization the offer
// was made from nor the reseller's markup: ResaleAuthorizationID is read from
// detail.resaleAuthorization.id when AWS sends it, and is otherwise empty (look the offer up in
// the Catalog); the markup is known only from the Catalog (Offer DescribeEntity, reference §1.6).
type OfferReport struct {
	OfferID               string    // offer.id, "offer-…"
	OfferARN              string    // offer.arn, in the seller of record's account
	OfferName             string    // offer.name
	ExpirationDate        time.Time // offer.expirationDate; zero when absent
	ResaleAuthorizationID string    // resaleAuthorization.id; not in AWS's documented detail
	ProductID             string    // product.id, "prod-…"
	ProductARN            string    // product.arn
	ProductTitle          string    // product.title
	Manufacturer          Party     // manufacturer: the vendor
	SellerOfRecord        Party     // sellerOfRecord: the reseller for a CPPO
	// TargetedBuyerAccountIDs (targetedBuyerAccountIds) are the buyers the offer is for; empty
	// (not nil) when the event lists none.
	TargetedBuyerAccountIDs []string
}

// IsCPPO reports whether the offer was made by a channel partner: its seller of record is
// known and is not the manufacturer (issue 7: "Offer Released with sellerOfRecord ≠
// manufacturer").
func (o *OfferReport) IsCPPO() bool {
	return o.SellerOfRecord.AccountID != "" && o.SellerOfRecord.AccountID != o.Manufacturer.AccountID
}

// AgreementReport is what a "Purchase Agreement Created|Amended|Ended - Manufacturer" event says
// of an agreement (detail fields in parentheses; reference §2.1). An Ended event carries only
// the agreement's id and status of the agreement fields.
type AgreementReport struct {
	AgreementID         string    // agreement.id, "agmt-…"
	Intent              string    // agreement.intent: NEW, RENEW, REPLACE, AMEND; empty when absent
	Status              string    // agreement.status as AWS says it: ACTIVE, CANCELLED, EXPIRED, …
	AcceptanceTime      time.Time // agreement.acceptanceTime; zero when absent
	StartTime           time.Time // agreement.startTime; zero when absent
	EndTime             time.Time // agreement.endTime; zero when absent
	PreviousAgreementID string    // agreement.previousAgreementId (a renewal's predecessor)
	// ResaleAuthorizationID (resaleAuthorization.id) links a CPPO agreement to its opportunity;
	// empty for a direct offer (AWS sends null).
	ResaleAuthorizationID string
	OfferID               string // offer.id
	ProposerAccountID     string // proposer.accountId: the reseller for a CPPO
	AcceptorAccountID     string // acceptor.accountId: the buyer
	ProductID             string // product.id, in some events only
	ProductTitle          string // product.title, in some events only
}

// IsCPPO reports whether the agreement came from a resale authorization.
func (a *AgreementReport) IsCPPO() bool { return a.ResaleAuthorizationID != "" }

// LicenseReport is what a "License Updated|Deprovisioned - Manufacturer" event says of the
// buyer's license (detail fields in parentheses; reference §2.1).
type LicenseReport struct {
	AgreementID       string // agreement.id
	LicenseARN        string // license.arn
	ProductCode       string // product.code
	ProductID         string // product.id
	AcceptorAccountID string // acceptor.accountId: the customer (buyer)
	ProposerAccountID string // proposer.accountId
	OfferID           string // offer.id
}

// LicenseID returns the "l-…" id at the end of the license ARN, or "" when it has none. AWS's
// documented examples write the ARN in more than one form (with and without the "arn:" prefix
// and the "license:" segment), so licenses are compared on this id (reference §2.1).
func (l *LicenseReport) LicenseID() string {
	id := l.LicenseARN[strings.LastIndexAny(l.LicenseARN, ":/")+1:]
	if len(id) <= len("l-") || !strings.HasPrefix(id, "l-") {
		return ""
	}
	return id
}

// ChangeSetReport is what a "Change Set Succeeded|Failed|Cancelled" event says of a Catalog
// change set (detail fields, in PascalCase unlike the other events, in parentheses; reference
// §2.1). The event names no entity: read them with DescribeChangeSet.
type ChangeSetReport struct {
	Catalog       string    // Catalog: "AWSMarketplace"
	ChangeSetID   string    // ChangeSetId
	ChangeSetName string    // ChangeSetName
	StartTime     time.Time // StartTime; zero when absent
	EndTime       time.Time // EndTime; zero when absent
	FailureCode   string    // FailureCode of a failed change set: CLIENT_ERROR or SERVER_FAULT
}

// LegacyReport is a legacy SNS message of a SaaS product (message fields in parentheses;
// reference §2.2). The messages carry no agreement: match them by customer and product code.
type LegacyReport struct {
	TopicArn           string // the SNS topic: aws-mp-subscription-notification-<code> or aws-mp-entitlement-notification-<code>
	Action             string // action
	CustomerIdentifier string // customer-identifier
	ProductCode        string // product-code
	OfferIdentifier    string // offer-identifier; only some messages carry it
	// FreeTrial (isFreeTrialTermPresent, which AWS sends as the string "true" or "false") is
	// whether the subscription has a free-trial term; false when absent.
	FreeTrial bool
}
