package metrics

// HitRateFromCounters derives a hit percentage from running hit and miss
// counts: Δhits/(Δhits+Δmisses) × 100 since hits+misses last moved.
//
// ATS derives cache_total_hits/misses in its 5 s sync, so per-poll deltas
// would mostly be 0/0. Between changes the last rate is held for the hold
// window, then there is no value (no lookups, no hit rate). As with latency,
// a ratio needs no warm-up beyond the baseline sample.
type HitRateFromCounters struct {
	HitsKey, MissesKey string

	clk          changeClock
	hits, misses float64 // at clk.changeT
	rate         float64
	haveRate     bool
}

func (d *HitRateFromCounters) Observe(s Snapshot) (float64, bool) {
	hits, ok1 := value(s, d.HitsKey)
	misses, ok2 := value(s, d.MissesKey)
	if !ok1 || !ok2 {
		return 0, false
	}
	st, since := d.clk.advance(s.Time)
	switch st {
	case stepDuplicate:
		return 0, false
	case stepFirst, stepBackwards:
		d.rebase(hits, misses, s)
		return 0, false
	}
	if hits < d.hits || misses < d.misses {
		d.rebase(hits, misses, s)
		return 0, false
	}
	dh, dm := hits-d.hits, misses-d.misses
	if dh+dm == 0 {
		if d.haveRate && d.clk.holding(since) {
			return d.rate, true
		}
		return 0, false
	}
	rate := dh / (dh + dm) * 100
	if !finite(dh+dm) || !finite(rate) { // absurd inputs overflowed
		d.rebase(hits, misses, s)
		return 0, false
	}
	// Both deltas are >= 0 here so this cannot bind today; it keeps the
	// documented 0..100 promise whatever a future edit does above.
	rate = min(max(rate, 0), 100)
	d.clk.changed(since)
	d.hits, d.misses = hits, misses
	d.rate, d.haveRate = rate, true
	return rate, true
}

func (d *HitRateFromCounters) rebase(hits, misses float64, s Snapshot) {
	d.clk.rebase(s.Time)
	d.hits, d.misses = hits, misses
	d.rate, d.haveRate = 0, false
}

func (d *HitRateFromCounters) Reset() {
	*d = HitRateFromCounters{HitsKey: d.HitsKey, MissesKey: d.MissesKey}
}
