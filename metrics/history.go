package metrics

import "time"

// Point is one derived value at the time of the snapshot it came from.
type Point struct {
	T time.Time
	V float64
}

// History keeps the points of one series for a time window in a ring, so
// memory stays bounded however long the dashboard runs. The ring grows on
// demand up to its capacity (hosts that never answer cost nothing) and from
// then on Add never allocates.
//
// Points are kept in time order. A point older than the newest one clears
// the history first: time.Now readings compare on the monotonic clock, so
// this only happens with foreign timestamps that really jumped back, and
// drawing two timelines on one axis would be worse than starting over.
type History struct {
	window   time.Duration
	capacity int
	buf      []Point
	start, n int // buf[start] is the oldest of n points, wrapping around
}

// NewHistory returns an empty history keeping at most capacity points
// (minimum 1), none older than window before the newest. window <= 0 trims
// by capacity only.
func NewHistory(window time.Duration, capacity int) *History {
	return &History{window: window, capacity: max(capacity, 1)}
}

// Add appends p, dropping points older than p.T-window and, when the ring is
// full, the oldest point. Non-finite values are ignored: a chart cannot
// place them and they would poison Stats.
func (h *History) Add(p Point) {
	if !finite(p.V) {
		return
	}
	if last, ok := h.Last(); ok && p.T.Before(last.T) {
		h.Clear()
	}
	if h.window > 0 {
		cutoff := p.T.Add(-h.window)
		for h.n > 0 && h.buf[h.start].T.Before(cutoff) {
			h.drop()
		}
	}
	if h.n == len(h.buf) {
		if len(h.buf) < h.capacity {
			h.grow()
		} else {
			h.drop()
		}
	}
	h.buf[(h.start+h.n)%len(h.buf)] = p
	h.n++
}

func (h *History) drop() {
	h.start = (h.start + 1) % len(h.buf)
	h.n--
}

// grow doubles the ring (bounded by capacity), unwrapping it.
func (h *History) grow() {
	nb := make([]Point, min(max(2*len(h.buf), 16), h.capacity))
	for i := range h.n {
		nb[i] = h.At(i)
	}
	h.buf, h.start = nb, 0
}

// Len is the number of points kept.
func (h *History) Len() int { return h.n }

// At returns the i-th point, 0 being the oldest. It panics when i is out of
// range, like a slice index.
func (h *History) At(i int) Point {
	if i < 0 || i >= h.n {
		panic("metrics: History.At index out of range")
	}
	return h.buf[(h.start+i)%len(h.buf)]
}

// Last returns the newest point.
func (h *History) Last() (Point, bool) {
	if h.n == 0 {
		return Point{}, false
	}
	return h.At(h.n - 1), true
}

// Window is the time span the history keeps.
func (h *History) Window() time.Duration { return h.window }

// AppendTo appends the points, oldest first, to dst; charts can reuse one
// slice across frames instead of allocating per redraw.
func (h *History) AppendTo(dst []Point) []Point {
	for i := range h.n {
		dst = append(dst, h.At(i))
	}
	return dst
}

// Stats summarises the points with T >= since; n is 0 (and the rest 0) when
// there are none.
func (h *History) Stats(since time.Time) (lo, hi, avg float64, n int) {
	var sum float64
	for i := h.n - 1; i >= 0; i-- {
		p := h.At(i)
		if p.T.Before(since) {
			break // points are in time order
		}
		if n == 0 || p.V < lo {
			lo = p.V
		}
		if n == 0 || p.V > hi {
			hi = p.V
		}
		sum += p.V
		n++
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	avg = sum / float64(n)
	if !finite(avg) { // the sum of huge values overflowed; divide first
		avg = 0
		for i := h.n - n; i < h.n; i++ {
			avg += h.At(i).V / float64(n)
		}
	}
	return lo, hi, avg, n
}

// Clear forgets all points but keeps the buffer.
func (h *History) Clear() { h.start, h.n = 0, 0 }
