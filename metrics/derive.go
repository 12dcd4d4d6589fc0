package metrics

import (
	"fmt"
	"math"
	"time"
)

// Derivation turns successive snapshots into one series' values.
type Derivation interface {
	// Observe feeds one snapshot and returns the derived value at s.Time;
	// ok is false when there is no value (first sample, after a reset, key
	// missing, no transactions and hold expired, ...).
	Observe(s Snapshot) (v float64, ok bool)
	// Reset forgets baselines, so that the first sample after a reconnect
	// does not make a spike out of everything that happened while away.
	Reset()
}

// ATS refreshes its derived stats every syncPeriod, so a record can read
// unchanged for a few polls and then jump. The constants below are the only
// place that knowledge shows.
const (
	syncPeriod = 5 * time.Second
	// settle is how long a counter must sit still from its baseline before
	// we believe it is idle (report 0) rather than waiting for a sync, and
	// before a first change can be trusted to span a whole sync period.
	settle = syncPeriod * 3 / 2
	// maxHoldGap caps the change gap the hold window learns from: holding
	// exists to bridge syncs, not to keep a counter that moved once ten
	// minutes ago looking busy for another fifteen.
	maxHoldGap = 2 * syncPeriod
)

// NewDerivation builds the derivation for a metric of a registered type
// (types.go) reading records key and key2. unit only applies to latency:
// LatencyUnitMillis, LatencyUnitSeconds or LatencyUnitAuto.
func NewDerivation(typ Type, key, key2, unit string) (Derivation, error) {
	return MetricDef{Type: typ, Key: key, Key2: key2, Unit: unit}.Derivation()
}

// Derivation checks d against its type's registry entry and builds its
// derivation (one per host: it holds that host's baselines).
func (d MetricDef) Derivation() (Derivation, error) {
	info, ok := LookupType(d.Type)
	if !ok {
		return nil, fmt.Errorf("unknown metric type %q (known: %v)", d.Type, TypeNames())
	}
	if info.Expression {
		if d.Key != "" || d.Key2 != "" {
			return nil, fmt.Errorf("%s takes expr and inputs, not key or key2", d.Type)
		}
		if _, ok := ParseUnit(d.Unit); !ok {
			return nil, fmt.Errorf("unknown unit %q (want one of %v)", d.Unit, UnitNames())
		}
		return info.New(d)
	}
	if d.Key == "" {
		return nil, fmt.Errorf("%s: key is empty", d.Type)
	}
	if info.NeedsKey2() && d.Key2 == "" {
		return nil, fmt.Errorf("%s needs key2", d.Type)
	}
	if !info.NeedsKey2() && d.Key2 != "" {
		return nil, fmt.Errorf("%s takes no key2 (got %q)", d.Type, d.Key2)
	}
	if !info.TakesUnit && d.Unit != "" {
		return nil, fmt.Errorf("unit only applies to latency, not %s", d.Type)
	}
	return info.New(d)
}

// Records are the records d reads.
func (d MetricDef) Records() []string {
	if d.Expr != nil {
		return d.Expr.Records()
	}
	info, _ := LookupType(d.Type)
	var out []string
	if d.Key != "" {
		out = append(out, d.Key)
	}
	if d.Key2 != "" && !info.Key2IsParam {
		out = append(out, d.Key2)
	}
	return out
}

// DisplayUnit is the unit of d's values: its type's, or for an expression
// the one its unit: names.
func (d MetricDef) DisplayUnit() Unit {
	info, _ := LookupType(d.Type)
	if info.Expression {
		if u, ok := ParseUnit(d.Unit); ok {
			return u
		}
	}
	return info.Unit
}

func newLatency(d MetricDef) (Derivation, error) {
	if !validLatencyUnit(d.Unit) {
		return nil, fmt.Errorf("latency unit %q: want %q, %q or empty (decide from the value's type)",
			d.Unit, LatencyUnitMillis, LatencyUnitSeconds)
	}
	return &LatencyFromTotals{TotalKey: d.Key, CountKey: d.Key2, Unit: d.Unit}, nil
}

// GaugeValue reports a record as it is.
type GaugeValue struct {
	Key string
}

func (g *GaugeValue) Observe(s Snapshot) (float64, bool) { return value(s, g.Key) }

func (g *GaugeValue) record() string { return g.Key }

func (g *GaugeValue) observeSample(_ time.Time, smp Sample, found bool) (float64, bool) {
	return sampleValue(smp, found)
}

// Reset is a no-op: a gauge has no baseline.
func (g *GaugeValue) Reset() {}

// oneRecord is a Derivation of one record's sample: a series that has
// found the record already hands it over (observeSample) rather than
// have Observe look it up again, for most of a dashboard's series every
// tick (counters and gauges).
type oneRecord interface {
	record() string
	observeSample(t time.Time, smp Sample, found bool) (float64, bool)
}

// value looks a record up, treating NaN and ±Inf as missing so that no
// derivation can ever emit them.
func value(s Snapshot, key string) (float64, bool) {
	smp, ok := s.Values[key]
	return sampleValue(smp, ok)
}

// sampleValue is value of a record's sample, found or not.
func sampleValue(smp Sample, found bool) (float64, bool) {
	if !found || !finite(smp.Value) {
		return 0, false
	}
	return smp.Value, true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// step says what a new sample's timestamp means for a changeClock.
type step int

const (
	stepFirst     step = iota // no baseline yet
	stepDuplicate             // same time as the previous sample: nothing to divide by
	stepBackwards             // clock went backwards: the baseline is meaningless
	stepNext                  // normal progress
)

// changeClock holds the timing shared by the since-last-change derivations:
// when the tracked record last changed, how long the gap before that change
// was, and how far apart the last two samples were. The derivations keep the
// record values themselves.
type changeClock struct {
	started   bool
	lastT     time.Time // previous accepted sample
	changeT   time.Time // last change, or the baseline sample before any
	anchored  bool      // changeT is a real change, not an arbitrary first sample
	changeGap float64   // seconds between the last two changes, 0 = unknown
	sampleGap float64   // seconds between the last two samples
	prevGap   float64   // the sample gap before that, 0 = unknown
}

// advance classifies t and, for stepNext, records it as the latest sample
// and returns the seconds since the last change (always > 0).
func (c *changeClock) advance(t time.Time) (step, float64) {
	if !c.started {
		return stepFirst, 0
	}
	gap := t.Sub(c.lastT).Seconds()
	switch {
	case gap == 0:
		return stepDuplicate, 0
	case gap < 0:
		return stepBackwards, 0
	}
	c.lastT, c.prevGap, c.sampleGap = t, c.sampleGap, gap
	return stepNext, t.Sub(c.changeT).Seconds()
}

// rebase makes t the new baseline with nothing learnt.
func (c *changeClock) rebase(t time.Time) {
	*c = changeClock{started: true, lastT: t, changeT: t}
}

// changed records a change at the latest sample, since seconds after the
// previous one.
func (c *changeClock) changed(since float64) {
	c.changeT, c.changeGap, c.anchored = c.lastT, since, true
}

// holding reports whether a value derived at the last change may still be
// repeated since seconds later. The window is 1.5 × the last gap between
// changes (so a 5 s synced record holds ~7.5 s) but at least 1.5 × the poll
// interval (so a record that changed every poll and stopped reads idle on
// the poll after next, and slow polling is not mistaken for idleness).
func (c *changeClock) holding(since float64) bool {
	hold := 1.5 * max(min(c.changeGap, maxHoldGap.Seconds()), c.pollGap())
	return since <= hold
}

// pollGap estimates the poll interval from the last two sample gaps. The
// shorter one wins so that a stalled poll, after which the record has
// demonstrably not changed for a long time, does not stretch the hold.
func (c *changeClock) pollGap() float64 {
	if c.prevGap == 0 {
		return c.sampleGap
	}
	return min(c.prevGap, c.sampleGap)
}
