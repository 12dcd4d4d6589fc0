package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

var t0 = time.Date(2026, 11, 22, 14, 3, 27, 0, time.UTC)

// fixture is the built-in dashboard's data for hosts, fed by hand.
type fixture struct {
	rc    Context
	store *metrics.Store
	data  *monitor.State
	now   time.Time
	tick  int
}

func newFixture(t *testing.T, hosts ...string) *fixture {
	t.Helper()
	dash := pages.Default()
	data, err := monitor.New(dash, hosts, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		rc:    Context{Dashboard: dash, Hosts: hosts, Timing: metrics.Timing{Interval: time.Second}, History: time.Minute, Location: time.UTC},
		store: data.Store(), data: data, now: t0,
	}
}

// feed applies n ticks of every host's synthetic records.
func (f *fixture) feed(n int) {
	for range n {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		for h := range f.rc.Hosts {
			f.data.Apply(collect.Result{Host: h, Snapshot: synth.Snapshot(h, f.tick, f.now)})
		}
	}
}

func TestSnapshotTextAndJSON(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.feed(10)
	text := Text(f.rc, f.store, f.now, []string{"edge3: down"})
	for _, w := range []string{
		"traffic_grapher snapshot · 2026-11-22 14:03:37 UTC · hosts: edge1, edge2\nerror: edge3: down\n",
		"Values now. Min, average, max, percentiles and trend: last 10 seconds.\n\nFleet: 2 hosts, ok; sorted by condition, worst first.\n",
		"  edge1: Req per second 1 thousand; Hit percent 85.0 percent; 5xx percent 1.0 percent; Origin ms 45 milliseconds; Conn fail per second 2; Conns 500.\n  edge2: Req per second 2 thousand; Hit percent 85.0 percent; 5xx percent 1.0 percent; Origin ms 45 milliseconds; Conn fail per second 4; Conns 1 thousand.\n\nPage 1 of 16: Traffic & Cache\nRequests/sec\n",
		"  Requests per second, Client, edge2: 2 thousand, steady. Min 2 thousand, average 2 thousand, max 2 thousand.\n",
		"Page 4 of 16: Network & Errors\n",
		"  Transaction Aborts per second, Aborts, edge1: 5, steady.",
	} {
		if !strings.Contains(text, w) {
			t.Fatalf("snapshot lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "\x1b") {
		t.Fatal("escape codes in the snapshot")
	}
	out, err := JSON(f.rc, f.store, f.now, nil, []string{"edge2: proxy.process.x: no such record"})
	if err != nil {
		t.Fatal(err)
	}
	var r Readout
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Every page but the optional ones, whose records no host has
	// (synthetic data has no remaps, origins or volumes).
	optional := 0
	for _, p := range f.rc.Dashboard.Pages {
		if p.Optional {
			optional++
		}
	}
	if optional != 3 || len(r.Pages) != len(f.rc.Dashboard.Pages)-optional || r.Pages[0].Name != "Traffic & Cache" || !strings.Contains(string(out), `"Traffic & Cache"`) || strings.Contains(text, "Remaps") {
		t.Fatalf("pages %+v", r.Pages)
	}
	client := r.Pages[0].Panels[0].Metrics[0]
	if client.Name != "Client" || client.Type != "counter" || client.Unit != "per_second" || len(client.Readings) != 2 {
		t.Fatalf("client metric %+v", client)
	}
	e2 := client.Readings[1]
	if e2.Host != "edge2" || e2.Value == nil || *e2.Value != 2000 || *e2.Min != 2000 || *e2.Max != 2000 ||
		e2.Trend != "steady" || e2.Total == nil || *e2.Total != 20000 || e2.Samples != 8 ||
		e2.Stale || e2.AgeSeconds == nil || *e2.AgeSeconds != 0 {
		t.Fatalf("edge2 reading %+v", e2)
	}
	if len(r.Warnings) != 1 || !strings.Contains(string(out), `"stale": false`) {
		t.Fatalf("warnings %q, or no \"stale\" field:\n%.600s", r.Warnings, out)
	}
	// The same store read 20 s later: edge2's values are old by then.
	out, _ = JSON(f.rc, f.store, f.now.Add(20*time.Second), nil, nil)
	json.Unmarshal(out, &r)
	if e2 := r.Pages[0].Panels[0].Metrics[0].Readings[1]; !e2.Stale || e2.AgeSeconds == nil || *e2.AgeSeconds != 20 {
		t.Fatalf("20 s later, edge2 reading %+v: want stale, age 20", e2)
	}
	if text := Text(f.rc, f.store, f.now.Add(20*time.Second), nil); !strings.Contains(text, "Client, edge2: no data for 20 seconds; last 2 thousand") {
		t.Fatalf("text snapshot 20 s later does not say the value is old:\n%s", text)
	}
	lat := r.Pages[0].Panels[1].Metrics[0]
	if lat.Unit != "ms" || *lat.Readings[0].Value != 2 || lat.Readings[0].Total != nil {
		t.Fatalf("latency %+v", lat)
	}
	if u := r.Pages[0].Panels[2].Metrics[0].Unit; u != "percent" {
		t.Fatalf("hit rate unit %q", u)
	}
	// A metric with no data yet is null, not 0.
	g := newFixture(t, "edge1")
	out, _ = JSON(g.rc, g.store, g.now, nil, nil)
	if !strings.Contains(string(out), `"value": null`) {
		t.Fatalf("no data should be null:\n%.300s", out)
	}
}
