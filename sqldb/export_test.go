package sqldb

// JobInsertOpts exposes the job uniqueness options to the tests.
var JobInsertOpts = jobInsertOpts

// PageLimit exposes the page size rule to the tests.
var PageLimit = pageLimit

// MapError exposes the mapping of driver errors to the tests.
func (db *DB) MapError(err error) error { return db.mapError(err) }
