package inbound_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/inbound"
)

// goldenDir holds the simulator's AWS-exact envelopes and legacy messages (sim/eventbus).
const goldenDir = "../sim/eventbus/testdata/golden"

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err) // a typo in a test table
	}
	return t
}

const (
	vendor    = "111122223333"
	reseller  = "444455556666"
	buyer     = "777788889999"
	agreement = "agmt-5pzd2ktq9x3mv8w6r1c0jn4ha"
	offerID   = "offer-3mrl2xkzq5ebw"
	raID      = "resaleauthz-4xq7lqz5c3bb2"
	product   = "prod-dd3mo2kq7vxa4"
	prodCode  = "dd7k2m9q4x1demo0product"
	licARN    = "arn:aws:license-manager::777788889999:license:l-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	changeSet = "76yesvf8y165pa4f98td2crtg"
	eventID   = "00000000-0000-4000-8000-000000000002"
	customer  = "X01DEMOCUST7Q"
)

// envelopeOf is the envelope part every golden EventBridge event shares.
func envelopeOf(detailType, source, resource string, kind dealdesk.EventKind) dealdesk.AWSEvent {
	return dealdesk.AWSEvent{ID: eventID, Source: source, DetailType: detailType, Time: ts("2026-11-26T10:00:00Z"),
		Account: vendor, Region: "us-east-1", Resources: []string{resource}, Kind: kind}
}

func offerEvent(o dealdesk.OfferReport) *dealdesk.AWSEvent {
	e := envelopeOf("Offer Released", dealdesk.SourceMarketplaceCatalog,
		"arn:aws:aws-marketplace:us-east-1:444455556666:AWSMarketplace/Offer/"+offerID, dealdesk.EventOfferReleased)
	e.Offer = &o
	return &e
}

func agreementEvent(detailType string, kind dealdesk.EventKind, a dealdesk.AgreementReport) *dealdesk.AWSEvent {
	e := envelopeOf(detailType, dealdesk.SourceAgreementMarketplace, "arn:aws:aws-marketplace::aws:agreement:"+agreement, kind)
	e.Agreement = &a
	return &e
}

func licenseEvent(detailType string, kind dealdesk.EventKind) *dealdesk.AWSEvent {
	e := envelopeOf(detailType, dealdesk.SourceAgreementMarketplace, "arn:aws:aws-marketplace::aws:agreement:"+agreement, kind)
	e.License = &dealdesk.LicenseReport{AgreementID: agreement, LicenseARN: licARN, ProductCode: prodCode, ProductID: product,
		AcceptorAccountID: buyer, ProposerAccountID: reseller, OfferID: offerID}
	return &e
}

func changeSetEvent(detailType string, kind dealdesk.EventKind, failure string) *dealdesk.AWSEvent {
	e := envelopeOf(detailType, dealdesk.SourceMarketplaceCatalog,
		"arn:aws:aws-marketplace:us-east-1:111122223333:AWSMarketplace/ChangeSet/"+changeSet, kind)
	e.ChangeSet = &dealdesk.ChangeSetReport{Catalog: "AWSMarketplace", ChangeSetID: changeSet,
		ChangeSetName: "Publish resale authorization for Reseller One",
		StartTime:     ts("2026-11-26T09:59:00Z"), EndTime: ts("2026-11-26T09:59:45Z"), FailureCode: failure}
	return &e
}

var demoOffer = dealdesk.OfferReport{
	OfferID: offerID, OfferARN: "arn:aws:catalog:us-east-1:444455556666:Offer/" + offerID,
	ProductID: product, ProductARN: "arn:aws:aws-marketplace:us-east-1:111122223333:AWSMarketplace/SaaSProduct/" + product,
	ProductTitle:   "Dealdesk Demo Analytics",
	Manufacturer:   dealdesk.Party{AccountID: vendor, Name: "Demo Vendor Inc."},
	SellerOfRecord: dealdesk.Party{AccountID: reseller, Name: "Reseller One LLC"},
}

var activeAgreement = dealdesk.AgreementReport{AgreementID: agreement, Intent: "NEW", Status: "ACTIVE",
	AcceptanceTime: ts("2026-11-26T09:58:12Z"), StartTime: ts("2026-11-26T09:58:12Z"), EndTime: ts("2027-11-25T23:59:59Z"),
	ResaleAuthorizationID: raID, OfferID: offerID, ProposerAccountID: reseller, AcceptorAccountID: buyer}

// goldenEvents is what each golden EventBridge envelope and SNS envelope must parse to.
var goldenEvents = map[string]*dealdesk.AWSEvent{
	"offer_released.json": offerEvent(func() dealdesk.OfferReport {
		o := demoOffer
		o.OfferName, o.ExpirationDate = "Reseller One - Acme annual", ts("2026-12-31T00:00:00Z")
		o.TargetedBuyerAccountIDs = []string{buyer, "123412341234"}
		return o
	}()),
	"offer_released_escaping_no_buyers.json": offerEvent(func() dealdesk.OfferReport {
		o := demoOffer
		o.OfferName, o.TargetedBuyerAccountIDs = "Acme <Gold> & Partners", []string{}
		return o
	}()),
	"purchase_agreement_created.json": agreementEvent("Purchase Agreement Created - Manufacturer", dealdesk.EventAgreementCreated, activeAgreement),
	"purchase_agreement_created_direct_offer.json": agreementEvent("Purchase Agreement Created - Manufacturer", dealdesk.EventAgreementCreated, func() dealdesk.AgreementReport {
		a := activeAgreement
		a.ResaleAuthorizationID, a.ProposerAccountID = "", vendor
		return a
	}()),
	"purchase_agreement_created_renew.json": agreementEvent("Purchase Agreement Created - Manufacturer", dealdesk.EventAgreementCreated, func() dealdesk.AgreementReport {
		a := activeAgreement
		a.Intent, a.PreviousAgreementID = "RENEW", "agmt-1oldagreement000000000000"
		a.ProductID, a.ProductTitle = product, "Dealdesk Demo Analytics"
		return a
	}()),
	"purchase_agreement_amended.json": agreementEvent("Purchase Agreement Amended - Manufacturer", dealdesk.EventAgreementAmended, func() dealdesk.AgreementReport {
		a := activeAgreement
		a.Intent = "AMEND"
		return a
	}()),
	"purchase_agreement_ended.json": agreementEvent("Purchase Agreement Ended - Manufacturer", dealdesk.EventAgreementEnded,
		dealdesk.AgreementReport{AgreementID: agreement, Status: "CANCELLED", ResaleAuthorizationID: raID, OfferID: offerID,
			ProposerAccountID: reseller, AcceptorAccountID: buyer}),
	"license_updated.json":                licenseEvent("License Updated - Manufacturer", dealdesk.EventLicenseUpdated),
	"license_deprovisioned.json":          licenseEvent("License Deprovisioned - Manufacturer", dealdesk.EventLicenseDeprovisioned),
	"change_set_succeeded.json":           changeSetEvent("Change Set Succeeded", dealdesk.EventChangeSetSucceeded, ""),
	"change_set_failed.json":              changeSetEvent("Change Set Failed", dealdesk.EventChangeSetFailed, "CLIENT_ERROR"),
	"change_set_failed_server_fault.json": changeSetEvent("Change Set Failed", dealdesk.EventChangeSetFailed, "SERVER_FAULT"),
	"change_set_cancelled.json":           changeSetEvent("Change Set Cancelled", dealdesk.EventChangeSetCancelled, ""),

	// SNS envelopes, as an SNS → SQS subscription delivers them (ParseSQSBody).
	"sns_envelope_eventbridge_event_over_signature_version_1.json": func() *dealdesk.AWSEvent {
		e := agreementEvent("Purchase Agreement Created - Manufacturer", dealdesk.EventAgreementCreated, activeAgreement)
		e.ID = "00000000-0000-4000-8000-000000000005" // the event's id, not the SNS MessageId
		return e
	}(),
	"sns_envelope_legacy_entitlement_updated_over_signature_version_1.json": legacyEvent(
		"arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-"+prodCode,
		dealdesk.EventEntitlementUpdated, dealdesk.LegacyReport{Action: "entitlement-updated"}),
	"sns_envelope_legacy_subscribe_success_over_signature_version_2.json": legacyEvent(
		"arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-"+prodCode,
		dealdesk.EventSubscribeSuccess, dealdesk.LegacyReport{Action: "subscribe-success", OfferIdentifier: offerID}),
}

// legacyEvent is the event of a golden legacy message in an SNS envelope of MessageId
// ...0004 at 2026-11-26T10:00:00.000Z.
func legacyEvent(topic string, kind dealdesk.EventKind, r dealdesk.LegacyReport) *dealdesk.AWSEvent {
	r.TopicArn, r.CustomerIdentifier, r.ProductCode = topic, customer, prodCode
	return &dealdesk.AWSEvent{ID: "00000000-0000-4000-8000-000000000004", Source: topic, DetailType: r.Action,
		Time: ts("2026-11-26T10:00:00Z"), Resources: []string{}, Kind: kind, Legacy: &r}
}

// goldenLegacy is what each golden legacy message (the Message of an SNS envelope) must parse
// to once put in an envelope by wrapLegacy.
var goldenLegacy = map[string]*dealdesk.AWSEvent{
	"sns_subscribe_success.json": legacyEvent(subscriptionTopic, dealdesk.EventSubscribeSuccess,
		dealdesk.LegacyReport{Action: "subscribe-success", OfferIdentifier: offerID}),
	"sns_subscribe_success_free_trial.json": legacyEvent(subscriptionTopic, dealdesk.EventSubscribeSuccess,
		dealdesk.LegacyReport{Action: "subscribe-success", FreeTrial: true}),
	"sns_subscribe_fail.json": legacyEvent(subscriptionTopic, dealdesk.EventSubscribeFail,
		dealdesk.LegacyReport{Action: "subscribe-fail", OfferIdentifier: offerID}),
	"sns_unsubscribe_pending.json": legacyEvent(subscriptionTopic, dealdesk.EventUnsubscribePending,
		dealdesk.LegacyReport{Action: "unsubscribe-pending", OfferIdentifier: offerID}),
	"sns_unsubscribe_success.json": legacyEvent(subscriptionTopic, dealdesk.EventUnsubscribeSuccess,
		dealdesk.LegacyReport{Action: "unsubscribe-success", OfferIdentifier: offerID}),
	"sns_entitlement_updated.json": legacyEvent(entitlementTopic, dealdesk.EventEntitlementUpdated,
		dealdesk.LegacyReport{Action: "entitlement-updated"}),
}

const (
	subscriptionTopic = "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-" + prodCode
	entitlementTopic  = "arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-" + prodCode
)

// wrapLegacy puts a legacy message in an (unsigned) SNS Notification envelope of its topic.
func wrapLegacy(t *testing.T, topic string, message []byte) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "00000000-0000-4000-8000-000000000004",
		"TopicArn": topic, "Message": string(message), "Timestamp": "2026-11-26T10:00:00.000Z", "SignatureVersion": "1",
		"Signature": "c2lnbmF0dXJl", "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatalf("reading golden file: %v", err)
	}
	return b
}

// TestGoldenFilesAreAllCovered fails when the simulator gains a golden file this package's
// tables do not parse, or a table names a file that is gone.
func TestGoldenFilesAreAllCovered(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files in %s (%v)", goldenDir, err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		if goldenEvents[name] == nil && goldenLegacy[name] == nil {
			t.Errorf("golden file %s has no expected event in the tables", name)
		}
	}
	for name := range goldenEvents {
		if !seen[name] {
			t.Errorf("table names %s, which is not a golden file", name)
		}
	}
	for name := range goldenLegacy {
		if !seen[name] {
			t.Errorf("table names %s, which is not a golden file", name)
		}
	}
}

func TestParseEventBridgeGoldenEnvelopes(t *testing.T) {
	t.Parallel()
	for name, want := range goldenEvents {
		if strings.HasPrefix(name, "sns_") {
			continue
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			t.Parallel()
			body := readGolden(t, name)
			got, err := inbound.ParseEventBridge(body)
			if err != nil {
				t.Fatalf("ParseEventBridge: %v", err)
			}
			assertEvent(t, got, want)
			// An EventBridge → SQS message body is the same envelope.
			fromSQS, err := inbound.ParseSQSBody(body)
			if err != nil {
				t.Fatalf("ParseSQSBody: %v", err)
			}
			assertEvent(t, fromSQS, want)
		})
	}
}

func TestParseSQSBodyGoldenSNSEnvelopes(t *testing.T) {
	t.Parallel()
	for name, want := range goldenEvents {
		if !strings.HasPrefix(name, "sns_envelope_") {
			continue
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			t.Parallel()
			got, err := inbound.ParseSQSBody(readGolden(t, name))
			if err != nil {
				t.Fatalf("ParseSQSBody: %v", err)
			}
			assertEvent(t, got, want)
		})
	}
}

func TestParseSQSBodyGoldenLegacyMessages(t *testing.T) {
	t.Parallel()
	for name, want := range goldenLegacy {
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			t.Parallel()
			got, err := inbound.ParseSQSBody(wrapLegacy(t, want.Source, readGolden(t, name)))
			if err != nil {
				t.Fatalf("ParseSQSBody: %v", err)
			}
			assertEvent(t, got, want)
		})
	}
}

// assertEvent compares every field of got with want.
func assertEvent(t *testing.T, got, want *dealdesk.AWSEvent) {
	t.Helper()
	if got == nil {
		t.Fatal("no event")
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("event:\n%s\nwant:\n%s", g, w)
	}
}
