package eventbus

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

// Accounts and identifiers of the golden files.
const (
	vendorAcct   = "111122223333"
	resellerAcct = "444455556666"
	buyerAcct    = "777788889999"
	productID    = "prod-dd3mo2kq7vxa4"
	productCode  = "dd7k2m9q4x1demo0product"
	offerID      = "offer-3mrl2xkzq5ebw"
	raID         = "resaleauthz-4xq7lqz5c3bb2"
	agreementID  = "agmt-5pzd2ktq9x3mv8w6r1c0jn4ha"
	licenseArn   = "arn:aws:license-manager::777788889999:license:l-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	customerID   = "X01DEMOCUST7Q"
)

func agreementInput() AgreementInput {
	return AgreementInput{
		Account:               vendorAcct,
		AgreementID:           agreementID,
		AcceptanceTime:        time.Date(2026, 11, 26, 9, 58, 12, 0, time.UTC),
		StartTime:             time.Date(2026, 11, 26, 9, 58, 12, 0, time.UTC),
		EndTime:               time.Date(2027, 11, 25, 23, 59, 59, 0, time.UTC),
		ResaleAuthorizationID: raID,
		AcceptorAccountID:     buyerAcct,
		ProposerAccountID:     resellerAcct,
		OfferID:               offerID,
	}
}

func licenseInput() LicenseInput {
	return LicenseInput{
		Account:           vendorAcct,
		AgreementID:       agreementID,
		ProductCode:       productCode,
		ProductID:         productID,
		LicenseArn:        licenseArn,
		AcceptorAccountID: buyerAcct,
		ProposerAccountID: resellerAcct,
		OfferID:           offerID,
	}
}

func changeSetInput() ChangeSetInput {
	return ChangeSetInput{
		Account:       vendorAcct,
		ChangeSetID:   "76yesvf8y165pa4f98td2crtg",
		ChangeSetName: "Publish resale authorization for Reseller One",
		StartTime:     time.Date(2026, 11, 26, 9, 59, 0, 0, time.UTC),
		EndTime:       time.Date(2026, 11, 26, 9, 59, 45, 0, time.UTC),
	}
}

func offerReleasedInput() OfferReleasedInput {
	return OfferReleasedInput{
		OfferID:                 offerID,
		OfferName:               "Reseller One - Acme annual",
		ExpirationDate:          time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		ProductID:               productID,
		ProductTitle:            "Dealdesk Demo Analytics",
		Manufacturer:            Party{AccountID: vendorAcct, Name: "Demo Vendor Inc."},
		SellerOfRecord:          Party{AccountID: resellerAcct, Name: "Reseller One LLC"},
		TargetedBuyerAccountIDs: []string{buyerAcct, "123412341234"},
	}
}

// goldenCase builds one envelope or message with a fresh Builder (fixed clock, IDs from 1).
type goldenCase struct {
	name  string
	build func(b *Builder) []byte
}

func env(e Envelope) []byte {
	out, err := e.JSON()
	if err != nil {
		panic(err)
	}
	return out
}

// goldenCases covers every envelope and legacy message the simulator emits.
func goldenCases() []goldenCase {
	renew := agreementInput()
	renew.Intent = "RENEW"
	renew.PreviousAgreementID = "agmt-1oldagreement000000000000"
	renew.ProductID, renew.ProductTitle = productID, "Dealdesk Demo Analytics"
	direct := agreementInput()
	direct.ResaleAuthorizationID = ""
	direct.ProposerAccountID = vendorAcct
	failed := changeSetInput()
	failed.FailureCode = "SERVER_FAULT"
	escaped := offerReleasedInput()
	escaped.OfferName = "Acme <Gold> & Partners"
	escaped.TargetedBuyerAccountIDs = nil
	escaped.ExpirationDate = time.Time{}
	freeTrial := SubscriptionInput{CustomerIdentifier: customerID, ProductCode: productCode, FreeTrial: true}
	sub := SubscriptionInput{CustomerIdentifier: customerID, ProductCode: productCode, OfferID: offerID}
	ent := EntitlementInput{CustomerIdentifier: customerID, ProductCode: productCode}

	return []goldenCase{
		{"offer_released", func(b *Builder) []byte { return env(b.OfferReleased(offerReleasedInput())) }},
		{"offer_released_escaping_no_buyers", func(b *Builder) []byte { return env(b.OfferReleased(escaped)) }},
		{"change_set_succeeded", func(b *Builder) []byte { return env(b.ChangeSetSucceeded(changeSetInput())) }},
		{"change_set_failed", func(b *Builder) []byte { return env(b.ChangeSetFailed(changeSetInput())) }},
		{"change_set_failed_server_fault", func(b *Builder) []byte { return env(b.ChangeSetFailed(failed)) }},
		{"change_set_cancelled", func(b *Builder) []byte { return env(b.ChangeSetCancelled(changeSetInput())) }},
		{"purchase_agreement_created", func(b *Builder) []byte { return env(b.PurchaseAgreementCreated(agreementInput())) }},
		{"purchase_agreement_created_renew", func(b *Builder) []byte { return env(b.PurchaseAgreementCreated(renew)) }},
		{"purchase_agreement_created_direct_offer", func(b *Builder) []byte { return env(b.PurchaseAgreementCreated(direct)) }},
		{"purchase_agreement_amended", func(b *Builder) []byte { return env(b.PurchaseAgreementAmended(agreementInput())) }},
		{"purchase_agreement_ended", func(b *Builder) []byte { return env(b.PurchaseAgreementEnded(agreementInput())) }},
		{"license_updated", func(b *Builder) []byte { return env(b.LicenseUpdated(licenseInput())) }},
		{"license_deprovisioned", func(b *Builder) []byte { return env(b.LicenseDeprovisioned(licenseInput())) }},
		{"sns_subscribe_success", func(b *Builder) []byte { return b.SubscribeSuccess(sub).Body }},
		{"sns_subscribe_success_free_trial", func(b *Builder) []byte { return b.SubscribeSuccess(freeTrial).Body }},
		{"sns_subscribe_fail", func(b *Builder) []byte { return b.SubscribeFail(sub).Body }},
		{"sns_unsubscribe_pending", func(b *Builder) []byte { return b.UnsubscribePending(sub).Body }},
		{"sns_unsubscribe_success", func(b *Builder) []byte { return b.UnsubscribeSuccess(sub).Body }},
		{"sns_entitlement_updated", func(b *Builder) []byte { return b.EntitlementUpdated(ent).Body }},
	}
}

func TestEnvelopesMatchGoldenFiles(t *testing.T) {
	t.Parallel()
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, c.name, c.build(NewBuilder(fixedClock, sequentialIDs())))
		})
	}
}

func TestEnvelopeFields(t *testing.T) {
	t.Parallel()
	b := NewBuilder(nil, nil) // wall clock and random UUIDs, as in production
	agreementArn := "arn:aws:aws-marketplace::aws:agreement:" + agreementID
	cases := []struct {
		name       string
		env        Envelope
		source     string
		detailType string
		resource   string
		detailKey  string // a key the detail must hold
	}{
		{"offer released", b.OfferReleased(offerReleasedInput()), "aws.marketplacecatalog", "Offer Released",
			"arn:aws:aws-marketplace:us-east-1:" + resellerAcct + ":AWSMarketplace/Offer/" + offerID, "sellerOfRecord"},
		{"change set succeeded", b.ChangeSetSucceeded(changeSetInput()), "aws.marketplacecatalog", "Change Set Succeeded",
			"arn:aws:aws-marketplace:us-east-1:" + vendorAcct + ":AWSMarketplace/ChangeSet/76yesvf8y165pa4f98td2crtg", "ChangeSetId"},
		{"change set failed", b.ChangeSetFailed(changeSetInput()), "aws.marketplacecatalog", "Change Set Failed",
			"arn:aws:aws-marketplace:us-east-1:" + vendorAcct + ":AWSMarketplace/ChangeSet/76yesvf8y165pa4f98td2crtg", "FailureCode"},
		{"change set cancelled", b.ChangeSetCancelled(changeSetInput()), "aws.marketplacecatalog", "Change Set Cancelled",
			"arn:aws:aws-marketplace:us-east-1:" + vendorAcct + ":AWSMarketplace/ChangeSet/76yesvf8y165pa4f98td2crtg", "EndTime"},
		{"agreement created", b.PurchaseAgreementCreated(agreementInput()), "aws.agreement-marketplace",
			"Purchase Agreement Created - Manufacturer", agreementArn, "resaleAuthorization"},
		{"agreement amended", b.PurchaseAgreementAmended(agreementInput()), "aws.agreement-marketplace",
			"Purchase Agreement Amended - Manufacturer", agreementArn, "proposer"},
		{"agreement ended", b.PurchaseAgreementEnded(agreementInput()), "aws.agreement-marketplace",
			"Purchase Agreement Ended - Manufacturer", agreementArn, "acceptor"},
		{"license updated", b.LicenseUpdated(licenseInput()), "aws.agreement-marketplace",
			"License Updated - Manufacturer", agreementArn, "license"},
		{"license deprovisioned", b.LicenseDeprovisioned(licenseInput()), "aws.agreement-marketplace",
			"License Deprovisioned - Manufacturer", agreementArn, "license"},
	}
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	timeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got map[string]any
			if err := json.Unmarshal(env(c.env), &got); err != nil {
				t.Fatal(err)
			}
			if got["version"] != "0" || got["source"] != c.source || got["detail-type"] != c.detailType ||
				got["account"] != vendorAcct || got["region"] != "us-east-1" {
				t.Errorf("envelope header %v", got)
			}
			if id, _ := got["id"].(string); !uuidRE.MatchString(id) {
				t.Errorf("id %q is not a UUID", id)
			}
			if tm, _ := got["time"].(string); !timeRE.MatchString(tm) {
				t.Errorf("time %q is not YYYY-MM-DDTHH:MM:SSZ", tm)
			}
			if res, _ := got["resources"].([]any); len(res) != 1 || res[0] != c.resource {
				t.Errorf("resources %v, want [%s]", got["resources"], c.resource)
			}
			detail, _ := got["detail"].(map[string]any)
			if _, ok := detail[c.detailKey]; !ok {
				t.Errorf("detail %v has no %q", detail, c.detailKey)
			}
			if rid, _ := detail["requestId"].(string); !uuidRE.MatchString(rid) || rid == got["id"] {
				t.Errorf("requestId %q: want a UUID distinct from the event id", rid)
			}
		})
	}
}

func TestLegacyMessageFields(t *testing.T) {
	t.Parallel()
	b := NewBuilder(fixedClock, sequentialIDs())
	sub := b.SubscribeSuccess(SubscriptionInput{CustomerIdentifier: customerID, ProductCode: productCode, FreeTrial: true})
	ent := b.EntitlementUpdated(EntitlementInput{CustomerIdentifier: customerID, ProductCode: productCode})
	if sub.TopicArn != "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-"+productCode ||
		ent.TopicArn != "arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-"+productCode {
		t.Errorf("topic ARNs %s, %s", sub.TopicArn, ent.TopicArn)
	}
	var m map[string]any
	if err := json.Unmarshal(sub.Body, &m); err != nil {
		t.Fatal(err)
	}
	if m["isFreeTrialTermPresent"] != "true" {
		t.Errorf("isFreeTrialTermPresent = %#v, want the string \"true\"", m["isFreeTrialTermPresent"])
	}
	if _, ok := m["offer-identifier"]; ok {
		t.Errorf("offer-identifier present without an offer")
	}
	if sub.Time != "2026-11-26T10:00:00.000Z" || sub.ID == ent.ID {
		t.Errorf("message time %q / ids %s %s", sub.Time, sub.ID, ent.ID)
	}
}

func TestEnvelopeJSONRejectsInvalidDetail(t *testing.T) {
	t.Parallel()
	e := Envelope{ID: "x", DetailType: "Offer Released", Detail: json.RawMessage(`{"broken"`)}
	if _, err := e.JSON(); err == nil {
		t.Fatal("JSON accepted an invalid detail")
	}
	b := newTestBus(t, Config{})
	b.Publish(e)
	if log := b.Log(); len(log) != 1 || log[0].Error == "" {
		t.Errorf("an envelope that cannot be encoded must be logged with its error: %+v", log)
	}
}
