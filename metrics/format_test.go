package metrics

import (
	"math"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		v          float64
		u          Unit
		want, axis string
	}{
		{0, UnitCount, "0", "0"},
		{0.25, UnitCount, "0.25", "0.25"},
		{0.5, UnitCount, "0.5", "0.5"},
		{0.0017, UnitCount, "0.0017", "0.0017"},
		{0.996, UnitCount, "1", "1"},
		{1, UnitCount, "1", "1"},
		{2, UnitCount, "2", "2"},
		{2.5, UnitCount, "2.5", "2.5"},
		{9.96, UnitCount, "10", "10"},
		{50, UnitCount, "50", "50"},
		{722.4, UnitCount, "722", "722"},
		{999.6, UnitCount, "1K", "1K"},
		{1000, UnitCount, "1K", "1K"},
		{1240, UnitCount, "1.2K", "1.2K"},
		{3600, UnitCount, "3.6K", "3.6K"},
		{6000, UnitCount, "6K", "6K"},
		{9960, UnitCount, "10K", "10K"},
		{12000, UnitCount, "12K", "12K"},
		{999999, UnitCount, "1M", "1M"},
		{1.25e6, UnitCount, "1.3M", "1.3M"},
		{4e9, UnitCount, "4G", "4G"},
		{1.5e12, UnitCount, "1.5T", "1.5T"},
		{2.5e15, UnitCount, "2.5P", "2.5P"},
		{999.4e15, UnitCount, "999P", "999P"},
		{1e18, UnitCount, "1e18", "1e18"},
		{2.46e35, UnitCount, "2.5e35", "2.5e35"},
		{9.96e20, UnitCount, "1e21", "1e21"},
		{1e300, UnitCount, "1e300", "1e300"},
		{math.MaxFloat64, UnitCount, "1.8e308", "1.8e308"},
		{-1e300, UnitCount, "-1e300", "-1e300"},
		{1e300, UnitMillis, "1e297s", "1e297s"},
		{-3600, UnitCount, "-3.6K", "-3.6K"},
		{-0.25, UnitCount, "-0.25", "-0.25"},
		{math.Copysign(0, -1), UnitCount, "0", "0"},

		{0, UnitMillis, "0ms", "0"},
		{0.4, UnitMillis, "0.4ms", "0.4"},
		{0.45, UnitMillis, "0.45ms", "0.45"},
		{1.94, UnitMillis, "1.9ms", "1.9"},
		{2, UnitMillis, "2ms", "2"},
		{9.99, UnitMillis, "10ms", "10"},
		{44.2, UnitMillis, "44ms", "44"},
		{999.7, UnitMillis, "1s", "1s"},
		{1200, UnitMillis, "1.2s", "1.2s"},
		{12345, UnitMillis, "12s", "12s"},
		{-5, UnitMillis, "-5ms", "-5"},
		{1.2e7, UnitMillis, "12Ks", "12Ks"},

		{0, UnitPercent, "0.0%", "0%"},
		{50, UnitPercent, "50.0%", "50%"},
		{86.94, UnitPercent, "86.9%", "86.9%"},
		{12.5, UnitPercent, "12.5%", "12.5%"},
		{99.94, UnitPercent, "99.9%", "99.9%"},
		{99.96, UnitPercent, "100%", "100%"},
		{100, UnitPercent, "100%", "100%"},

		{math.NaN(), UnitCount, NoValue, NoValue},
		{math.Inf(1), UnitMillis, NoValue, NoValue},
		{math.Inf(-1), UnitPercent, NoValue, NoValue},
	}
	for _, tc := range tests {
		if got := Format(tc.v, tc.u); got != tc.want {
			t.Errorf("Format(%g, %v) = %q, want %q", tc.v, tc.u, got, tc.want)
		}
		if got := FormatAxis(tc.v, tc.u); got != tc.axis {
			t.Errorf("FormatAxis(%g, %v) = %q, want %q", tc.v, tc.u, got, tc.axis)
		}
	}
}

// Axis labels must stay short for every value a nice axis can produce.
func TestFormatAxisIsShort(t *testing.T) {
	for _, u := range []Unit{UnitCount, UnitMillis, UnitPercent} {
		for exp := -3; exp <= 14; exp++ {
			for _, m := range []float64{1, 2, 2.5, 5, 7.5} {
				v := m * math.Pow(10, float64(exp))
				if u == UnitPercent && v > 100 {
					continue
				}
				limit := 5
				if v < 0.01 {
					limit = 6 // 0.0025: two significant digits need the room
				}
				if s := FormatAxis(v, u); utf8.RuneCountInString(s) > limit {
					t.Errorf("FormatAxis(%g, %v) = %q: longer than %d", v, u, s, limit)
				}
			}
		}
	}
}

func TestNiceRange(t *testing.T) {
	tests := []struct {
		min, max float64
		lo, hi   float64
	}{
		{0, 0, 0, 1},
		{0, 100, 0, 100},
		{0, 1, 0, 1},
		{3, 3, 0, 3},
		{0, 0.3, 0, 0.3},
		{0, 0.07, 0, 0.08},
		{10, 12, 0, 12},
		{0, 21, 0, 25},
		{0, 26, 0, 30},
		{0, 51, 0, 60},
		{0, 180, 0, 200},
		{0, 722, 0, 800},
		{0, 2000, 0, 2000},
		{0, 2400, 0, 2500},
		{0, 2800, 0, 3000},
		{0, 4100, 0, 5000},
		{0, 3.6e9, 0, 4e9},
		{12, 5, 0, 12}, // swapped arguments
		{-3, 7, -3, 8},
		{-30, -2, -30, 0},
		{-1, 0, -1, 0},
		{math.NaN(), 5, 0, 1},
		{0, math.Inf(1), 0, 1},
		{0, math.MaxFloat64, 0, math.MaxFloat64},
		{0, 1e-300, 0, 1e-300},
	}
	for _, tc := range tests {
		lo, hi := NiceRange(tc.min, tc.max)
		if lo != tc.lo || math.Abs(hi-tc.hi) > 1e-12*math.Abs(tc.hi) {
			t.Errorf("NiceRange(%g, %g) = (%g, %g), want (%g, %g)", tc.min, tc.max, lo, hi, tc.lo, tc.hi)
		}
		if finite(tc.min) && finite(tc.max) && (lo > min(tc.min, tc.max) || hi < max(tc.min, tc.max)) {
			t.Errorf("NiceRange(%g, %g) = (%g, %g) does not cover the data", tc.min, tc.max, lo, hi)
		}
	}
}

func FuzzFormat(f *testing.F) {
	for _, v := range []float64{0, 0.25, 999.6, 1e12, -3600, math.NaN(), math.MaxFloat64, 5e-324} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		for _, u := range []Unit{UnitCount, UnitMillis, UnitPercent} {
			for _, s := range []string{Format(v, u), FormatAxis(v, u)} {
				if s == "" || !utf8.ValidString(s) {
					t.Fatalf("format(%g, %v) = %q", v, u, s)
				}
			}
		}
		if !finite(v) {
			return
		}
		lo, hi := NiceRange(0, v)
		if !finite(lo) || !finite(hi) || lo > min(0, v) || hi < max(0, v) || lo > hi {
			t.Fatalf("NiceRange(0, %g) = (%g, %g)", v, lo, hi)
		}
	})
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "30s", 60 * time.Second: "60s", 90 * time.Second: "90s",
		5 * time.Minute: "5m", 150 * time.Second: "150s", time.Hour: "1h", 30 * time.Minute: "30m",
		24 * time.Hour: "24h", 12*time.Hour + 30*time.Minute: "12h30m",
		24*time.Hour + 20*time.Second: "24h", 90 * time.Minute: "1h30m",
	} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// The y range holds while the data wobbles inside it, grows at once, and
// shrinks once the data needs half of it or less.
func TestStickyRange(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name                   string
		prevLo, prevHi, lo, hi float64
		wantLo, wantHi         float64
	}{
		{"nothing before", 0, 0, 0, 1190, 0, 1200},
		{"no range before", nan, nan, 0, 1190, 0, 1200},
		{"a wobble across a step keeps the axis", 0, 1200, 0, 1210 - 20, 0, 1200},
		{"a wobble up grows it", 0, 1200, 0, 1210, 0, 1500},
		{"a fall to just over half keeps it", 0, 1500, 0, 780, 0, 1500},
		{"a fall to half shrinks it", 0, 1600, 0, 790, 0, 800},
		{"a negative side appearing grows it", 0, 100, -5, 90, -5, 100},
		{"a negative side gone keeps it while it fits", -50, 100, 0, 90, -50, 100},
		{"a negative side gone shrinks it when narrow enough", -100, 100, 0, 90, 0, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			lo, hi := StickyRange(c.prevLo, c.prevHi, c.lo, c.hi)
			if lo != c.wantLo || hi != c.wantHi {
				t.Errorf("StickyRange(%g, %g, %g, %g) = %g, %g, want %g, %g", c.prevLo, c.prevHi, c.lo, c.hi, lo, hi, c.wantLo, c.wantHi)
			}
		})
	}
}
