package metrics

import "time"

// LatencyFromTotals derives the mean time per transaction, in ms, from a
// running total of time (TotalKey) and a running count (CountKey).
//
// Like RateFromCounter it works between changes, keyed on the count since
// ATS syncs both records together: each time the count moves, the latency is
// Δtotal/Δcount since the previous move. While the count stands still the
// last latency is held for the hold window and then there is no value: no
// transactions means no latency, not a latency of 0. Unlike a rate, a ratio
// is not distorted by a partial sync period, so the first change after the
// baseline already gives a value.
type LatencyFromTotals struct {
	TotalKey, CountKey string
	// Unit of the total: LatencyUnitMillis, LatencyUnitSeconds, or
	// LatencyUnitAuto (any other value also means auto).
	Unit string

	clk          changeClock
	total, count float64 // at clk.changeT
	scale        float64 // ms per unit of total for the baseline
	lat          float64
	haveLat      bool
}

func (d *LatencyFromTotals) Observe(s Snapshot) (float64, bool) {
	total, ok1 := value(s, d.TotalKey)
	count, ok2 := value(s, d.CountKey)
	if !ok1 || !ok2 {
		return 0, false
	}
	return d.ObserveTotals(s.Time, total, count, d.scaleFor(s))
}

// ObserveTotals is Observe of a running total and count at t, the total
// being scale ms per unit: Δtotal/Δcount × scale since the count last
// moved. Expressions' ratio(a, b) is this with scale 1.
func (d *LatencyFromTotals) ObserveTotals(t time.Time, total, count, scale float64) (float64, bool) {
	if !finite(total) || !finite(count) {
		return 0, false
	}
	st, since := d.clk.advance(t)
	switch st {
	case stepDuplicate:
		return 0, false
	case stepFirst, stepBackwards:
		d.rebase(total, count, scale, t)
		return 0, false
	}
	// A unit flip (auto mode, server upgraded 9→10 underneath us) would mix
	// seconds and ms in one delta; a decrease is a restart.
	if scale != d.scale || total < d.total || count < d.count {
		d.rebase(total, count, scale, t)
		return 0, false
	}
	if count == d.count {
		// Leave d.total alone: time credited before the count catches up
		// belongs to the transactions of the next count change.
		if d.haveLat && d.clk.holding(since) {
			return d.lat, true
		}
		return 0, false
	}
	lat := (total - d.total) / (count - d.count) * scale
	if !finite(count-d.count) || !finite(lat) { // absurd inputs overflowed
		d.rebase(total, count, scale, t)
		return 0, false
	}
	d.clk.changed(since)
	d.total, d.count = total, count
	d.lat, d.haveLat = lat, true
	return lat, true
}

func (d *LatencyFromTotals) scaleFor(s Snapshot) float64 {
	switch d.Unit {
	case LatencyUnitMillis:
		return 1
	case LatencyUnitSeconds:
		return 1000
	}
	if s.Values[d.TotalKey].Float {
		return 1000
	}
	return 1
}

func (d *LatencyFromTotals) rebase(total, count, scale float64, t time.Time) {
	d.clk.rebase(t)
	d.total, d.count, d.scale = total, count, scale
	d.lat, d.haveLat = 0, false
}

func (d *LatencyFromTotals) Reset() {
	*d = LatencyFromTotals{TotalKey: d.TotalKey, CountKey: d.CountKey, Unit: d.Unit}
}
