package report

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
)

// A metric taken from a histogram is read out, and tabled by the i key,
// with the quantiles of the window's requests beside its points'.
func TestQuantilesOverRequests(t *testing.T) {
	dash, err := config.Parse("h.yaml", []byte("pages:\n  - name: Latency\n    panels:\n      - title: Request time\n        metrics:\n"+
		"          - {name: p99, type: quantile, key: h, key2: \"0.99\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := monitor.New(dash, []string{"edge1"}, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var now time.Time
	for i := range 11 { // ten seconds of 1,000 requests: 990 under 10 ms, 10 under 1 s
		now = t0.Add(time.Duration(i) * time.Second)
		v := map[string]metrics.Sample{"h": {}}
		for le, n := range map[float64]int{0.01: 990, 1: 1000, math.Inf(1): 1000} {
			v[metrics.BucketKey("h", le)] = metrics.Sample{Value: float64(n * i)}
		}
		data.Apply(collect.Result{Host: 0, Snapshot: metrics.Snapshot{Time: now, Values: v}})
	}
	rc := Context{Dashboard: dash, Hosts: []string{"edge1"}, Timing: metrics.Timing{Interval: time.Second}, History: time.Minute, Location: time.UTC}
	r := Build(rc, data.Store(), metrics.Span{End: now, Window: time.Minute}, []int{0})
	rd := r.Pages[0].Panels[0].Metrics[0].Readings[0]
	if q := rd.Requests; q == nil || q.Count != 10000 || q.P50 != 0.01*5000/9900 {
		t.Fatalf("requests %+v", q)
	}
	text := strings.Join(r.Lines(false), "\n")
	if !strings.Contains(text, "Over the window's 10 thousand requests: median 0.0051, p95 0.0096, p99 0.01.") {
		t.Errorf("readout:\n%s", text)
	}
	table := strings.Join(r.StatsTable(), "\n")
	if !strings.Contains(table, "over requests  edge1") || !strings.Contains(table, "10K req") {
		t.Errorf("stats table:\n%s", table)
	}
}
