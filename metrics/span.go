package metrics

import "time"

// Span is what a view of the history shows besides the data: the stretch
// of time, the paused cursor, and whether counters show rates or absolute
// counts. The screen, the readout and every report read the store through
// one.
type Span struct {
	End      time.Time // right edge: the newest data, or where the paused view is
	Window   time.Duration
	Paused   bool
	Cursor   time.Time // while paused: the instant whose values are shown
	Absolute bool      // counters show their absolute count instead of a rate
	// Order is how tables rank a family's members (charts draw the
	// largest by the window's mean).
	Order Order
}

// Start is the left edge.
func (s Span) Start() time.Time { return s.End.Add(-s.Window) }

// Timing is how often hosts are polled and how long each may take: what
// decides whether two points are joined and whether a value is current.
type Timing struct {
	Interval time.Duration
	// Deadlines is each host's request deadline (collect.RequestDeadline);
	// a missing one is taken to be the interval.
	Deadlines []time.Duration
}

// StaleAfter is how old host's latest values may be before they are shown
// as stale (the package's StaleAfter, with the host's own deadline).
func (t Timing) StaleAfter(host int) time.Duration {
	return StaleAfter(t.Interval, t.Deadline(host))
}

// Deadline is how long one of host's requests may take: its deadline
// when known, else the interval.
func (t Timing) Deadline(host int) time.Duration {
	if host >= 0 && host < len(t.Deadlines) && t.Deadlines[host] > 0 {
		return t.Deadlines[host]
	}
	return t.Interval
}

// MaxGap is the longest time between two points still joined by a line,
// and how far before the cursor a point still tells its value. A held
// value (counters synced every 5 s) may leave a longer gap than the
// interval, hence the floor.
func (t Timing) MaxGap() time.Duration {
	return max(3*t.Interval+t.Interval/2, 6*time.Second)
}

// At is how host's values are asked for in span: at the cursor while
// paused, else the latest, judged against the span's end (the clock).
func (t Timing) At(span Span, host int) At {
	return At{Paused: span.Paused, Cursor: span.Cursor, Tolerance: t.MaxGap(), Now: span.End, StaleAfter: t.StaleAfter(host)}
}
