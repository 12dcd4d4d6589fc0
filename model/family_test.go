package model

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// pageNamed is the index of the built-in page called name.
func (f *fixture) pageNamed(t *testing.T, name string) int {
	t.Helper()
	for i, p := range f.pctx.Dashboard.Pages {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no page %q", name)
	return -1
}

// The per-origin and per-remap pages over two simulated hosts after 70 s,
// when every remap rule and origin has appeared: charts draw the top
// members and the rest as one line, tables list every member, and o
// changes the tables' order.
func TestFamilyPages(t *testing.T) {
	if testing.Short() {
		t.Skip("drives two simulators for 70 s of simulated time")
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x60", 200, 60}} {
		f := newFixtureWith(t, time.Minute, nil, "edge1", "edge2")
		f.resize(size.w, size.h)
		f.feedFromSimulators(t, 70)
		for _, name := range []string{"Origins", "Remaps"} {
			f.page(f.pageNamed(t, name))
			got := f.m.View()
			assertFrame(t, got, size.w, size.h)
			checkGolden(t, filepath.Join("testdata", "family", name+"_"+size.name+".golden"), got)
		}
	}

	f := newFixtureWith(t, time.Minute, nil, "edge1")
	f.resize(200, 60)
	f.page(f.pageNamed(t, "Remaps"))
	// beta.example.com, a rule the simulated server gains 60 s after it
	// starts, appears without a restart.
	f.feedFromSimulatorsEach(t, 70, func(tick int) {
		if has := strings.Contains(f.m.View(), "beta.example.com"); has != (tick >= 60) {
			t.Fatalf("at %d s beta.example.com shown: %v", tick, has)
		}
	})
	view := f.m.View()
	// Six rules, four drawn: two taken together.
	if !strings.Contains(view, "★ 2 other") {
		t.Errorf("the charts do not take the rest together:\n%s", view)
	}
	// api.example.com, the sick one, heads the table by mean and by value
	// now; by name, api still leads (a < b < i < s < v < w).
	rowsOf := func(view string) []string {
		var out []string
		for _, l := range strings.Split(view, "\n") {
			i := strings.Index(l, "╭─ 5xx % by remap, worst first")
			if i < 0 && len(out) == 0 {
				continue
			}
			if len(out) == 0 {
				out = append(out, l)
				continue
			}
			right := l[strings.LastIndex(l, "││")+1:] // the table is the right-hand panel
			for _, h := range []string{"api.example.com", "beta.example.com", "img.example.com", "static.example.org", "video.example.net", "www.example.com"} {
				if strings.Contains(right, h) {
					out = append(out, h)
				}
			}
			if len(out) == 7 {
				break
			}
		}
		return out
	}
	for _, want := range []struct {
		key, order, first, last string
	}{
		{"", "by window mean", "api.example.com", ""},
		{"o", "by current value", "api.example.com", ""},
		{"o", "by name", "api.example.com", "www.example.com"},
		{"o", "by window mean", "api.example.com", ""},
	} {
		if want.key != "" {
			f.key(want.key)
		}
		rows := rowsOf(f.m.View())
		if len(rows) != 7 {
			t.Fatalf("%s: table rows %q", want.order, rows)
		}
		if !strings.Contains(rows[0], want.order) || rows[1] != want.first || (want.last != "" && rows[6] != want.last) {
			t.Errorf("after %q: %q", want.key, rows)
		}
	}
}

// A host that stops answering has its members' values marked stale in a
// family panel too, and the legend, which the members can fill, says so
// first.
func TestFamilyPanelDeadHost(t *testing.T) {
	dash, err := config.Parse("dash.yaml", []byte(`pages:
  - name: Remaps
    panels:
      - title: Requests by remap
        top: 3
        metrics:
          - {name: "Requests", type: gauge, key: "remap.*.requests"}
`))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, dash, time.Minute, nil, "edge1", "edge2")
	f.resize(80, 24)
	snap := func() metrics.Snapshot {
		v := map[string]metrics.Sample{}
		for i, name := range []string{"www.example.com", "img.example.com", "api.example.com", "beta.example.com", "video.example.net"} {
			v["remap."+name+".requests"] = metrics.Sample{Value: float64(100 * (i + 1))}
		}
		return metrics.Snapshot{Time: f.now, Values: v}
	}
	tick := func(answering ...int) {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		for h := range 2 {
			r := collect.Result{Host: h, Err: errors.New("connection refused")}
			if slices.Contains(answering, h) {
				r = collect.Result{Host: h, Snapshot: snap()}
			}
			f.send(ResultMsg(r))
		}
		f.send(clockMsg(f.now))
	}
	for range 5 {
		tick(0, 1)
	}
	for range 10 {
		tick(0)
	}
	view := f.m.View()
	title := titleOf(view, "Requests by remap")
	if !strings.Contains(title, "video.example.net 500/500?") {
		t.Errorf("title does not mark edge2's last value: %q", title)
	}
	var legend string
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, "video.example.net") && !strings.Contains(l, "╭") {
			legend = l
		}
	}
	if !strings.HasPrefix(strings.TrimLeft(legend, "│ "), "? no data: edge2 10s") {
		t.Errorf("legend %q\n%s", legend, view)
	}
}

// A key matching more records than a store keeps says so in its table.
func TestFamilyTableSaysWhatIsNotKept(t *testing.T) {
	dash, err := config.Parse("dash.yaml", []byte("pages:\n  - name: O\n    panels:\n      - title: Origins\n        view: table\n        metrics:\n          - {name: Open, type: gauge, key: \"origin.*\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, dash, time.Minute, nil, "edge1")
	f.resize(80, 24)
	v := map[string]metrics.Sample{}
	for i := range metrics.MaxFamilyMembers + 12 {
		v[fmt.Sprintf("origin.o%03d", i)] = metrics.Sample{Value: float64(i)}
	}
	f.now = t0.Add(time.Second)
	f.send(ResultMsg(collect.Result{Host: 0, Snapshot: metrics.Snapshot{Time: f.now, Values: v}}))
	f.send(clockMsg(f.now))
	if view := f.m.View(); !strings.Contains(view, "+12 more matches not kept (at most 200 a key and host)") {
		t.Errorf("no word of the matches not kept:\n%s", view)
	}
	f.key("r")
	if view := f.m.View(); !strings.Contains(view, "Origins: 12 more matches not kept (at most 200 a key and host).") {
		t.Errorf("the readout says nothing of the matches not kept:\n%s", view)
	}
}
