package sqldb_test

import (
	"testing"

	"github.com/dealdesk/dealdesk/sqldb"
)

func TestPageLimit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ asked, want int }{
		{0, sqldb.DefaultLimit},
		{-5, sqldb.DefaultLimit},
		{1, 1},
		{200, 200},
		{201, sqldb.MaxLimit},
		{1 << 30, sqldb.MaxLimit},
	} {
		if got := sqldb.PageLimit(tt.asked); got != tt.want {
			t.Errorf("PageLimit(%d) = %d, want %d", tt.asked, got, tt.want)
		}
	}
	if sqldb.DefaultLimit != 50 || sqldb.MaxLimit != 200 {
		t.Fatalf("limits %d/%d, want 50/200", sqldb.DefaultLimit, sqldb.MaxLimit)
	}
}
