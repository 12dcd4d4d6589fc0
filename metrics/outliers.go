package metrics

import (
	"math"
	"slices"
)

// Which hosts of a fleet stand out. A fleet's hosts do much the same work,
// so the fleet itself is the yardstick: a value stands out when it lies
// on the bad side of the median by more than OutlierMADs scaled median
// absolute deviations (a robust spread, which the outliers themselves
// hardly move) and by more than OutlierShare of the median, so that a
// tight fleet's small differences (a hit rate of 91.2 % beside 91.0 %)
// are not called out. Fewer than OutlierMinHosts values are not a fleet.
const (
	OutlierMADs     = 3
	OutlierShare    = 0.2
	OutlierMinHosts = 5
	madToSigma      = 1.4826 // the MAD of a normal distribution, in standard deviations
)

// Outliers marks the values that stand out from the rest (see above): on
// the high side, or with lowIsWorst on the low side. NaN values are
// neither counted nor marked.
func Outliers(values []float64, lowIsWorst bool) []bool {
	out := make([]bool, len(values))
	var xs []float64
	for _, v := range values {
		if !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	if len(xs) < OutlierMinHosts {
		return out
	}
	med := median(xs)
	for i, v := range xs {
		xs[i] = math.Abs(v - med)
	}
	spread := madToSigma * median(xs)
	limit := max(OutlierMADs*spread, OutlierShare*math.Abs(med))
	if limit == 0 {
		// Every other host says the same (0 errors): any difference
		// stands out.
		limit = math.SmallestNonzeroFloat64
	}
	for i, v := range values {
		if math.IsNaN(v) {
			continue
		}
		d := v - med
		if lowIsWorst {
			d = -d
		}
		out[i] = d >= limit && d > 0
	}
	return out
}

// median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
