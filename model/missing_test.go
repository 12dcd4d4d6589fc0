package model

import (
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// A record the server does not have (a 10.x record on 9.x) is said once in
// its panel, not drawn as a flat zero line; a panel whose every record is
// missing says so instead of drawing empty axes; the readout says it too.
func TestRecordsNotOnTheServer(t *testing.T) {
	f := newFixture(t, "edge9")
	f.resize(160, 45)
	without := map[string]bool{
		"proxy.process.http2.connection_errors":              true, // one of two metrics of a panel
		"proxy.process.http2.total_client_connections":       false,
		"proxy.process.ssl.total_success_handshake_count_in": true, // with ssl_error_ssl: a whole panel
		"proxy.process.ssl.ssl_error_ssl":                    true,
	}
	for i := 1; i <= 10; i++ {
		f.tick++
		f.now = t0.Add(time.Duration(i) * time.Second)
		s := synth.Snapshot(0, f.tick, f.now)
		for k, drop := range without {
			if drop {
				delete(s.Values, k)
			}
		}
		f.send(ResultMsg(collect.Result{Host: 0, Snapshot: s}))
	}
	f.send(clockMsg(f.now))
	f.key("3")
	view := f.m.View()
	if n := strings.Count(view, report.NotOnServer); n != 2 {
		t.Errorf("%q appears %d times, want twice (the empty panel, and the one missing metric):\n%s", report.NotOnServer, n, view)
	}
	if !strings.Contains(view, "Errors ("+report.NotOnServer+")") {
		t.Errorf("the legend does not name the missing metric:\n%s", view)
	}
	assertFrame(t, view, 160, 45)
	f.key("r")
	if view := f.m.View(); !strings.Contains(view, "Errors, edge9: "+report.NotOnServer+".") {
		t.Errorf("the readout does not say the record is missing:\n%s", view)
	}
	if !f.m.data.AllHaveValues() {
		// Only the missing records lack values: --once need not wait for them.
		t.Error("AllHaveValues waits for records the server does not have")
	}
}
