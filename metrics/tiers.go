package metrics

import "time"

// A tier keeps one stretch of a downsampled History as fixed-width buckets.
// Points leaving the full-resolution ring are merged into the first tier's
// newest bucket; buckets ageing past a tier's span are merged into the next,
// coarser tier; the last tier's span is the window, past which buckets are
// forgotten. Widths nest (each a multiple of the one before, all counted
// from the history's first point), so a bucket always falls into exactly
// one bucket of the next tier.
//
// With 1 s samples and a 24 h window: 10 minutes of points, then 20 s
// buckets up to 2 h, then 4 min buckets up to 24 h: 600 points and 660
// buckets, ~42 KB, where keeping every point would take 2.7 MB (as
// time.Time and float64). Resolution falls with age about as fast as a
// chart zoomed out to that age can use it: a bucket is 1/bucketsPerAge of
// its age and gives two points, so a chart of the last A shows at least 60
// points per A, more than a 120-cell panel has dot columns for a tier's
// share. As each bucket keeps its minimum and maximum, a spike never
// disappears when zooming out.
type tier struct {
	width time.Duration // of a bucket
	span  time.Duration // buckets ending longer ago than this (behind the newest point) move on
	ring  []tierBucket
	start int
	n     int
	limit int // ring capacity
	// pend is the newest bucket, still filling; it is newer than the ring.
	pend    tierBucket
	pendIdx int64
	hasPend bool
}

// tierBucket summarises the points of one width-long stretch: the lowest and
// highest with their times (so a chart can draw them where and in the order
// they happened), and the sum and count for the mean. 48 bytes.
type tierBucket struct {
	loT, hiT time.Duration // offsets from History.base
	lo, hi   float64
	sum      float64
	n        uint32
}

func pointBucket(p rawPoint) tierBucket {
	return tierBucket{loT: p.off, hiT: p.off, lo: p.v, hi: p.v, sum: p.v, n: 1}
}

func (b tierBucket) first() time.Duration { return min(b.loT, b.hiT) }
func (b tierBucket) end() time.Duration   { return max(b.loT, b.hiT) }

func (b tierBucket) mean() float64 {
	if m := b.sum / float64(b.n); finite(m) {
		return m
	}
	return b.lo/2 + b.hi/2 // the sum overflowed; the midpoint is close enough
}

// merge folds o (which is not older than b) into b. Ties keep the
// earliest minimum and the latest maximum, so a flat bucket (all values
// equal) expands to its first and last points and a line through it
// reaches the end of its stretch: otherwise a line would stop up to a
// bucket early before a gap.
func (b *tierBucket) merge(o tierBucket) {
	if o.lo < b.lo {
		b.lo, b.loT = o.lo, o.loT
	}
	if o.hi >= b.hi {
		b.hi, b.hiT = o.hi, o.hiT
	}
	b.sum += o.sum
	b.n += o.n
}

// expand is the bucket as up to two points in time order.
func (b tierBucket) expand() (pts [2]rawPoint, n int) {
	switch {
	case b.loT == b.hiT:
		return [2]rawPoint{{b.loT, b.hi}}, 1
	case b.loT < b.hiT:
		return [2]rawPoint{{b.loT, b.lo}, {b.hiT, b.hi}}, 2
	default:
		return [2]rawPoint{{b.hiT, b.hi}, {b.loT, b.lo}}, 2
	}
}

// bucketsPerAge sets a tier's bucket width: its starting age divided by
// this. tierGrowth is how many times older a tier's end is than its start.
const (
	bucketsPerAge = 30
	tierGrowth    = 12
)

// planTiers lays out the tiers after a raw span: each covers up to
// tierGrowth times the age of the one before, in buckets 1/bucketsPerAge of
// that age (at least the interval), the last ending at the window. None if
// the raw span is the whole window.
func planTiers(window, rawSpan, interval time.Duration) []*tier {
	var tiers []*tier
	covered, width := rawSpan, time.Duration(0)
	for covered < window {
		w := max(covered/bucketsPerAge, interval, time.Second)
		if width > 0 {
			w = (w + width - 1) / width * width // a multiple of the finer width
		}
		span := min(covered*tierGrowth, window)
		if span-covered < 2*w { // too short to be worth a tier: stretch the last
			span = window
		}
		width = w
		tiers = append(tiers, &tier{width: w, span: span, limit: pointsIn(span-covered, w) + 2})
		covered = span
	}
	if len(tiers) > 0 {
		tiers[len(tiers)-1].span = window
	}
	return tiers
}

// add merges b into the filling bucket, or closes that one and starts a new
// one. If the ring is full, its oldest bucket is returned to be passed on.
func (t *tier) add(b tierBucket) (spill tierBucket, spilled bool) {
	idx := floorDiv(b.first(), t.width)
	if t.hasPend && idx == t.pendIdx {
		t.pend.merge(b)
		return tierBucket{}, false
	}
	if t.hasPend {
		if t.n == t.limit {
			spill, spilled = t.popOldest(), true
		}
		t.push(t.pend)
	}
	t.pend, t.pendIdx, t.hasPend = b, idx, true
	return spill, spilled
}

func (t *tier) push(b tierBucket) {
	if t.n == len(t.ring) {
		nb := make([]tierBucket, min(max(2*len(t.ring), 16), t.limit))
		for i := range t.n {
			nb[i] = t.at(i)
		}
		t.ring, t.start = nb, 0
	}
	t.ring[ringIndex(t.start, t.n, len(t.ring))] = b
	t.n++
}

func (t *tier) at(i int) tierBucket { return t.ring[ringIndex(t.start, i, len(t.ring))] }

// oldest is the oldest bucket, the filling one included.
func (t *tier) oldest() (tierBucket, bool) {
	switch {
	case t.n > 0:
		return t.at(0), true
	case t.hasPend:
		return t.pend, true
	}
	return tierBucket{}, false
}

// popOldest removes what oldest returned.
func (t *tier) popOldest() tierBucket {
	if t.n == 0 {
		t.hasPend = false
		return t.pend
	}
	b := t.at(0)
	t.start = ringIndex(t.start, 1, len(t.ring))
	t.n--
	return b
}

// each calls fn for every bucket, oldest first.
func (t *tier) each(fn func(tierBucket)) {
	for i := range t.n {
		fn(t.at(i))
	}
	if t.hasPend {
		fn(t.pend)
	}
}

// walk feeds every bucket's points to w, oldest first.
func (t *tier) walk(w *walker) {
	for i := 0; i < t.n+1 && !w.done; i++ {
		var b tierBucket
		switch {
		case i < t.n:
			b = t.at(i)
		case t.hasPend:
			b = t.pend
		default:
			return
		}
		if b.end() < w.lo {
			// wholly before the window: only its newest point matters
			if b.loT > b.hiT {
				w.emit(b.loT, b.lo, t.width)
			} else {
				w.emit(b.hiT, b.hi, t.width)
			}
			continue
		}
		pts, n := b.expand()
		for _, p := range pts[:n] {
			w.emit(p.off, p.v, t.width)
		}
	}
}

// covering returns the bucket whose stretch holds off, or that ended no
// more than tolerance before it.
func (t *tier) covering(off, tolerance time.Duration) (tierBucket, bool) {
	var found tierBucket
	ok := false
	t.each(func(b tierBucket) {
		start := time.Duration(floorDiv(b.first(), t.width)) * t.width
		if off >= start && off < start+t.width+tolerance {
			found, ok = b, true
		}
	})
	return found, ok
}

func (t *tier) clear() {
	t.start, t.n, t.hasPend = 0, 0, false
}

// floorDiv is a/b rounded down (offsets before base are negative).
func floorDiv(a, b time.Duration) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return int64(q)
}
