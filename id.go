package dealdesk

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// ID prefixes of the resources dealdesk names itself. IDs sort by creation time.
const (
	PrefixOrganization = "org"
	PrefixUser         = "usr"
	PrefixAPIKey       = "key"
	PrefixProduct      = "prd"
	PrefixReseller     = "rsl"
	PrefixBuyer        = "buy"
	PrefixOffer        = "off"
	PrefixEntitlement  = "ent"
)

// NewID returns a new sortable identifier such as "off_01JD2V6ZK8N3B5Q4W7X9Y0Z1A2".
func NewID(prefix string, now time.Time) string {
	return prefix + "_" + strings.ToLower(ulid.MustNew(ulid.Timestamp(now), rand.Reader).String())
}
