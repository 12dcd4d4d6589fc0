package metrics

import (
	"math"
	"sort"
	"time"
)

// Trend says which way a series is going, in one word a screen reader can
// say after the value.
type Trend int

const (
	TrendSteady Trend = iota
	TrendRising
	TrendFalling
)

func (t Trend) String() string {
	switch t {
	case TrendRising:
		return "rising"
	case TrendFalling:
		return "falling"
	}
	return "steady"
}

// Summary describes a series over a time span.
type Summary struct {
	N             int // points (a bucket counts as its points); 0: no data, the rest is zero
	Min, Max, Avg float64
	Trend         Trend
}

// The trend rule (see Summarize).
const (
	trendRecentShare = 0.10 // the newest tenth of the span's points...
	trendMinPoints   = 3    // ...but at least 3, and 3 before them
	trendRelative    = 0.05 // a change of 5% of the level...
	trendZ           = 2.0  // ...that is also 2 standard errors of the noise
)

// Summarize describes the points from..to (a zero to means up to the
// newest); buckets count with their number of points.
//
// The trend compares the mean of the newest tenth of the points (at least
// trendMinPoints) with the mean of the points before them. It is rising or
// falling when the difference is more than 5% of the larger of the two
// means and more than twice its standard error (the larger spread of the
// earlier and the recent points, over the square root of the counts), so
// ordinary jitter and a single blip read
// "steady" and a real step or ramp does not. Fewer than 2 × trendMinPoints
// points are always steady: too few to tell.
func (h *History) Summarize(from, to time.Time) Summary {
	var s Summary
	if !h.hasBase {
		return s
	}
	lo := from.Sub(h.base)
	hi := time.Duration(math.MaxInt64)
	if !to.IsZero() {
		hi = to.Sub(h.base)
	}
	// Pass 1: extremes, count, mean.
	var total, sum, ref float64
	h.entries(lo, hi, func(e entry) {
		if s.N == 0 {
			s.Min, s.Max, ref = e.lo, e.hi, e.mean
		}
		s.Min, s.Max = min(s.Min, e.lo), max(s.Max, e.hi)
		s.N += int(e.n)
		total += float64(e.n)
		sum += (e.mean - ref) * float64(e.n) // shifted: big counters keep their precision
	})
	if s.N == 0 {
		return s
	}
	s.Avg = ref + sum/total
	if !finite(s.Avg) {
		s.Avg = s.Min/2 + s.Max/2
	}
	s.Trend = h.trend(lo, hi, total, ref)
	return s
}

// Range is the lowest and highest value from..to and how many points
// there are (n = 0: none): Summarize without the mean and the trend, for a
// chart's y axis, drawn every tick.
func (h *History) Range(from, to time.Time) (lo, hi float64, n int) {
	if !h.hasBase {
		return 0, 0, 0
	}
	end := time.Duration(math.MaxInt64)
	if !to.IsZero() {
		end = to.Sub(h.base)
	}
	h.entries(from.Sub(h.base), end, func(e entry) {
		if n == 0 {
			lo, hi = e.lo, e.hi
		}
		lo, hi = min(lo, e.lo), max(hi, e.hi)
		n += int(e.n)
	})
	return lo, hi, n
}

// trend splits the span's points into earlier and recent (see Summarize).
func (h *History) trend(lo, hi time.Duration, total, ref float64) Trend {
	recentN := max(math.Ceil(total*trendRecentShare), trendMinPoints)
	if total-recentN < trendMinPoints {
		return TrendSteady
	}
	var (
		seen                         float64
		eN, eSum, eSq, rN, rSum, rSq float64
	)
	h.entries(lo, hi, func(e entry) {
		w, d := float64(e.n), e.mean-ref
		if seen+w <= total-recentN {
			eN, eSum, eSq = eN+w, eSum+d*w, eSq+d*d*w
		} else {
			rN, rSum, rSq = rN+w, rSum+d*w, rSq+d*d*w
		}
		seen += w
	})
	if eN < 1 || rN < 1 {
		return TrendSteady
	}
	eMean, rMean := eSum/eN, rSum/rN
	// The noise is the larger spread of the two parts: earlier points that
	// never varied must not make one blip among the newest a trend, while
	// a step held by all the newest points (no spread of its own) still is.
	variance := max(eSq/eN-eMean*eMean, rSq/rN-rMean*rMean, 0)
	diff := rMean - eMean
	level := max(math.Abs(eMean+ref), math.Abs(rMean+ref))
	threshold := max(trendRelative*level, trendZ*math.Sqrt(variance*(1/eN+1/rN)))
	switch {
	case !finite(diff) || !finite(threshold):
		return TrendSteady
	case diff > threshold:
		return TrendRising
	case diff < -threshold:
		return TrendFalling
	}
	return TrendSteady
}

// entry is a point or a bucket, as Summarize sees it.
type entry struct {
	lo, hi, mean float64
	n            uint32
	lastT        time.Duration // the newest of its points
	last         float64
}

// entries calls fn for every point and bucket between lo and hi, oldest
// first. A bucket is in if any of its stretch is.
func (h *History) entries(lo, hi time.Duration, fn func(entry)) {
	if h.n == 0 || h.raw(0).off > lo {
		for i := len(h.tiers) - 1; i >= 0; i-- {
			h.tiers[i].each(func(b tierBucket) {
				if b.end() < lo || b.first() > hi {
					return
				}
				e := entry{lo: b.lo, hi: b.hi, mean: b.mean(), n: b.n, lastT: b.hiT, last: b.hi}
				if b.loT > b.hiT {
					e.lastT, e.last = b.loT, b.lo
				}
				fn(e)
			})
		}
	}
	for i := range h.n {
		p := h.raw(i)
		if p.off < lo {
			continue
		}
		if p.off > hi {
			break
		}
		fn(entry{lo: p.v, hi: p.v, mean: p.v, n: 1, lastT: p.off, last: p.v})
	}
}

// Percentiles are the p-quantiles (0 < p < 1, ascending or not) of the
// points from..to, each the nearest-rank value (the smallest that at least
// p of the points do not exceed); a bucket counts as its points, at its
// mean. ok is false when there are none.
func (h *History) Percentiles(from, to time.Time, ps ...float64) ([]float64, bool) {
	if !h.hasBase {
		return nil, false
	}
	hi := time.Duration(math.MaxInt64)
	if !to.IsZero() {
		hi = to.Sub(h.base)
	}
	type weighted struct {
		v float64
		n uint32
	}
	var pts []weighted
	total := 0.0
	h.entries(from.Sub(h.base), hi, func(e entry) {
		pts = append(pts, weighted{e.mean, e.n})
		total += float64(e.n)
	})
	if len(pts) == 0 {
		return nil, false
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].v < pts[j].v })
	out := make([]float64, len(ps))
	for i, p := range ps {
		rank := math.Ceil(p * total) // points at or below the answer
		seen := 0.0
		out[i] = pts[len(pts)-1].v
		for _, w := range pts {
			if seen += float64(w.n); seen >= rank {
				out[i] = w.v
				break
			}
		}
	}
	return out, true
}
