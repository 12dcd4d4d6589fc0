package metrics

import (
	"math"
	"testing"
)

var inf = math.Inf(+1)

// hist is what a source reports for key "h" of a histogram: each bucket
// under BucketKey (bounds and cumulative counts in pairs).
func hist(pairs ...float64) map[string]Sample {
	m := map[string]Sample{"h": {Value: 0}}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[BucketKey("h", pairs[i])] = Sample{Value: pairs[i+1], Float: true}
	}
	return m
}

func TestBucketQuantileMatchesPromQL(t *testing.T) {
	// Expected values worked out by hand with PromQL's method (promql/
	// quantile.go bucketQuantile): find the bucket holding rank = q ×
	// total, interpolate linearly inside it.
	b := []bucket{{0.1, 50}, {0.5, 80}, {1, 95}, {inf, 100}}
	tests := []struct {
		q, want float64
	}{
		{0.5, 0.1},                     // rank 50: the top of the first bucket
		{0.25, 0.05},                   // rank 25: half-way into [0, 0.1]
		{0.8, 0.5},                     // rank 80: the top of the second
		{0.65, 0.1 + 0.4*(65-50)/30.0}, // rank 65 in (0.1, 0.5]
		{0.9, 0.5 + 0.5*(90-80)/15.0},  // rank 90 in (0.5, 1]
		{0.95, 1},                      // rank 95: exactly the top of (0.5, 1]
		{0.99, 1},                      // rank 99 falls in +Inf: the bound below it
		{1, 1},                         // likewise
		{0, 0},                         // rank 0: the first bucket, from 0
	}
	for _, tc := range tests {
		if got := bucketQuantile(tc.q, b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("q=%g: got %g, want %g", tc.q, got, tc.want)
		}
	}

	noInf := []bucket{{0.1, 5}, {1, 10}}
	if got := bucketQuantile(0.5, noInf); !math.IsNaN(got) {
		t.Errorf("no +Inf bucket: got %g, want NaN (the total is unknown)", got)
	}
	if got := bucketQuantile(0.5, []bucket{{inf, 10}}); !math.IsNaN(got) {
		t.Errorf("only +Inf: got %g, want NaN", got)
	}
	if got := bucketQuantile(0.5, []bucket{{0.1, 0}, {inf, 0}}); !math.IsNaN(got) {
		t.Errorf("no observations: got %g, want NaN", got)
	}
	// A first bucket with a bound <= 0 is not interpolated from 0.
	if got := bucketQuantile(0.1, []bucket{{-1, 10}, {0, 20}, {inf, 20}}); got != -1 {
		t.Errorf("negative first bound: got %g, want -1", got)
	}
	// Non-monotonic counts (after summing series) are evened out upwards.
	// 10, 4, 20 becomes 10, 10, 20, so rank 15 lies in (2, +Inf]: 2.
	if got := bucketQuantile(0.75, []bucket{{1, 10}, {2, 4}, {inf, 20}}); got != 2 {
		t.Errorf("non-monotonic: got %g, want 2", got)
	}
}

func TestQuantileFromBuckets(t *testing.T) {
	tests := []struct {
		name  string
		q     float64
		steps []obs
	}{
		{"quantile of each interval's increase, not of the totals", 0.5, []obs{
			// The first 100 observations were all fast, the next 10 all
			// between 0.5 and 1 s: the median of the interval is there.
			no(0, hist(0.1, 100, 0.5, 100, 1, 100, inf, 100)),
			is(1, hist(0.1, 100, 0.5, 100, 1, 110, inf, 110), 0.75),
			is(2, hist(0.1, 120, 0.5, 120, 1, 130, inf, 130), 0.05), // 20 new, all ≤ 0.1
		}},
		{"+Inf bucket: the bound below it", 0.99, []obs{
			no(0, hist(0.1, 0, 1, 0, inf, 0)),
			is(1, hist(0.1, 0, 1, 0, inf, 5), 1),
		}},
		{"missing +Inf bucket gives no value", 0.5, []obs{
			no(0, hist(0.1, 0, 1, 0)),
			no(1, hist(0.1, 5, 1, 10)),
			no(2, hist(0.1, 6, 1, 12)),
		}},
		{"no observations: hold briefly, then no value", 0.5, []obs{
			no(0, hist(1, 0, inf, 0)),
			is(1, hist(1, 10, inf, 10), 0.5),
			is(2, hist(1, 10, inf, 10), 0.5),
			no(5, hist(1, 10, inf, 10)),
			is(6, hist(1, 12, inf, 12), 0.5),
		}},
		{"counter reset rebaselines", 0.5, []obs{
			no(0, hist(1, 100, inf, 100)),
			is(1, hist(1, 110, inf, 120), 1),
			no(2, hist(1, 2, inf, 2)), // exporter restarted
			is(3, hist(1, 12, inf, 12), 0.5),
		}},
		{"bucket layout change rebaselines", 0.5, []obs{
			no(0, hist(1, 0, inf, 0)),
			no(1, hist(0.5, 5, 1, 10, inf, 10)),
			is(2, hist(0.5, 15, 1, 20, inf, 20), 0.25), // 10 new, all ≤ 0.5
		}},
		{"histogram absent: no value, baseline kept", 0.5, []obs{
			no(0, hist(1, 0, inf, 0)),
			no(1, nil),
			no(2, map[string]Sample{"other": {Value: 1}}),
			is(3, hist(1, 10, inf, 10), 0.5),
		}},
		{"duplicate time and clock going backwards", 0.5, []obs{
			no(10, hist(1, 0, inf, 0)),
			no(10, hist(1, 10, inf, 10)),
			no(5, hist(1, 10, inf, 10)),
			is(6, hist(1, 20, inf, 20), 0.5),
		}},
		{"NaN bucket counts are left out", 0.5, []obs{
			no(0, hist(1, 0, inf, 0)),
			no(1, hist(1, math.NaN(), inf, 10)), // only +Inf left: rebase
			no(2, hist(1, 10, inf, 20)),         // bucket 1 is back: rebase
			is(3, hist(1, 15, inf, 25), 0.5),
		}},
		{"Reset forgets the baseline", 0.5, []obs{
			no(0, hist(1, 0, inf, 0)),
			is(1, hist(1, 10, inf, 10), 0.5),
			{t: 5, vals: hist(1, 1000, inf, 1000), reset: true},
			is(6, hist(1, 1010, inf, 1010), 0.5),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, &QuantileFromBuckets{Key: "h", Q: tc.q}, tc.steps)
		})
	}
}

func TestQuantileFromNewDerivation(t *testing.T) {
	d, err := NewDerivation("quantile", "h", "0.99", "")
	if err != nil {
		t.Fatal(err)
	}
	if q := d.(*QuantileFromBuckets).Q; q != 0.99 {
		t.Errorf("Q = %g", q)
	}
	for _, bad := range []string{"", "p99", "1.5", "-0.1", "NaN", "99"} {
		if _, err := NewDerivation("quantile", "h", bad, ""); err == nil {
			t.Errorf("key2 %q accepted", bad)
		}
	}
	if _, err := NewDerivation("quantile", "h", "0.5", "ms"); err == nil {
		t.Error("unit accepted on a quantile")
	}
	info, ok := LookupType("quantile")
	if !ok || !info.NeedsKey2() || info.Unit != UnitCount {
		t.Errorf("kind: %+v, %v", info, ok)
	}
}

func TestBucketKey(t *testing.T) {
	for _, tc := range []struct {
		le   float64
		want string
	}{{0.25, "k\x1fle=0.25"}, {inf, "k\x1fle=+Inf"}, {1e-6, "k\x1fle=1e-06"}, {10, "k\x1fle=10"}} {
		if got := BucketKey("k", tc.le); got != tc.want {
			t.Errorf("BucketKey(k, %g) = %q, want %q", tc.le, got, tc.want)
		}
	}
}

// FuzzBucketQuantile checks bucketQuantile on arbitrary buckets: it never
// panics, and a value it gives lies within the buckets' finite bounds (or
// at 0, where interpolation of the first bucket starts).
func FuzzBucketQuantile(f *testing.F) {
	f.Add([]byte{1, 10, 5, 20, 255, 30}, uint8(50))
	f.Add([]byte{0, 0, 255, 0}, uint8(99))
	f.Add([]byte{3, 9, 2, 1, 255, 4}, uint8(100))
	f.Fuzz(func(t *testing.T, data []byte, qPercent uint8) {
		q := float64(qPercent) / 100
		var b []bucket
		lo, hi := 0.0, 0.0
		for i := 0; i+1 < len(data); i += 2 {
			upper := float64(int(data[i]) - 8)
			if data[i] == 255 {
				upper = inf
			} else {
				lo, hi = min(lo, upper), max(hi, upper)
			}
			b = append(b, bucket{upper: upper, count: float64(data[i+1])})
		}
		// bucketQuantile's contract: sorted by bound, bounds distinct.
		b = bucketsOf(Snapshot{Values: toValues(b)}, "h")
		v := bucketQuantile(q, b)
		if math.IsNaN(v) {
			return
		}
		if v < lo || v > hi {
			t.Fatalf("q=%g of %v = %g, outside [%g, %g]", q, b, v, lo, hi)
		}
	})
}

func toValues(b []bucket) map[string]Sample {
	m := map[string]Sample{}
	for _, x := range b {
		m[BucketKey("h", x.upper)] = Sample{Value: x.count}
	}
	return m
}
