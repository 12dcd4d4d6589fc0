package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A Prometheus histogram is many series (one cumulative count per bucket
// bound, "le"), but a Source answers one Sample per key. So a source asked
// for the key K of a histogram (`http_request_duration_seconds{job="api"}`)
// answers, besides K itself, one entry per bucket under BucketKey(K, le):
// K + "\x1fle=" + the bound ("0.25", "+Inf"), each summed over the series K
// selects. "\x1f" (ASCII unit separator) cannot occur in a dashboard key,
// so these never collide with a key of the dashboard. QuantileFromBuckets
// finds them again by that prefix.
const bucketSep = "\x1fle="

// BucketKey is the key under which a source reports the cumulative count of
// the bucket with upper bound le of the histogram it selects for key.
func BucketKey(key string, le float64) string {
	return key + bucketSep + FormatBound(le)
}

// FormatBound writes a bucket bound as Prometheus does in its "le" label:
// the shortest decimal that reads back the same, and "+Inf".
func FormatBound(le float64) string {
	if math.IsInf(le, +1) {
		return "+Inf"
	}
	return strconv.FormatFloat(le, 'g', -1, 64)
}

// QuantileFromBuckets is the q-quantile of the observations a Prometheus
// histogram recorded between two snapshots: what PromQL's
// histogram_quantile(q, increase(K_bucket[interval])) gives, computed the
// same way (bucketQuantile) on the buckets' increases since the previous
// snapshot.
//
// An interval with no observation has no quantile; the last one is held for
// the hold window (as hit rates are), so a histogram its exporter refreshes
// only every few seconds still draws a line. Any bucket going down is a
// counter reset (the exporter restarted): that snapshot becomes the new
// baseline, as with counters. So does a change in the set of bucket bounds.
type QuantileFromBuckets struct {
	Key string
	Q   float64 // 0..1

	clk      changeClock
	base     []bucket // at the previous snapshot
	last     float64
	haveLast bool
	inc      []bucket // the buckets' increase over the latest snapshot's interval
}

// increase is the buckets' increase (cumulative counts by bound) over the
// latest snapshot's interval, nil when it gave none: what a window's
// quantiles over its observations add up (Observations).
func (d *QuantileFromBuckets) increase() []bucket { return d.inc }

// bucket is one cumulative histogram bucket: count observations <= upper.
type bucket struct {
	upper, count float64
}

// newQuantile builds the derivation for `type: quantile`, whose key2 is the
// quantile: "0.99" for p99.
func newQuantile(key, key2 string) (*QuantileFromBuckets, error) {
	q, err := strconv.ParseFloat(strings.TrimSpace(key2), 64)
	if err != nil || !(q >= 0 && q <= 1) { // also rejects NaN
		return nil, fmt.Errorf("quantile: key2 %q must be the quantile, a number from 0 to 1 (0.99 for p99)", key2)
	}
	return &QuantileFromBuckets{Key: key, Q: q}, nil
}

func (d *QuantileFromBuckets) Observe(s Snapshot) (float64, bool) {
	d.inc = nil
	cur := bucketsOf(s, d.Key)
	if len(cur) == 0 {
		// Keep the baseline: bucket counts only rise, so when they come
		// back the increase over the gap is still the gap's observations.
		return 0, false
	}
	st, since := d.clk.advance(s.Time)
	switch st {
	case stepDuplicate:
		return 0, false
	case stepFirst, stepBackwards:
		d.rebase(cur, s)
		return 0, false
	}
	delta, ok := bucketIncrease(d.base, cur)
	if !ok { // reset, or other buckets: start again from here
		d.rebase(cur, s)
		return 0, false
	}
	if delta[len(delta)-1].count == 0 {
		if d.haveLast && d.clk.holding(since) {
			return d.last, true
		}
		return 0, false
	}
	v := bucketQuantile(d.Q, delta)
	d.clk.changed(since)
	d.base, d.inc = cur, delta
	if !finite(v) { // no +Inf bucket, or absurd counts
		d.haveLast = false
		return 0, false
	}
	d.last, d.haveLast = v, true
	return v, true
}

func (d *QuantileFromBuckets) rebase(cur []bucket, s Snapshot) {
	d.clk.rebase(s.Time)
	d.base, d.last, d.haveLast = cur, 0, false
}

func (d *QuantileFromBuckets) Reset() {
	*d = QuantileFromBuckets{Key: d.Key, Q: d.Q}
}

// bucketsOf collects the buckets a source reported for key (see
// BucketKey), sorted by bound. Non-finite counts make the bucket unusable
// and are left out, as a missing bucket would be.
func bucketsOf(s Snapshot, key string) []bucket {
	prefix := key + bucketSep
	var out []bucket
	for k, smp := range s.Values {
		bound, ok := strings.CutPrefix(k, prefix)
		if !ok || !finite(smp.Value) {
			continue
		}
		le, err := strconv.ParseFloat(bound, 64)
		if err != nil || math.IsNaN(le) {
			continue
		}
		out = append(out, bucket{upper: le, count: smp.Value})
	}
	slices.SortFunc(out, func(a, b bucket) int {
		switch {
		case a.upper < b.upper:
			return -1
		case a.upper > b.upper:
			return 1
		}
		return 0
	})
	return out
}

// bucketIncrease returns cur − prev bucket by bucket; ok is false when the
// bounds differ or any count went down (a reset).
func bucketIncrease(prev, cur []bucket) ([]bucket, bool) {
	if len(prev) != len(cur) {
		return nil, false
	}
	out := make([]bucket, len(cur))
	for i := range cur {
		if cur[i].upper != prev[i].upper || cur[i].count < prev[i].count {
			return nil, false
		}
		out[i] = bucket{upper: cur[i].upper, count: cur[i].count - prev[i].count}
	}
	return out, true
}

// bucketQuantile is PromQL's classic histogram_quantile on buckets sorted
// by bound: NaN without a +Inf bucket (the total is unknown then) or with
// no observations; the bound below +Inf when the rank falls in the +Inf
// bucket (nothing is known about that bucket's spread); else linear
// interpolation within the bucket holding the rank, from 0 for the first
// bucket (or its own bound when that is <= 0). Counts that are not
// cumulative (possible after summing series that each reset differently)
// are made monotonic first, as Prometheus does.
func bucketQuantile(q float64, buckets []bucket) float64 {
	n := len(buckets)
	if n < 2 || !math.IsInf(buckets[n-1].upper, +1) {
		return math.NaN()
	}
	b := slices.Clone(buckets)
	for i := 1; i < n; i++ {
		b[i].count = max(b[i].count, b[i-1].count)
	}
	observations := b[n-1].count
	if observations == 0 {
		return math.NaN()
	}
	rank := q * observations
	i := 0
	for i < n-1 && b[i].count < rank {
		i++
	}
	switch {
	case i == n-1:
		return b[n-2].upper
	case i == 0 && b[0].upper <= 0:
		return b[0].upper
	}
	start, count := 0.0, b[i].count
	if i > 0 {
		start = b[i-1].upper
		count -= b[i-1].count
		rank -= b[i-1].count
	}
	return start + (b[i].upper-start)*(rank/count)
}
