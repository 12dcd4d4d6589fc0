package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// series builds a 60 s history from values, one a second ending at 60.
func series(vals []float64) *History {
	h := NewHistory(time.Minute, 100)
	for i, v := range vals {
		h.Add(pt(float64(60-len(vals)+1+i), v))
	}
	return h
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestSummarizeTrend(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := func(level, jitter float64, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = level * (1 + jitter*(2*rng.Float64()-1))
		}
		return out
	}
	ramp := make([]float64, 60)
	for i := range ramp {
		ramp[i] = 1000 + 20*float64(i)
	}
	down := make([]float64, 60)
	for i := range down {
		down[i] = 90 - 0.3*float64(i)
	}
	tests := []struct {
		name string
		vals []float64
		want Trend
	}{
		{"flat", repeat(3600, 60), TrendSteady},
		{"all zero", repeat(0, 60), TrendSteady},
		{"ramp up", ramp, TrendRising},
		{"hit rate sliding down", down, TrendFalling},
		{"step up in the last 5 s", append(repeat(100, 55), repeat(130, 5)...), TrendRising},
		{"drop to zero", append(repeat(2500, 54), repeat(0, 6)...), TrendFalling},
		{"errors appear", append(repeat(0, 54), repeat(0.4, 6)...), TrendRising},
		{"too few points", []float64{1, 2, 100}, TrendSteady},
		{"a one-off spike long ago", append(append(repeat(100, 10), 5000), repeat(100, 49)...), TrendSteady},
		{"one blip among the newest", append(repeat(4, 10), 5), TrendSteady},
		{"a blip on an idle zero", append(repeat(0, 20), 0, 0.05, 0), TrendSteady},
		{"one dip among the newest", append(repeat(40, 30), 40, 30, 40), TrendSteady},
		{"a step held for the newest three", append(repeat(4, 10), 5, 5, 5), TrendRising},
	}
	for _, tc := range tests {
		if got := series(tc.vals).Summarize(at(0), time.Time{}).Trend; got != tc.want {
			t.Errorf("%s: trend %v, want %v", tc.name, got, tc.want)
		}
	}
	// Jitter of ±5% around a level: steady in (nearly) every window.
	steady := 0
	for range 200 {
		if series(noisy(2600, 0.05, 60)).Summarize(at(0), time.Time{}).Trend == TrendSteady {
			steady++
		}
	}
	if steady < 190 {
		t.Errorf("±5%% noise read steady in only %d of 200 windows", steady)
	}
}

func TestSummarizeValues(t *testing.T) {
	h := series([]float64{4, -2, 10, 6, 2})
	s := h.Summarize(at(0), time.Time{})
	if s.N != 5 || s.Min != -2 || s.Max != 10 || s.Avg != 4 {
		t.Fatalf("summary %+v", s)
	}
	if last, ok := h.newestIn(at(0), time.Time{}); !ok || last.V != 2 || !last.T.Equal(at(60)) {
		t.Fatalf("newest point %+v, %v", last, ok)
	}
	// Bounded at both ends: 57..59 holds -2, 10, 6.
	s = h.Summarize(at(57), at(59))
	if s.N != 3 || s.Min != -2 || s.Max != 10 {
		t.Fatalf("57..59: %+v", s)
	}
	if last, ok := h.newestIn(at(57), at(59)); !ok || last.V != 6 {
		t.Fatalf("57..59 newest point %+v, %v", last, ok)
	}
	if lo, hi, n := h.Range(at(57), at(59)); lo != -2 || hi != 10 || n != 3 {
		t.Fatalf("Range 57..59 = %v %v %v", lo, hi, n)
	}
	if _, _, n := NewHistory(time.Minute, 4).Range(at(0), time.Time{}); n != 0 {
		t.Fatal("Range of an empty history")
	}
	if s := NewHistory(time.Minute, 4).Summarize(at(0), time.Time{}); s.N != 0 || s.Trend != TrendSteady {
		t.Fatalf("empty: %+v", s)
	}
	// Huge counters keep their precision in the mean.
	big := series([]float64{1e15, 1e15 + 2, 1e15 + 4})
	if s := big.Summarize(at(0), time.Time{}); s.Avg != 1e15+2 {
		t.Fatalf("big avg %v", s.Avg)
	}
	if s := series([]float64{math.MaxFloat64, math.MaxFloat64}).Summarize(at(0), time.Time{}); s.Avg != math.MaxFloat64 {
		t.Fatalf("max avg %v", s.Avg)
	}
}

func TestTrendString(t *testing.T) {
	for tr, want := range map[Trend]string{TrendSteady: "steady", TrendRising: "rising", TrendFalling: "falling"} {
		if tr.String() != want {
			t.Errorf("%d: %q", tr, tr.String())
		}
	}
}

func TestPercentiles(t *testing.T) {
	h := NewHistory(time.Hour, 200)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, ok := h.Percentiles(base, base.Add(time.Hour), 0.5); ok {
		t.Error("percentiles of nothing")
	}
	for i := 1; i <= 100; i++ { // 1..100, shuffled in time
		h.Add(Point{T: base.Add(time.Duration(i) * time.Second), V: float64((i*37)%100 + 1)})
	}
	got, ok := h.Percentiles(base, base.Add(time.Hour), 0.5, 0.95, 0.99, 0.01)
	if !ok || got[0] != 50 || got[1] != 95 || got[2] != 99 || got[3] != 1 {
		t.Errorf("p50, p95, p99, p1 = %v, %v", got, ok)
	}
	// Only the window's points.
	got, _ = h.Percentiles(base.Add(91*time.Second), base.Add(time.Hour), 0.5)
	if len(got) != 1 || got[0] <= 0 {
		t.Errorf("window p50 = %v", got)
	}
}
