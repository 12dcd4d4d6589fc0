package metrics

import (
	"math"
	"slices"
	"testing"
)

func TestOutliers(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		values []float64
		low    bool
		want   []int // marked indexes
	}{
		{"one high 5xx among many", []float64{0.1, 0.2, 0.1, 0.15, 4.2, 0.12}, false, []int{4}},
		{"the low side is not bad for 5xx", []float64{2, 2.1, 1.9, 2, 0.01, 2.05}, false, nil},
		{"a low hit rate", []float64{91, 92, 90.5, 91.5, 40, 91.2}, true, []int{4}},
		{"a tight fleet", []float64{91, 91.2, 90.9, 91.1, 90.2, 91}, true, nil},
		{"everyone at zero but one", []float64{0, 0, 0, 0, 0, 3}, false, []int{5}},
		{"all the same", []float64{5, 5, 5, 5, 5}, false, nil},
		{"too few to tell", []float64{1, 1, 1, 100}, false, nil},
		{"NaN is neither counted nor marked", []float64{1, nan, 1, 1, 1, 1, 50}, false, []int{6}},
		{"NaNs leave too few", []float64{1, nan, nan, 1, 50}, false, nil},
		{"two sick hosts", []float64{10, 11, 9, 10, 10, 200, 250, 10, 11, 9}, false, []int{5, 6}},
	} {
		got := Outliers(tc.values, tc.low)
		var marked []int
		for i, m := range got {
			if m {
				marked = append(marked, i)
			}
		}
		if !slices.Equal(marked, tc.want) {
			t.Errorf("%s: marked %v, want %v", tc.name, marked, tc.want)
		}
	}
}
