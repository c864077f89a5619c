package sqldb_test

import (
	"testing"

	"github.com/dealdesk/dealdesk"
	"github.com/dealdesk/dealdesk/sqldb"
)

func TestPageLimit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ asked, want int }{
		{0, dealdesk.DefaultPageSize},
		{-5, dealdesk.DefaultPageSize},
		{1, 1},
		{200, 200},
		{201, dealdesk.MaxPageSize},
		{1 << 30, dealdesk.MaxPageSize},
	} {
		if got := sqldb.PageLimit(tt.asked); got != tt.want {
			t.Errorf("PageLimit(%d) = %d, want %d", tt.asked, got, tt.want)
		}
	}
	if dealdesk.DefaultPageSize != 50 || dealdesk.MaxPageSize != 200 {
		t.Fatalf("limits %d/%d, want 50/200", dealdesk.DefaultPageSize, dealdesk.MaxPageSize)
	}
}
