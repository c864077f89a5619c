package eventbus

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Event sources, as AWS Marketplace sets them (reference §2.1).
const (
	SourceCatalog   = "aws.marketplacecatalog"
	SourceAgreement = "aws.agreement-marketplace"
)

// Detail types of the events the simulator emits.
const (
	OfferReleasedType            = "Offer Released"
	ChangeSetSucceededType       = "Change Set Succeeded"
	ChangeSetFailedType          = "Change Set Failed"
	ChangeSetCancelledType       = "Change Set Cancelled"
	PurchaseAgreementCreatedType = "Purchase Agreement Created - Manufacturer"
	PurchaseAgreementAmendedType = "Purchase Agreement Amended - Manufacturer"
	PurchaseAgreementEndedType   = "Purchase Agreement Ended - Manufacturer"
	LicenseUpdatedType           = "License Updated - Manufacturer"
	LicenseDeprovisionedType     = "License Deprovisioned - Manufacturer"
	catalogName                  = "AWSMarketplace"
	envelopeVersion              = "0"
	timeLayout                   = "2006-01-02T15:04:05Z"
)

// Region is the only region AWS Marketplace events come from.
const Region = "us-east-1"

// DetailTypes lists every detail type the simulator emits, in a stable order.
var DetailTypes = []string{
	OfferReleasedType,
	ChangeSetSucceededType,
	ChangeSetFailedType,
	ChangeSetCancelledType,
	PurchaseAgreementCreatedType,
	PurchaseAgreementAmendedType,
	PurchaseAgreementEndedType,
	LicenseUpdatedType,
	LicenseDeprovisionedType,
}

// Envelope is one EventBridge event as AWS delivers it (reference §2.1).
type Envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// JSON returns the envelope exactly as it is delivered: compact, field order as AWS sends it,
// and no HTML escaping of <, > and &. It fails only when Detail is not valid JSON.
func (e Envelope) JSON() ([]byte, error) {
	if e.Resources == nil {
		e.Resources = []string{}
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
	b, err := marshal(e)
	if err != nil {
		return nil, fmt.Errorf("event %s (%s): detail: %w", e.ID, e.DetailType, err)
	}
	return b, nil
}

// marshal encodes v compactly without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// mustMarshal encodes a detail struct of this package; those hold only strings, slices and
// pointers to such structs, which always encode.
func mustMarshal(v any) json.RawMessage {
	b, err := marshal(v)
	if err != nil {
		panic("eventbus: a detail type of this package failed to encode: " + err.Error())
	}
	return b
}
