package metrics

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestPlanTiers(t *testing.T) {
	tests := []struct {
		window, interval time.Duration
		widths, spans    []time.Duration
	}{
		{time.Minute, time.Second, nil, nil},
		{10 * time.Minute, time.Second, nil, nil},
		{15 * time.Minute, time.Second, []time.Duration{20 * time.Second}, []time.Duration{15 * time.Minute}},
		{24 * time.Hour, time.Second,
			[]time.Duration{20 * time.Second, 4 * time.Minute}, []time.Duration{2 * time.Hour, 24 * time.Hour}},
		{168 * time.Hour, time.Second,
			[]time.Duration{20 * time.Second, 4 * time.Minute, 48 * time.Minute}, []time.Duration{2 * time.Hour, 24 * time.Hour, 168 * time.Hour}},
		// slow polling: buckets are never finer than the interval, and nest
		{24 * time.Hour, 30 * time.Second,
			[]time.Duration{30 * time.Second, 4 * time.Minute}, []time.Duration{2 * time.Hour, 24 * time.Hour}},
		{24 * time.Hour, 45 * time.Second,
			[]time.Duration{45 * time.Second, 270 * time.Second}, []time.Duration{2 * time.Hour, 24 * time.Hour}},
	}
	for _, tc := range tests {
		h := NewDownsampledHistory(tc.window, tc.interval)
		if len(h.tiers) != len(tc.widths) {
			t.Fatalf("%v at %v: %d tiers, want %d", tc.window, tc.interval, len(h.tiers), len(tc.widths))
		}
		for i, tr := range h.tiers {
			if tr.width != tc.widths[i] || tr.span != tc.spans[i] {
				t.Errorf("%v at %v: tier %d width %v span %v, want %v %v", tc.window, tc.interval, i, tr.width, tr.span, tc.widths[i], tc.spans[i])
			}
			if i > 0 && tr.width%h.tiers[i-1].width != 0 {
				t.Errorf("tier %d width %v is not a multiple of %v", i, tr.width, h.tiers[i-1].width)
			}
		}
	}
}

// fill adds one point per second for secs seconds: a slow sine with a
// spike of 1000 at second spikeAt.
func fill(h *History, secs, spikeAt int) {
	for i := range secs {
		v := 100 + 10*math.Sin(float64(i)/600)
		if i == spikeAt {
			v = 1000
		}
		h.Add(pt(float64(i), v))
	}
}

func TestDownsampledHistoryKeepsShapeAndBounds(t *testing.T) {
	const day = 24 * 3600
	h := NewDownsampledHistory(24*time.Hour, time.Second)
	fill(h, day+3600, day-5*3600) // 25 h: the first hour falls out; a spike 5 h ago
	if h.Len() > 604 {
		t.Fatalf("%d full-resolution points, want the last 10 minutes", h.Len())
	}
	buckets := 0
	for _, tr := range h.tiers {
		buckets += tr.n
		if tr.n > tr.limit || len(tr.ring) > tr.limit {
			t.Fatalf("tier %v holds %d buckets (ring %d), limit %d", tr.width, tr.n, len(tr.ring), tr.limit)
		}
	}
	if buckets > 670 {
		t.Fatalf("%d buckets", buckets)
	}
	newest := at(day + 3599)
	oldest, ok := h.Oldest()
	if !ok || oldest.Before(newest.Add(-24*time.Hour-5*time.Minute)) || oldest.After(newest.Add(-24*time.Hour+5*time.Minute)) {
		t.Fatalf("oldest %v, want about 24 h before %v", oldest, newest)
	}
	// The summary of the whole day sees the spike, the sine's range and
	// every point.
	s := h.Summarize(newest.Add(-24*time.Hour), time.Time{})
	if s.Max != 1000 || s.Min < 89.9 || s.Min > 90.1 {
		t.Fatalf("day summary %+v: want the spike as max and ~90 as min", s)
	}
	if s.N < day-480 || s.N > day+480 { // a bucket may straddle the edge
		t.Fatalf("day summary counts %d points, want ~%d", s.N, day)
	}
	// Walking the day yields points in time order, the spike among them,
	// at its own time.
	var prev time.Time
	var sawSpike bool
	n := 0
	h.Walk(newest.Add(-24*time.Hour), newest, func(p Point, step time.Duration) {
		if p.T.Before(prev) {
			t.Fatalf("walk out of order: %v after %v", p.T, prev)
		}
		prev = p.T
		if p.V == 1000 {
			sawSpike = true
			if !p.T.Equal(at(day - 5*3600)) {
				t.Fatalf("spike drawn at %v, want %v", p.T, at(day-5*3600))
			}
			if step != 4*time.Minute {
				t.Fatalf("spike's step %v, want the 4 min bucket width", step)
			}
		}
		n++
	})
	if !sawSpike {
		t.Fatal("the spike was lost in downsampling")
	}
	if n > 2*670+610 {
		t.Fatalf("walk gave %d points", n)
	}
	// The last 10 minutes are exact.
	if v, ok := h.ValueAt(at(day+3000), 0); !ok || v != 100+10*math.Sin(float64(day+3000)/600) {
		t.Fatalf("ValueAt in the raw span = %v, %v", v, ok)
	}
	// Older values are their bucket's mean: close to the sine.
	want := 100 + 10*math.Sin(float64(day-2*3600)/600)
	if v, ok := h.ValueAt(at(day-2*3600), 2*time.Second); !ok || math.Abs(v-want) > 4 { // a 4 min bucket of a 1 h sine
		t.Fatalf("ValueAt 3 h back = %v, %v; want ~%v", v, ok, want)
	}
	if _, ok := h.ValueAt(at(-10), time.Second); ok {
		t.Fatal("ValueAt before the history reported a value")
	}
}

func TestWalkWindowEdges(t *testing.T) {
	h := NewDownsampledHistory(time.Hour, time.Second)
	fill(h, 3600, -1)
	var got []Point
	h.Walk(at(3000), at(3010), func(p Point, _ time.Duration) { got = append(got, p) })
	// 3000..3010 inclusive plus one point each side
	if len(got) != 13 || !got[0].T.Equal(at(2999)) || !got[12].T.Equal(at(3011)) {
		t.Fatalf("walk 3000..3010: %d points from %v to %v", len(got), got[0].T, got[len(got)-1].T)
	}
	// A window reaching into the buckets comes in through their points.
	got = got[:0]
	h.Walk(at(1800), at(1900), func(p Point, step time.Duration) {
		got = append(got, p)
		if step != 20*time.Second {
			t.Fatalf("bucket point with step %v", step)
		}
	})
	if len(got) < 8 || got[0].T.After(at(1800)) || got[len(got)-1].T.Before(at(1900)) {
		t.Fatalf("walk 1800..1900 in buckets: %d points from %v to %v", len(got), got[0].T, got[len(got)-1].T)
	}
	// Nothing before the history, nothing in an empty one.
	NewDownsampledHistory(time.Hour, time.Second).Walk(at(0), at(10), func(Point, time.Duration) { t.Fatal("empty history walked") })
	if a := testing.AllocsPerRun(100, func() { h.Walk(at(0), at(3600), func(Point, time.Duration) {}) }); a != 0 {
		t.Fatalf("Walk allocates %v times", a)
	}
}

func TestDownsampledAddDoesNotAllocateOnceFull(t *testing.T) {
	h := NewDownsampledHistory(3*time.Hour, time.Second)
	fill(h, 4*3600, -1)
	sec := 4 * 3600.0
	add := func() { sec++; h.Add(pt(sec, sec)) }
	if a := testing.AllocsPerRun(5000, add); a != 0 {
		t.Fatalf("Add allocates %v times per call", a)
	}
}

func TestDownsampledClearAndBackwards(t *testing.T) {
	h := NewDownsampledHistory(time.Hour, time.Second)
	fill(h, 3600, -1)
	h.Add(pt(10, 5)) // back in time: start over
	if s := h.Summarize(at(-1e6), time.Time{}); s.N != 1 || s.Max != 5 {
		t.Fatalf("after a backwards point: %+v", s)
	}
	if o, _ := h.Oldest(); !o.Equal(at(10)) {
		t.Fatalf("oldest %v", o)
	}
}

func TestWalkAtMergesPerResolutionStep(t *testing.T) {
	const day = 24 * 3600
	h := NewDownsampledHistory(24*time.Hour, time.Second)
	fill(h, day, day-100) // a spike 100 s ago, in the full-resolution points
	from, to := at(0), at(day-1)
	res := 24 * time.Hour / 400 // 400 dot columns
	perStep := map[int64]int{}
	var sawSpike bool
	var prev time.Time
	h.WalkAt(from, to, res, func(p Point, step time.Duration) {
		if p.T.Before(prev) {
			t.Fatalf("out of order")
		}
		prev = p.T
		if step < res {
			t.Fatalf("merged point with step %v < %v", step, res)
		}
		if !p.T.Before(from) && !p.T.After(to) {
			perStep[int64(p.T.Sub(from)/res)]++
		}
		sawSpike = sawSpike || p.V == 1000
	})
	if !sawSpike {
		t.Fatal("merging lost the spike")
	}
	for g, n := range perStep {
		if n > 2 {
			t.Fatalf("step %d has %d points, want at most min and max", g, n)
		}
	}
	if len(perStep) < 390 {
		t.Fatalf("only %d of 400 steps have points", len(perStep))
	}
	// res 0 is Walk.
	var a, b int
	h.WalkAt(at(day-300), to, 0, func(Point, time.Duration) { a++ })
	h.Walk(at(day-300), to, func(Point, time.Duration) { b++ })
	if a != b || a < 300 {
		t.Fatalf("WalkAt res 0 gave %d points, Walk %d", a, b)
	}
}

// WalkSince passes what WalkAt does, each point's time as the time since
// its origin: over the tiers and the full-resolution points, before and
// after the window, at a resolution and without.
func TestWalkSinceIsWalkAtFromItsOrigin(t *testing.T) {
	const day = 24 * 3600
	h := NewDownsampledHistory(24*time.Hour, time.Second)
	fill(h, day, day-100)
	for _, c := range []struct {
		origin, from, to time.Time
		res              time.Duration
	}{
		{at(0), at(0), at(day - 1), 24 * time.Hour / 400},
		{at(day - 700), at(day - 700), at(day - 1), time.Second},
		{at(day - 60), at(day - 60), at(day - 1), 0},
		{at(day - 30), at(day - 60), at(day - 20), 0}, // origin inside the window
	} {
		type point struct {
			since time.Duration
			v     float64
			step  time.Duration
		}
		var want, got []point
		h.WalkAt(c.from, c.to, c.res, func(p Point, step time.Duration) { want = append(want, point{p.T.Sub(c.origin), p.V, step}) })
		h.WalkSince(c.origin, c.from, c.to, c.res, func(since time.Duration, v float64, step time.Duration) { got = append(got, point{since, v, step}) })
		if len(want) < 10 || !slices.Equal(got, want) {
			t.Errorf("from %v res %v: %d points, WalkAt %d: %v, want %v", c.from, c.res, len(got), len(want), got[:min(len(got), 3)], want[:min(len(want), 3)])
		}
	}
	var empty History
	empty.WalkSince(at(0), at(0), at(1), 0, func(time.Duration, float64, time.Duration) { t.Error("an empty history walked") })
}
