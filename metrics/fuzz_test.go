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

// FuzzFamilies feeds random snapshots to family metrics: record names
// made of the data (dots, wildcards and empty parts included), values,
// steps of time and resets, then asks for lines as charts and tables do.
// Each 4-byte chunk is one record of the current snapshot: [0] which name
// part list, [1] [2] the value, [3] flags: 1 end the snapshot after it, 2
// step time back, 4 reset the host, 8 value NaN.
func FuzzFamilies(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 1, 2, 0, 1, 2, 3, 0, 0})
	f.Add([]byte{3, 9, 9, 3, 4, 0, 1, 5, 5, 5, 5, 8, 6, 0, 0, 1})
	parts := []string{"a", "a.b", "*", "", ".", "x.y.z", "a*b", "www.example.com", "0", "0.ram_cache", "\x00", "é"}
	defs := []MetricDef{
		{Name: "c", Type: TypeCounter, Key: "r.*.c"},
		{Name: "g", Type: TypeGauge, Key: "r.*.g"},
		{Name: "h", Type: TypeHitRate, Key: "r.*.c", Key2: "r.*.g"},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := NewStore(2, defs, time.Minute, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		now := epoch
		vals := map[string]Sample{}
		for i := 0; i+4 <= len(data); i += 4 {
			c := data[i : i+4]
			name := "r." + parts[int(c[0])%len(parts)] + ".c"
			if c[0]&0x80 != 0 {
				name = "r." + parts[int(c[0])%len(parts)] + ".g"
			}
			v := float64(int(c[1])<<8 | int(c[2]))
			if c[3]&8 != 0 {
				v = math.NaN()
			}
			vals[name] = Sample{Value: v}
			if c[3]&1 == 0 && i+8 <= len(data) {
				continue
			}
			if c[3]&2 != 0 {
				now = now.Add(-time.Second)
			} else {
				now = now.Add(time.Second)
			}
			host := int(c[0]>>6) & 1
			if c[3]&4 != 0 {
				st.ResetHost(host)
			}
			st.Observe(host, Snapshot{Time: now, Values: vals})
			vals = map[string]Sample{}
			for m := range defs {
				if n := len(st.Series(host, m).Members()); n > MaxFamilyMembers {
					t.Fatalf("%d members", n)
				}
				for _, top := range []int{0, 1, 3} {
					for _, o := range Orders {
						for _, l := range st.Lines(m, Span{End: now, Window: time.Minute, Order: o}, top, o) {
							for _, sh := range l.Hosts {
								if v, ok := sh.Latest(); ok && !finite(v) {
									t.Fatalf("line %q: %v", l.Member, v)
								}
								if top > 0 && l.Rest == 1 {
									t.Fatal("a rest of one member")
								}
							}
						}
					}
				}
			}
		}
	})
}
