package prom

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// A label whose value is the wildcard gives one value per value of the
// label, under the key with the value put in; the other matchers still
// apply, and what matches is summed per value.
func TestPromFetchLabelPattern(t *testing.T) {
	srv := promServer(t, readProm(t, "node_exporter_1.5.0.txt"))
	src := NewPromSource(srv.URL + "/metrics")
	idle := `node_cpu_seconds_total{cpu="*",mode="idle"}`
	busy := `node_cpu_seconds_total{cpu="*",mode!="idle"}`
	values, warnings := fetchProm(t, src, idle, busy, `node_nope{device="*"}`)
	want := map[string]float64{
		`node_cpu_seconds_total{cpu="0",mode="idle"}`:  3242.24,
		`node_cpu_seconds_total{cpu="1",mode="idle"}`:  3110.64,
		`node_cpu_seconds_total{cpu="0",mode!="idle"}`: 11.99 + 0.86 + 2.12 + 232.34 + 961.03,
		`node_cpu_seconds_total{cpu="1",mode!="idle"}`: 37 + 3.8 + 2 + 249.55 + 1048.56,
	}
	if len(values) != len(want) {
		t.Errorf("values %v", values)
	}
	for k, v := range want {
		if got, ok := values[k]; !ok || got.Value < v-1e-6 || got.Value > v+1e-6 {
			t.Errorf("%s = %v, %v; want %v", k, got.Value, ok, v)
		}
	}
	// A pattern matching nothing is no warning: nothing matches yet.
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
}

// An ATS record pattern reads stats_over_http's flat Prometheus form by
// the record names in its HELP, as the JSON would give them.
func TestPromFetchATSRecordPattern(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(start.UnixNano())
	sim := simulator.StartForTest(t, simulator.Options{Seed: 4, Clock: func() time.Time { return time.Unix(0, now.Load()) }})
	now.Add(int64(2 * time.Minute)) // every remap rule there
	srv := httptest.NewServer(sim.StatsHandler())
	t.Cleanup(srv.Close)
	src := NewPromSource(srv.URL + "/_stats/prometheus")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p := "plugin.remap_stats.*.status_2xx"
	values, warnings, err := src.Fetch(ctx, []string{p})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Fetch: %v, %q", err, warnings)
	}
	pat, _ := metrics.ParsePattern(p)
	hosts := map[string]bool{}
	for k, v := range values {
		c, ok := pat.Match(k)
		if !ok || v.Value <= 0 {
			t.Errorf("%s = %v", k, v)
		}
		hosts[c] = true
	}
	if len(hosts) != 6 || !hosts["www.example.com"] || !hosts["beta.example.com"] {
		t.Errorf("remaps %v", hosts)
	}
}

// A volume's records, in both of stats_over_http's Prometheus forms: the
// labelled one writes proxy_process_cache_volume_read_success{volume="0"}.
func TestPromFetchATSVolumePatternBothForms(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 4})
	srv := httptest.NewServer(sim.StatsHandler())
	t.Cleanup(srv.Close)
	for _, path := range []string{"/_stats/prometheus", "/_stats/prometheus_v2"} {
		src := NewPromSource(srv.URL + path)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		values, warnings, err := src.Fetch(ctx, []string{"proxy.process.cache.volume_*.read.success", "proxy.process.cache.volume_*.bytes_total"})
		cancel()
		if err != nil || len(warnings) != 0 {
			t.Fatalf("%s: %v, %q", path, err, warnings)
		}
		r, rok := values["proxy.process.cache.volume_0.read.success"]
		b, bok := values["proxy.process.cache.volume_0.bytes_total"]
		if len(values) != 2 || !rok || !bok || r.Value <= 0 || b.Value <= 0 {
			t.Errorf("%s: values %v", path, values)
		}
	}
}
