package cli

import (
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dsn, want string
	}{
		{"sqlite path is shown", "data/dealdesk.db", "data/dealdesk.db"},
		{"password in the user info", "postgres://app:hunter2@db:5432/deals", "postgres://app:xxxxx@db:5432/deals"},
		{"password as a parameter", "postgresql://app@db/deals?sslmode=require&password=hunter2", "postgresql://app@db/deals?password=xxxxx&sslmode=require"},
		{"sslpassword as a parameter", "postgres://app@db/deals?sslpassword=hunter2", "postgres://app@db/deals?sslpassword=xxxxx"},
		{"unparsable URL hides everything", "postgres://app:hun%zzter2@db/deals", "postgres://(a DSN that does not parse as a URL)"},
		{"unparsable parameters hide everything", "postgres://app@db/deals?password=hun%zzter2", "postgres://(a DSN that does not parse as a URL)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := redactDSN(tt.dsn)
			if got != tt.want {
				t.Errorf("redactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
			if strings.Contains(got, "hunter2") || strings.Contains(got, "hun%zzter2") {
				t.Errorf("redactDSN(%q) shows the password: %q", tt.dsn, got)
			}
		})
	}
}
