package all_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/collect/prom"
	"github.com/traffic-grapher/traffic_grapher/collect/stats"
	"github.com/traffic-grapher/traffic_grapher/collect/trafficctl"
	"github.com/traffic-grapher/traffic_grapher/internal/atstest"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// quiet waits until src's values of keys have not changed for longer than
// ATS's 5 s stats sync, so that every derived stat has caught up with the
// traffic sent, and returns them. Bounded: ATS that never settles fails.
func quiet(t *testing.T, src collect.Source, keys []string) map[string]metrics.Sample {
	t.Helper()
	var last map[string]metrics.Sample
	since := time.Now()
	deadline := time.Now().Add(45 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		v, _, err := src.Fetch(ctx, keys)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !sameValues(v, last) {
			last, since = v, time.Now()
		} else if time.Since(since) > 6*time.Second {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: values still changing after 45 s with no traffic", src)
		}
		time.Sleep(250 * time.Millisecond) // polling a server's counters: there is no event to wait on
	}
}

func sameValues(a, b map[string]metrics.Sample) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w.Value != v.Value {
			return false
		}
	}
	return true
}

func fetchNow(t *testing.T, src collect.Source, keys []string) map[string]metrics.Sample {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, w, err := src.Fetch(ctx, keys)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if len(w) > 0 {
		t.Logf("%s warnings: %q", src, w)
	}
	return v
}

// Against a real Traffic Server 10.2 driven with real traffic (hits,
// misses, 404s, 502s, TLS over HTTP/2), every record the built-in ATS pages
// draw reads the same over JSON-RPC as with the bundle's traffic_ctl, and
// stats_over_http agrees up to its own request; their changes over the
// traffic agree too, and show every kind of traffic sent.
func TestATS10SourcesAgree(t *testing.T) {
	a := atstest.StartATS10(t)
	dash, _ := pages.Lookup("ats")
	keys := dash.Keys()
	jr := jsonrpc.NewJSONRPCSource(a.Socket)
	ctl := &trafficctl.TrafficCtlSource{Run: collect.ExecRunnerWithEnv(a.Env()...), Bin: a.TrafficCtl()}
	stats, err := stats.NewStatsSource(a.StatsURL)
	if err != nil {
		t.Fatal(err)
	}

	if codes := a.Mix(t, 60, 8); codes[200] == 0 || codes[404] == 0 || codes[502] == 0 {
		t.Fatalf("warm-up traffic got %s; want 200s, 404s and 502s", atstest.CodesString(codes))
	}
	before := quiet(t, jr, keys)
	beforeCtl := fetchNow(t, ctl, keys)
	codes := a.Mix(t, 300, 40)
	t.Logf("traffic: %s", atstest.CodesString(codes))
	after := quiet(t, jr, keys)
	afterCtl := fetchNow(t, ctl, keys)
	afterStats := fetchNow(t, stats, keys)
	// stats_over_http's Prometheus output, flat and labelled: the ATS
	// pages read it by record name (collect/prom's ats.go).
	// Each is compared with JSON-RPC right after it: they differ by that
	// one poll (a request, its bytes, its time).
	afterProm := map[string][2]map[string]metrics.Sample{}
	for _, path := range []string{"/prometheus", "/prometheus_v2"} {
		p := fetchNow(t, prom.NewPromSource(strings.TrimSuffix(a.StatsURL, "/")+path), keys)
		afterProm[path] = [2]map[string]metrics.Sample{p, fetchNow(t, jr, keys)}
	}

	// The pages' wildcard keys match the same records through every
	// source: volume 0's, as a 10.2 with one cache file has them, and no
	// remaps or origins (no remap_stats plugin; 10.2 has no per-origin
	// records).
	exact := slices.DeleteFunc(slices.Clone(keys), metrics.IsPattern)
	// What the pages show of them: each family's members, as the store
	// makes them from a source's values.
	defs := monitor.MetricDefs(dash)
	members := func(values map[string]metrics.Sample) string {
		st, err := metrics.NewStore(1, defs, time.Minute, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		st.Observe(0, metrics.Snapshot{Time: time.Now(), Values: values})
		seen := map[string]bool{}
		for i, d := range defs {
			for _, c := range st.Series(0, i).Members() {
				seen[d.Records()[0]+"="+c] = true
			}
		}
		return strings.Join(slices.Sorted(maps.Keys(seen)), " ")
	}
	want := members(after)
	if !strings.Contains(want, "proxy.process.cache.volume_*.read.success=0") || strings.Contains(want, "ram_cache.bytes") ||
		strings.Contains(want, "remap") || strings.Contains(want, "per_server") {
		t.Errorf("JSON-RPC's wildcard matches: %s", want)
	}
	for name, got := range map[string]string{"traffic_ctl": members(afterCtl), "stats_over_http": members(afterStats),
		"/prometheus": members(afterProm["/prometheus"][0]), "/prometheus_v2": members(afterProm["/prometheus_v2"][0])} {
		if got != want {
			t.Errorf("%s's wildcard matches differ from JSON-RPC's:\n got %s\nwant %s", name, got, want)
		}
	}
	t.Logf("wildcard matches: %s", want)

	if missing := slices.DeleteFunc(slices.Clone(exact), func(k string) bool { _, ok := after[k]; return ok }); len(missing) > 0 {
		t.Errorf("JSON-RPC lacks %d of the pages' %d records: %s", len(missing), len(exact), strings.Join(missing, ", "))
	}
	for _, k := range exact {
		j, ok := after[k]
		if !ok {
			continue
		}
		if c, ok := afterCtl[k]; !ok || c.Value != j.Value {
			t.Errorf("%s: JSON-RPC %v, traffic_ctl %v (present %v)", k, j.Value, c.Value, ok)
		}
		if d0, d1 := after[k].Value-before[k].Value, afterCtl[k].Value-beforeCtl[k].Value; d0 != d1 {
			t.Errorf("%s: changed by %v over JSON-RPC, %v by traffic_ctl", k, d0, d1)
		}
		// stats_over_http's own request may be counted in its reply.
		tolerance := 2.0
		if strings.Contains(k, "bytes") {
			tolerance = 1024
		}
		if s, ok := afterStats[k]; !ok || math.Abs(s.Value-j.Value) > tolerance {
			t.Errorf("%s: JSON-RPC %v, stats_over_http %v (present %v)", k, j.Value, s.Value, ok)
		}
		for path, pair := range afterProm {
			p, ok := pair[0][k]
			jNext := pair[1][k].Value
			poll := tolerance // a request
			switch {
			case strings.Contains(k, "size"):
				poll = 64 << 10 // the poll's reply
			case strings.Contains(k, "time") || strings.Contains(k, "milestone"):
				// The poll's own milliseconds: a few when idle, tens on a
				// loaded machine.
				poll = max(250, 0.03*jNext)
			}
			if !ok || math.Abs(p.Value-jNext) > poll {
				t.Errorf("%s: stats_over_http%s %v, JSON-RPC right after it %v (present %v)", k, path, p.Value, jNext, ok)
			}
		}
	}
	moved := func(k string) float64 { return after[k].Value - before[k].Value }
	for _, k := range []string{
		"proxy.process.http.incoming_requests", "proxy.process.http.2xx_responses", "proxy.process.http.4xx_responses",
		"proxy.process.http.5xx_responses", "proxy.process.http.transaction_counts.hit_fresh", "proxy.process.http.transaction_counts.miss_cold",
		"proxy.process.ssl.total_success_handshake_count_in", "proxy.process.http2.total_client_connections",
		"proxy.process.http.user_agent_total_response_bytes", "proxy.process.http.origin_server_total_request_bytes",
		// What the new pages read, under the same traffic: methods, codes,
		// connections, cache operations, milestones, HTTP/2 streams.
		"proxy.process.http.get_requests", "proxy.process.http.200_responses", "proxy.process.http.404_responses",
		"proxy.process.http.502_responses", "proxy.process.http.total_client_connections", "proxy.process.http.total_server_connections",
		"proxy.process.http.cache_lookups", "proxy.process.cache.read.success", "proxy.process.cache.read.failure",
		"proxy.process.http.cache_writes", "proxy.process.http.milestone.sm_finish",
		"proxy.process.http.milestone.server_first_read", "proxy.process.http.total_transactions_time",
		"proxy.process.http.user_agent_response_document_total_size", "proxy.process.http.origin_server_response_header_total_size",
		"proxy.process.ssl.total_attempts_handshake_count_in", "proxy.process.ssl.ssl_total_tlsv13", "proxy.process.http2.total_client_streams",
	} {
		if moved(k) <= 0 {
			t.Errorf("%s did not move over %s", k, atstest.CodesString(codes))
		}
	}
	if got, want := moved("proxy.process.http.incoming_requests"), float64(codes[200]+codes[404]+codes[502]); got < want {
		t.Errorf("incoming_requests moved by %v for %v requests answered", got, want)
	}
	if got, want := moved("proxy.process.http.5xx_responses"), float64(codes[502]); got != want {
		t.Errorf("5xx_responses moved by %v, want the %v 502s sent", got, want)
	}
	t.Log(fmt.Sprintf("hits +%v, misses +%v, TLS handshakes +%v, HTTP/2 connections +%v",
		moved("proxy.process.http.transaction_counts.hit_fresh"), moved("proxy.process.http.transaction_counts.miss_cold"),
		moved("proxy.process.ssl.total_success_handshake_count_in"), moved("proxy.process.http2.total_client_connections")))
}
