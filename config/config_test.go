package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// inMetric puts one metric (a flow mapping or anything else) on line 6 of
// an otherwise valid file.
func inMetric(m string) string {
	return `pages:
  - name: P
    panels:
      - title: T
        metrics:
          - ` + m + "\n"
}

// valid is a minimal valid file; extra lines are appended at line 7.
const valid = `pages:
  - name: P
    panels:
      - title: T
        metrics:
          - {name: A, type: counter, key: a}
`

// A fleet asks every host its columns' records and those of metrics with
// limits; the whole dashboard only of the hosts on its pages.
func TestFleetKeys(t *testing.T) {
	src := "pages:\n" +
		"  - {name: P, panels: [{title: T, metrics: [{name: A, type: counter, key: a}, {name: B, type: gauge, key: b}]}, {title: V, metrics: [{name: C, type: expr, expr: 'rate(x) / rate(y)', inputs: {x: c1, y: c2}}]}]}\n" +
		"  - {name: Q, panels: [{title: T, metrics: [{name: D, type: gauge, key: d, warn: 5}, {name: E, type: gauge, key: e}]}]}\n"
	for _, tc := range []struct {
		fleet string
		want  []string
	}{
		{"", []string{"a", "c1", "c2", "d"}},
		{"fleet: [{title: b, panel: T, page: P, metric: B}]\n", []string{"b", "d"}},
	} {
		d, err := Parse("f.yaml", []byte(src+tc.fleet))
		if err != nil {
			t.Fatal(err)
		}
		if got := d.FleetKeys(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: FleetKeys %q; want %q", tc.fleet, got, tc.want)
		}
		if got := d.Keys(); len(got) != 6 {
			t.Errorf("Keys %q; want all 6", got)
		}
	}
}

// The fleet table's columns: the file's, each found by panel and metric
// (and page), or the first metric of each panel of the first page.
func TestFleetColumns(t *testing.T) {
	src := "pages:\n" +
		"  - {name: P, panels: [{title: T, metrics: [{name: A, type: counter, key: a}, {name: B, type: gauge, key: b}]}, {title: U, metrics: [{name: W, type: counter, key: 'x.*.y'}]}, {title: V, metrics: [{name: C, type: gauge, key: c}]}]}\n" +
		"  - {name: Q, panels: [{title: T, metrics: [{name: A, type: counter, key: d}]}]}\n"
	d, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := d.FleetColumns()
	if len(got) != 2 || got[0].Title != "T" || got[0].ID != 0 || got[1].Title != "V" || got[1].ID != 3 {
		t.Errorf("default columns %+v: want T (A, id 0) and V (C, id 3); U's wildcard is left out", got)
	}
	d, err = Parse("f.yaml", []byte(src+"fleet:\n  - {title: b, panel: T, metric: B}\n  - {title: qa, page: Q, panel: T, metric: A, worst: LOW}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got = d.FleetColumns()
	if len(got) != 2 || got[0].ID != 1 || got[0].LowIsWorst() || got[1].ID != 4 || !got[1].LowIsWorst() || got[1].Line != 6 {
		t.Errorf("columns %+v", got)
	}
}

func TestParseHostsAndBuiltinPages(t *testing.T) {
	d, err := Parse("hosts.yaml", []byte(`builtin_pages: ats
hosts:
  - name: edge1
    group: ams
    ssh: ops@edge1:2222
    socket: /run/ts/jsonrpc20.sock
    traffic_ctl: /opt/ts/bin/traffic_ctl
  - name: edge2
    source: Stats
    url: http://edge2:8080/_stats
  - name: node1
    source: promql
    url: http://prom:9090
    host: node1:9100
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []HostEntry{
		{Name: "edge1", Group: "ams", SSH: "ops@edge1:2222", Socket: "/run/ts/jsonrpc20.sock", TrafficCtl: "/opt/ts/bin/traffic_ctl", Line: 3},
		{Name: "edge2", Source: "stats", URL: "http://edge2:8080/_stats", Line: 8},
		{Name: "node1", Source: "promql", URL: "http://prom:9090", Host: "node1:9100", Line: 11},
	}
	if d.BuiltinPages != "ats" || d.BuiltinPagesLine != 1 || len(d.Pages) != 0 || fmt.Sprint(d.Hosts) != fmt.Sprint(want) {
		t.Errorf("got builtin %q, %d pages, hosts %+v\nwant hosts %+v", d.BuiltinPages, len(d.Pages), d.Hosts, want)
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("x", MaxRecordLen+1)
	tests := []struct {
		name  string
		yaml  string
		line  int    // 0: no line in the message
		field string // "" : no field
		msg   string // substring of the message
	}{
		// whole file
		{"empty", "", 0, "", "no pages defined"},
		{"only comments", "# nothing\n\n# here\n", 0, "", "no pages defined"},
		{"only document marker", "---\n", 0, "", "no pages defined"},
		{"no pages key", "timezone: UTC\n", 1, "pages", "no pages defined"},
		{"null pages", "pages:\n", 1, "pages", "no pages defined"},
		{"empty pages", "pages: []\n", 1, "pages", "no pages defined"},
		{"top level list", "- name: x\n", 1, "", "the file must be a mapping with pages:"},
		{"pages not a list", "pages: {name: x}\n", 1, "pages", "must be a list of pages, not a mapping"},
		{"two documents", valid + "---\npages: []\n", 7, "", "a second YAML document"},
		{"syntax error", "pages:\n  - name: [x\n", 2, "", "YAML syntax error: did not find expected ',' or ']'"},
		{"bad indentation", "pages:\n  - name: x\n    panels:\n   - title: y\n", 4, "", "YAML syntax error: did not find expected '-' indicator"},
		{"unclosed quote", "pages:\n  - name: \"x\n    panels: []\n", 2, "", "never closed"},
		{"syntax error without yaml line", "pages:\n  - name: x\n    panels: a: b\n", 3, "", "YAML syntax error: mapping values are not allowed"},
		{"tab indentation", "pages:\n\t- name: x\n", 2, "", "YAML syntax error"},
		{"unquoted hex colour in flow mapping", inMetric("{name: A, type: counter, key: a, color: #FF0000}"), 6, "", "quote colours"},

		// wildcards, top: and optional:
		{"two wildcards", inMetric("{name: A, type: counter, key: a.*.b.*}"), 6, "pages[0].panels[0].metrics[0].key", `"a.*.b.*" has 2 wildcards (*); one names each series`},
		{"two wildcards in an input", inMetric(`{name: A, type: expr, expr: "rate(x)", inputs: {x: "a.*.*"}}`), 6, "pages[0].panels[0].metrics[0].inputs.x", "has 2 wildcards"},
		{"top zero", "pages:\n  - name: P\n    panels:\n      - title: T\n        top: 0\n        metrics: [{name: A, type: gauge, key: a.*}]\n", 5, "pages[0].panels[0].top", "must be a whole number from 1 to 8"},
		{"top too big", "pages:\n  - name: P\n    panels:\n      - title: T\n        top: 9\n        metrics: [{name: A, type: gauge, key: a.*}]\n", 5, "pages[0].panels[0].top", `not "9"`},
		{"top not a number", "pages:\n  - name: P\n    panels:\n      - title: T\n        top: many\n        metrics: [{name: A, type: gauge, key: a.*}]\n", 5, "pages[0].panels[0].top", `not "many"`},
		{"optional not a bool", "pages:\n  - name: P\n    optional: sometimes\n    panels: [{title: T, metrics: [{name: A, type: gauge, key: a}]}]\n", 3, "pages[0].optional", "must be true or false"},

		// thresholds
		{"warn not a limit", inMetric("{name: A, type: counter, key: a, warn: lots}"), 6, "pages[0].panels[0].metrics[0].warn", `"lots" is not a limit`},
		{"crit a list", inMetric("{name: A, type: counter, key: a, crit: [1, 2]}"), 6, "pages[0].panels[0].metrics[0].crit", "must be a number or a string"},
		{"crit less severe", inMetric("{name: A, type: counter, key: a, warn: 5, crit: 2}"), 6, "pages[0].panels[0].metrics[0].crit", "less severe than warn"},
		{"limits both ways", inMetric(`{name: A, type: counter, key: a, warn: "< 5", crit: "> 9"}`), 6, "pages[0].panels[0].metrics[0].crit", "same way"},
		{"for without limits", inMetric("{name: A, type: counter, key: a, for: 30s}"), 6, "pages[0].panels[0].metrics[0].for", "has neither"},
		{"for not a duration", inMetric("{name: A, type: counter, key: a, warn: 1, for: soon}"), 6, "pages[0].panels[0].metrics[0].for", `not "soon"`},
		{"for too long", inMetric("{name: A, type: counter, key: a, warn: 1, for: 2h}"), 6, "pages[0].panels[0].metrics[0].for", "from 0s to 1h0m0s"},
		{"for negative", inMetric("{name: A, type: counter, key: a, warn: 1, for: -5}"), 6, "pages[0].panels[0].metrics[0].for", `not "-5"`},
		{">= limit", inMetric(`{name: A, type: counter, key: a, warn: ">= 5"}`), 6, "pages[0].panels[0].metrics[0].warn", ">= and <= are not limits"},

		// pages
		{"page not a mapping", "pages:\n  - Traffic\n", 2, "pages[0]", "must be a mapping with name, optional and panels, not a string"},
		{"page without name", "pages:\n  - panels: [{title: T, metrics: [{name: A, type: counter, key: a}]}]\n", 2, "pages[0].name", "missing"},
		{"page with empty name", "pages:\n  - name: ''\n    panels: [{title: T, metrics: [{name: A, type: counter, key: a}]}]\n", 2, "pages[0].name", "missing"},
		{"page without panels", "pages:\n  - name: P\n", 2, "pages[0].panels", `page "P" has no panels`},
		{"page with empty panels", "pages:\n  - name: P\n    panels: []\n", 3, "pages[0].panels", `page "P" has no panels`},
		{"panels not a list", "pages:\n  - name: P\n    panels: 4\n", 3, "pages[0].panels", "must be a list of panels, not a number"},
		{"five panels", "pages:\n  - name: Big\n    panels:\n" + strings.Repeat("      - {title: T, metrics: [{name: A, type: counter, key: a}]}\n", 5),
			3, "pages[0].panels", `page "Big" has 5 panels; a page shows at most 4 (2x2)`},
		{"too many pages", "pages:\n" + strings.Repeat("  - {name: P, panels: [{title: T, metrics: [{name: A, type: counter, key: a}]}]}\n", MaxPages+1),
			1, "pages", fmt.Sprintf("%d pages; a dashboard has at most %d", MaxPages+1, MaxPages)},
		{"page name with escape", "pages:\n  - name: \"P\\e[2J\"\n    panels: [{title: T, metrics: [{name: A, type: counter, key: a}]}]\n", 2, "pages[0].name", "control characters"},

		// panels
		{"panel without title", "pages:\n  - name: P\n    panels:\n      - metrics: [{name: A, type: counter, key: a}]\n", 4, "pages[0].panels[0].title", "missing"},
		{"panel without metrics", "pages:\n  - name: P\n    panels:\n      - title: T\n", 4, "pages[0].panels[0].metrics", `panel "T" has no metrics`},
		{"panel with empty metrics", "pages:\n  - name: P\n    panels:\n      - title: T\n        metrics: []\n", 5, "pages[0].panels[0].metrics", `panel "T" has no metrics`},
		{"nine metrics", "pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n" + strings.Repeat("          - {name: A, type: counter, key: a}\n", 9),
			5, "pages[0].panels[0].metrics", `panel "T" has 9 metrics; a chart shows at most 8 (a panel with view: table shows up to 24)`},
		{"long title", "pages:\n  - name: P\n    panels:\n      - title: " + strings.Repeat("t", MaxLabelLen+1) + "\n        metrics: [{name: A, type: counter, key: a}]\n",
			4, "pages[0].panels[0].title", "too long"},

		// metrics
		{"metric not a mapping", inMetric("proxy.process.http.incoming_requests"), 6, "pages[0].panels[0].metrics[0]", "must be a mapping with name, type, key, key2, expr, inputs, color, unit, warn, crit and for, not a string"},
		{"metric without name", inMetric("{type: counter, key: a}"), 6, "pages[0].panels[0].metrics[0].name", "missing"},
		{"metric name a list", inMetric("{name: [A], type: counter, key: a}"), 6, "pages[0].panels[0].metrics[0].name", "must be a string, not a list"},
		{"metric without key", inMetric("{name: A, type: counter}"), 6, "pages[0].panels[0].metrics[0].key", "missing"},
		{"metric without type", inMetric("{name: A, key: a}"), 6, "pages[0].panels[0].metrics[0].type", "missing (want counter, expr, gauge, hit_rate, latency, quantile or used_percent)"},
		{"unknown type", inMetric("{name: A, type: rate, key: a}"), 6, "pages[0].panels[0].metrics[0].type", `unknown metric type "rate" (want counter, expr, gauge, hit_rate, latency, quantile or used_percent)`},
		{"misspelt type", inMetric("{name: A, type: gague, key: a}"), 6, "pages[0].panels[0].metrics[0].type", `did you mean gauge?`},
		{"latency without key2", inMetric("{name: A, type: latency, key: a}"), 6, "pages[0].panels[0].metrics[0].key2", "latency needs key2 (the transaction count record)"},
		{"hit_rate without key2", inMetric("{name: A, type: HIT_RATE, key: a}"), 6, "pages[0].panels[0].metrics[0].key2", "hit_rate needs key2 (the misses record)"},
		{"counter with key2", inMetric("{name: A, type: counter, key: a, key2: b}"), 6, "pages[0].panels[0].metrics[0].key2", "a counter metric does not use key2"},
		{"gauge with key2", inMetric("{name: A, type: gauge, key: a, key2: b}"), 6, "pages[0].panels[0].metrics[0].key2", "a gauge metric does not use key2"},
		{"key2 same as key", inMetric("{name: A, type: hit_rate, key: a, key2: a}"), 6, "pages[0].panels[0].metrics[0].key2", "same record as key"},
		{"unit on counter", inMetric("{name: A, type: counter, key: a, unit: ms}"), 6, "pages[0].panels[0].metrics[0].unit", "unit applies only to latency metrics"},
		{"bad unit", inMetric("{name: A, type: latency, key: a, key2: b, unit: us}"), 6, "pages[0].panels[0].metrics[0].unit", `unknown unit "us" (want ms or s`},
		{"key with tab", inMetric("{name: A, type: counter, key: \"a\\tb\"}"), 6, "pages[0].panels[0].metrics[0].key", "contains a tab or line break"},
		{"key not ASCII", inMetric("{name: A, type: counter, key: proxy.prócess}"), 6, "pages[0].panels[0].metrics[0].key", "printable ASCII"},
		{"key with control", inMetric("{name: A, type: counter, key: \"a\\x01\"}"), 6, "pages[0].panels[0].metrics[0].key", "printable ASCII"},
		{"key too long", inMetric("{name: A, type: counter, key: " + long + "}"), 6, "pages[0].panels[0].metrics[0].key", "too long (1025 characters; at most 1024)"},
		{"bad key2", inMetric("{name: A, type: latency, key: a, key2: \"b\\nc\"}"), 6, "pages[0].panels[0].metrics[0].key2", "contains a tab or line break"},
		{"quantile out of range", inMetric("{name: A, type: quantile, key: h, key2: '1.5'}"), 6, "pages[0].panels[0].metrics[0].key2", "between 0 and 1"},
		{"quantile not a number", inMetric("{name: A, type: quantile, key: h, key2: p99}"), 6, "pages[0].panels[0].metrics[0].key2", "between 0 and 1"},
		{"bad colour", inMetric("{name: A, type: counter, key: a, color: reddish}"), 6, "pages[0].panels[0].metrics[0].color", `bad color "reddish" (want "#rgb", "#rrggbb", an ANSI number 0-255 or one of`},
		{"bad hex colour", inMetric("{name: A, type: counter, key: a, color: '#12345'}"), 6, "pages[0].panels[0].metrics[0].color", "bad color"},
		{"ANSI out of range", inMetric("{name: A, type: counter, key: a, color: 256}"), 6, "pages[0].panels[0].metrics[0].color", "0 to 255"},
		{"unquoted hex colour", "pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n          - name: A\n            type: counter\n            key: a\n            color: #FF0000\n",
			9, "pages[0].panels[0].metrics[0].color", `quote the colour: color: "#FF0000"`},

		// unknown and repeated fields
		{"misspelt field", inMetric("{name: A, type: counter, key: a, colour: red}"), 6, "pages[0].panels[0].metrics[0].colour", `unknown field "colour"; did you mean color? (a metric has name, type, key, key2, expr, inputs, color, unit, warn, crit and for)`},
		{"capitalised field", inMetric("{Name: A, type: counter, key: a}"), 6, "pages[0].panels[0].metrics[0].Name", "did you mean name?"},
		{"unknown top-level field", valid + "interval: 5\n", 7, "interval", `unknown field "interval" (the top level has pages, builtin_pages, hosts, history, timezone, traffic_ctl and fleet)`},
		{"field at the wrong level", "pages:\n  - name: P\n    metrics: []\n    panels: [{title: T, metrics: [{name: A, type: counter, key: a}]}]\n",
			3, "pages[0].metrics", "metrics is a field of a panel, not of a page"},
		{"odd unknown key", valid + "\"a b\": 1\n", 7, "", `unknown field "a b"`},
		{"duplicate field", inMetric("{name: A, name: B, type: counter, key: a}"), 6, "pages[0].panels[0].metrics[0].name", `"name" is set twice (first on line 6)`},

		// history and timezone
		{"history too short", valid + "history: {seconds: 9}\n", 7, "history.seconds", "9 is out of range (want 10 to 604800 seconds"},
		{"history too long", valid + "history:\n  seconds: 604801\n", 8, "history.seconds", "604801 is out of range"},
		{"history zero", valid + "history: {seconds: 0}\n", 7, "history.seconds", "0 is out of range"},
		{"history negative", valid + "history: {seconds: -5}\n", 7, "history.seconds", "-5 is out of range"},
		{"history huge", valid + "history: {seconds: 99999999999999999999999}\n", 7, "history.seconds", "99999999999999999999999 is out of range (want 10 to 604800 seconds"},
		{"history bare number", valid + "history: 120\n", 7, "history", "must be a mapping with seconds, e.g. \"history: {seconds: 120}\""},
		{"history with unit", valid + "history: {seconds: 120s}\n", 7, "history.seconds", `must be a whole number of seconds (10 to 604800), not "120s"`},
		{"history float", valid + "history: {seconds: 12.5}\n", 7, "history.seconds", "must be a whole number of seconds"},
		{"history unknown field", valid + "history: {minutes: 2}\n", 7, "history.minutes", `unknown field "minutes" (history has seconds)`},
		{"bad timezone", valid + "timezone: Mars/Olympus_Mons\n", 7, "timezone", `unknown time zone "Mars/Olympus_Mons"`},

		// hosts and built-in pages
		{"host without name", valid + "hosts:\n  - {source: stats, url: 'http://a:8080/_stats'}\n", 8, "hosts[0].name", "every host needs a name"},
		{"misspelt host field", valid + "hosts:\n  - {name: e1, sockt: /x.sock}\n", 8, "hosts[0].sockt", "did you mean socket?"},
		{"control characters in a group", valid + "hosts:\n  - {name: e1, group: \"a\\tb\"}\n", 8, "hosts[0].group", "control characters"},
		{"too many hosts", valid + "hosts: [" + strings.Repeat("{name: a}, ", 1000) + "{name: b}]\n", 7, "hosts", "1001 hosts; at most 1000"},
		{"fleet: no such panel", valid + "fleet: [{title: x, panel: Nope, metric: A}]\n", 7, "fleet[0]", `no panel "Nope" with a metric "A"`},
		{"fleet: no such metric", valid + "fleet: [{title: x, panel: T, metric: B}]\n", 7, "fleet[0]", `no panel "T" with a metric "B"`},
		{"fleet: no such page", valid + "fleet: [{title: x, page: Q, panel: T, metric: A}]\n", 7, "fleet[0]", `no panel "T" with a metric "A" on page "Q"`},
		{"fleet: no title", valid + "fleet: [{panel: T, metric: A}]\n", 7, "fleet[0].title", "every fleet column needs a title"},
		{"fleet: no panel", valid + "fleet: [{title: x, metric: A}]\n", 7, "fleet[0].panel", "missing (the title of the panel"},
		{"fleet: bad worst", valid + "fleet: [{title: x, panel: T, metric: A, worst: up}]\n", 7, "fleet[0].worst", `"up": want high or low`},
		{"fleet: unknown field", valid + "fleet: [{title: x, panel: T, metric: A, colour: red}]\n", 7, "fleet[0].colour", `unknown field "colour"`},
		{"fleet: two pages", "pages:\n  - {name: P, panels: [{title: T, metrics: [{name: A, type: counter, key: a}]}]}\n  - {name: Q, panels: [{title: T, metrics: [{name: A, type: counter, key: b}]}]}\nfleet: [{title: x, panel: T, metric: A}]\n",
			4, "fleet[0]", `is on pages "P", "Q": say which with page:`},
		{"fleet: a wildcard", inMetric("{name: A, type: counter, key: 'a.*.b'}") + "fleet: [{title: x, panel: T, metric: A}]\n", 7, "fleet[0]", "reads a wildcard record"},
		{"fleet without pages", "builtin_pages: ats\nfleet: [{title: x, panel: T, metric: A}]\n", 2, "fleet", "names metrics of pages: in the same file"},
		{"pages and builtin_pages", valid + "builtin_pages: node\n", 7, "builtin_pages", "not both"},
		{"timezone path", valid + "timezone: ../../etc/passwd\n", 7, "timezone", "unknown time zone"},
		{"timezone a list", valid + "timezone: [UTC]\n", 7, "timezone", "must be a string, not a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("dash.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error; got %+v", d)
			}
			if d != nil {
				t.Errorf("dashboard returned with error")
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T is not a non-empty ErrorList: %v", err, err)
			}
			prefix := "dash.yaml: "
			if tt.line > 0 {
				prefix = fmt.Sprintf("dash.yaml:%d: ", tt.line)
			}
			if tt.field != "" {
				prefix += tt.field + ": "
			}
			for _, e := range list {
				if s := e.Error(); strings.HasPrefix(s, prefix) && strings.Contains(s[len(prefix):], tt.msg) {
					return
				}
			}
			t.Errorf("no error starting %q and containing %q in:\n%v", prefix, tt.msg, err)
		})
	}
}

func TestParseValid(t *testing.T) {
	const file = `# A small dashboard in the original schema.
pages:
  - name: "Mine"
    panels:
      - title: "Requests/sec"
        metrics:
          - &base {name: "Client", type: Counter, key: proxy.process.http.incoming_requests, color: "#FF0"}
          - {<<: *base, name: "Origin", key: proxy.process.http.outgoing_requests, color: 196}
      - title: Latency
        metrics:
          - name: Hit
            type: LATENCY
            key: proxy.process.http.transaction_totaltime.hit_fresh
            key2: proxy.process.http.transaction_counts.hit_fresh
            unit: MS
            color: orange
          - name: 404
            type: hit_rate
            key: proxy.process.cache_total_hits
            key2: proxy.process.cache_total_misses
history:
  seconds: 300
timezone: America/Los_Angeles
`
	want := &Dashboard{
		Pages: []Page{{
			Name: "Mine",
			Panels: []Panel{
				{Title: "Requests/sec", Metrics: []Metric{
					{Name: "Client", Type: TypeCounter, Key: "proxy.process.http.incoming_requests", Color: "#ffff00", Line: 7},
					{Name: "Origin", Type: TypeCounter, Key: "proxy.process.http.outgoing_requests", Color: "#ff0000", Line: 8},
				}},
				{Title: "Latency", Metrics: []Metric{
					{Name: "Hit", Type: TypeLatency, Key: "proxy.process.http.transaction_totaltime.hit_fresh",
						Key2: "proxy.process.http.transaction_counts.hit_fresh", Unit: "ms", Color: "#ffa500", Line: 11},
					{Name: "404", Type: TypeHitRate, Key: "proxy.process.cache_total_hits",
						Key2: "proxy.process.cache_total_misses", Line: 17},
				}},
			},
		}},
		HistorySeconds: 300,
		Timezone:       "America/Los_Angeles",
	}
	d, err := Parse("mine.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got  %+v\nwant %+v", d, want)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	wantKeys := []string{
		"proxy.process.http.incoming_requests", "proxy.process.http.outgoing_requests",
		"proxy.process.http.transaction_totaltime.hit_fresh", "proxy.process.http.transaction_counts.hit_fresh",
		"proxy.process.cache_total_hits", "proxy.process.cache_total_misses",
	}
	if got := d.Keys(); !reflect.DeepEqual(got, wantKeys) {
		t.Errorf("Keys() = %v, want %v", got, wantKeys)
	}
}

func TestParseOptional(t *testing.T) {
	tests := []struct {
		name     string
		extra    string
		history  int
		timezone string
	}{
		{"neither", "", 0, ""},
		{"empty history", "history:\n", 0, ""},
		{"history without seconds", "history: {}\n", 0, ""},
		{"history", "history: {seconds: 120}\n", 120, ""},
		{"history max", "history:\n  seconds: 604800\n", 604800, ""},
		{"history min", "history: {seconds: 10}\n", 10, ""},
		{"timezone", "timezone: Europe/Berlin\n", 0, "Europe/Berlin"},
		{"UTC", "timezone: UTC\n", 0, "UTC"},
		{"empty timezone", "timezone:\n", 0, ""},
		{"both", "timezone: Asia/Tokyo\nhistory: {seconds: 3600}\n", 3600, "Asia/Tokyo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("dash.yaml", []byte(valid+tt.extra))
			if err != nil {
				t.Fatal(err)
			}
			if d.HistorySeconds != tt.history || d.Timezone != tt.timezone {
				t.Errorf("got history %d timezone %q, want %d %q", d.HistorySeconds, d.Timezone, tt.history, tt.timezone)
			}
		})
	}
}

func TestParseWildcardsTopOptional(t *testing.T) {
	src := "pages:\n  - name: Remaps\n    optional: true\n    panels:\n      - title: T\n        top: 3\n        metrics:\n" +
		"          - {name: A, type: counter, key: plugin.remap_stats.*.status_5xx}\n" +
		"          - {name: B, type: gauge, key: 'node_x{device=\"*\"}'}\n" +
		"          - {name: C, type: gauge, key: 'node_x{device=~\"eth.*\"}'}\n"
	d, err := Parse("dash.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pg := d.Pages[0]
	if !pg.Optional || pg.Panels[0].Top != 3 || pg.Panels[0].TopN() != 3 {
		t.Errorf("optional %v top %d", pg.Optional, pg.Panels[0].Top)
	}
	for i, family := range []bool{true, true, false} {
		if _, ok := pg.Panels[0].Metrics[i].Def().Pattern(); ok != family {
			t.Errorf("metric %d: family %v, want %v", i, ok, family)
		}
	}
	if (Panel{}).TopN() != DefaultTop {
		t.Error("no top: is not the default")
	}
	if c := d.Clone(); !c.Pages[0].Optional || c.Pages[0].Panels[0].Top != 3 {
		t.Error("Clone loses optional or top")
	}
}

func TestParseLimits(t *testing.T) {
	src := inMetric(`{name: A, type: counter, key: a, warn: 2, crit: "> 5", for: 30s}`) +
		"          - {name: B, type: gauge, key: b, warn: below 80, crit: \"<50\", for: 90}\n"
	d, err := Parse("dash.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ms := d.Pages[0].Panels[0].Metrics
	a, b := ms[0].Limits, ms[1].Limits
	if *a.Warn != (metrics.Threshold{Value: 2}) || *a.Crit != (metrics.Threshold{Value: 5}) || a.For != 30*time.Second {
		t.Errorf("A's limits %+v %+v for %v", *a.Warn, *a.Crit, a.For)
	}
	if *b.Warn != (metrics.Threshold{Value: 80, Below: true}) || *b.Crit != (metrics.Threshold{Value: 50, Below: true}) || b.For != 90*time.Second {
		t.Errorf("B's limits %+v %+v for %v", *b.Warn, *b.Crit, b.For)
	}
	c := d.Clone()
	c.Pages[0].Panels[0].Metrics[0].Limits.Warn.Value = 99
	if a.Warn.Value != 2 {
		t.Error("Clone shares the limits")
	}
}

func TestParseTypeCaseInsensitive(t *testing.T) {
	for _, typ := range []string{"counter", "Counter", "COUNTER", "cOuNtEr"} {
		d, err := Parse("dash.yaml", []byte(inMetric("{name: A, type: "+typ+", key: a}")))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if got := d.Pages[0].Panels[0].Metrics[0].Type; got != TypeCounter {
			t.Errorf("type %s parsed as %q", typ, got)
		}
	}
}

func TestParseDefaultYAML(t *testing.T) {
	data, err := os.ReadFile("../pages/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse("default.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range d.Pages[:4] {
		names = append(names, p.Name)
		if len(p.Panels) != 4 {
			t.Errorf("page %q has %d panels", p.Name, len(p.Panels))
		}
	}
	if want := []string{"Traffic & Cache", "Response Codes", "TLS & HTTP/2", "Network & Errors"}; !reflect.DeepEqual(names, want) {
		t.Errorf("pages %q, want %q", names, want)
	}
	got := d.Pages[0].Panels[1].Metrics[0]
	want := Metric{Name: "Cache Hit", Type: TypeLatency, Key: "proxy.process.http.transaction_totaltime.hit_fresh",
		Key2: "proxy.process.http.transaction_counts.hit_fresh", Color: "#00ff00", Line: 17}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("latency metric %+v, want %+v", got, want)
	}
}

func TestMultipleErrors(t *testing.T) {
	file := `pages:
  - name: P
    panels:
      - title: T
        metrics:
          - {name: A, type: rate, key: a}
          - {name: B, type: latency, key: b}
          - {name: C, type: counter, key: c, colour: red}
timezone: Nowhere/Special
`
	_, err := Parse("dash.yaml", []byte(file))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		"dash.yaml:6: pages[0].panels[0].metrics[0].type: ",
		"dash.yaml:7: pages[0].panels[0].metrics[1].key2: ",
		"dash.yaml:8: pages[0].panels[0].metrics[2].colour: ",
		"dash.yaml:9: timezone: ",
	}
	if len(lines) != len(want) || len(list) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], want[i])
		}
	}
	var first *Error
	if !errors.As(err, &first) || first.Line != 6 || first.File != "dash.yaml" || first.Field != "pages[0].panels[0].metrics[0].type" {
		t.Errorf("errors.As gave %+v", first)
	}
}

func TestManyErrorsTruncated(t *testing.T) {
	var b strings.Builder
	b.WriteString(valid)
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "unknown%d: 1\n", i)
	}
	_, err := Parse("dash.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != MaxReportedErrors+1 {
		t.Fatalf("%d lines:\n%v", len(lines), err)
	}
	if last := lines[len(lines)-1]; last != "... and 10 more errors" {
		t.Errorf("last line %q", last)
	}
	if list := err.(ErrorList); len(list) != 30 {
		t.Errorf("%d errors kept, want 30", len(list))
	}
}

func TestOversized(t *testing.T) {
	big := []byte(valid + "#" + strings.Repeat("x", MaxFileSize) + "\n")
	if _, err := Parse("big.yaml", big); err == nil || !strings.HasPrefix(err.Error(), "big.yaml: ") || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("Parse: %v", err)
	}
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, big, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("Load: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dash.yaml")
	if err := os.WriteFile(path, []byte(valid+"history: {seconds: 60}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d.HistorySeconds != 60 || len(d.Pages) != 1 {
		t.Errorf("got %+v", d)
	}

	missing := filepath.Join(dir, "missing.yaml")
	_, err = Load(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v is not ErrNotExist", err)
	}
	if err == nil || !strings.HasPrefix(err.Error(), missing+": cannot read the dashboard: ") {
		t.Errorf("missing file: %v", err)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(inMetric("{name: A, type: rate, key: a}")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if want := bad + `:6: pages[0].panels[0].metrics[0].type: unknown metric type "rate" (want counter, expr, gauge, hit_rate, latency, quantile or used_percent)`; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestValidate(t *testing.T) {
	good := func() *Dashboard {
		return &Dashboard{Pages: []Page{{Name: "P", Panels: []Panel{{Title: "T", Metrics: []Metric{
			{Name: "A", Type: TypeLatency, Key: "a", Key2: "b", Unit: "s", Color: "red"},
		}}}}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid dashboard: %v", err)
	}
	tests := []struct {
		name   string
		change func(d *Dashboard)
		want   string // whole message of the only error
	}{
		{"no pages", func(d *Dashboard) { d.Pages = nil }, "pages: no pages defined (or name built-in ones with builtin_pages:)"},
		{"uppercase type", func(d *Dashboard) { d.Pages[0].Panels[0].Metrics[0].Type = "Latency" },
			`pages[0].panels[0].metrics[0].type: metric type "Latency" must be lowercase here (want latency)`},
		{"no key2", func(d *Dashboard) { d.Pages[0].Panels[0].Metrics[0].Key2 = "" },
			"pages[0].panels[0].metrics[0].key2: latency needs key2 (the transaction count record)"},
		{"bad colour", func(d *Dashboard) { d.Pages[0].Panels[0].Metrics[0].Color = "#ggg" },
			`pages[0].panels[0].metrics[0].color: bad color "#ggg": want "#rgb" or "#rrggbb" with hex digits`},
		{"history", func(d *Dashboard) { d.HistorySeconds = 5 },
			"history.seconds: 5 is out of range (want 10 to 604800 seconds, i.e. 10 s to 7 days)"},
		{"timezone", func(d *Dashboard) { d.Timezone = "Nowhere" },
			`timezone: unknown time zone "Nowhere" (want an IANA name such as America/Los_Angeles, Europe/Berlin or UTC)`},
		{"no title", func(d *Dashboard) { d.Pages[0].Panels[0].Title = " " },
			"pages[0].panels[0].title: missing (every panel needs a title)"},
		{"too many panels", func(d *Dashboard) {
			p := d.Pages[0].Panels[0]
			d.Pages[0].Panels = []Panel{p, p, p, p, p}
		}, `pages[0].panels: page "P" has 5 panels; a page shows at most 4 (2x2)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good()
			tt.change(d)
			err := d.Validate()
			if err == nil || err.Error() != tt.want {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestClone(t *testing.T) {
	d, err := Parse("dash.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	c := d.Clone()
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("clone differs: %+v", c)
	}
	c.Pages[0].Name = "changed"
	c.Pages[0].Panels[0].Title = "changed"
	c.Pages[0].Panels[0].Metrics[0].Key = "changed"
	c.Pages[0].Panels = append(c.Pages[0].Panels, Panel{})
	if d.Pages[0].Name != "P" || d.Pages[0].Panels[0].Title != "T" || d.Pages[0].Panels[0].Metrics[0].Key != "a" || len(d.Pages[0].Panels) != 1 {
		t.Errorf("changing the clone changed the original: %+v", d)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "f.yaml", Line: 3, Field: "pages", Msg: "m"}, "f.yaml:3: pages: m"},
		{Error{File: "f.yaml", Msg: "m"}, "f.yaml: m"},
		{Error{File: "f.yaml", Line: 2, Msg: "m"}, "f.yaml:2: m"},
		{Error{Field: "pages", Msg: "m"}, "pages: m"},
		{Error{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestParseColor(t *testing.T) {
	tests := []struct {
		in, want string
		bad      string // substring of the error
	}{
		{"", "", ""},
		{"  ", "", ""},
		{"#FFFF00", "#ffff00", ""},
		{"#bf00ff", "#bf00ff", ""},
		{"#F0a", "#ff00aa", ""},
		{" #abc ", "#aabbcc", ""},
		{"red", "#ff0000", ""},
		{"Orange", "#ffa500", ""},
		{"grey", "#808080", ""},
		{"gray", "#808080", ""},
		{"lime", "#00ff00", ""},
		{"0", "#000000", ""},
		{"1", "#cd0000", ""},
		{"9", "#ff0000", ""},
		{"15", "#ffffff", ""},
		{"16", "#000000", ""},
		{"21", "#0000ff", ""},
		{"196", "#ff0000", ""},
		{"208", "#ff8700", ""},
		{"231", "#ffffff", ""},
		{"232", "#080808", ""},
		{"255", "#eeeeee", ""},
		{"007", "#e5e5e5", ""},
		{"256", "", "0 to 255"},
		{"-1", "", "bad color"},
		{"1000", "", "bad color"},
		{"#12345", "", `want "#rgb" or "#rrggbb"`},
		{"#gggggg", "", "hex digits"},
		{"#", "", "bad color"},
		{"ff0000", "", `hex needs a leading #, quoted: "#ff0000"`},
		{"redd", "", "did you mean red?"},
		{"reddish", "", `bad color "reddish" (want "#rgb", "#rrggbb", an ANSI number 0-255 or one of aqua, black`},
		{"rgb(1,2,3)", "", "bad color"},
	}
	for _, tt := range tests {
		got, err := ParseColor(tt.in)
		switch {
		case tt.bad == "" && (err != nil || got != tt.want):
			t.Errorf("ParseColor(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.bad != "" && (err == nil || !strings.Contains(err.Error(), tt.bad)):
			t.Errorf("ParseColor(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.bad)
		}
	}
	for _, n := range ColorNames() {
		if hex, err := ParseColor(n); err != nil || len(hex) != 7 {
			t.Errorf("name %s: %q, %v", n, hex, err)
		}
	}
	for i := 0; i < 20; i++ {
		if hex, err := ParseColor(PaletteColor(i)); err != nil || hex != PaletteColor(i) {
			t.Errorf("PaletteColor(%d) = %q", i, PaletteColor(i))
		}
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"colour", "color"},
		{"Color", "color"},
		{"key_2", "key2"},
		{"nmae", "name"},
		{"ky", "key"},
		{"x", ""},
		{"interval", ""},
		{"description", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, metricFields); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Aliases and merge keys can make a small file name the same mapping very
// many times; Parse must stay fast and say what is wrong.
func TestAliasAmplification(t *testing.T) {
	var m strings.Builder
	m.WriteString("pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n          - &m0 {name: A, type: counter, key: a}\n")
	for i := 1; i < 8; i++ {
		fmt.Fprintf(&m, "          - &m%d {<<: [%s]}\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 20), ", "))
	}
	if d, err := Parse("dash.yaml", []byte(m.String())); err != nil {
		t.Errorf("nested merges: %v", err)
	} else if got := d.Pages[0].Panels[0].Metrics[7]; got.Name != "A" || got.Key != "a" || got.Line != 13 {
		t.Errorf("nested merges: metric %+v", got)
	}

	// One mapping with many unknown fields, repeated on every metric.
	var u strings.Builder
	u.WriteString("pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n          - &x {name: A, type: counter, key: a")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&u, ", f%d: 1", i)
	}
	u.WriteString("}\n" + strings.Repeat("          - *x\n", 7))
	_, err := Parse("dash.yaml", []byte(u.String()))
	if err == nil || !strings.Contains(err.Error(), `unknown field "f0"`) {
		t.Fatalf("unknown fields: %v", err)
	}
	list := err.(ErrorList)
	if last := list[len(list)-1].Error(); last != "dash.yaml: too many errors; stopped after 1000" {
		t.Errorf("last error %q", last)
	}

	// A budget of field visits bounds valid repetition too: 1024 metrics
	// (32 pages of 4 panels of 8), each merging 200 mappings.
	var v strings.Builder
	v.WriteString("pages:\n  - &pg\n    name: P\n    panels:\n      - &pn\n        title: T\n        metrics:\n          - &mt {<<: [")
	for i := 0; i < 200; i++ {
		if i > 0 {
			v.WriteString(", ")
		}
		v.WriteString("{name: A, type: counter, key: a}")
	}
	v.WriteString("]}\n" + strings.Repeat("          - *mt\n", 7) + strings.Repeat("      - *pn\n", 3) + strings.Repeat("  - *pg\n", MaxPages-1))
	_, err = Parse("dash.yaml", []byte(v.String()))
	if err == nil || !strings.Contains(err.Error(), "too many fields (counting those repeated through aliases and merge keys)") {
		t.Fatalf("repeated merges: %v", err)
	}
}

func TestExpressionMetrics(t *testing.T) {
	good := `pages:
  - name: Errors
    panels:
      - title: "5xx %"
        metrics:
          - name: "5xx"
            type: expr
            expr: "rate(5xx) / rate(req) * 100"
            inputs: {5xx: proxy.process.http.5xx_responses, req: proxy.process.http.incoming_requests}
            unit: "%"
          - name: origin
            type: expr
            expr: rate(proxy.process.http.outgoing_requests)
`
	d, err := Parse("dash.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	m := d.Pages[0].Panels[0].Metrics[0]
	if def := m.Def(); def.Expr == nil || def.DisplayUnit() != metrics.UnitPercent {
		t.Fatalf("def %+v", def)
	}
	want := []string{"proxy.process.http.5xx_responses", "proxy.process.http.incoming_requests", "proxy.process.http.outgoing_requests"}
	if got := d.Keys(); !reflect.DeepEqual(got, want) {
		t.Fatalf("keys %q, want %q", got, want)
	}
	c := d.Clone()
	c.Pages[0].Panels[0].Metrics[0].Inputs["req"] = "x"
	if m.Inputs["req"] == "x" {
		t.Fatal("Clone shares the inputs")
	}

	bad := func(metric string) string {
		return "pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n          - name: m\n            type: expr\n" + metric
	}
	tests := []struct{ name, yaml, want string }{
		{"plain", bad("            expr: rate(req) / rat(req)\n            inputs: {req: a.b}\n"),
			"dash.yaml:8:31: pages[0].panels[0].metrics[0].expr: unknown function rat; did you mean rate? (known: delta, max, min, ms, quantile, rate, ratio, sum)\n" +
				"    rate(req) / rat(req)\n                ^^^"},
		{"quoted", bad("            expr: \"rate(req) / rate(reqs)\"\n            inputs: {req: a.b}\n"),
			"dash.yaml:8:37: pages[0].panels[0].metrics[0].expr: unknown name \"reqs\"; did you mean req?"},
		{"block", bad("            expr: |\n              rate(req)\n                / rate(req) +\n            inputs: {req: a.b}\n"),
			"dash.yaml:10:30: pages[0].panels[0].metrics[0].expr: expected a number, a name or (, found the end\n      / rate(req) +\n                   ^"},
		{"no expr", bad("            inputs: {req: a.b}\n"), "dash.yaml:6: pages[0].panels[0].metrics[0].expr: missing"},
		{"key on expr", bad("            key: a.b\n            expr: a.b\n"), "dash.yaml:8: pages[0].panels[0].metrics[0].key: an expr metric reads its records through expr: and inputs:"},
		{"expr on counter", "pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n          - {name: m, type: counter, key: a.b, expr: a.b}\n",
			"pages[0].panels[0].metrics[0].expr: expr: and inputs: are for metrics of type: expr; this one is a counter"},
		{"bad unit", bad("            expr: a.b\n            unit: furlongs\n"), `unknown unit "furlongs" for an expression (want %, ms, s, bytes, bits/s or bytes/s`},
		{"inputs not a map", bad("            expr: a.b\n            inputs: [a.b]\n"), "inputs: must be a mapping of names to records"},
		{"unused input", bad("            expr: a.b\n            inputs: {x: c.d}\n"), `input "x" is not used in the expression`},
	}
	for _, tc := range tests {
		_, err := Parse("dash.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got\n%v\nwant it to contain\n%s", tc.name, err, tc.want)
		}
	}
}
