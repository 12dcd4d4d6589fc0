package report

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
)

const fleetYAML = `pages:
  - name: P
    panels:
      - title: Requests/sec
        metrics: [{name: Client, type: counter, key: req}]
      - title: Errors
        metrics: [{name: 5xx %, type: expr, expr: "ratio(e, r) * 100", inputs: {e: err, r: req}, unit: "%", crit: 10}]
fleet:
  - {title: Req/s, panel: Requests/sec, metric: Client, worst: low}
  - {title: 5xx %, panel: Errors, metric: 5xx %}
`

// fleetFixture is six hosts a second apart for ten seconds: edge1..edge4
// alike, edge5 with 40 % errors, edge6 refusing since the fifth second.
func fleetFixture(t *testing.T) (Context, *monitor.State, time.Time) {
	t.Helper()
	dash, err := config.Parse("fleet.yaml", []byte(fleetYAML))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"edge10", "edge2", "edge3", "edge4", "edge5", "edge6"}
	data, err := monitor.New(dash, names, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var now time.Time
	for i := range 11 {
		now = t0.Add(time.Duration(i) * time.Second)
		for h := range names {
			if h == 5 && i >= 5 {
				data.Apply(collect.Result{Host: h, Snapshot: metrics.Snapshot{Time: now}, Err: errors.New("connection refused"), Retry: 2 * time.Second})
				continue
			}
			rate, errs := float64(1000+10*h), 1.0
			if h == 4 {
				errs = 400
			}
			v := map[string]metrics.Sample{"req": {Value: rate * float64(i)}, "err": {Value: errs * float64(i)}}
			data.Apply(collect.Result{Host: h, Snapshot: metrics.Snapshot{Time: now, Values: v}})
		}
	}
	rc := Context{Dashboard: dash, Hosts: names, Timing: metrics.Timing{Interval: time.Second}, History: time.Minute, Location: time.UTC}
	return rc, data, now
}

func TestBuildFleet(t *testing.T) {
	rc, data, now := fleetFixture(t)
	span := metrics.Span{End: now, Window: time.Minute}
	f := BuildFleet(rcWith(rc, data), data.Store(), span, FleetOptions{SortBy: SortStatus})
	var order []string
	for _, r := range f.Rows {
		order = append(order, r.Name+":"+r.Status)
	}
	// Down first, then the critical and outlying one, then by name
	// (edge10 after edge4).
	if got := strings.Join(order, " "); got != "edge6:down edge5:ok edge2:ok edge3:ok edge4:ok edge10:ok" {
		t.Fatalf("rows %s", got)
	}
	e5 := f.Rows[1]
	if c := e5.Cells[1]; c.Value == nil || math.Abs(*c.Value-400.0/1040*100) > 1e-9 || !c.Outlier || c.Alert != "critical" || c.Rank != 1 || e5.Outliers != 1 || e5.Alert != "critical" {
		t.Errorf("edge5's 5xx %%: %+v (row %+v)", c, e5)
	}
	e6 := f.Rows[0]
	if c := e6.Cells[0]; c.Value == nil || !c.Stale || c.Rank != 0 || e6.Error != "connection refused" || e6.ForSeconds == nil || *e6.ForSeconds != 5 || e6.RetrySeconds == nil || *e6.RetrySeconds != 2 {
		t.Errorf("edge6: %+v, its requests %+v", e6, c)
	}
	// The group line sums the rates of the hosts that answer, and
	// averages the percentages.
	mean := (100/1000.0 + 100/1010.0 + 100/1020.0 + 100/1030.0 + 40000/1040.0) / 5
	if g := f.Group; g.Name != "all 6" || g.Status != "1 down" || *g.Cells[0].Value != 1000+1010+1020+1030+1040 || math.Abs(*g.Cells[1].Value-mean) > 1e-9 {
		t.Errorf("group %+v: %v %v", g, *g.Cells[0].Value, *g.Cells[1].Value)
	}
	if f.Columns[0].Unit != "per_second" || f.Columns[1].Unit != "percent" || !f.Columns[0].LowIsWorst {
		t.Errorf("columns %+v", f.Columns)
	}

	// By requests, lowest first; the down host's old value goes last.
	f = BuildFleet(rcWith(rc, data), data.Store(), span, FleetOptions{SortBy: 0})
	if f.Rows[0].Name != "edge10" || f.Rows[4].Name != "edge5" || f.Rows[5].Name != "edge6" {
		t.Errorf("by requests: %v", names(f.Rows))
	}
	// A filter keeps matching names, and the group line is theirs.
	f = BuildFleet(rcWith(rc, data), data.Store(), span, FleetOptions{SortBy: SortName, Filter: "EDGE1"})
	if len(f.Rows) != 1 || f.Group.Name != "1 of 6 (EDGE1)" || *f.Group.Cells[0].Value != 1000 {
		t.Errorf("filtered: %v, group %+v", names(f.Rows), f.Group)
	}

	f = BuildFleet(rcWith(rc, data), data.Store(), span, FleetOptions{SortBy: SortStatus})
	lines := f.Lines()
	for i, want := range []string{
		"Fleet: 6 hosts, 1 down; sorted by condition, worst first.",
		"  Fleet, all 6: Req per second 5.1 thousand; 5xx percent 7.8 percent.",
		"  edge6, down for 5 seconds (connection refused): Req per second 1.1 thousand, old; 5xx percent 0.1 percent, old.",
		"  edge5: Req per second 1 thousand; 5xx percent 38.5 percent, highest of 6, far from the fleet, critical.",
		"  edge2: Req per second 1 thousand; 5xx percent 0.1 percent.",
	} {
		if i >= len(lines) || lines[i] != want {
			t.Errorf("line %d:\n got %q\nwant %q", i, at(lines, i), want)
		}
	}
}

func TestBuildFleetGroups(t *testing.T) {
	rc, data, now := fleetFixture(t)
	span := metrics.Span{End: now, Window: time.Minute}
	if f := BuildFleet(rcWith(rc, data), data.Store(), span, FleetOptions{}); f.Groups != nil {
		t.Errorf("no host has a group, yet lines %+v", f.Groups)
	}
	// edge10, edge2: ams; edge3: fra; edge4: none; edge5, edge6: fra.
	rc.Groups = []string{"ams", "ams", "fra", "", "fra", "fra"}
	f := BuildFleet(rcWith(rc, data), data.Store(), span, FleetOptions{SortBy: SortStatus})
	var got []string
	for _, g := range f.Groups {
		v := "-"
		if g.Cells[0].Value != nil {
			v = fmt.Sprint(*g.Cells[0].Value)
		}
		got = append(got, fmt.Sprintf("%s|%s|%s|%s", g.Name, g.Group, g.Status, v))
	}
	// Requests summed over each group's answering hosts; the host with no
	// group is "ungrouped".
	if want := "ams 2|ams|ok|2010 fra 3|fra|1 down|2060 ungrouped 1|ungrouped|ok|1030"; strings.Join(got, " ") != want {
		t.Errorf("groups:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if f.Rows[0].Group != "fra" {
		t.Errorf("rows carry no group: %+v", f.Rows[0])
	}
	lines := f.Lines()
	if want := "  Group fra 3, 1 down: Req per second 2.1 thousand; 5xx percent 19.3 percent."; !slices.Contains(lines, want) {
		t.Errorf("readout lacks %q:\n%s", want, strings.Join(lines, "\n"))
	}
	// The filter matches groups too.
	f = BuildFleet(rcWith(rc, data), data.Store(), span, FleetOptions{SortBy: SortName, Filter: "ams"})
	if strings.Join(names(f.Rows), " ") != "edge2 edge10" || len(f.Groups) != 1 || f.Groups[0].Name != "ams 2" {
		t.Errorf("filtered by group: %v, groups %+v", names(f.Rows), f.Groups)
	}
}

// rcWith is rc with data's host status.
func rcWith(rc Context, data *monitor.State) Context {
	rc.Status = data.Status()
	return rc
}

func names(rows []FleetRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name)
	}
	return out
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return fmt.Sprintf("(none of %d)", len(lines))
}
