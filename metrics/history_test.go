package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func pt(sec, v float64) Point { return Point{T: at(sec), V: v} }

// values lists a history's values oldest first.
func values(h *History) []float64 {
	var vs []float64
	for _, p := range h.AppendTo(nil) {
		vs = append(vs, p.V)
	}
	return vs
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHistoryAdd(t *testing.T) {
	tests := []struct {
		name     string
		window   time.Duration
		capacity int
		add      []Point
		want     []float64
	}{
		{"keeps points in order", 10 * time.Second, 5, []Point{pt(0, 1), pt(1, 2), pt(2, 3)}, []float64{1, 2, 3}},
		{"trims points older than the window", 10 * time.Second, 100,
			[]Point{pt(0, 1), pt(5, 2), pt(10, 3), pt(10.5, 4), pt(16, 5)}, []float64{3, 4, 5}},
		{"a point exactly window old stays", 10 * time.Second, 100, []Point{pt(0, 1), pt(10, 2)}, []float64{1, 2}},
		{"full ring overwrites the oldest", time.Hour, 3,
			[]Point{pt(0, 1), pt(1, 2), pt(2, 3), pt(3, 4), pt(4, 5)}, []float64{3, 4, 5}},
		{"capacity below 1 keeps one point", time.Hour, 0, []Point{pt(0, 1), pt(1, 2)}, []float64{2}},
		{"window <= 0 trims by capacity only", 0, 3, []Point{pt(0, 1), pt(1000, 2)}, []float64{1, 2}},
		{"non-finite values are ignored", time.Hour, 5,
			[]Point{pt(0, 1), pt(1, math.NaN()), pt(2, math.Inf(1)), pt(3, math.Inf(-1)), pt(4, 2)}, []float64{1, 2}},
		{"a point older than the newest clears first", time.Hour, 5,
			[]Point{pt(10, 1), pt(11, 2), pt(5, 3), pt(6, 4)}, []float64{3, 4}},
		{"equal times are kept", time.Hour, 5, []Point{pt(1, 1), pt(1, 2)}, []float64{1, 2}},
		{"a gap longer than the window empties all but the new point", 10 * time.Second, 5,
			[]Point{pt(0, 1), pt(1, 2), pt(100, 3)}, []float64{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHistory(tc.window, tc.capacity)
			for _, p := range tc.add {
				h.Add(p)
			}
			if got := values(h); !equalFloats(got, tc.want) {
				t.Fatalf("values = %v, want %v", got, tc.want)
			}
			if h.Len() != len(tc.want) {
				t.Fatalf("Len = %d, want %d", h.Len(), len(tc.want))
			}
			if h.Window() != tc.window {
				t.Fatalf("Window = %v", h.Window())
			}
		})
	}
}

// TestHistoryRingWraps exercises growth while wrapped and long runs: the
// ring must stay ordered, within its window and never exceed capacity.
func TestHistoryRingWraps(t *testing.T) {
	const capacity = 40
	h := NewHistory(30*time.Second, capacity)
	for i := range 10000 {
		sec := float64(i) * 0.7
		h.Add(pt(sec, float64(i)))
		if h.Len() > capacity || len(h.buf) > capacity {
			t.Fatalf("after %d adds Len=%d buf=%d, capacity %d", i+1, h.Len(), len(h.buf), capacity)
		}
		last, ok := h.Last()
		if !ok || last.V != float64(i) {
			t.Fatalf("Last = %v, %v after adding %d", last, ok, i)
		}
		for j := 1; j < h.Len(); j++ {
			if h.At(j).V != h.At(j-1).V+1 {
				t.Fatalf("out of order at %d: %v then %v", j, h.At(j-1), h.At(j))
			}
		}
		if h.At(0).T.Before(at(sec).Add(-30 * time.Second)) {
			t.Fatalf("oldest %v outside the window at %v", h.At(0).T, at(sec))
		}
	}
	// 30 s at 0.7 s: 43 points would fit the window, so the ring is full.
	if h.Len() != capacity {
		t.Fatalf("Len = %d, want %d", h.Len(), capacity)
	}

	// Trim from the front, then grow past the wrap point.
	g := NewHistory(5*time.Second, 64)
	for i := range 20 {
		g.Add(pt(float64(i), float64(i)))
	}
	for i := range 40 {
		g.Add(pt(20+float64(i)*0.1, float64(100+i)))
	}
	if g.Len() == 0 || g.At(0).T.Before(at(20+3.9-5)) {
		t.Fatalf("trim after growth failed: len %d oldest %v", g.Len(), g.At(0))
	}
	for j := 1; j < g.Len(); j++ {
		if g.At(j).T.Before(g.At(j - 1).T) {
			t.Fatalf("out of order after growth at %d", j)
		}
	}
}

func TestHistoryLastClearAt(t *testing.T) {
	h := NewHistory(time.Minute, 4)
	if _, ok := h.Last(); ok {
		t.Fatal("Last on empty history reported a point")
	}
	h.Add(pt(1, 7))
	h.Add(pt(2, 8))
	if p, ok := h.Last(); !ok || p != pt(2, 8) {
		t.Fatalf("Last = %v, %v", p, ok)
	}
	if h.At(0) != pt(1, 7) {
		t.Fatalf("At(0) = %v", h.At(0))
	}
	for _, i := range []int{-1, 2} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("At(%d) did not panic", i)
				}
			}()
			h.At(i)
		}()
	}
	h.Clear()
	if h.Len() != 0 {
		t.Fatalf("Len after Clear = %d", h.Len())
	}
	if _, ok := h.Last(); ok {
		t.Fatal("Last after Clear reported a point")
	}
	h.Add(pt(0, 9)) // earlier than before Clear: fine, history is empty
	if got := values(h); !equalFloats(got, []float64{9}) {
		t.Fatalf("after Clear and Add: %v", got)
	}
}

func TestHistoryStats(t *testing.T) {
	h := NewHistory(time.Minute, 10)
	for i, v := range []float64{4, -2, 10, 6, 2} {
		h.Add(pt(float64(i), v))
	}
	tests := []struct {
		since       float64
		lo, hi, avg float64
		n           int
		name        string
	}{
		{-100, -2, 10, 4, 5, "all points"},
		{0, -2, 10, 4, 5, "since is inclusive"},
		{2, 2, 10, 6, 3, "last three"},
		{4, 2, 2, 2, 1, "only the newest"},
		{4.5, 0, 0, 0, 0, "none"},
	}
	for _, tc := range tests {
		lo, hi, avg, n := h.Stats(at(tc.since))
		if lo != tc.lo || hi != tc.hi || avg != tc.avg || n != tc.n {
			t.Errorf("%s: Stats = (%g, %g, %g, %d), want (%g, %g, %g, %d)", tc.name, lo, hi, avg, n, tc.lo, tc.hi, tc.avg, tc.n)
		}
	}
	if lo, hi, avg, n := NewHistory(time.Minute, 3).Stats(epoch); lo != 0 || hi != 0 || avg != 0 || n != 0 {
		t.Errorf("empty Stats = %g %g %g %d", lo, hi, avg, n)
	}
	big := NewHistory(time.Minute, 3)
	big.Add(pt(0, math.MaxFloat64))
	big.Add(pt(1, math.MaxFloat64))
	if _, _, avg, _ := big.Stats(epoch); avg != math.MaxFloat64 {
		t.Errorf("overflowing average = %g, want MaxFloat64", avg)
	}
}

func TestHistoryAddDoesNotAllocate(t *testing.T) {
	h := NewHistory(time.Minute, 64)
	sec := 0.0
	add := func() { sec += 0.5; h.Add(pt(sec, sec)) }
	for range 200 { // grow the ring to capacity first
		add()
	}
	if a := testing.AllocsPerRun(1000, add); a != 0 {
		t.Fatalf("History.Add allocates %v times per call", a)
	}
}

func BenchmarkHistoryAdd(b *testing.B) {
	h := NewHistory(10*time.Minute, 604)
	t0 := epoch
	for i := range 1000 {
		h.Add(Point{T: t0.Add(time.Duration(i) * time.Second), V: float64(i)})
	}
	i := 1000
	b.ReportAllocs()
	for b.Loop() {
		h.Add(Point{T: t0.Add(time.Duration(i) * time.Second), V: float64(i)})
		i++
	}
}

// A history that trims only when something is due keeps exactly what one
// that trims at every point keeps: over a day of points at uneven
// intervals, with gaps, bursts and a jump back in time.
func TestTrimSkippingKeepsTheSame(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for _, window := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
		fast := NewDownsampledHistory(window, time.Second)
		slow := NewDownsampledHistory(window, time.Second)
		at := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
		for i := range 100000 {
			switch r := rng.IntN(1000); {
			case i == 50000:
				at = at.Add(-time.Hour) // the clock jumped back
			case r == 0:
				at = at.Add(time.Duration(rng.IntN(3600)) * time.Second) // an outage
			case r < 50:
				at = at.Add(time.Duration(rng.IntN(100)) * time.Millisecond) // a burst
			default:
				at = at.Add(time.Second + time.Duration(rng.IntN(200)-100)*time.Millisecond)
			}
			p := Point{T: at, V: rng.Float64() * 100}
			fast.Add(p)
			slow.tierOK = false
			slow.Add(p)
			if i%9973 == 0 || i == 99999 {
				var a, b []Point
				fast.WalkAt(at.Add(-window), at, 0, func(p Point, _ time.Duration) { a = append(a, p) })
				slow.WalkAt(at.Add(-window), at, 0, func(p Point, _ time.Duration) { b = append(b, p) })
				oa, _ := fast.Oldest()
				ob, _ := slow.Oldest()
				if !slices.Equal(a, b) || !oa.Equal(ob) || fast.Len() != slow.Len() {
					t.Fatalf("window %v, point %d: %d points (oldest %v) against %d (oldest %v)", window, i, len(a), oa, len(b), ob)
				}
			}
		}
	}
}
