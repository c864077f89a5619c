package dealdesk_test

import (
	"testing"

	"github.com/dealdesk/dealdesk"
)

func TestOfferReportIsCPPO(t *testing.T) {
	t.Parallel()
	vendor := dealdesk.Party{AccountID: "111122223333"}
	reseller := dealdesk.Party{AccountID: "444455556666", Name: "Reseller One LLC"}
	tests := []struct {
		name   string
		report dealdesk.OfferReport
		want   bool
	}{
		{"a reseller is the seller of record", dealdesk.OfferReport{Manufacturer: vendor, SellerOfRecord: reseller}, true},
		{"the vendor sells directly", dealdesk.OfferReport{Manufacturer: vendor, SellerOfRecord: vendor}, false},
		{"no seller of record", dealdesk.OfferReport{Manufacturer: vendor}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.report.IsCPPO(); got != tc.want {
				t.Errorf("IsCPPO() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAgreementReportIsCPPO(t *testing.T) {
	t.Parallel()
	if !(&dealdesk.AgreementReport{ResaleAuthorizationID: "resaleauthz-1"}).IsCPPO() {
		t.Error("an agreement with a resale authorization is not CPPO")
	}
	if (&dealdesk.AgreementReport{AgreementID: "agmt-1"}).IsCPPO() {
		t.Error("a direct agreement is CPPO")
	}
}

func TestLicenseReportLicenseID(t *testing.T) {
	t.Parallel()
	tests := []struct{ arn, want string }{
		{"arn:aws:license-manager::777788889999:license:l-0a1b2c3d", "l-0a1b2c3d"},
		{"aws:license-manager:us-east-1:123456789012:l-ecb7e8a7", "l-ecb7e8a7"}, // AWS's doc example form
		{"arn:aws:license-manager:us-east-1:123456789012:license/l-99", "l-99"},
		{"l-42", "l-42"},
		{"arn:aws:license-manager::1:license:", ""},
		{"arn:aws:license-manager::1:license:l-", ""},
		{"arn:aws:license-manager::1:license:x-1", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			t.Parallel()
			if got := (&dealdesk.LicenseReport{LicenseARN: tc.arn}).LicenseID(); got != tc.want {
				t.Errorf("LicenseID() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEventKindValid(t *testing.T) {
	t.Parallel()
	if len(dealdesk.EventKinds) != 15 {
		t.Fatalf("%d event kinds, want 15", len(dealdesk.EventKinds))
	}
	for _, k := range dealdesk.EventKinds {
		if !k.Valid() {
			t.Errorf("%s is not valid", k)
		}
	}
	if dealdesk.EventKind("OFFER_CREATED").Valid() {
		t.Error("an unknown kind is valid")
	}
}
