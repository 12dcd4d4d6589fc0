package all_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/collect/prom"
	"github.com/traffic-grapher/traffic_grapher/collect/stats"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// The simulator serves stats_over_http's three forms beside its JSON-RPC
// socket; on a stopped clock the stats and prom sources read every record
// of the built-in pages as JSON-RPC does, the plugin's own poll taken out
// of the connection gauges.
func TestSimulatedStatsFormsAgreeWithJSONRPC(t *testing.T) {
	var mu sync.Mutex
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return at }
	sim := simulator.StartForTest(t, simulator.Options{Seed: 4, Clock: clock})
	base, err := sim.StartStats("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	keys := pages.Default().Keys()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want, _, err := jsonrpc.NewJSONRPCSource(sim.Path()).Fetch(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	st, err := stats.NewStatsSource(base)
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]collect.Source{
		"stats":         st,
		"prometheus":    prom.NewPromSource(base + "/prometheus"),
		"prometheus_v2": prom.NewPromSource(base + "/prometheus_v2"),
	} {
		got, warnings, err := src.Fetch(ctx, keys)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, k := range keys {
			w, ok := want[k]
			if !ok {
				continue
			}
			if g, ok := got[k]; !ok || g.Value != w.Value {
				t.Errorf("%s: %s = %v (present %v), JSON-RPC says %v; warnings %q", name, k, g.Value, ok, w.Value, warnings)
			}
		}
	}
}
