package metrics

import (
	"math"
	"sort"
	"time"
)

// Point is one derived value at the time of the snapshot it came from.
type Point struct {
	T time.Time
	V float64
}

// History keeps the points of one series for a time window, so memory stays
// bounded however long the dashboard runs.
//
// The newest points (up to the raw span, 10 minutes at most) are kept at full
// resolution in a ring. With NewDownsampledHistory, points older than that
// are not dropped but folded into coarser and coarser buckets (tiers, see
// tiers.go) that keep each bucket's minimum and maximum with their times and
// its mean: a 24 h history at 1 s costs ~70 KB instead of 2.7 MB, and a
// chart zoomed out to hours still shows every spike. With NewHistory there
// are no tiers: the ring is the whole history.
//
// Rings grow on demand up to their capacity (hosts that never answer cost
// nothing) and from then on Add never allocates.
//
// Points are kept in time order. A point older than the newest one clears
// the history first: time.Now readings compare on the monotonic clock, so
// this only happens with foreign timestamps that really jumped back, and
// drawing two timelines on one axis would be worse than starting over.
type History struct {
	window   time.Duration
	capacity int           // of the raw ring
	rawSpan  time.Duration // raw points older than this behind the newest move to tiers
	// Times are stored as offsets from base (the first point's time), in 8
	// bytes instead of time.Time's 24; base keeps its monotonic reading, so
	// offsets compare as the original times did.
	base    time.Time
	hasBase bool
	buf     []rawPoint
	start   int // buf[start] is the oldest of n points, wrapping around
	n       int
	tiers   []*tier // finest first; empty for NewHistory
	// tierAt, when tierOK, is the newest offset up to which no tier has
	// a bucket to pass on: most points need no tier trim (a day's replay
	// adds a hundred million), and one walks every tier.
	tierAt time.Duration
	tierOK bool
	last   time.Duration // the newest point's offset, when n > 0
}

// rawPoint is a full-resolution point: its time as an offset from base.
type rawPoint struct {
	off time.Duration
	v   float64
}

// NewHistory returns an empty history keeping at most capacity points
// (minimum 1), none older than window before the newest. window <= 0 trims
// by capacity only. Points that leave it are forgotten.
func NewHistory(window time.Duration, capacity int) *History {
	return &History{window: window, capacity: max(capacity, 1), rawSpan: window}
}

// fullResolutionSpan is how much of a downsampled history is kept point by
// point: enough for every zoom level up to 10 minutes to draw each sample.
const fullResolutionSpan = 10 * time.Minute

// NewDownsampledHistory returns an empty history for points arriving about
// every interval, keeping window's worth: the last 10 minutes (or the whole
// window, if shorter) at full resolution, older points as min/max buckets.
func NewDownsampledHistory(window, interval time.Duration) *History {
	rawSpan := min(window, fullResolutionSpan)
	h := &History{window: window, rawSpan: rawSpan, capacity: pointsIn(rawSpan, interval) + 4}
	h.tiers = planTiers(window, rawSpan, interval)
	return h
}

// pointsIn is ceil(span/interval), without span+interval overflowing.
func pointsIn(span, interval time.Duration) int {
	if interval <= 0 {
		return 1
	}
	n := int(span / interval)
	if span%interval != 0 {
		n++
	}
	return max(n, 1)
}

// Add appends p, moving points older than the raw span into the tiers (or
// dropping them), dropping anything older than p.T-window and, when the raw
// ring is full, moving on its oldest point. Non-finite values are ignored:
// a chart cannot place them and they would poison Stats.
func (h *History) Add(p Point) {
	if !finite(p.V) {
		return
	}
	if !h.hasBase {
		h.base, h.hasBase = p.T, true
	}
	off := p.T.Sub(h.base)
	if last, ok := h.lastOff(); ok && off < last {
		h.Clear()
		h.base, h.hasBase, off = p.T, true, 0
	}
	h.trim(off)
	if h.n == len(h.buf) {
		if len(h.buf) < h.capacity {
			h.grow()
		} else {
			h.demote(h.pop())
		}
	}
	h.buf[ringIndex(h.start, h.n, len(h.buf))] = rawPoint{off: off, v: p.V}
	h.n++
	h.last = off
}

// lastOff is the newest point's offset.
func (h *History) lastOff() (time.Duration, bool) {
	return h.last, h.n > 0
}

// trim moves or drops everything too old for its level, newest being the
// offset of the point about to be added.
func (h *History) trim(newest time.Duration) {
	if h.window > 0 || len(h.tiers) > 0 {
		cut := newest - h.rawSpan
		for h.n > 0 && h.raw(0).off < cut {
			h.demote(h.pop())
		}
	}
	if len(h.tiers) == 0 || h.tierOK && newest <= h.tierAt {
		return
	}
	for i, t := range h.tiers {
		cut := newest - t.span
		for {
			b, ok := t.oldest()
			if !ok || b.end() >= cut {
				break
			}
			t.popOldest()
			h.pushBucket(i+1, b)
		}
	}
	// No tier passes a bucket on until the newest is past these.
	h.tierAt, h.tierOK = math.MaxInt64, true
	for _, t := range h.tiers {
		if b, ok := t.oldest(); ok {
			h.tierAt = min(h.tierAt, b.end()+t.span)
		}
	}
}

// demote hands a point leaving the raw ring to the first tier, if any.
func (h *History) demote(p rawPoint) {
	if len(h.tiers) > 0 {
		h.pushBucket(0, pointBucket(p))
	}
}

// pushBucket adds b to tier i, or forgets it past the last tier. A tier
// that overflows (points far denser than the interval planned for) passes
// its oldest bucket on rather than growing.
func (h *History) pushBucket(i int, b tierBucket) {
	if i >= len(h.tiers) {
		return
	}
	t := h.tiers[i]
	if _, had := t.oldest(); !had && h.tierOK {
		h.tierAt = min(h.tierAt, b.end()+t.span) // the tier's first bucket will age
	}
	if spill, ok := t.add(b); ok {
		h.pushBucket(i+1, spill)
	}
}

func (h *History) raw(i int) rawPoint { return h.buf[ringIndex(h.start, i, len(h.buf))] }

// ringIndex is the place of element i of a ring of size n whose oldest is
// at start (both below n). Every series adds a point a tick, and an
// integer division is the slowest instruction that would take.
func ringIndex(start, i, n int) int {
	if j := start + i; j < n {
		return j
	}
	return start + i - n
}

func (h *History) pop() rawPoint {
	p := h.buf[h.start]
	h.start = ringIndex(h.start, 1, len(h.buf))
	h.n--
	return p
}

// grow doubles the ring (bounded by capacity), unwrapping it.
func (h *History) grow() {
	nb := make([]rawPoint, min(max(2*len(h.buf), 16), h.capacity))
	for i := range h.n {
		nb[i] = h.raw(i)
	}
	h.buf, h.start = nb, 0
}

func (h *History) point(off time.Duration, v float64) Point {
	return Point{T: h.base.Add(off), V: v}
}

// Len is the number of full-resolution points kept (the newest part of the
// history; see Walk for all of it).
func (h *History) Len() int { return h.n }

// At returns the i-th full-resolution point, 0 being the oldest. It panics
// when i is out of range, like a slice index.
func (h *History) At(i int) Point {
	if i < 0 || i >= h.n {
		panic("metrics: History.At index out of range")
	}
	p := h.raw(i)
	return h.point(p.off, p.v)
}

// Oldest returns the time of the oldest thing kept, point or bucket.
func (h *History) Oldest() (time.Time, bool) {
	for i := len(h.tiers) - 1; i >= 0; i-- {
		if b, ok := h.tiers[i].oldest(); ok {
			return h.base.Add(b.first()), true
		}
	}
	if h.n == 0 {
		return time.Time{}, false
	}
	return h.At(0).T, true
}

// WalkAt is Walk at a resolution: the points of each res-long stretch
// (counted from from) are merged into their minimum and maximum, in the
// order they happened, with step res. A chart passes the time one dot
// column stands for, and gets at most two points per column (the M4 idea:
// first, last, min and max per column draw the same picture as every
// point; here first and last are dropped as the line joins the columns).
// res <= 0 passes every point: buckets expanded to their minimum and
// maximum in the order they happened, so a line through them keeps every
// spike. It also passes the last point before from and the first after to,
// so lines reach the edges of a chart. step is 0 for a full-resolution
// point and the bucket width for a bucket's point: two points further apart
// than their steps (plus the sampling interval) have a real gap between
// them.
func (h *History) WalkAt(from, to time.Time, res time.Duration, fn func(p Point, step time.Duration)) {
	h.walk(from, to, res, 0, func(off time.Duration, v float64, step time.Duration) { fn(h.point(off, v), step) })
}

// WalkSince is WalkAt with each point's time given as how long after
// origin it is: a chart places its points by that, and making each a
// time.Time to take origin off it again was near a tenth of drawing
// them (by the profile of a page's redraw).
func (h *History) WalkSince(origin, from, to time.Time, res time.Duration, fn func(since time.Duration, v float64, step time.Duration)) {
	if h.hasBase {
		h.walk(from, to, res, origin.Sub(h.base), fn)
	}
}

// walk is WalkAt passing each point's offset less shift.
func (h *History) walk(from, to time.Time, res, shift time.Duration, fn func(off time.Duration, v float64, step time.Duration)) {
	if !h.hasBase {
		return
	}
	w := walker{lo: from.Sub(h.base), hi: to.Sub(h.base), res: res, shift: shift, fn: fn}
	if h.n == 0 || h.raw(0).off > w.lo {
		// the window reaches back past the full-resolution points
		for i := len(h.tiers) - 1; i >= 0 && !w.done; i-- {
			h.tiers[i].walk(&w)
		}
	}
	start := 0
	if h.n > 0 && h.raw(0).off < w.lo {
		// the newest point before from, found by bisection
		start = max(sort.Search(h.n, func(i int) bool { return h.raw(i).off >= w.lo })-1, 0)
	}
	for i := start; i < h.n && !w.done; i++ {
		p := h.raw(i)
		w.emit(p.off, p.v, 0)
	}
	w.flushGroup()
}

// walker is Walk's state: it holds back points before the window, keeping
// only the newest as the line's way in, merges points per resolution step,
// and stops after the first point past the window.
type walker struct {
	lo, hi   time.Duration
	res      time.Duration
	shift    time.Duration // taken off each offset passed to fn
	fn       func(off time.Duration, v float64, step time.Duration)
	prev     rawPoint
	prevStep time.Duration
	havePrev bool
	done     bool
	// the resolution step being merged
	group     int64
	gLo, gHi  rawPoint
	gStep     time.Duration
	haveGroup bool
}

func (w *walker) emit(off time.Duration, v float64, step time.Duration) {
	if w.done {
		return
	}
	if w.res <= 0 || off < w.lo || off > w.hi {
		w.flushGroup()
		w.pass(off, v, step)
		return
	}
	g := int64((off - w.lo) / w.res)
	if w.haveGroup && g == w.group {
		if v < w.gLo.v {
			w.gLo = rawPoint{off, v}
		}
		if v > w.gHi.v {
			w.gHi = rawPoint{off, v}
		}
		w.gStep = max(w.gStep, step)
		return
	}
	w.flushGroup()
	w.group, w.gLo, w.gHi, w.gStep, w.haveGroup = g, rawPoint{off, v}, rawPoint{off, v}, step, true
}

// flushGroup passes on the merged step's minimum and maximum.
func (w *walker) flushGroup() {
	if !w.haveGroup {
		return
	}
	w.haveGroup = false
	step := max(w.gStep, w.res)
	a, b := w.gLo, w.gHi
	if b.off < a.off {
		a, b = b, a
	}
	w.pass(a.off, a.v, step)
	if b != a {
		w.pass(b.off, b.v, step)
	}
}

// pass hands a point to fn, holding back those before the window.
func (w *walker) pass(off time.Duration, v float64, step time.Duration) {
	if w.done {
		return
	}
	if off < w.lo {
		w.prev, w.prevStep, w.havePrev = rawPoint{off: off, v: v}, step, true
		return
	}
	if w.havePrev {
		w.fn(w.prev.off-w.shift, w.prev.v, w.prevStep)
		w.havePrev = false
	}
	w.fn(off-w.shift, v, step)
	w.done = off > w.hi
}

// ValueAt returns the value the series had at t: the newest full-resolution
// point at or before t, if no more than tolerance before it, or, further
// back, the mean of the bucket covering t. ok is false in a gap.
func (h *History) ValueAt(t time.Time, tolerance time.Duration) (float64, bool) {
	if !h.hasBase {
		return 0, false
	}
	off := t.Sub(h.base)
	if h.n > 0 && h.raw(0).off <= off {
		i := sort.Search(h.n, func(i int) bool { return h.raw(i).off > off }) - 1
		p := h.raw(i)
		return p.v, off-p.off <= tolerance
	}
	for i := range h.tiers { // newest tier first: the first match is the finest
		if b, ok := h.tiers[i].covering(off, tolerance); ok {
			return b.mean(), true
		}
	}
	return 0, false
}

// Clear forgets all points but keeps the buffers.
func (h *History) Clear() {
	h.start, h.n, h.hasBase, h.tierOK = 0, 0, false, false
	for _, t := range h.tiers {
		t.clear()
	}
}
