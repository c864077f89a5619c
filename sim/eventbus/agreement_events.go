package eventbus

import "time"

// AgreementInput describes a purchase agreement as the manufacturer (the vendor) sees it.
type AgreementInput struct {
	Account               string // recipient: the vendor's seller account
	AgreementID           string
	Intent                string // Created: NEW (default), RENEW or REPLACE; Amended is always AMEND
	Status                string // ACTIVE by default; Ended: CANCELLED by default
	AcceptanceTime        time.Time
	StartTime             time.Time
	EndTime               time.Time
	PreviousAgreementID   string // optional
	ResaleAuthorizationID string // set for CPPO; empty gives "resaleAuthorization": null
	AcceptorAccountID     string // the buyer
	ProposerAccountID     string // the channel partner for CPPO
	OfferID               string
	ProductID             string // optional: adds "product" when set
	ProductTitle          string
}

type agreementDetail struct {
	RequestID           string         `json:"requestId"`
	Catalog             string         `json:"catalog"`
	Agreement           agreementState `json:"agreement"`
	ResaleAuthorization *idRef         `json:"resaleAuthorization"`
	Acceptor            accountRef     `json:"acceptor"`
	Proposer            accountRef     `json:"proposer"`
	Offer               idRef          `json:"offer"`
	Product             *productTitle  `json:"product,omitempty"`
}

type agreementState struct {
	ID                  string `json:"id"`
	Intent              string `json:"intent,omitempty"`
	Status              string `json:"status"`
	AcceptanceTime      string `json:"acceptanceTime,omitempty"`
	StartTime           string `json:"startTime,omitempty"`
	EndTime             string `json:"endTime,omitempty"`
	PreviousAgreementID string `json:"previousAgreementId,omitempty"`
}

type productTitle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// AgreementArn is the ARN AWS puts in the resources of agreement and license events.
func AgreementArn(agreementID string) string {
	return "arn:aws:aws-marketplace::aws:agreement:" + agreementID
}

// PurchaseAgreementCreated builds "Purchase Agreement Created - Manufacturer".
func (b *Builder) PurchaseAgreementCreated(in AgreementInput) Envelope {
	if in.Intent == "" {
		in.Intent = "NEW"
	}
	if in.Status == "" {
		in.Status = "ACTIVE"
	}
	return b.agreement(PurchaseAgreementCreatedType, in, true)
}

// PurchaseAgreementAmended builds "Purchase Agreement Amended - Manufacturer" (intent AMEND).
func (b *Builder) PurchaseAgreementAmended(in AgreementInput) Envelope {
	in.Intent = "AMEND"
	if in.Status == "" {
		in.Status = "ACTIVE"
	}
	return b.agreement(PurchaseAgreementAmendedType, in, true)
}

// PurchaseAgreementEnded builds "Purchase Agreement Ended - Manufacturer"; its agreement object
// carries only the id and the status (CANCELLED unless given).
func (b *Builder) PurchaseAgreementEnded(in AgreementInput) Envelope {
	if in.Status == "" {
		in.Status = "CANCELLED"
	}
	return b.agreement(PurchaseAgreementEndedType, in, false)
}

func (b *Builder) agreement(detailType string, in AgreementInput, full bool) Envelope {
	state := agreementState{ID: in.AgreementID, Status: in.Status}
	if full {
		state.Intent = in.Intent
		state.AcceptanceTime = formatTime(in.AcceptanceTime)
		state.StartTime = formatTime(in.StartTime)
		state.EndTime = formatTime(in.EndTime)
		state.PreviousAgreementID = in.PreviousAgreementID
	}
	detail := agreementDetail{
		RequestID: b.id(),
		Catalog:   catalogName,
		Agreement: state,
		Acceptor:  accountRef{AccountID: in.AcceptorAccountID},
		Proposer:  accountRef{AccountID: in.ProposerAccountID},
		Offer:     idRef{ID: in.OfferID},
	}
	if in.ResaleAuthorizationID != "" {
		detail.ResaleAuthorization = &idRef{ID: in.ResaleAuthorizationID}
	}
	if in.ProductID != "" {
		detail.Product = &productTitle{ID: in.ProductID, Title: in.ProductTitle}
	}
	return b.envelope(SourceAgreement, detailType, in.Account, []string{AgreementArn(in.AgreementID)}, detail)
}

// LicenseInput describes the license an agreement grants.
type LicenseInput struct {
	Account           string // recipient: the vendor's seller account
	AgreementID       string
	ProductCode       string
	ProductID         string
	LicenseArn        string
	AcceptorAccountID string
	ProposerAccountID string
	OfferID           string
}

type licenseDetail struct {
	RequestID string         `json:"requestId"`
	Catalog   string         `json:"catalog"`
	Agreement idRef          `json:"agreement"`
	Product   productCodeRef `json:"product"`
	License   licenseRef     `json:"license"`
	Acceptor  accountRef     `json:"acceptor"`
	Proposer  accountRef     `json:"proposer"`
	Offer     idRef          `json:"offer"`
}

type productCodeRef struct {
	Code string `json:"code"`
	ID   string `json:"id"`
}

type licenseRef struct {
	Arn string `json:"arn"`
}

// LicenseUpdated builds "License Updated - Manufacturer".
func (b *Builder) LicenseUpdated(in LicenseInput) Envelope {
	return b.license(LicenseUpdatedType, in)
}

// LicenseDeprovisioned builds "License Deprovisioned - Manufacturer".
func (b *Builder) LicenseDeprovisioned(in LicenseInput) Envelope {
	return b.license(LicenseDeprovisionedType, in)
}

func (b *Builder) license(detailType string, in LicenseInput) Envelope {
	detail := licenseDetail{
		RequestID: b.id(),
		Catalog:   catalogName,
		Agreement: idRef{ID: in.AgreementID},
		Product:   productCodeRef{Code: in.ProductCode, ID: in.ProductID},
		License:   licenseRef{Arn: in.LicenseArn},
		Acceptor:  accountRef{AccountID: in.AcceptorAccountID},
		Proposer:  accountRef{AccountID: in.ProposerAccountID},
		Offer:     idRef{ID: in.OfferID},
	}
	return b.envelope(SourceAgreement, detailType, in.Account, []string{AgreementArn(in.AgreementID)}, detail)
}
