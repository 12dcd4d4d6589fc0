package metrics

import (
	"math"
	"testing"
	"time"
)

// FuzzDerivations feeds random snapshot sequences to every derivation. Each
// 5-byte chunk of data is one snapshot:
//
//	[0] time step, int8 × 250 ms (zero and negative steps included)
//	[1] flags: 1 total is float, 2 key missing, 4 key2 missing, 8 Reset
//	    first, 16 key is NaN, 32 key2 is +Inf, 64 values × 1e300
//	[2] [3] key step / value, [4] key2 step / value
//
// With monotonic set the bytes are increments of running totals (the
// normal case); without, they are raw values so records jump both ways.
func FuzzDerivations(f *testing.F) {
	f.Add([]byte{4, 0, 0, 0, 0, 4, 0, 100, 0, 10, 4, 0, 100, 0, 10, 4, 0, 0, 0, 0}, true)
	f.Add([]byte{4, 1, 0, 1, 0, 4, 1, 50, 0, 3, 4, 1, 0, 0, 0, 252, 0, 9, 9, 9, 0, 0, 1, 1, 1}, false)
	f.Add([]byte{4, 64, 255, 255, 255, 4, 64, 255, 255, 255, 4, 8, 1, 1, 1, 4, 16 | 32, 1, 1, 1}, true)
	f.Add([]byte{4, 2, 1, 1, 1, 4, 4, 1, 1, 1, 0, 0, 9, 9, 9, 128, 0, 1, 1, 1}, false)

	f.Fuzz(func(t *testing.T, data []byte, monotonic bool) {
		type check func(v float64) bool
		nonNeg := func(v float64) bool { return v >= 0 }
		percent := func(v float64) bool { return v >= 0 && v <= 100 }
		any := func(float64) bool { return true }
		ders := []struct {
			name string
			d    Derivation
			ok   check
		}{
			{"counter", &RateFromCounter{Key: "k"}, nonNeg},
			{"gauge", &GaugeValue{Key: "k"}, any},
			{"latency auto", &LatencyFromTotals{TotalKey: "k", CountKey: "k2"}, nonNeg},
			{"latency ms", &LatencyFromTotals{TotalKey: "k", CountKey: "k2", Unit: "ms"}, nonNeg},
			{"latency s", &LatencyFromTotals{TotalKey: "k", CountKey: "k2", Unit: "s"}, nonNeg},
			{"hit rate", &HitRateFromCounters{HitsKey: "k", MissesKey: "k2"}, percent},
		}
		hist := NewHistory(30*time.Second, 16)

		now := epoch
		var k, k2 float64
		for i := 0; i+5 <= len(data); i += 5 {
			c := data[i : i+5]
			now = now.Add(time.Duration(int8(c[0])) * 250 * time.Millisecond)
			flags := c[1]
			scale := 1.0
			if flags&64 != 0 {
				scale = 1e300
			}
			dk := float64(int(c[2])<<8|int(c[3])) * scale
			dk2 := float64(c[4]) * scale
			if monotonic {
				k, k2 = k+dk, k2+dk2
			} else {
				k, k2 = dk-float64(1<<15)*scale, dk2-128*scale
			}
			vals := map[string]Sample{}
			if flags&2 == 0 {
				vals["k"] = Sample{Value: k, Float: flags&1 != 0}
				if flags&16 != 0 {
					vals["k"] = Sample{Value: math.NaN()}
				}
			}
			if flags&4 == 0 {
				vals["k2"] = Sample{Value: k2}
				if flags&32 != 0 {
					vals["k2"] = Sample{Value: math.Inf(1)}
				}
			}
			snap := Snapshot{Time: now, Values: vals}
			for _, d := range ders {
				if flags&8 != 0 {
					d.d.Reset()
				}
				v, ok := d.d.Observe(snap)
				if !finite(v) {
					t.Fatalf("step %d: %s gave %g", i/5, d.name, v)
				}
				if !ok && v != 0 {
					t.Fatalf("step %d: %s gave %g with ok=false", i/5, d.name, v)
				}
				if ok && !d.ok(v) {
					t.Fatalf("step %d: %s gave %g, out of range (monotonic=%v)", i/5, d.name, v, monotonic)
				}
				if ok && d.name == "counter" {
					hist.Add(Point{T: now, V: v})
				}
			}
			if hist.Len() > 16 {
				t.Fatalf("history holds %d points, capacity 16", hist.Len())
			}
			for j := 1; j < hist.Len(); j++ {
				if hist.At(j).T.Before(hist.At(j - 1).T) {
					t.Fatalf("history out of order at %d", j)
				}
			}
			since := now.Add(-time.Hour)
			want := 0 // points at or after since: the clock may have run on past the newest
			for j := 0; j < hist.Len(); j++ {
				if !hist.At(j).T.Before(since) {
					want++
				}
			}
			lo, hi, avg, n := hist.Stats(since)
			slack := 1e-9 * max(math.Abs(lo), math.Abs(hi))
			if n != want || (n > 0 && (!finite(avg) || avg < lo-slack || avg > hi+slack)) {
				t.Fatalf("Stats = (%g, %g, %g, %d), want %d of %d points", lo, hi, avg, n, want, hist.Len())
			}
		}
	})
}
