package metrics

import (
	"math"
	"testing"
)

func hm(hits, misses float64) map[string]Sample {
	return map[string]Sample{"h": {Value: hits}, "m": {Value: misses}}
}

func TestHitRateFromCounters(t *testing.T) {
	tests := []struct {
		name  string
		steps []obs
	}{
		{"basic ratio of deltas", []obs{
			no(0, hm(1000, 1000)), is(1, hm(1080, 1020), 80), is(2, hm(1081, 1029), 10)}},
		{"all hits and all misses", []obs{
			no(0, hm(0, 0)), is(1, hm(5, 0), 100), is(2, hm(5, 7), 0)}},
		{"5s sync at 1s polling holds, then no value when lookups stop", []obs{
			no(0, hm(0, 0)), is(5, hm(90, 10), 90), is(6, hm(90, 10), 90), is(9, hm(90, 10), 90),
			is(10, hm(170, 30), 80), is(11, hm(170, 30), 80), is(14, hm(170, 30), 80), is(15, hm(170, 30), 80),
			is(17, hm(170, 30), 80), no(18, hm(170, 30)), no(60, hm(170, 30)), is(61, hm(171, 30), 100)}},
		{"hits going down rebaselines", []obs{
			no(0, hm(100, 100)), is(1, hm(150, 150), 50), no(2, hm(10, 200)), is(3, hm(13, 201), 75)}},
		{"misses going down rebaselines", []obs{
			no(0, hm(100, 100)), is(1, hm(150, 150), 50), no(2, hm(160, 1)), is(3, hm(163, 2), 75)}},
		{"missing or NaN records give no value", []obs{
			no(0, hm(0, 0)), no(1, map[string]Sample{"h": {Value: 5}}), no(2, hm(math.NaN(), 5)),
			no(3, hm(5, math.Inf(1))), is(4, hm(30, 10), 75)}},
		{"duplicate time and clock going backwards", []obs{
			no(10, hm(0, 0)), is(11, hm(1, 1), 50), no(11, hm(5, 1)), no(3, hm(10, 10)), is(4, hm(19, 11), 90)}},
		{"Reset forgets the baseline", []obs{
			no(0, hm(0, 0)), is(1, hm(1, 1), 50), {t: 9, vals: hm(100, 0), reset: true}, is(10, hm(101, 0), 100)}},
		{"overflowing sum gives no value", []obs{
			no(0, hm(0, 0)), no(1, hm(math.MaxFloat64, math.MaxFloat64))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, &HitRateFromCounters{HitsKey: "h", MissesKey: "m"}, tc.steps)
		})
	}
}
