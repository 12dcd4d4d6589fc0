package metrics

import (
	"math"
	"testing"
	"time"
)

// A window's quantiles over its observations are those of its buckets'
// summed increases, across a counter reset and downsampled hours, and are
// not the median of the points drawn: a minute of ten slow requests
// weighs as little as it holds.
func TestObservationsQuantiles(t *testing.T) {
	def := MetricDef{Name: "p99", Type: TypeQuantile, Key: "h", Key2: "0.99"}
	st, err := NewStore(1, []MetricDef{def}, 24*time.Hour, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	bounds := []float64{0.01, 0.1, 1, inf}
	cum := make([]float64, len(bounds))
	total := make([]float64, len(bounds)) // what the window observed, cumulative by bound
	const seconds = 3 * 3600
	for sec := range seconds {
		var per []float64 // this second's observations by bucket (not cumulative)
		switch {
		case sec%60 == 30:
			per = []float64{0, 0, 2, 8} // ten slow requests
		default:
			per = []float64{900, 90, 10, 0} // a thousand fast ones
		}
		if sec == 5000 { // the exporter restarted
			clear(cum)
		}
		var run float64
		for i := range bounds {
			run += per[i]
			cum[i] += run
			if sec > 0 && sec != 5000 {
				total[i] += run
			}
		}
		v := map[string]Sample{"h": {Value: 0}}
		for i, le := range bounds {
			v[BucketKey("h", le)] = Sample{Value: cum[i]}
		}
		st.Observe(0, Snapshot{Time: at(float64(sec)), Values: v})
	}
	sr := st.Series(0, 0)
	if sr.Obs == nil {
		t.Fatal("a quantile series keeps no observations")
	}
	n, qs, ok := sr.Obs.Quantiles(at(0), time.Time{}, 0.5, 0.99, 0.999)
	if !ok {
		t.Fatal("no quantiles")
	}
	want := make([]bucket, len(bounds))
	for i := range bounds {
		want[i] = bucket{bounds[i], total[i]}
	}
	if math.Abs(n-total[len(total)-1]) > 1e-6*n {
		t.Errorf("%g observations, want %g", n, total[len(total)-1])
	}
	for i, q := range []float64{0.5, 0.99, 0.999} {
		if w := bucketQuantile(q, want); math.Abs(qs[i]-w) > 1e-9*w {
			t.Errorf("q %g: %g, want %g", q, qs[i], w)
		}
	}
	// The points drawn are each second's p99: their median says 0.1
	// second, and the window's own p99 is well under that.
	if p, _ := sr.Hist.Percentiles(at(0), time.Time{}, 0.99); !(qs[1] < p[0]) {
		t.Errorf("window p99 %g, per-second p99s' p99 %g: the observations do not weigh", qs[1], p[0])
	}
	// A window of the last minute only.
	n, _, ok = sr.Obs.Quantiles(at(seconds-60), time.Time{}, 0.5)
	if !ok || n < 59*1000 || n > 61*1000 {
		t.Errorf("the last minute: %g observations (%v), want about 60,000", n, ok)
	}
	// A series without buckets has none.
	if _, _, ok := (*Observations)(nil).Quantiles(at(0), time.Time{}, 0.5); ok {
		t.Error("nil observations gave quantiles")
	}
}
