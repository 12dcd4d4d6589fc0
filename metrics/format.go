package metrics

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// NoValue is shown wherever a number cannot be: NaN, ±Inf, or (for callers)
// a series with no current value.
const NoValue = "n/a"

// Format renders v for titles and text readouts:
//
//	UnitCount   0, 0.25, 2.5, 722, 3.6K, 12K, 1.2M, 4G, 1.5T
//	UnitMillis  0.4ms, 1.9ms, 44ms, 1.2s, 12s
//	UnitPercent 86.9%, 100%
//	UnitSeconds 0.4ms, 120ms, 1.2s, 45s, 1.2Ks
//	UnitBytes   0B, 512B, 1.5KB, 12MB, 3.2GB
//	UnitBitsPerSec 0b/s, 800b/s, 1.5Kb/s, 12Mb/s, 1.2Gb/s
//	UnitBytesPerSec 0B/s, 1.5KB/s, 12MB/s
//
// Counts and ms show one decimal below 10 of their unit and none from 10,
// and never a trailing ".0" (gauges are mostly whole numbers and "2.0
// connections" reads wrong). Percentages always keep one decimal below 100
// so a hit-rate readout does not change width as it moves.
func Format(v float64, u Unit) string {
	if !finite(v) {
		return NoValue
	}
	switch u {
	case UnitMillis:
		return formatMillis(v, "ms")
	case UnitPercent:
		r := math.Round(v*10) / 10
		if math.Abs(r) >= 100 {
			return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + "%"
		}
		return strconv.FormatFloat(r, 'f', 1, 64) + "%"
	}
	return formatOther(v, u)
}

// formatOther is Format and FormatAxis for the units whose tick and title
// look alike: counts, seconds, bytes and bits per second.
func formatOther(v float64, u Unit) string {
	switch u {
	case UnitSeconds:
		return formatMillis(v*1000, "ms")
	case UnitBytes:
		return formatCount(v) + "B"
	case UnitBitsPerSec:
		return formatCount(v) + "b/s"
	case UnitBytesPerSec:
		return formatCount(v) + "B/s"
	}
	return formatCount(v)
}

// FormatAxis renders v as a short y-axis tick label, about 5 characters at
// most. It is Format without what the panel title already says (the "ms"
// of milliseconds; seconds keep their "s" since they change the scale) and
// without decimals that say nothing on a tick (50%, not 50.0%).
func FormatAxis(v float64, u Unit) string {
	if !finite(v) {
		return NoValue
	}
	switch u {
	case UnitMillis:
		return formatMillis(v, "")
	case UnitPercent:
		return trimZero(strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)) + "%"
	case UnitBitsPerSec, UnitBytesPerSec:
		return formatCount(v) // the title says b/s; a tick has no room
	}
	return formatOther(v, u)
}

var countSuffixes = []struct {
	div    float64
	suffix string
}{{1, ""}, {1e3, "K"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}, {1e15, "P"}}

// exponentFrom is where suffixes run out: from 1000P on, counts are written
// in exponent form (1e18, 2.5e35, 1.8e308), which stays about five
// characters wide however large a misbehaving server's number is.
const exponentFrom = 999.5e15

func formatCount(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 0:
		return "-" + formatCount(-v)
	case v < 1:
		return small(v)
	case v >= exponentFrom:
		return exponent(v)
	}
	i := 0
	for i+1 < len(countSuffixes) && v >= countSuffixes[i+1].div {
		i++
	}
	x := v / countSuffixes[i].div
	// 999.7 would print as "1000": say "1K" instead.
	if math.Round(x) >= 1000 && i+1 < len(countSuffixes) {
		i++
		x = v / countSuffixes[i].div
	}
	return decimal(x) + countSuffixes[i].suffix
}

func formatMillis(v float64, msSuffix string) string {
	switch {
	case v == 0:
		return "0" + msSuffix
	case v < 0:
		return "-" + formatMillis(-v, msSuffix)
	case v < 1:
		return small(v) + msSuffix
	case math.Round(v) < 1000:
		return decimal(v) + msSuffix
	}
	// Beyond 1000 s (stuck tunnels) the count suffixes keep it short: 12Ks.
	return formatCount(v/1000) + "s"
}

// decimal prints x >= 1 with one decimal below 10, none from 10, no ".0".
func decimal(x float64) string {
	if r := math.Round(x*10) / 10; r < 10 {
		return trimZero(strconv.FormatFloat(r, 'f', 1, 64))
	}
	return strconv.FormatFloat(math.Round(x), 'f', 0, 64)
}

// exponent prints x >= 1000P as 1e18 or 2.5e35: one decimal at most, no
// "+" and no leading zeros in the exponent.
func exponent(x float64) string {
	e := int(math.Floor(math.Log10(x)))
	m := math.Round(x/math.Pow(10, float64(e))*10) / 10
	if m >= 10 {
		m, e = m/10, e+1
	}
	return trimZero(strconv.FormatFloat(m, 'f', 1, 64)) + "e" + strconv.Itoa(e)
}

// small prints 0 < x < 1 with two significant digits: 0.25, 0.0017.
func small(x float64) string {
	return strconv.FormatFloat(x, 'g', 2, 64)
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// NiceRange returns y-axis bounds covering min..max: 0 on the side the data
// does not cross, and otherwise the smallest of 1, 2, 2.5, 5 × 10^n at or
// beyond the extreme, so ticks land on round numbers. Callers wanting a
// fixed percent axis pass 0 and 100 and get exactly that back. An empty or
// non-finite range gives (0, 1).
func NiceRange(min, max float64) (lo, hi float64) {
	if !finite(min) || !finite(max) {
		return 0, 1
	}
	if min > max {
		min, max = max, min
	}
	if min == 0 && max == 0 {
		return 0, 1
	}
	if max > 0 {
		hi = niceCeil(max)
	}
	if min < 0 {
		lo = -niceCeil(-min)
	}
	return lo, hi
}

// StickyRange is NiceRange(lo, hi), unless the range drawn before (prevLo,
// prevHi) holds it and is at most twice as wide: then the range stays.
// Data that wobbles across a step (1.19K, 1.21K) would otherwise move the
// axis and its labels every tick, and each move redraws the axes; a range
// grows at once and shrinks once the data needs half of it or less.
func StickyRange(prevLo, prevHi, lo, hi float64) (float64, float64) {
	nlo, nhi := NiceRange(lo, hi)
	if !finite(prevLo) || !finite(prevHi) || !(prevHi > prevLo) {
		return nlo, nhi
	}
	if nlo >= prevLo && nhi <= prevHi && (nhi-nlo)*2 > prevHi-prevLo {
		return prevLo, prevHi
	}
	return nlo, nhi
}

// niceCeil returns the smallest 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^n
// that is >= x > 0. The steps are fine enough that a chart uses most of its
// height (2.8K gets a 3K axis, not 5K) while ticks stay round.
func niceCeil(x float64) float64 {
	exp := math.Floor(math.Log10(x))
	p := math.Pow(10, exp)
	f := x / p
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		// The tolerance absorbs Log10/Pow rounding (0.3 must stay 0.5, and
		// 100 must stay 100, not become 200).
		if f <= m*(1+1e-9) {
			if n := m * p; finite(n) {
				return max(n, x)
			}
			break
		}
	}
	return x // near the float64 limit there is no nicer number
}

// ShortDuration prints 60s, 5m, 2h: the way people say windows.
func ShortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d >= time.Hour:
		// A day and some seconds (a replay's history) is a day.
		d = d.Round(time.Minute)
		if d%time.Hour == 0 {
			return strconv.Itoa(int(d/time.Hour)) + "h"
		}
		return strconv.Itoa(int(d/time.Hour)) + "h" + strconv.Itoa(int(d%time.Hour/time.Minute)) + "m"
	case d >= 2*time.Minute && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 10*time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	default:
		return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + "m"
	}
}

// Clock is the time of day as the header and the readout print it.
func Clock(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("15:04:05")
}
