package monitor

import (
	"context"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// BenchmarkTickFullDashboard is one tick of the built-in dashboard (all its
// pages' keys, one request per host) for 4 hosts: each host's JSON-RPC
// reply read from a simulator that has been up for two minutes (its six
// remap rules, four origins and a volume all there), then applied (every
// derivation, every history, every family member). It reports the keys
// asked for, the records answered and the reply bytes per host per tick.
func BenchmarkTickFullDashboard(b *testing.B) {
	dash := pages.Default()
	keys := dash.Keys()
	names := []string{"edge1", "edge2", "edge3", "edge4"}
	data, err := New(dash, names, time.Hour, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now()
	clock := func() time.Time { return at }
	hosts := make([]collect.Host, len(names))
	sims := make([]*simulator.Server, len(names))
	for i := range names {
		sims[i] = simulator.StartForTest(b, simulator.Options{Seed: int64(i + 1), Clock: clock})
		hosts[i] = collect.Host{Name: names[i], Source: jsonrpc.NewJSONRPCSource(sims[i].Path())}
	}
	at = at.Add(2 * time.Minute)
	c := collect.NewCollector(hosts, keys, time.Second)
	c.Now = clock
	var bytes int64
	records := 0
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(time.Second)
		before := sims[0].BytesOut()
		for _, r := range c.Once(context.Background()) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			data.Apply(r)
			if r.Host == 0 {
				records = len(r.Snapshot.Values)
			}
		}
		bytes += sims[0].BytesOut() - before
	}
	b.ReportMetric(float64(len(keys)), "keys/host")
	b.ReportMetric(float64(records), "records/host")
	b.ReportMetric(float64(bytes)/float64(b.N), "reply-bytes/host")
}

// BenchmarkApplyFullDashboard is the derivation part alone: applying one
// snapshot of every record of the built-in dashboard (six remap rules,
// four origins, a volume), for 4 hosts.
func BenchmarkApplyFullDashboard(b *testing.B) {
	dash := pages.Default()
	keys := dash.Keys()
	data, err := New(dash, []string{"a", "b", "c", "d"}, time.Hour, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now()
	simAt := at
	sim := simulator.StartForTest(b, simulator.Options{Seed: 1, Clock: func() time.Time { return simAt }})
	simAt = at.Add(2 * time.Minute) // every remap rule and origin there
	src := jsonrpc.NewJSONRPCSource(sim.Path())
	var snaps []collect.Result
	for i := range 60 {
		v, _, err := src.Fetch(context.Background(), keys)
		if err != nil {
			b.Fatal(err)
		}
		r := collect.Result{Snapshot: metrics.Snapshot{Time: at.Add(time.Duration(i) * time.Second), Values: v}}
		snaps = append(snaps, r)
	}
	i := 0
	tick := func() {
		r := snaps[i%len(snaps)]
		r.Snapshot.Time = at.Add(time.Duration(i) * time.Second)
		for h := range 4 {
			r.Host = h
			data.Apply(r)
		}
		i++
	}
	b.Run("warm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tick()
		}
	})
	// A live screen applies one tick a second, and whatever ran in the
	// meantime (the other processes, the drawing) has taken the caches:
	// every series and history is read from memory again. This evicts
	// them before each tick.
	b.Run("cold", func(b *testing.B) {
		evict := make([]byte, 64<<20)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			for j := 0; j < len(evict); j += 64 {
				evict[j]++
			}
			b.StartTimer()
			tick()
		}
	})
}
