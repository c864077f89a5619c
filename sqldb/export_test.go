package sqldb

// JobInsertOpts exposes the job uniqueness options to the tests.
var JobInsertOpts = jobInsertOpts
