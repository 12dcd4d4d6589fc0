package metrics

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// The memory budget of a long history: 4 hosts × 16 panels × 2 metrics with
// a 24 h history at 1 s must stay under 30 MB (README, Performance).
const (
	memHosts   = 4
	memMetrics = 32 // 16 panels × 2
	memBudget  = 30 << 20
)

// memDefs is a dashboard of memMetrics metrics with the built-in
// dashboard's mix: three counters (which also keep their absolute count) to
// one gauge, latency or hit rate.
func memDefs() ([]MetricDef, map[string]float64) {
	var defs []MetricDef
	rates := map[string]float64{}
	for i := range memMetrics {
		key := fmt.Sprintf("k%d", i)
		switch i % 4 {
		case 3:
			defs = append(defs, MetricDef{Name: key, Type: "gauge", Key: key})
		default:
			defs = append(defs, MetricDef{Name: key, Type: "counter", Key: key})
		}
		rates[key] = float64(100 * (i + 1))
	}
	return defs, rates
}

// fillStore feeds a day of 1 s snapshots to every host; values wobble so no
// bucket is trivially flat.
func fillStore(tb testing.TB, secs int) *Store {
	defs, rates := memDefs()
	st, err := NewStore(memHosts, defs, 24*time.Hour, time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	snap := Snapshot{Values: map[string]Sample{}}
	totals := map[string]float64{}
	for i := range secs {
		snap.Time = epoch.Add(time.Duration(i) * time.Second)
		for k, r := range rates {
			totals[k] += r * (1 + 0.1*float64(i%7))
			snap.Values[k] = Sample{Value: totals[k]}
		}
		for h := range memHosts {
			st.Observe(h, snap)
		}
	}
	return st
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkStoreMemory24h fills a store with a full day and reports the
// heap it holds. Run with -benchtime=1x: one fill is the measurement.
func BenchmarkStoreMemory24h(b *testing.B) {
	for b.Loop() {
		before := heapInUse()
		st := fillStore(b, 24*3600+600)
		after := heapInUse()
		runtime.KeepAlive(st)
		mb := float64(after-before) / (1 << 20)
		b.ReportMetric(mb, "MB")
		b.ReportMetric(float64(after-before)/float64(memHosts*memMetrics), "B/series")
		if after-before > memBudget {
			b.Fatalf("a 24 h store holds %.1f MB, budget 30 MB", mb)
		}
	}
}

// TestStoreMemory24h checks the budget in the normal test run (a day of
// snapshots takes about two seconds).
func TestStoreMemory24h(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("fills a day of history: too slow for -short and -race")
	}
	before := heapInUse()
	st := fillStore(t, 24*3600+600)
	after := heapInUse()
	runtime.KeepAlive(st)
	if after-before > memBudget {
		t.Fatalf("a 24 h store for %d hosts × %d metrics holds %.1f MB, budget 30 MB",
			memHosts, memMetrics, float64(after-before)/(1<<20))
	}
	t.Logf("24 h store, %d hosts × %d metrics: %.1f MB", memHosts, memMetrics, float64(after-before)/(1<<20))
}
