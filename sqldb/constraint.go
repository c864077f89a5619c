package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dealdesk/dealdesk"
)

// businessKey is a unique key of the schema that the data a client or AWS sends can break: the
// AWS identifier of a product, offer or entitlement, the account of a reseller or buyer, the
// email of a user, each within an organization. Only these become ECONFLICT (decision 005). Every
// other unique key — a primary key, (org_id, id), an API key's hash — holds values dealdesk
// makes itself, so a violation of one is dealdesk's bug (its ID generator, a restored dump, a bad
// migration) and stays the driver's error, which callers see as EINTERNAL.
type businessKey struct {
	table   string
	columns string // as SQLite lists them: "org_id, external_id"
	kind    string // the resource, in the API's words: "product"
	field   string // the field that holds the value, in the API's words: "externalId"
}

// The business keys of the schema.
var (
	productExternalIDKey     = businessKey{"products", "org_id, external_id", "product", "externalId"}
	offerExternalIDKey       = businessKey{"offers", "org_id, external_id", "offer", "externalId"}
	entitlementExternalIDKey = businessKey{"entitlements", "org_id, external_id", "entitlement", "externalId"}
	resellerAccountKey       = businessKey{"resellers", "org_id, account_id", "reseller", "accountId"}
	buyerAccountKey          = businessKey{"buyers", "org_id, account_id", "buyer", "accountId"}
	userEmailKey             = businessKey{"users", "org_id, email", "user", "email"}

	businessKeys = []businessKey{productExternalIDKey, offerExternalIDKey, entitlementExternalIDKey,
		resellerAccountKey, buyerAccountKey, userEmailKey}
)

// sqliteName is how SQLite names the key in its error: "products.org_id, products.external_id".
func (k businessKey) sqliteName() string {
	cols := strings.Split(k.columns, ", ")
	for i := range cols {
		cols[i] = k.table + "." + cols[i]
	}
	return strings.Join(cols, ", ")
}

// postgresName is the name PostgreSQL gives the constraint, and reports in its error:
// "products_org_id_external_id_key".
func (k businessKey) postgresName() string {
	return k.table + "_" + strings.ReplaceAll(k.columns, ", ", "_") + "_key"
}

// violation is what a dialect reads from a driver error.
type violation int

const (
	noViolation         violation = iota
	uniqueViolation               // any unique or primary key; see violatedKey for which
	foreignKeyViolation           // a reference to a row that does not exist, or a row still referenced
)

// duplicateKeyError is the ECONFLICT of a violated business key, which inTxRetry tells from the
// conflicts the store reports itself, and Create* methods from the keys of other tables.
type duplicateKeyError struct {
	key businessKey
	err *dealdesk.Error
}

// Error implements the error interface.
func (e duplicateKeyError) Error() string { return e.err.Error() }

// Unwrap lets errors.As find the domain error.
func (e duplicateKeyError) Unwrap() error { return e.err }

// duplicateKey returns the ECONFLICT of a violation of key. The message names the field, never
// the value: the caller knows the value, and a log of answers should not collect them.
func duplicateKey(key businessKey) error {
	return duplicateKeyError{key, &dealdesk.Error{Code: dealdesk.ECONFLICT,
		Message: fmt.Sprintf("A %s with this %s already exists in the organization.", key.kind, key.field)}}
}

// isDuplicate reports whether err is the violation of key.
func isDuplicate(err error, key businessKey) bool {
	var dk duplicateKeyError
	return errors.As(err, &dk) && dk.key == key
}

// deleteParent runs a statement that deletes a parent row and turns a foreign-key violation of
// that statement — a row still refers to the parent — into ECONFLICT with the message inUse.
// The statement is known here, so the mapping needs neither the engine's constraint names nor
// its message text (SQLite names no constraint). A foreign-key violation anywhere else is a bug.
func (db *DB) deleteParent(ctx context.Context, tx *sql.Tx, inUse, query string, args ...any) error {
	_, err := tx.ExecContext(ctx, query, args...)
	if v, _ := db.dialect.violation(err); v == foreignKeyViolation {
		return &dealdesk.Error{Code: dealdesk.ECONFLICT, Message: inUse}
	}
	return err
}
