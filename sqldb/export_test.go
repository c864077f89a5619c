package sqldb

// JobInsertOpts exposes the job uniqueness options to the tests.
var JobInsertOpts = jobInsertOpts

// PageLimit exposes the page size rule to the tests.
var PageLimit = pageLimit
