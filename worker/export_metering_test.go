package worker

// Batches exposes batches to the package's external tests.
var Batches = batches
