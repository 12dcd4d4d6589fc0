package model

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
)

// tableDashboard has a page of two charts over a wide table, and a page
// holding one full table.
const tableDashboard = `pages:
  - name: Mixed
    panels:
      - title: Requests/sec
        metrics:
          - {name: Client, type: counter, key: proxy.process.http.incoming_requests}
      - title: Connections
        metrics:
          - {name: Client, type: gauge, key: proxy.process.http.current_client_connections}
      - title: Responses
        view: table
        metrics:
          - {name: 2xx, type: counter, key: proxy.process.http.2xx_responses}
          - {name: 4xx, type: counter, key: proxy.process.http.4xx_responses}
          - name: 5xx %
            type: expr
            expr: rate(e) / rate(r) * 100
            inputs: {e: proxy.process.http.5xx_responses, r: proxy.process.http.incoming_requests}
            unit: "%"
          - name: To clients
            type: expr
            expr: rate(proxy.process.http.user_agent_total_response_bytes) * 8
            unit: bits/s
  - name: Table
    panels:
      - title: Everything
        view: table
        metrics:
          - {name: Requests, type: counter, key: proxy.process.http.incoming_requests}
          - {name: Origin requests, type: counter, key: proxy.process.http.outgoing_requests}
          - {name: Hit rate, type: hit_rate, key: proxy.process.cache_total_hits, key2: proxy.process.cache_total_misses}
          - {name: Hit latency, type: latency, key: proxy.process.http.transaction_totaltime.hit_fresh, key2: proxy.process.http.transaction_counts.hit_fresh}
          - {name: Client conns, type: gauge, key: proxy.process.http.current_client_connections}
          - {name: Origin conns, type: gauge, key: proxy.process.http.current_server_connections}
          - {name: TLS handshakes, type: counter, key: proxy.process.ssl.total_success_handshake_count_in}
          - {name: TLS errors, type: counter, key: proxy.process.ssl.ssl_error_ssl}
          - {name: H2 conns, type: gauge, key: proxy.process.http2.current_client_connections}
          - {name: Connect fails, type: counter, key: proxy.process.http.err_connect_fail_count}
          - {name: Aborts, type: counter, key: proxy.process.http.transaction_counts.errors.aborts}
          - name: Origin bytes
            type: expr
            expr: rate(proxy.process.http.origin_server_total_response_bytes)
            unit: bytes/s
`

func tableFixture(t testing.TB, setup func(*ProgramContext), hosts ...string) *fixture {
	t.Helper()
	dash, err := config.Parse("tables.yaml", []byte(tableDashboard))
	if err != nil {
		t.Fatal(err)
	}
	return newFixtureOn(t, dash, time.Minute, setup, hosts...)
}

func TestTableGoldenScreens(t *testing.T) {
	ascii := func(c *ProgramContext) { c.Glyphs = chart.GlyphsFor(chart.GlyphsASCII) }
	cases := []struct {
		name  string
		hosts []string
		w, h  int
		keys  []string
		setup func(*ProgramContext)
	}{
		{"table_mixed_1host_80x24", []string{"edge1"}, 80, 24, nil, nil},
		{"table_mixed_2hosts_200x60", []string{"edge1", "edge2"}, 200, 60, nil, nil},
		{"table_full_2hosts_80x24", []string{"edge1", "edge2"}, 80, 24, []string{"2"}, nil},
		{"table_full_4hosts_200x60", []string{"e1", "e2", "e3", "e4"}, 200, 60, []string{"2"}, nil},
		{"table_ascii_2hosts_80x24", []string{"edge1", "edge2"}, 80, 24, nil, ascii},
		{"table_ascii_1host_200x60", []string{"edge1"}, 200, 60, []string{"2"}, ascii},
		{"table_readout_1host_80x24", []string{"edge1"}, 80, 24, []string{"2", "r"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := tableFixture(t, c.setup, c.hosts...)
			f.resize(c.w, c.h)
			f.feed(30)
			for _, k := range c.keys {
				f.key(k)
			}
			got := f.m.View()
			assertFrame(t, got, c.w, c.h)
			checkGolden(t, filepath.Join("testdata", c.name+".golden"), got)
		})
	}
}

// A table row says each host's value as a title would, and sparklines
// show the window; rows that do not fit say how many are left.
func TestTableRows(t *testing.T) {
	f := tableFixture(t, nil, "edge1", "edge2")
	f.resize(200, 60)
	f.feed(30)
	f.key("2")
	view := f.m.View()
	for _, want := range []string{"Requests", "1K", "2K", "Hit rate", "85.0%", "Hit latency", "2ms", "Origin bytes", "3MB/s", "6MB/s", "━━ edge1", "╍╍ edge2"} {
		if !strings.Contains(view, want) {
			t.Errorf("full table lacks %q:\n%s", want, view)
		}
	}
	if !strings.ContainsAny(view, "⣀⣤⣶⣿⢀⡀") {
		t.Errorf("no braille sparkline:\n%s", view)
	}
	tv := NewTableView(f.pctx, 1, 0)
	tv.SetSize(80, 10) // 8 rows inside: a header, 6 metrics, "+6 more"
	tv.Refresh(f.store, metrics.Span{End: f.now, Window: time.Minute})
	if v := tv.View(); !strings.Contains(v, "+6 more (r: readout)") || strings.Count(v, "\n") != 9 {
		t.Errorf("a table too tall for its panel does not say what is left, in 10 lines:\n%s", v)
	}
	f.key("1")
	if view := f.m.View(); !strings.Contains(view, "5xx %") || !strings.Contains(view, "b/s") {
		t.Errorf("mixed page: the wide table lacks its expression rows:\n%s", view)
	}
}

// A host that stops answering is marked in the table as in titles.
func TestTableMarksStaleValues(t *testing.T) {
	f := tableFixture(t, nil, "edge1")
	f.resize(120, 40)
	f.feed(10)
	f.now = f.now.Add(30 * time.Second)
	f.send(clockMsg(f.now))
	f.key("2")
	if view := f.m.View(); !strings.Contains(view, "1K"+StaleMark) {
		t.Errorf("a stale value is not marked in the table:\n%s", view)
	}
}

func TestSparkline(t *testing.T) {
	h := metrics.NewDownsampledHistory(time.Minute, time.Second)
	for i := range 20 {
		if i >= 8 && i < 12 {
			continue // a gap
		}
		h.Add(metrics.Point{T: t0.Add(time.Duration(i) * time.Second), V: float64(i)})
	}
	span := metrics.Span{End: t0.Add(19 * time.Second), Window: 20 * time.Second}
	// Rising from 0 to 19 over 20 s, with no points from 8 to 11 s: longer
	// than maxGap, so blank; the first column is before the first point.
	tests := []struct {
		set   chart.GlyphSet
		width int
		want  string
	}{
		{chart.GlyphsASCII, 20, " ____....    ----'''"},
		{chart.GlyphsBlock, 20, " ▄▄▄▄▄▄▄▄    ███████"},
		{chart.GlyphsBraille, 10, "⢀⣀⣠⣤⡄ ⢰⣶⣾⣿"},
	}
	for _, tc := range tests {
		g := chart.GlyphsFor(tc.set)
		if got := sparkline(h, span, tc.width, 0, 19, &g, 2*time.Second); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.set, got, tc.want)
		}
	}
}

// The overlays draw at any size, boxed or not, without panicking (the
// render fuzzer found the page list's box going negative on a 1-cell-wide
// screen).
func TestOverlaysAtTinySizes(t *testing.T) {
	f := newFixture(t, "edge1")
	for w := 0; w <= 10; w++ {
		for h := 0; h <= 4; h++ {
			for _, boxed := range []bool{true, false} {
				f.m.pageList.SetSize(w, h)
				f.m.pageList.Refresh(boxed)
				f.m.help.SetSize(w, h)
				f.m.help.Refresh(boxed)
			}
		}
	}
}
