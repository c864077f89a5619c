package dealdesk_test

import (
	"strconv"
	"testing"

	"github.com/dealdesk/dealdesk"
)

// TestProblems_KeepsTheFirstAndCountsTheRest pins the cap of issue 6 item 9: past MaxProblems,
// Add keeps nothing more (the memory a request costs is bounded) and Err counts what it left out.
func TestProblems_KeepsTheFirstAndCountsTheRest(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, dealdesk.MaxProblems, dealdesk.MaxProblems + 1, 500000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var p dealdesk.Problems
			for i := range n {
				p.Add("buyerAccountIds["+strconv.Itoa(i)+"]", "must be a string")
			}
			if len(p) > dealdesk.MaxProblems+1 {
				t.Fatalf("Problems holds %d entries, want at most %d", len(p), dealdesk.MaxProblems+1)
			}
			err := p.Err()
			fields, omitted := dealdesk.ErrorFields(err), dealdesk.ErrorOmitted(err)
			if want := min(n, dealdesk.MaxProblems); len(fields) != want || omitted != n-want {
				t.Fatalf("%d fields and %d omitted, want %d and %d", len(fields), omitted, want, n-want)
			}
			if fields[0].Field != "buyerAccountIds[0]" || fields[len(fields)-1].Field != "buyerAccountIds["+strconv.Itoa(len(fields)-1)+"]" {
				t.Errorf("fields are not the first ones: %v ... %v", fields[0], fields[len(fields)-1])
			}
		})
	}
	t.Run("appended fields past the cap are counted", func(t *testing.T) {
		var p dealdesk.Problems
		for range dealdesk.MaxProblems + 3 {
			p.Add("f", "bad")
		}
		p = append(p, dealdesk.FieldError{Field: "cursor", Message: "bad"})
		err := p.Err()
		if len(dealdesk.ErrorFields(err)) != dealdesk.MaxProblems || dealdesk.ErrorOmitted(err) != 4 {
			t.Errorf("%d fields, %d omitted; want %d and 4", len(dealdesk.ErrorFields(err)), dealdesk.ErrorOmitted(err), dealdesk.MaxProblems)
		}
	})
}
