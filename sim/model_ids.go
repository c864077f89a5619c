package sim

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomID returns n random lowercase letters and digits.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	var sb strings.Builder
	sb.Grow(n)
	for _, c := range b {
		sb.WriteByte(idAlphabet[int(c)%len(idAlphabet)])
	}
	return sb.String()
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newChangeSetID() string           { return randomID(25) }
func newResaleAuthorizationID() string { return "resaleauthz-" + randomID(13) }
func newOfferID() string               { return "offer-" + randomID(13) }
func newAgreementID() string           { return "agmt-" + randomID(25) }
func newTermID() string                { return "term-" + randomHex(32) }
func newCustomerIdentifier() string    { return strings.ToUpper(randomID(11)) }
func newRegistrationToken() string     { return randomHex(48) }
func newLicenseArn(seller string) string {
	return "arn:aws:license-manager::" + seller + ":license:l-" + randomHex(16)
}
func newMeteringRecordID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

var agreementIDPattern = regexp.MustCompile(`^[A-Za-z0-9_/-]{1,64}$`)
