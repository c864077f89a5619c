package worker

import "testing"

func TestAttempts_OneIsSingular(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{1: "1 attempt", 2: "2 attempts", 25: "25 attempts"} {
		if got := attempts(n); got != want {
			t.Errorf("attempts(%d) = %q, want %q", n, got, want)
		}
	}
}
