// Package eventbus is the simulator's notification side: it builds the EventBridge events and
// legacy SNS messages AWS Marketplace sends a vendor (reference §2), and delivers them to
// configured targets (an HTTP endpoint as an EventBridge API destination does, an SNS-style
// signed HTTP subscription, or a queue of the simulator's SQS) with injectable delivery faults,
// keeping a log of every event and every delivery attempt.
//
// It imports nothing of the simulator; the simulator wires a Bus into its control API
// (PUT /_sim/events is Configure, GET /_sim/events is Log) and stores Snapshot in its state file.
package eventbus
