// Package metrics turns raw record values into what the panels show:
// derivations (rates, latencies, hit rates), bounded histories and
// human-readable formatting. It does no I/O and knows nothing of the screen.
package metrics

import "time"

// Sample is one record value as a source reported it.
type Sample struct {
	Value float64
	// Float is true when the server reported a floating-point type. ATS 9.x
	// reports transaction_totaltime.* as float seconds while 10.x reports
	// integer milliseconds, so latency derivations use this to pick the unit
	// when the dashboard does not say.
	Float bool
}

// Snapshot is everything one host answered in one collection round.
type Snapshot struct {
	// Time is when the reply arrived, on the collector's clock. Rates use
	// these timestamps, never the nominal tick interval.
	Time   time.Time
	Values map[string]Sample
}
