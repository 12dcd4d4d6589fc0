package metrics

import (
	"math"
	"time"
)

// Helpers only the tests use.

// Last returns the newest point.
func (h *History) Last() (Point, bool) {
	if h.n == 0 {
		return Point{}, false
	}
	return h.At(h.n - 1), true
}

// Window is the time span the history keeps.
func (h *History) Window() time.Duration { return h.window }

// AppendTo appends the full-resolution points, oldest first, to dst.
func (h *History) AppendTo(dst []Point) []Point {
	for i := range h.n {
		dst = append(dst, h.At(i))
	}
	return dst
}

// Walk calls fn with the points from..to in time order, buckets expanded
// to their minimum and maximum in the order they happened, so a line
// through them keeps every spike. It also passes the last point before
// from and the first after to, so lines reach the edges of a chart. step
// is 0 for a full-resolution point and the bucket width for a bucket's
// point: two points further apart than their steps (plus the sampling
// interval) have a real gap between them. Walk does not allocate.
func (h *History) Walk(from, to time.Time, fn func(p Point, step time.Duration)) {
	h.WalkAt(from, to, 0, fn)
}

// Stats summarises the points with T >= since; n is 0 (and the rest 0) when
// there are none. Buckets count with their number of points.
func (h *History) Stats(since time.Time) (lo, hi, avg float64, n int) {
	s := h.Summarize(since, time.Time{})
	return s.Min, s.Max, s.Avg, s.N
}

// Unit is how the series' values are formatted.
func (s *Series) Unit() Unit { return s.unit }

// HasAbsolute says whether the series has an absolute count (is a counter).
func (s *Series) HasAbsolute() bool { return s.Abs != nil }

// newestIn is the newest point from..to (a zero to means up to the newest);
// buckets count with their newest point.
func (h *History) newestIn(from, to time.Time) (p Point, ok bool) {
	if !h.hasBase {
		return p, false
	}
	hi := time.Duration(math.MaxInt64)
	if !to.IsZero() {
		hi = to.Sub(h.base)
	}
	h.entries(from.Sub(h.base), hi, func(e entry) { p, ok = h.point(e.lastT, e.last), true })
	return p, ok
}
