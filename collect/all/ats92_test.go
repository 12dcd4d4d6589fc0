package all_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/stats"
	"github.com/traffic-grapher/traffic_grapher/collect/trafficctl"
	"github.com/traffic-grapher/traffic_grapher/internal/atstest"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// Against a real Traffic Server 9.2 (internal/atstest), through both ways
// of reading it without JSON-RPC: traffic_ctl (via traffic_manager) and the
// stats_over_http plugin (traffic_server itself). One instance serves all
// subtests, in order; each waits for what ATS does every 5 s (its stats
// sync) by polling with a deadline, never by sleeping a fixed time.

// originDelay is how long the test origin takes to answer.
const originDelay = 20 * time.Millisecond

const (
	k92Incoming  = "proxy.process.http.incoming_requests"
	k92Outgoing  = "proxy.process.http.outgoing_requests"
	k92TwoXX     = "proxy.process.http.2xx_responses"
	k92ConnFail  = "proxy.process.http.err_connect_fail_count"
	k92TotalHit  = "proxy.process.http.transaction_totaltime.hit_fresh"
	k92TotalMiss = "proxy.process.http.transaction_totaltime.miss_cold"
)

// ats92Sources returns the two sources reading a: traffic_ctl first.
func ats92Sources(t *testing.T, a *atstest.ATS) (*trafficctl.TrafficCtlSource, *stats.StatsSource) {
	t.Helper()
	ctl := &trafficctl.TrafficCtlSource{Run: a.Run, Bin: a.TrafficCtlPath}
	stats, err := stats.NewStatsSource(a.StatsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stats.Close)
	return ctl, stats
}

func fetch92(t *testing.T, src collect.Source, keys []string) (map[string]metrics.Sample, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	values, warnings, err := src.Fetch(ctx, keys)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return values, warnings
}

func TestATS92(t *testing.T) {
	// An origin 20 ms away: the miss latency is then at least 20 ms, which
	// float seconds left unconverted (0.02) could not pass for.
	a := atstest.Start(t, atstest.Options{OriginDelay: originDelay})
	t.Logf("Traffic Server %s ready in %v", a.Version, a.Started.Round(time.Millisecond))
	ctl, stats := ats92Sources(t, a)
	sources := []collect.Source{ctl, stats}

	t.Run("DashboardKeys", func(t *testing.T) { ats92DashboardKeys(t, sources) })
	t.Run("StatsPollsAreCounted", func(t *testing.T) { ats92PollsCounted(t, stats) })
	t.Run("Derivations", func(t *testing.T) { ats92Derivations(t, a, sources) })
	t.Run("List", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		infos, err := stats.List(ctx, `^proxy\.process\.http\.(transaction_totaltime\.hit_fresh|incoming_requests)$`)
		if err != nil || len(infos) != 2 || infos[0].Type != "int" || infos[1].Type != "float" {
			t.Errorf("List: %+v, %v", infos, err)
		}
	})
}

// Every record of the built-in dashboard, from both sources: the same ones
// found, 9.x's *_stat names answering for 10.x's, and what 9.2 lacks
// logged.
func ats92DashboardKeys(t *testing.T, sources []collect.Source) {
	keys := pages.Default().Keys()
	var found [2][]string
	for i, src := range sources {
		values, warnings := fetch92(t, src, keys)
		for _, k := range keys {
			if _, ok := values[k]; ok {
				found[i] = append(found[i], k)
			}
		}
		t.Logf("%s: %d of %d dashboard records; missing on 9.2: %q", src, len(values), len(keys), warnings)
		if _, ok := values[k92ConnFail]; !ok {
			t.Errorf("%s: %s did not resolve (9.2 calls it ..._stat)", src, k92ConnFail)
		}
		for _, k := range []string{k92TotalHit, k92TotalMiss} {
			if v, ok := values[k]; !ok || !v.Float {
				t.Errorf("%s: %s = %+v (present %v); 9.x prints float seconds", src, k, v, ok)
			}
		}
		if v := values[k92Incoming]; v.Float {
			t.Errorf("%s: %s is Float", src, k92Incoming)
		}
	}
	if !slices.Equal(found[0], found[1]) {
		t.Errorf("traffic_ctl found %q, stats found %q", found[0], found[1])
	}
}

// Each stats_over_http poll is a request Traffic Server counts (see
// StatsSource). With no other traffic, incoming_requests grows between two
// stats syncs by the number of polls made in that time (give or take the
// one poll a sync can fall in the middle of).
func ats92PollsCounted(t *testing.T, stats *stats.StatsSource) {
	keys := []string{k92Incoming, k92Outgoing, k92TwoXX}
	type change struct {
		polls  uint64
		values map[string]metrics.Sample
	}
	var changes []change
	prev, _ := fetch92(t, stats, keys)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for len(changes) < 2 {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("incoming_requests changed %d times in 20 s of polling; ATS syncs stats every 5 s", len(changes))
		}
		polls := stats.Polls()
		v, _ := fetch92(t, stats, keys)
		if v[k92Incoming] != prev[k92Incoming] {
			changes = append(changes, change{polls, v})
		}
		prev = v
	}
	polled := float64(changes[1].polls - changes[0].polls)
	for _, k := range keys {
		grew := changes[1].values[k].Value - changes[0].values[k].Value
		t.Logf("%s grew by %v over %v polls", k, grew, polled)
		if grew < polled-1 || grew > polled+1 {
			t.Errorf("%s grew by %v between two syncs with %v polls and no other traffic", k, grew, polled)
		}
	}
}

// Drive traffic and feed both sources' snapshots to the dashboard's own
// derivations until every value checked here is right for both: rates of
// requests and 2xx, the hit rate, and the latencies (9.x float seconds
// converted to ms). A value that never becomes right fails the test at the
// deadline, with every value shown.
func ats92Derivations(t *testing.T, a *atstest.ATS, sources []collect.Source) {
	dash := pages.Default()
	defs := monitor.MetricDefs(dash)
	store, err := metrics.NewStore(len(sources), defs, 5*time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	find := func(kind, key string) int {
		for i, d := range defs {
			if string(d.Type) == kind && d.Key == key {
				return i
			}
		}
		t.Fatalf("the default dashboard has no %s of %s", kind, key)
		return -1
	}
	named := func(name string) int {
		for i, d := range defs {
			if d.Name == name {
				return i
			}
		}
		t.Fatalf("the default dashboard has no metric %q", name)
		return -1
	}
	checks := []ats92Check{
		{"request rate", find("counter", k92Incoming), func(v float64) bool { return v > 0 }},
		{"2xx rate", find("counter", k92TwoXX), func(v float64) bool { return v > 0 }},
		{"hit rate %", named("Hit Rate"), func(v float64) bool { return v > 0 && v <= 100 }},
		// ATS adds whole milliseconds, truncated, per transaction: a
		// loopback hit (~0.1 ms) adds 0, so 0 is a right hit latency here.
		{"hit latency ms", find("latency", k92TotalHit), func(v float64) bool { return v >= 0 && v < 10_000 }},
		// Every cold miss waits for the origin: at least originDelay in ms.
		// Float seconds taken for ms would read 0.02.
		{"miss latency ms", find("latency", k92TotalMiss), func(v float64) bool {
			return v >= float64(originDelay.Milliseconds()) && v < 10_000
		}},
	}
	keys := dash.Keys()
	codes := map[int]int{}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	deadline := time.After(45 * time.Second)
	for {
		for code, n := range a.Drive(t, 20) {
			codes[code] += n
		}
		for h, src := range sources {
			values, _ := fetch92(t, src, keys)
			store.Observe(h, metrics.Snapshot{Time: time.Now(), Values: values})
		}
		if ats92Done(store, len(sources), checks) {
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("derived values still missing or wrong after 45 s of traffic (%s):\n%s", atstest.CodesString(codes), ats92Report(store, sources, checks))
		}
	}
	t.Logf("all derived after %v of traffic (%s), origin saw %d requests:\n%s",
		time.Since(start).Round(100*time.Millisecond), atstest.CodesString(codes), a.Origin.Requests(), ats92Report(store, sources, checks))
}

// ats92Check is one derived value to wait for and check: metric indexes
// the store's series.
type ats92Check struct {
	name   string
	metric int
	ok     func(float64) bool
}

// ats92Done reports whether every check holds for every host. Holding,
// not merely having a value: the first hit rate after the baseline can
// rightly be 0 %, when all that changed in that sync period were the
// misses of stats polls and readiness probes.
func ats92Done(store *metrics.Store, hosts int, checks []ats92Check) bool {
	for h := range hosts {
		for _, c := range checks {
			if v, ok := store.Series(h, c.metric).Latest(); !ok || !c.ok(v) {
				return false
			}
		}
	}
	return true
}

func ats92Report(store *metrics.Store, sources []collect.Source, checks []ats92Check) string {
	var b strings.Builder
	for h, src := range sources {
		fmt.Fprintf(&b, "  %s:", src)
		for _, c := range checks {
			if v, ok := store.Series(h, c.metric).Latest(); ok {
				fmt.Fprintf(&b, " %s %.4g;", c.name, v)
			} else {
				fmt.Fprintf(&b, " %s none;", c.name)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
