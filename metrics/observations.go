package metrics

import (
	"slices"
	"time"
)

// A quantile metric draws, per interval, the quantile of that interval's
// observations. A window's statistics of those points (their median, p99)
// are not the window's quantiles: an interval with ten slow requests
// weighs as much as one with ten thousand fast ones. So a quantile series
// also keeps each bucket's increase per snapshot, one history per bucket
// bound, and a window's quantiles are taken over the observations it
// holds: the buckets' summed increases, as PromQL's
// histogram_quantile(q, increase(K_bucket[window])) would give.

// Observations is a quantile series' bucket increases over time.
type Observations struct {
	window, interval time.Duration
	bounds           []float64 // ascending
	hists            []*History
}

func newObservations(window, interval time.Duration) *Observations {
	return &Observations{window: window, interval: interval}
}

// add keeps the buckets' increase over the interval ending at t.
func (o *Observations) add(t time.Time, inc []bucket) {
	for _, b := range inc {
		i, found := slices.BinarySearch(o.bounds, b.upper)
		if !found {
			o.bounds = slices.Insert(o.bounds, i, b.upper)
			o.hists = slices.Insert(o.hists, i, NewDownsampledHistory(o.window, o.interval))
		}
		o.hists[i].Add(Point{T: t, V: b.count})
	}
}

// Quantiles are the qs-quantiles (0..1) of the observations from..to (a
// zero to: up to the newest), and how many observations there were; ok is
// false without any, or without a +Inf bucket. Bounds that came or went
// within the window are made cumulative as PromQL does (bucketQuantile).
func (o *Observations) Quantiles(from, to time.Time, qs ...float64) (count float64, out []float64, ok bool) {
	if o == nil || len(o.bounds) == 0 {
		return 0, nil, false
	}
	sums := make([]bucket, len(o.bounds))
	for i, h := range o.hists {
		s := h.Summarize(from, to)
		sums[i] = bucket{upper: o.bounds[i], count: s.Avg * float64(s.N)}
	}
	count = sums[len(sums)-1].count
	if count <= 0 {
		return 0, nil, false
	}
	out = make([]float64, len(qs))
	for i, q := range qs {
		out[i] = bucketQuantile(q, sums)
		if !finite(out[i]) {
			return 0, nil, false
		}
	}
	return count, out, true
}

// bucketIncreaser is a derivation that tells its buckets' latest increase
// (QuantileFromBuckets).
type bucketIncreaser interface{ increase() []bucket }
