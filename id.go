package dealdesk

import (
	"crypto/rand"
	"errors"
	"strings"
	"sync"
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

// ids makes the ULIDs of this process, each greater than the one before (see NewID).
var ids = &ulidSequence{entropy: ulid.Monotonic(rand.Reader, 0)}

// ulidSequence makes strictly increasing ULIDs.
type ulidSequence struct {
	mu      sync.Mutex
	ms      uint64                 // the time part of the last ULID made
	entropy *ulid.MonotonicEntropy // random within a new millisecond, last + a random step within the same one
}

// next returns a ULID for ms that sorts after every ULID made before. A time earlier than the
// last one's (a clock stepped back, or callers racing between reading the clock and asking for
// an ID) is raised to the last one's, so the order of IDs is the order they were made in.
func (s *ulidSequence) next(ms uint64) ulid.ULID {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ms < s.ms {
		ms = s.ms
	}
	for {
		id, err := ulid.New(ms, s.entropy)
		if errors.Is(err, ulid.ErrMonotonicOverflow) {
			ms++ // 2^80 values used up in one millisecond: go on in the next
			continue
		} else if err != nil {
			panic(err) // crypto/rand does not fail, and ms is far below ulid.MaxTime
		}
		s.ms = ms
		return id
	}
}

// NewID returns a new sortable identifier such as "off_01jd2v6zk8n3b5q4w7x9y0z1a2": the prefix,
// then a lower-case ULID whose first 48 bits are now in Unix milliseconds. Within a process each
// ID sorts after every ID made before it, even in the same millisecond, so "newest first" by ID
// is a strict order (decision 005). When now is earlier than the time of the last ID made, the
// ID carries that later time instead.
func NewID(prefix string, now time.Time) string {
	return prefix + "_" + strings.ToLower(ids.next(ulid.Timestamp(now)).String())
}
