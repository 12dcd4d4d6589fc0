package metrics

import "time"

// A host that stops answering leaves its last values behind. Nothing may
// show them as current: every place that shows "the value now" (titles,
// the readout, --once, the fleet table) asks Shown.Current, which applies
// the one rule here: a value is stale once it is older than StaleAfter,
// or at once when a fetch has failed since it came (Store.Failed).

// StaleAfter is how old the latest value of a host polled every interval,
// each request bounded by deadline, may be before it is no longer current:
// two intervals, or an interval plus the deadline of a slow host (whose
// answer may take that long), and half an interval of slack for
// scheduling.
func StaleAfter(interval, deadline time.Duration) time.Duration {
	return max(2*interval, interval+deadline) + interval/2
}

// At says at which instant the value is wanted and how it is judged.
type At struct {
	// Paused: the value at Cursor from the history, no older than
	// Tolerance before it. Live: the latest value, judged against Now.
	Paused     bool
	Cursor     time.Time
	Tolerance  time.Duration
	Now        time.Time
	StaleAfter time.Duration // 0: never stale
}

// Current is a value as shown to a person.
type Current struct {
	V  float64
	OK bool // there is a value to show
	// Stale: live, and V came from a snapshot older than StaleAfter, or a
	// fetch has failed since (the host stopped answering). V is then the
	// last value, shown marked.
	Stale bool
	// Age is how old V is (live only; 0 paused).
	Age time.Duration
}

// Current is the value now or, when paused, the value at the cursor (the
// last point at most Tolerance before it).
func (v Shown) Current(at At) Current {
	if at.Paused {
		x, ok := v.Hist.ValueAt(at.Cursor, at.Tolerance)
		return Current{V: x, OK: ok}
	}
	if !v.ok {
		return Current{}
	}
	c := Current{V: v.latest, OK: true}
	if !v.at.IsZero() && at.Now.After(v.at) {
		c.Age = at.Now.Sub(v.at)
	}
	c.Stale = at.StaleAfter > 0 && c.Age > at.StaleAfter || v.failed
	return c
}
