package dealdesk_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealdesk/dealdesk"
)

func TestNewIDIsMonotonic(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	t.Run("IDs of one millisecond increase", func(t *testing.T) {
		t.Parallel()
		prev := dealdesk.NewID(dealdesk.PrefixOffer, now)
		for i := 1; i < 1000; i++ {
			id := dealdesk.NewID(dealdesk.PrefixOffer, now)
			if id <= prev {
				t.Fatalf("ID %d %s does not sort after %s", i, id, prev)
			}
			prev = id
		}
	})
	t.Run("concurrent callers get distinct IDs", func(t *testing.T) {
		t.Parallel()
		const n, each = 8, 200
		var mu sync.Mutex
		seen := map[string]bool{}
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				prev := ""
				for range each {
					id := dealdesk.NewID(dealdesk.PrefixProduct, now)
					if id <= prev {
						t.Errorf("ID %s does not sort after %s of the same goroutine", id, prev)
						return
					}
					prev = id
					mu.Lock()
					seen[id] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n*each {
			t.Fatalf("%d distinct IDs, want %d", len(seen), n*each)
		}
	})
	t.Run("an ID sorts after every earlier one, even when the clock steps back", func(t *testing.T) {
		t.Parallel()
		a := dealdesk.NewID(dealdesk.PrefixBuyer, now.Add(time.Hour))
		b := dealdesk.NewID(dealdesk.PrefixBuyer, now)
		if !strings.HasPrefix(b, "buy_") || b <= a {
			t.Fatalf("%s (made after, with an earlier clock) does not sort after %s", b, a)
		}
	})
}
