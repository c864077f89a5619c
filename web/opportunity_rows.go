package web

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// The Create CPPO form's repeated rows: buyers (buyerAccountIds[i]) and installments
// (installments[i].chargeDate, installments[i].amount). Without JavaScript a row is added or
// removed by a submit button posting action=add-buyer, remove-buyer:I, add-installment or
// remove-installment:I: the form comes back with the row added or removed and nothing saved.
// web/static/app.js does the same in the page and numbers the rows as the server does.

// buyerField is one buyer row of the form: Index is its position (the N of buyerAccountIds[N]).
type buyerField struct {
	Index int
	Value string
	// Errors are the form's errors by field name; Focus, that the page opens with the row's
	// input focused (after a row was added without JavaScript).
	Errors map[string][]string
	Focus  bool
}

// installmentField is one row of the payment schedule; Index is its position (the N of
// installments[N].chargeDate).
type installmentField struct {
	Index              int
	ChargeDate, Amount string
	Errors             map[string][]string
	Focus              bool
}

// Number is the row's number as people count, from 1.
func (b buyerField) Number() int { return b.Index + 1 }

// Number is the row's number as people count, from 1.
func (i installmentField) Number() int { return i.Index + 1 }

// Name is the buyer row's form field name.
func (b buyerField) Name() string { return fmt.Sprintf("buyerAccountIds[%d]", b.Index) }

// DateName and AmountName are the installment row's form field names.
func (i installmentField) DateName() string {
	return fmt.Sprintf("installments[%d].chargeDate", i.Index)
}

// AmountName is the installment row's amount field name.
func (i installmentField) AmountName() string { return fmt.Sprintf("installments[%d].amount", i.Index) }

// Rows a new form starts with: one buyer row, and two installment rows (a schedule has at
// least two payments to be one).
const (
	startBuyerRows       = 1
	startInstallmentRows = 2
)

var (
	// buyerName and installmentName match the names of the rows' fields, whatever is between
	// the brackets; rowIndex is the one written form of a row's index the form posts: 0 to
	// 9999, no leading zero, no sign (as the server and web/static/app.js number the rows).
	buyerName       = regexp.MustCompile(`^buyerAccountIds\[([^\]]*)\]$`)
	installmentName = regexp.MustCompile(`^installments\[([^\]]*)\]\.(?:chargeDate|amount)$`)
	rowIndex        = regexp.MustCompile(`^(?:0|[1-9][0-9]{0,3})$`)
)

// rowIndexes returns the distinct row indexes of the posted field names re matches, in order
// (rows are read in the order of their indexes, whatever gaps there are), at most limit of
// them. It adds a problem on field, and leaves the row out, for a name whose index is not
// written as the form writes it ("buyerAccountIds[01]", "[+1]", "[]": it would be another
// name for a row, or no row) or that is posted more than once (only one value would be read);
// and one naming the cap when there are more than limit rows, keeping the first limit.
func rowIndexes(v url.Values, re *regexp.Regexp, field, what string, limit int, p *dealdesk.Problems) []int {
	var idx []int
	var bad, repeated []string
	for name, vals := range v {
		m := re.FindStringSubmatch(name)
		switch {
		case m == nil:
			continue
		case !rowIndex.MatchString(m[1]):
			bad = append(bad, name)
			continue
		case len(vals) > 1:
			repeated = append(repeated, name)
		}
		i, _ := strconv.Atoi(m[1])
		idx = append(idx, i)
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		p.Add(field, "%q is not a row of this form: rows are numbered 0 to 9999, without leading zeros or signs (%d such field%s)",
			dealdesk.Clip(bad[0], 64), len(bad), plural(len(bad)))
	}
	if len(repeated) > 0 {
		slices.Sort(repeated)
		p.Add(field, "%s was sent more than once: a row has one value (%d such field%s)", repeated[0], len(repeated), plural(len(repeated)))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	if len(idx) > limit {
		p.Add(field, "at most %d %s", limit, what)
		idx = idx[:limit]
	}
	return idx
}

// rowLimit is how many rows of a list the form may post: the domain's cap, or the blank rows a
// new form starts with when they are more (startRows).
func rowLimit(domainCap, start int) int { return max(domainCap, start) }

// readRows reads the posted buyer and installment rows into f, every row kept as entered
// (blank ones too) and numbered from 0 in order. A form whose rows the page cannot have posted
// (more than the domain's caps, dealdesk.MaxBuyerAccounts and dealdesk.MaxInstallments; an
// index written otherwise; a row's field posted twice) gets problems on "buyerAccountIds" or
// "installments", kept in f.rowProblems: such a form is refused whatever its action.
func (f *opportunityForm) readRows(v url.Values) {
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	f.rowProblems = nil
	f.Buyers = nil
	for _, i := range rowIndexes(v, buyerName, "buyerAccountIds", "buyers", rowLimit(dealdesk.MaxBuyerAccounts, startBuyerRows), &f.rowProblems) {
		f.Buyers = append(f.Buyers, buyerField{Index: len(f.Buyers), Value: get(fmt.Sprintf("buyerAccountIds[%d]", i))})
	}
	f.Installments = nil
	for _, i := range rowIndexes(v, installmentName, "installments", "installments", rowLimit(dealdesk.MaxInstallments, startInstallmentRows), &f.rowProblems) {
		f.Installments = append(f.Installments, installmentField{Index: len(f.Installments),
			ChargeDate: get(fmt.Sprintf("installments[%d].chargeDate", i)), Amount: get(fmt.Sprintf("installments[%d].amount", i))})
	}
}

// startRows gives a form shown afresh (new, or filled with a stored opportunity) its starting
// empty rows when it has none.
func (f *opportunityForm) startRows() {
	for len(f.Buyers) < startBuyerRows {
		f.Buyers = append(f.Buyers, buyerField{Index: len(f.Buyers)})
	}
	if len(f.Installments) == 0 {
		for range startInstallmentRows {
			f.Installments = append(f.Installments, installmentField{Index: len(f.Installments)})
		}
	}
}

// parseRowAction reads a row action as the form's buttons post it: "add-buyer" and
// "add-installment" (n is -1), "remove-buyer:I" and "remove-installment:I" with I a row index
// written as the form writes it (rowIndex). ok is false for anything else.
func parseRowAction(action string) (kind string, n int, ok bool) {
	kind, arg, hasArg := strings.Cut(action, ":")
	switch kind {
	case "add-buyer", "add-installment":
		return kind, -1, !hasArg
	case "remove-buyer", "remove-installment":
		if !hasArg || !rowIndex.MatchString(arg) {
			return "", 0, false
		}
		n, _ = strconv.Atoi(arg)
		return kind, n, true
	}
	return "", 0, false
}

// rowAction applies the form's action when it adds or removes a row ("add-buyer",
// "remove-buyer:I", "add-installment", "remove-installment:I": parseRowAction) and reports
// whether it was one. An add beyond the domain's caps (dealdesk.MaxBuyerAccounts,
// dealdesk.MaxInstallments) or a remove of a row that is not there changes nothing. Notice
// says what was done, shown next to the rows concerned (NoticeRows: "buyer" or "installment").
func (f *opportunityForm) rowAction(action string) bool {
	kind, n, ok := parseRowAction(action)
	if !ok {
		return false
	}
	f.NoticeRows = strings.TrimPrefix(strings.TrimPrefix(kind, "add-"), "remove-")
	switch kind {
	case "add-buyer":
		if len(f.Buyers) >= dealdesk.MaxBuyerAccounts {
			f.Notice = fmt.Sprintf("At most %d buyers.", dealdesk.MaxBuyerAccounts)
			return true
		}
		f.Buyers = append(f.Buyers, buyerField{Index: len(f.Buyers), Focus: true})
		f.Notice = fmt.Sprintf("Buyer %d added.", len(f.Buyers))
	case "remove-buyer":
		if n < 0 || n >= len(f.Buyers) {
			return true
		}
		f.Buyers = slices.Delete(f.Buyers, n, n+1)
		for i := range f.Buyers {
			f.Buyers[i].Index = i
		}
		f.Notice = fmt.Sprintf("Buyer %d removed; %d left.", n+1, len(f.Buyers))
		f.FocusAdd = "buyer"
	case "add-installment":
		if len(f.Installments) >= dealdesk.MaxInstallments {
			f.Notice = fmt.Sprintf("At most %d installments.", dealdesk.MaxInstallments)
			return true
		}
		f.Installments = append(f.Installments, installmentField{Index: len(f.Installments), Focus: true})
		f.Notice = fmt.Sprintf("Installment %d added.", len(f.Installments))
	case "remove-installment":
		if n < 0 || n >= len(f.Installments) {
			return true
		}
		f.Installments = slices.Delete(f.Installments, n, n+1)
		for i := range f.Installments {
			f.Installments[i].Index = i
		}
		f.Notice = fmt.Sprintf("Installment %d removed; %d left.", n+1, len(f.Installments))
		f.FocusAdd = "installment"
	}
	return true
}

// CanAddBuyer and CanAddInstallment report whether the form offers its Add buttons: not at the
// domain's caps.
func (f *opportunityForm) CanAddBuyer() bool { return len(f.Buyers) < dealdesk.MaxBuyerAccounts }

// CanAddInstallment reports whether another installment row may be added.
func (f *opportunityForm) CanAddInstallment() bool {
	return len(f.Installments) < dealdesk.MaxInstallments
}

// MaxBuyers and MaxInstallments are the domain's caps, for the page and its script.
func (f *opportunityForm) MaxBuyers() int { return dealdesk.MaxBuyerAccounts }

// MaxInstallments is dealdesk.MaxInstallments, for the page and its script.
func (f *opportunityForm) MaxInstallments() int { return dealdesk.MaxInstallments }

// BuyerRows and InstallmentRows are the form's rows, each with the form's errors, for the
// row templates; BuyerTemplate and InstallmentTemplate are the blank rows
// web/static/app.js copies to add a row (their index, -1, is renumbered when one is added).
func (f *opportunityForm) BuyerRows() []buyerField {
	rows := slices.Clone(f.Buyers)
	for i := range rows {
		rows[i].Errors = f.Errors
	}
	return rows
}

// InstallmentRows is the form's installment rows, each with the form's errors.
func (f *opportunityForm) InstallmentRows() []installmentField {
	rows := slices.Clone(f.Installments)
	for i := range rows {
		rows[i].Errors = f.Errors
	}
	return rows
}

// BuyerTemplate is the blank buyer row app.js copies.
func (f *opportunityForm) BuyerTemplate() buyerField { return buyerField{Index: -1} }

// InstallmentTemplate is the blank installment row app.js copies.
func (f *opportunityForm) InstallmentTemplate() installmentField {
	return installmentField{Index: -1}
}

// InstallmentsSum is the installments' total against the commit, as the page shows it and
// web/static/app.js recomputes it while one types (the same words): "Installments total
// 10,000.00 of the 12,000.00 USD commit: 2,000.00 short." Amounts are summed exactly
// (dealdesk.Decimal), shown with the currency's decimals or more when one was written with
// more; an amount that is not a number is named instead.
func (f *opportunityForm) InstallmentsSum() string {
	var amounts []dealdesk.Decimal
	for _, row := range f.Installments {
		if row.Amount == "" {
			continue
		}
		d, err := dealdesk.ParseDecimal(row.Amount)
		if err != nil {
			return fmt.Sprintf("Installments total: the amount of installment %d is not a number.", row.Number())
		}
		amounts = append(amounts, d)
	}
	if len(amounts) == 0 {
		return "No installment amount entered."
	}
	places := dealdesk.Currency(f.Currency).MinorUnits()
	sum := dealdesk.MustDecimal("0")
	for _, a := range amounts {
		places = max(places, a.Places())
		sum.Decimal = sum.Add(a.Decimal)
	}
	commit, err := dealdesk.ParseDecimal(f.CommitAmount)
	if err != nil {
		what := "the commit amount is not a number"
		if f.CommitAmount == "" {
			what = "no commit amount to compare with"
		}
		return fmt.Sprintf("Installments total %s; %s.", groupDigits(sum.StringFixed(int32(places))), what)
	}
	places = max(places, commit.Places())
	total := fmt.Sprintf("Installments total %s of the %s %s commit", groupDigits(sum.StringFixed(int32(places))),
		groupDigits(commit.StringFixed(int32(places))), f.Currency)
	switch diff := commit.Sub(sum.Decimal); diff.Sign() {
	case 0:
		return total + "."
	case 1:
		return total + ": " + groupDigits(diff.StringFixed(int32(places))) + " short."
	default:
		return total + ": " + groupDigits(diff.Neg().StringFixed(int32(places))) + " over."
	}
}

// groupDigits writes the decimal number s with its whole part's digits in groups of three:
// "-12000.50" is "-12,000.50".
func groupDigits(s string) string {
	sign, s := "", s
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}
