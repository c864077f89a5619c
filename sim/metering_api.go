package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/dealdesk/dealdesk/sim/wire"
	gojson "github.com/goccy/go-json"
)

// LedgerRecord is one metering record BatchMeterUsage accepted. Records are never modified once
// in the ledger.
type LedgerRecord struct {
	MeteringRecordID     string       `json:"meteringRecordId"`
	Status               string       `json:"status"`
	ProductCode          string       `json:"productCode"`
	CustomerIdentifier   string       `json:"customerIdentifier,omitempty"`
	CustomerAWSAccountID string       `json:"customerAWSAccountId,omitempty"`
	LicenseArn           string       `json:"licenseArn,omitempty"`
	AgreementID          string       `json:"agreementId"`
	Dimension            string       `json:"dimension"`
	Quantity             int64        `json:"quantity"`
	Timestamp            time.Time    `json:"timestamp"`
	Hour                 time.Time    `json:"hour"`
	ReceivedAt           time.Time    `json:"receivedAt"`
	Allocations          []allocation `json:"allocations,omitempty"`
	key                  meterKey
}

// meterKey is what makes two records the same usage: customer (product code and customer
// identifier, or license and account), dimension and hour.
type meterKey struct {
	scope     string // product code, or license ARN
	customer  string // customer identifier, or AWS account id
	dimension string
	hour      int64
}

type meterIndex map[meterKey]*LedgerRecord

func newMeterIndex() meterIndex { return meterIndex{} }

func (m meterIndex) add(r *LedgerRecord) {
	r.key = recordKey(r.CustomerIdentifier, r.ProductCode, r.CustomerAWSAccountID, r.LicenseArn, r.Dimension, r.Timestamp)
	if _, ok := m[r.key]; !ok {
		m[r.key] = r
	}
}

func recordKey(customerID, productCode, account, license, dimension string, ts time.Time) meterKey {
	if customerID != "" {
		return meterKey{scope: productCode, customer: customerID, dimension: dimension, hour: ts.Unix() / 3600}
	}
	return meterKey{scope: license, customer: account, dimension: dimension, hour: ts.Unix() / 3600}
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type allocation struct {
	AllocatedUsageQuantity *int64 `json:"AllocatedUsageQuantity,omitempty"`
	Tags                   []tag  `json:"Tags,omitempty"`
}

type usageRecord struct {
	Timestamp            json.Number  `json:"Timestamp,omitempty"` // epoch seconds`
	CustomerIdentifier   string       `json:"CustomerIdentifier,omitempty"`
	CustomerAWSAccountID string       `json:"CustomerAWSAccountId,omitempty"`
	LicenseArn           string       `json:"LicenseArn,omitempty"`
	Dimension            string       `json:"Dimension,omitempty"`
	Quantity             *int64       `json:"Quantity,omitempty"`
	UsageAllocations     []allocation `json:"UsageAllocations,omitempty"`
}

type batchMeterUsageInput struct {
	ProductCode  string        `json:"ProductCode"`
	UsageRecords []usageRecord `json:"UsageRecords"`
}

type usageRecordResult struct {
	UsageRecord      usageRecord `json:"UsageRecord"`
	MeteringRecordID string      `json:"MeteringRecordId,omitempty"`
	Status           string      `json:"Status"`
}

type batchMeterUsageOutput struct {
	Results            []usageRecordResult `json:"Results"`
	UnprocessedRecords []usageRecord       `json:"UnprocessedRecords"`
}

var (
	licenseArnPattern = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]*$`)
	tagPattern        = regexp.MustCompile(`^[a-zA-Z0-9+ -=._:\\/@]+$`)
)

func meteringError(typ, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// batchMeterUsage implements BatchMeterUsage (reference §4.2): whole-batch checks first, then a
// result per record: Success (new or an identical retry), DuplicateRecord or CustomerNotSubscribed.
func (s *Server) batchMeterUsage(r *http.Request, acct string, c wire.Call) (any, error) {
	var in batchMeterUsageInput
	// The hot path of the project's benchmarks: goccy/go-json decodes and encodes with
	// encoding/json's semantics at a fraction of its cost.
	if err := gojson.UnmarshalNoEscape(c.Body, &in); err != nil {
		var te *gojson.UnmarshalTypeError
		if errors.As(err, &te) { // name the JSON types, never the simulator's Go types
			return nil, meteringError("SerializationException", "%s: expected %s, got JSON %s", te.Field, wire.JSONTypeName(te.Type), te.Value)
		}
		return nil, meteringError("SerializationException", "invalid request: %v", err)
	}
	if in.UsageRecords == nil {
		return nil, meteringError("ValidationException", "1 validation error detected: Value null at 'usageRecords' failed to satisfy constraint: Member must not be null")
	}
	if len(in.UsageRecords) > 25 {
		return nil, meteringError("ValidationException", "1 validation error detected: Value at 'usageRecords' failed to satisfy constraint: Member must have length less than or equal to 25 (got %d)", len(in.UsageRecords))
	}
	now := s.now()
	var product *Product
	// Only the seller that published a product meters it (reference §4.3): for another caller
	// its product codes and licenses are not its own.
	seller := acct == s.seed.seed.Seller.AccountID
	if in.ProductCode != "" {
		product = s.seed.byCode[in.ProductCode]
		if product == nil || !seller {
			return nil, meteringError("InvalidProductCodeException", "ProductCode %s is not a product of account %s", in.ProductCode, acct)
		}
	}
	times := make([]time.Time, len(in.UsageRecords))
	for i, rec := range in.UsageRecords {
		f := "UsageRecords[" + strconv.Itoa(i) + "]"
		if rec.Timestamp == "" {
			return nil, meteringError("ValidationException", "%s.Timestamp: is required", f)
		}
		sec, err := strconv.ParseFloat(string(rec.Timestamp), 64)
		if err != nil {
			return nil, meteringError("SerializationException", "%s.Timestamp: %q is not epoch seconds", f, rec.Timestamp)
		}
		times[i] = time.Unix(0, int64(sec*1e9)).UTC()
		if rec.Dimension == "" || len(rec.Dimension) > 255 {
			return nil, meteringError("ValidationException", "%s.Dimension: is required (1-255 characters)", f)
		}
		q := rec.quantity()
		if q < 0 || q > 2147483647 {
			return nil, meteringError("ValidationException", "%s.Quantity: must be 0-2147483647, got %d", f, q)
		}
		switch {
		case rec.CustomerIdentifier != "" && rec.CustomerAWSAccountID != "":
			return nil, meteringError("InvalidCustomerIdentifierException", "%s: CustomerIdentifier and CustomerAWSAccountId are mutually exclusive", f)
		case rec.CustomerIdentifier == "" && rec.CustomerAWSAccountID == "":
			return nil, meteringError("InvalidCustomerIdentifierException", "%s: give CustomerIdentifier (with ProductCode) or CustomerAWSAccountId (with LicenseArn)", f)
		case rec.CustomerIdentifier != "":
			if rec.LicenseArn != "" {
				return nil, meteringError("InvalidLicenseException", "%s.LicenseArn: goes with CustomerAWSAccountId, not CustomerIdentifier", f)
			}
			if product == nil {
				return nil, meteringError("InvalidProductCodeException", "%s: ProductCode is required when records use CustomerIdentifier", f)
			}
			if product.MeteringMode != MeteringCustomerIdentifier {
				return nil, meteringError("InvalidCustomerIdentifierException", "%s: product %s meters with CustomerAWSAccountId and LicenseArn, not CustomerIdentifier", f, product.ProductCode)
			}
		default:
			if !isAccountID(rec.CustomerAWSAccountID) {
				return nil, meteringError("InvalidCustomerIdentifierException", "%s.CustomerAWSAccountId: must be 12 digits, got %q", f, rec.CustomerAWSAccountID)
			}
			if rec.LicenseArn == "" {
				return nil, meteringError("InvalidLicenseException", "%s.LicenseArn: is required with CustomerAWSAccountId", f)
			}
			// The license names the product: a LicenseArn integration sends no ProductCode
			// (sending both bills twice); the whole batch is refused (decision 009).
			if in.ProductCode != "" {
				return nil, meteringError("InvalidProductCodeException", "ProductCode must not be given with records that carry a LicenseArn (%s.LicenseArn); the license identifies the product", f)
			}
		}
		if n := len(rec.UsageAllocations); n > 2500 {
			return nil, meteringError("InvalidUsageAllocationsException", "%s.UsageAllocations: at most 2500 allocations, got %d", f, n)
		}
		if rec.UsageAllocations != nil {
			if len(rec.UsageAllocations) == 0 {
				return nil, meteringError("InvalidUsageAllocationsException", "%s.UsageAllocations: must hold at least one allocation", f)
			}
			var sum int64
			for j, al := range rec.UsageAllocations {
				af := fmt.Sprintf("%s.UsageAllocations[%d]", f, j)
				if al.AllocatedUsageQuantity == nil || *al.AllocatedUsageQuantity < 0 {
					return nil, meteringError("InvalidUsageAllocationsException", "%s.AllocatedUsageQuantity: is required and must be at least 0", af)
				}
				sum += *al.AllocatedUsageQuantity
				if len(al.Tags) > 5 {
					return nil, meteringError("InvalidTagException", "%s.Tags: at most 5 tags per allocation, got %d", af, len(al.Tags))
				}
				if len(al.Tags) == 0 {
					return nil, meteringError("InvalidTagException", "%s.Tags: at least one tag is required", af)
				}
				seen := map[string]bool{}
				for k, t := range al.Tags {
					tf := fmt.Sprintf("%s.Tags[%d]", af, k)
					if t.Key == "" || len(t.Key) > 100 || !tagPattern.MatchString(t.Key) {
						return nil, meteringError("InvalidTagException", "%s.Key: must be 1-100 characters of letters, digits, spaces and +-=._:/@", tf)
					}
					if t.Value == "" || len(t.Value) > 256 || !tagPattern.MatchString(t.Value) {
						return nil, meteringError("InvalidTagException", "%s.Value: must be 1-256 characters of letters, digits, spaces and +-=._:/@", tf)
					}
					if seen[t.Key] {
						return nil, meteringError("InvalidTagException", "%s.Key: %q is used twice", tf, t.Key)
					}
					seen[t.Key] = true
				}
			}
			if sum != q {
				return nil, meteringError("InvalidUsageAllocationsException", "%s.UsageAllocations: allocated quantities sum to %d but Quantity is %d", f, sum, q)
			}
		}
	}
	oldest := now.Add(-s.cfg.MeteringWindow)
	// The previous billing month is accepted only until 06:00 UTC on the 1st (reference §4.2).
	if month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC); !now.Before(month.Add(6*time.Hour)) && oldest.Before(month) {
		oldest = month
	}
	latest := now.Add(5 * time.Minute)
	for i := range in.UsageRecords {
		ts := times[i]
		if ts.Before(oldest) || ts.After(latest) {
			return nil, meteringError("TimestampOutOfBoundsException", "UsageRecords[%d].Timestamp %s is outside the accepted window (%s to now); the whole batch is rejected",
				i, ts.UTC().Format(time.RFC3339), oldest.Format(time.RFC3339))
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	// Resolve customers and dimensions (whole-batch errors) before recording anything.
	agreements := make([]*Agreement, len(in.UsageRecords))
	for i, rec := range in.UsageRecords {
		f := "UsageRecords[" + strconv.Itoa(i) + "]"
		p := product
		if rec.CustomerAWSAccountID != "" {
			a := s.byLicense[rec.LicenseArn]
			if a == nil || a.Manufacturer != acct {
				if !licenseArnPattern.MatchString(rec.LicenseArn) {
					return nil, meteringError("InvalidLicenseException", "%s.LicenseArn: %q is not a license ARN", f, rec.LicenseArn)
				}
				return nil, meteringError("InvalidLicenseException", "%s.LicenseArn: %s is not a license of a product of account %s", f, rec.LicenseArn, acct)
			}
			if a.Acceptor != rec.CustomerAWSAccountID {
				return nil, meteringError("InvalidLicenseException", "%s.LicenseArn: %s does not belong to account %s", f, rec.LicenseArn, rec.CustomerAWSAccountID)
			}
			p = s.seed.byCode[a.ProductCode]
			if p == nil || p.MeteringMode != MeteringLicenseArn {
				return nil, meteringError("InvalidLicenseException", "%s: product %s meters with CustomerIdentifier and ProductCode, not LicenseArn", f, a.ProductCode)
			}
			agreements[i] = a
		} else {
			agreements[i] = s.byCustomer[customerKey(p.ProductCode, rec.CustomerIdentifier)]
		}
		if d, ok := p.dimension(rec.Dimension); !ok || !d.has(DimensionMetered) {
			return nil, meteringError("InvalidUsageDimensionException", "%s.Dimension: %q is not a metered dimension of product %s", f, rec.Dimension, p.ProductCode)
		}
	}
	out := batchMeterUsageOutput{Results: make([]usageRecordResult, 0, len(in.UsageRecords)), UnprocessedRecords: []usageRecord{}}
	added := false
	skip := s.faults.unprocessed("BatchMeterUsage")
	for i, rec := range in.UsageRecords {
		if skip != nil && skip() {
			out.UnprocessedRecords = append(out.UnprocessedRecords, rec)
			continue
		}
		res := usageRecordResult{UsageRecord: rec}
		a := agreements[i]
		ts := times[i]
		q := rec.quantity()
		var key meterKey
		var prev *LedgerRecord
		if a != nil {
			key = recordKey(rec.CustomerIdentifier, a.ProductCode, rec.CustomerAWSAccountID, rec.LicenseArn, rec.Dimension, ts)
			prev = s.meter[key]
		}
		switch {
		case prev != nil && prev.Quantity == q:
			// An identical retry gets the same result, even once the agreement has ended.
			res.Status, res.MeteringRecordID = prev.Status, prev.MeteringRecordID
		case a == nil || !a.meteringOpen(ts, now):
			res.Status = "CustomerNotSubscribed"
		case prev != nil:
			res.Status = "DuplicateRecord"
		}
		if res.Status != "" {
			out.Results = append(out.Results, res)
			continue
		}
		lr := &LedgerRecord{MeteringRecordID: newMeteringRecordID(), Status: "Success", ProductCode: a.ProductCode,
			CustomerIdentifier: rec.CustomerIdentifier, CustomerAWSAccountID: rec.CustomerAWSAccountID, LicenseArn: rec.LicenseArn,
			AgreementID: a.ID, Dimension: rec.Dimension, Quantity: q, Timestamp: ts, Hour: ts.Truncate(time.Hour),
			ReceivedAt: now, Allocations: rec.UsageAllocations, key: key}
		s.meter[key] = lr
		s.st.Ledger = append(s.st.Ledger, lr)
		added = true
		res.Status, res.MeteringRecordID = lr.Status, lr.MeteringRecordID
		out.Results = append(out.Results, res)
	}
	if added {
		s.markDirty()
	}
	if s.faults.draw("BatchMeterUsage", func(of OpFault) float64 { return of.LostAnswerRate }) {
		// Served and kept, but the caller hears an internal error (control_faults.go).
		return nil, &apiError{Status: http.StatusInternalServerError, Type: internalErrorType(svcMetering), Message: "injected fault: the answer was lost after the records were metered"}
	}
	b, err := gojson.MarshalNoEscape(&out)
	if err != nil {
		return nil, err
	}
	return rawJSON(b), nil
}

// isAccountID reports whether s is 12 digits (accountIDPattern without the regexp cost).
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (r usageRecord) quantity() int64 {
	if r.Quantity == nil {
		return 0
	}
	return *r.Quantity
}

type resolveCustomerInput struct {
	RegistrationToken string `json:"RegistrationToken"`
}

type resolveCustomerOutput struct {
	CustomerIdentifier   string `json:"CustomerIdentifier,omitempty"`
	ProductCode          string `json:"ProductCode,omitempty"`
	CustomerAWSAccountID string `json:"CustomerAWSAccountId,omitempty"`
	LicenseArn           string `json:"LicenseArn,omitempty"`
}

// resolveCustomer exchanges the registration token of an accepted offer for the customer.
func (s *Server) resolveCustomer(r *http.Request, acct string, c wire.Call) (any, error) {
	var in resolveCustomerInput
	if err := decodeCall(c, &in, func(err error) *apiError { return meteringError("ValidationException", "invalid request: %v", err) }); err != nil {
		return nil, err
	}
	if in.RegistrationToken == "" {
		return nil, meteringError("InvalidTokenException", "RegistrationToken is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byToken[in.RegistrationToken]
	if a == nil {
		return nil, meteringError("InvalidTokenException", "the registration token is not valid")
	}
	if acct != a.Manufacturer {
		return nil, meteringError("InvalidTokenException", "the registration token was not issued for a product of account %s", acct)
	}
	out := resolveCustomerOutput{ProductCode: a.ProductCode, CustomerAWSAccountID: a.Acceptor, LicenseArn: a.LicenseArn}
	if a.MeteringMode == MeteringCustomerIdentifier {
		out.CustomerIdentifier = a.CustomerIdentifier
	}
	return out, nil
}

// getLedger serves GET /_sim/metering/ledger: every accepted record, oldest first, optionally
// filtered by productCode, customerIdentifier, customerAWSAccountId, licenseArn, agreementId or
// dimension.
func (s *Server) getLedger(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	ledger := s.st.Ledger[:len(s.st.Ledger):len(s.st.Ledger)]
	s.mu.Unlock()
	match := func(want, got string) bool { return want == "" || want == got }
	out := []*LedgerRecord{}
	var total int64
	for _, rec := range ledger {
		if match(q.Get("productCode"), rec.ProductCode) && match(q.Get("customerIdentifier"), rec.CustomerIdentifier) &&
			match(q.Get("customerAWSAccountId"), rec.CustomerAWSAccountID) && match(q.Get("licenseArn"), rec.LicenseArn) &&
			match(q.Get("agreementId"), rec.AgreementID) && match(q.Get("dimension"), rec.Dimension) {
			out = append(out, rec)
			total += rec.Quantity
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": out, "count": len(out), "totalQuantity": total})
}
