package prom

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/internal/promtest"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// These tests run the real programs (internal/promtest): Debian's
// prometheus-node-exporter read by the prom source, and a Prometheus
// server scraping it read by the promql source, each through the built-in
// node dashboards and the real derivations. They run in parallel: most
// of their time is waiting for counters to move and for Prometheus's
// first scrapes.

// dashboardDefs lists a dashboard's metrics in store order, as
// monitor.MetricDefs does (monitor imports collect, so this test, inside
// collect, cannot).
func dashboardDefs(d *config.Dashboard) (defs []metrics.MetricDef, panelOf []string) {
	for _, p := range d.Pages {
		for _, pn := range p.Panels {
			for _, m := range pn.Metrics {
				defs = append(defs, metrics.MetricDef{Name: m.Name, Type: metrics.Type(m.Type), Key: m.Key, Key2: m.Key2, Unit: m.Unit})
				panelOf = append(panelOf, pn.Title)
			}
		}
	}
	return defs, panelOf
}

// keysOf lists the keys the defs read, each once, as Dashboard.Keys does.
func keysOf(defs []metrics.MetricDef) []string {
	var keys []string
	for _, d := range defs {
		keys = append(keys, d.Key)
		if d.Key2 != "" {
			keys = append(keys, d.Key2)
		}
	}
	return collect.Dedupe(keys)
}

// feed fetches keys from src once and gives the snapshot to store.
func feed(t *testing.T, src collect.Source, keys []string, store *metrics.Store) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	values, warnings, err := src.Fetch(ctx, keys)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	store.Observe(0, metrics.Snapshot{Time: time.Now(), Values: values})
	return warnings
}

// latest returns the current value of the store's metric called name in
// panel, failing the test if it has none.
func latest(t *testing.T, store *metrics.Store, panelOf []string, panel, name string) float64 {
	t.Helper()
	for i := range store.Metrics() {
		s := store.Series(0, i)
		if panelOf[i] == panel && s.Def.Name == name {
			v, ok := s.Latest()
			if !ok {
				t.Fatalf("%s / %s: no value", panel, name)
			}
			return v
		}
	}
	t.Fatalf("no metric %s / %s", panel, name)
	return 0
}

// hasValues reports whether every metric of the given panels has a value.
func hasValues(store *metrics.Store, panelOf []string, panels ...string) bool {
	for i := range store.Metrics() {
		for _, p := range panels {
			if panelOf[i] == p {
				if _, ok := store.Series(0, i).Latest(); !ok {
					return false
				}
			}
		}
	}
	return true
}

const loopbackPanel = "(test) loopback"

func TestPromRealNodeExporterFillsNodePages(t *testing.T) {
	t.Parallel()
	start := time.Now()
	ne := promtest.StartNodeExporter(t)
	d, _ := pages.Lookup("node")
	defs, panelOf := dashboardDefs(d)
	// Loopback traffic is the one network traffic the test makes itself
	// (the page leaves lo out; other devices may be idle here).
	defs = append(defs, metrics.MetricDef{Name: "rx", Type: metrics.TypeCounter, Key: `node_network_receive_bytes_total{device="lo"}`})
	panelOf = append(panelOf, loopbackPanel)
	const interval = 500 * time.Millisecond
	store, err := metrics.NewStore(1, defs, time.Minute, interval)
	if err != nil {
		t.Fatal(err)
	}
	src := NewPromSource(ne.URL)
	keys := keysOf(defs)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	// An idle device's counter rate reads 0 only once it has sat still for
	// 7.5 s (see metrics.RateFromCounter), and a rare packet restarts that
	// wait until a second one gives a rate: at most ~15 s, usually 8.
	const wait = 20 * time.Second
	deadline := time.Now().Add(wait)
	required := []string{"CPU %", "Network Bytes/sec", loopbackPanel}
	warnings := feed(t, src, keys, store)
	if strings.Contains(strings.Join(warnings, "\n"), "node_network_receive_bytes_total{device!~") {
		// A machine (a container without a network) with loopback only:
		// the page rightly shows nothing.
		t.Logf("no network device but loopback: %q", warnings)
		required = []string{"CPU %", loopbackPanel}
	}
	for !hasValues(store, panelOf, required...) {
		<-tick.C
		if time.Now().After(deadline) {
			for i := range store.Metrics() {
				v, ok := store.Series(0, i).Latest()
				t.Logf("%s / %s: %g %v", panelOf[i], defs[i].Name, v, ok)
			}
			t.Fatalf("panels without values after %v; last warnings: %q", wait, warnings)
		}
		warnings = feed(t, src, keys, store)
	}
	t.Logf("CPU and network panels filled %v after start; warnings: %q", time.Since(start).Round(time.Millisecond), warnings)
	for _, w := range warnings {
		// Which mount points and devices exist depends on the machine;
		// anything else is a mistake in the page.
		if !strings.Contains(w, "no such series") {
			t.Errorf("warning: %s", w)
		}
	}

	busy := latest(t, store, panelOf, "CPU %", "Busy")
	user := latest(t, store, panelOf, "CPU %", "User")
	system := latest(t, store, panelOf, "CPU %", "System")
	for name, v := range map[string]float64{"Busy": busy, "User": user, "System": system} {
		if v < 0 || v > 100 {
			t.Errorf("CPU %s = %g%%", name, v)
		}
	}
	// Same snapshots, same denominator: user and system time are part of
	// busy time.
	if user > busy+1e-9 || system > busy+1e-9 {
		t.Errorf("busy %g%% < user %g%% or system %g%%", busy, user, system)
	}
	if rx := latest(t, store, panelOf, loopbackPanel, "rx"); rx <= 0 {
		t.Errorf("loopback rx = %g B/s, want > 0 (this test's own scrapes)", rx)
	}
	for _, m := range []string{"Receive", "Transmit"} {
		if v := latest(t, store, panelOf, "Network Bytes/sec", m); v < 0 {
			t.Errorf("network %s = %g", m, v)
		}
	}
	if v := latest(t, store, panelOf, "Load Average", "1m"); v < 0 {
		t.Errorf("load %g", v)
	}
	if v := latest(t, store, panelOf, "Memory Used %", "Memory"); v <= 0 || v >= 100 {
		t.Errorf("memory used %g%%", v)
	}

	infos, err := src.List(context.Background(), `^node_load`)
	if err != nil || len(infos) != 3 || infos[0].Name != "node_load1" || infos[0].Type != "gauge" || infos[0].Value == "" {
		t.Errorf("List: %+v, %v", infos, err)
	}
}

// The same counter, one series per device: as a PromQL query through
// Prometheus, and as a selector of the exporter's own page.
const (
	byDeviceQL   = `node_network_receive_bytes_total{instance="$host",device="*"}`
	byDeviceProm = `node_network_receive_bytes_total{device="*"}`
)

func TestPromQLRealPrometheusFillsNodePages(t *testing.T) {
	t.Parallel()
	start := time.Now()
	ne := promtest.StartNodeExporter(t)
	prom := promtest.StartPrometheus(t, ne.Addr)
	// rate() needs two scrapes.
	prom.WaitForData(fmt.Sprintf(`rate(node_network_receive_bytes_total{instance=%q}[1m])`, ne.Addr))
	dataAt := time.Now()
	t.Logf("Prometheus has rates %v after start", dataAt.Sub(start).Round(time.Millisecond))

	// The loopback byte counter straight from the exporter, before and
	// after the promql source reads Prometheus's copy of it.
	direct := NewPromSource(ne.URL)
	loKey := `node_network_receive_bytes_total{device="lo"}`
	rawLo := func() float64 {
		v, _, err := direct.Fetch(context.Background(), []string{loKey})
		if err != nil || v[loKey].Value == 0 {
			t.Fatalf("direct: %v, %v", v, err)
		}
		return v[loKey].Value
	}
	lo0 := rawLo()
	// A scrape that started after that read, so read /proc/net/dev after it.
	prom.WaitForData(fmt.Sprintf(`timestamp(node_network_receive_bytes_total{instance=%q,device="lo"})>%.3f`,
		ne.Addr, float64(time.Now().UnixMilli())/1000))

	ep, err := collect.ParseEndpoint("promql+" + prom.URL + "#" + ne.Addr)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := collect.Open(context.Background(), ep, collect.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	src := opened.Source

	d, _ := pages.Lookup("node-promql")
	defs, panelOf := dashboardDefs(d)
	// rate() divides by the whole window, which Prometheus has only a few
	// seconds of data for yet; irate() is the rate between the last two
	// scrapes.
	defs = append(defs,
		metrics.MetricDef{Name: "rx", Type: metrics.TypeGauge, Key: `irate(node_network_receive_bytes_total{instance="$host",device="lo"}[1m])`},
		metrics.MetricDef{Name: "rx total", Type: metrics.TypeGauge, Key: `node_network_receive_bytes_total{instance="$host",device="lo"}`},
		// A label wildcard: one query, one series per device.
		metrics.MetricDef{Name: "rx by device", Type: metrics.TypeGauge, Key: byDeviceQL})
	panelOf = append(panelOf, loopbackPanel, loopbackPanel, loopbackPanel)
	store, err := metrics.NewStore(1, defs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	keys := keysOf(defs)

	// Prometheus's own request histogram, read by the prom source: every
	// promql query is an observation of handler /api/v1/query, so the
	// quantile type has something to work on between two reads.
	self := NewPromSource(prom.URL + "/metrics")
	histKey := `prometheus_http_request_duration_seconds{handler="/api/v1/query"}`
	p99, err := metrics.NewDerivation("quantile", histKey, "0.99", "")
	if err != nil {
		t.Fatal(err)
	}
	readSelf := func() (float64, bool) {
		v, _, err := self.Fetch(context.Background(), []string{histKey})
		if err != nil {
			t.Fatal(err)
		}
		return p99.Observe(metrics.Snapshot{Time: time.Now(), Values: v})
	}
	readSelf()

	fetchStart := time.Now()
	warnings := feed(t, src, keys, store)
	t.Logf("one promql Fetch of %d queries took %v; warnings: %q", len(keys), time.Since(fetchStart).Round(time.Millisecond), warnings)
	for _, w := range warnings {
		if !strings.Contains(w, "no data") {
			t.Errorf("warning: %s", w)
		}
	}
	required := []string{"CPU %", "Network Bytes/sec", "Load Average", loopbackPanel}
	if strings.Contains(strings.Join(warnings, "\n"), `node_network_receive_bytes_total{instance="$host",device!~`) {
		t.Logf("no network device but loopback")
		required = []string{"CPU %", "Load Average", loopbackPanel}
	}
	if !hasValues(store, panelOf, required...) {
		for i := range store.Metrics() {
			v, ok := store.Series(0, i).Latest()
			t.Logf("%s / %s: %g %v", panelOf[i], defs[i].Name, v, ok)
		}
		t.Fatal("panels without values")
	}
	if v := latest(t, store, panelOf, "Memory Used %", "Memory"); v <= 0 || v >= 100 {
		t.Errorf("memory used %g%%", v)
	}
	busy := latest(t, store, panelOf, "CPU %", "Busy")
	user := latest(t, store, panelOf, "CPU %", "User")
	if busy < 0 || busy > 100 || user < 0 || user > busy+1e-9 {
		t.Errorf("CPU busy %g%%, user %g%%", busy, user)
	}
	if rx := latest(t, store, panelOf, loopbackPanel, "rx"); rx <= 0 {
		t.Errorf("loopback rx = %g B/s, want > 0 (Prometheus's own scrapes)", rx)
	}
	// The same counter as the prom source's, read between two direct reads.
	total := latest(t, store, panelOf, loopbackPanel, "rx total")
	if lo1 := rawLo(); total < lo0 || total > lo1 {
		t.Errorf("loopback rx bytes through Prometheus %.0f, not within the direct reads %.0f..%.0f", total, lo0, lo1)
	}

	// The devices through Prometheus are the exporter's own.
	byDevice := store.Series(0, len(defs)-1)
	v, _, err := direct.Fetch(context.Background(), []string{byDeviceProm})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := metrics.ParsePattern(byDeviceProm)
	var devices []string
	for k := range v {
		if c, ok := p.Match(k); ok {
			devices = append(devices, c)
		}
	}
	slices.Sort(devices)
	if got := byDevice.Members(); !slices.Contains(got, "lo") || !slices.Equal(got, devices) {
		t.Errorf("devices through Prometheus %q, from the exporter %q", got, devices)
	}

	q, ok := readSelf()
	if !ok || q <= 0 || q > 120 || math.IsNaN(q) {
		t.Errorf("p99 of Prometheus's query handler: %g, %v", q, ok)
	} else {
		t.Logf("p99 of Prometheus's /api/v1/query over the Fetch: %.4f s", q)
	}

	infos, err := src.(collect.Lister).List(context.Background(), "^node_load")
	if err != nil || len(infos) != 3 || infos[0].Name != "node_load1" {
		t.Errorf("List: %+v, %v", infos, err)
	}
}

// TestNodePageKeysAreSelectors checks the node dashboard's keys without
// any program: each must parse.
func TestPromNodePageKeysAreSelectors(t *testing.T) {
	d, ok := pages.Lookup("node")
	if !ok {
		t.Fatal("no node dashboard")
	}
	for _, k := range d.Keys() {
		if _, err := parseSelector(k); err != nil {
			t.Error(err)
		}
	}
}
