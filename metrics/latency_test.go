package metrics

import (
	"math"
	"testing"
)

// lat is an ATS 10 style sample: integer ms total "t" and count "c".
func lat(total, count float64) map[string]Sample {
	return map[string]Sample{"t": {Value: total}, "c": {Value: count}}
}

// latF is an ATS 9.x style sample: float seconds total.
func latF(total, count float64) map[string]Sample {
	return map[string]Sample{"t": {Value: total, Float: true}, "c": {Value: count}}
}

func TestLatencyFromTotals(t *testing.T) {
	tests := []struct {
		name  string
		unit  string
		steps []obs
	}{
		{"ATS 10 integer ms", LatencyUnitAuto, []obs{
			no(0, lat(1000, 10)), is(1, lat(1500, 20), 50), is(2, lat(1530, 30), 3)}},
		{"ATS 9.x float seconds, unit from the sample type", LatencyUnitAuto, []obs{
			no(0, latF(1.0, 10)), is(1, latF(1.5, 20), 50), is(2, latF(1.503, 30), 0.3)}},
		{"explicit s for records reported as integers", LatencyUnitSeconds, []obs{
			no(0, lat(1, 10)), is(1, lat(2, 20), 100)}},
		{"explicit ms wins over the float flag", LatencyUnitMillis, []obs{
			no(0, latF(1000, 10)), is(1, latF(1500, 20), 50)}},
		{"auto: unit flip rebaselines instead of mixing s and ms", LatencyUnitAuto, []obs{
			no(0, latF(1.0, 10)), is(1, latF(1.5, 20), 50), no(2, lat(1600, 30)), is(3, lat(2000, 40), 40)}},
		{"zero Δcount holds within the window, then no value", LatencyUnitAuto, []obs{
			// changes 5s apart (synced) → hold 7.5s after the last change
			no(0, lat(0, 0)), is(5, lat(500, 10), 50), is(6, lat(500, 10), 50),
			is(10, lat(1000, 30), 25), is(12, lat(1000, 30), 25), is(17.5, lat(1000, 30), 25),
			no(18, lat(1000, 30)), no(30, lat(1000, 30)), is(31, lat(1300, 31), 300)}},
		{"total moving before the count is credited to the next count change", LatencyUnitAuto, []obs{
			no(0, lat(1000, 10)), no(1, lat(1100, 10)), is(2, lat(1500, 20), 50)}},
		{"sub-ms transactions: Δtotal 0 is a latency of 0", LatencyUnitAuto, []obs{
			no(0, lat(1000, 10)), is(1, lat(1000, 20), 0)}},
		{"count going down rebaselines", LatencyUnitAuto, []obs{
			no(0, lat(1000, 10)), is(1, lat(1500, 20), 50), no(2, lat(1600, 5)), is(3, lat(1700, 7), 50)}},
		{"total going down (negative Δtotal) rebaselines", LatencyUnitAuto, []obs{
			no(0, lat(1000, 10)), is(1, lat(1500, 20), 50), no(2, lat(100, 30)), is(3, lat(200, 32), 50)}},
		{"missing count or total gives no value", LatencyUnitAuto, []obs{
			no(0, lat(1000, 10)), no(1, map[string]Sample{"t": {Value: 1200}}),
			no(2, map[string]Sample{"c": {Value: 15}}), is(3, lat(1500, 20), 50)}},
		{"NaN gives no value", LatencyUnitAuto, []obs{
			no(0, lat(1000, 10)), no(1, lat(math.NaN(), 20)), no(1.5, lat(1200, math.Inf(1))), is(2, lat(1500, 20), 50)}},
		{"duplicate time and clock going backwards", LatencyUnitAuto, []obs{
			no(10, lat(1000, 10)), is(11, lat(1500, 20), 50), no(11, lat(1600, 21)),
			no(5, lat(2000, 30)), is(6, lat(2100, 40), 10)}},
		{"Reset forgets the baseline", LatencyUnitAuto, []obs{
			no(0, lat(1000, 10)), is(1, lat(1500, 20), 50),
			{t: 100, vals: lat(99000, 1000), reset: true}, is(101, lat(99100, 1010), 10)}},
		{"overflow gives no value", LatencyUnitSeconds, []obs{
			no(0, lat(0, 0)), no(1, lat(math.MaxFloat64, 1e-300))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, &LatencyFromTotals{TotalKey: "t", CountKey: "c", Unit: tc.unit}, tc.steps)
		})
	}
}
