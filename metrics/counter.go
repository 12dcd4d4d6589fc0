package metrics

import "time"

// RateFromCounter derives a per-second rate from a monotonically rising
// record.
//
// Rates are computed between changes, not between samples: ATS refreshes
// some records only every 5 s, and per-sample deltas would graph that as
// four zeros and a 5× spike. A change is spread over the whole time since
// the previous change; while the record is unchanged the last rate is held
// for a while (see changeClock.holding) and then reported as 0.
//
// Warm-up: the baseline sample gives no value, and neither does the first
// change after it unless the counter sat still for settle (7.5 s) first:
// the baseline was taken at an arbitrary point of a sync period, and
// dividing a whole period's increase by part of it is exactly the spike we
// avoid. An unchanged counter with no rate yet reads 0 once it has been
// still for settle, which no 5 s sync can explain. So a counter that moves
// every poll has a rate from its third sample, a 5 s synced one from its
// second change (within ~10 s), and an idle one reads 0 after 7.5 s.
type RateFromCounter struct {
	Key string

	clk      changeClock
	base     float64 // value at clk.changeT
	rate     float64
	haveRate bool
}

func (d *RateFromCounter) Observe(s Snapshot) (float64, bool) {
	v, ok := value(s, d.Key)
	return d.ObserveValue(s.Time, v, ok)
}

func (d *RateFromCounter) record() string { return d.Key }

func (d *RateFromCounter) observeSample(t time.Time, smp Sample, found bool) (float64, bool) {
	v, ok := sampleValue(smp, found)
	return d.ObserveValue(t, v, ok)
}

// ObserveValue is Observe of the counter's value v at t (ok false: the
// record was missing); expressions rate whatever they compute this way.
func (d *RateFromCounter) ObserveValue(t time.Time, v float64, ok bool) (float64, bool) {
	if !ok || !finite(v) {
		// Keep the baseline: the record is monotonic, so when it comes back
		// the rate over the gap is still a true average.
		return 0, false
	}
	st, since := d.clk.advance(t)
	switch st {
	case stepDuplicate:
		return 0, false
	case stepFirst, stepBackwards:
		d.rebase(v, t)
		return 0, false
	}
	if v < d.base { // server restart: the counter began again from 0
		d.rebase(v, t)
		return 0, false
	}
	if v == d.base {
		if d.haveRate {
			if d.clk.holding(since) {
				return d.rate, true
			}
			return 0, true
		}
		if since >= settle.Seconds() {
			return 0, true
		}
		return 0, false
	}
	rate := (v - d.base) / since
	if !finite(rate) {
		d.rebase(v, t)
		return 0, false
	}
	trusted := d.clk.anchored || since >= settle.Seconds()
	d.clk.changed(since)
	d.base = v
	if !trusted {
		return 0, false
	}
	d.rate, d.haveRate = rate, true
	return rate, true
}

func (d *RateFromCounter) rebase(v float64, t time.Time) {
	d.clk.rebase(t)
	d.base, d.rate, d.haveRate = v, 0, false
}

func (d *RateFromCounter) Reset() {
	*d = RateFromCounter{Key: d.Key}
}
