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
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// fleetFixture is n hosts (edge1…) fed 30 ticks, the last one refusing
// since tick 20, and the second from last serving ten times its 5xx.
func fleetFixture(t *testing.T, n, w, h int) *fixture {
	t.Helper()
	return fleetFixtureWith(t, n, w, h, nil)
}

// fleetFixtureWith is fleetFixture with a context of its own.
func fleetFixtureWith(t *testing.T, n, w, h int, setup func(*ProgramContext)) *fixture {
	t.Helper()
	var hosts []string
	for i := range n {
		hosts = append(hosts, fmt.Sprintf("edge%d", i+1))
	}
	f := newFixtureWith(t, time.Minute, setup, hosts...)
	f.resize(w, h)
	fleetTicks(f, 30)
	return f
}

// fleetTicks feeds n ticks of fleetFixture's hosts.
func fleetTicks(f *fixture, ticks int) {
	n := len(f.pctx.Hosts)
	for range ticks {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		for hi := range n {
			r := collect.Result{Host: hi, Snapshot: synth.Snapshot(hi, f.tick, f.now)}
			switch {
			case hi == n-1 && f.tick > 20:
				r = collect.Result{Host: hi, Snapshot: r.Snapshot, Err: errors.New("dial unix /run/ts/jsonrpc20.sock: connection refused")}
				r.Snapshot.Values = nil
			case hi == n-2:
				v := r.Snapshot.Values["proxy.process.http.5xx_responses"]
				v.Value *= 10
				r.Snapshot.Values["proxy.process.http.5xx_responses"] = v
			}
			f.send(ResultMsg(r))
		}
	}
	f.send(clockMsg(f.now))
}

// More hosts than a page overlays open on the fleet table, worst first:
// the host that stopped answering, then the one whose 5xx stands out.
func TestFleetTableGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		w, h int
		keys []string
	}{
		{"fleet_8hosts_200x60", 8, 200, 60, nil},
		{"fleet_8hosts_80x24", 8, 80, 24, nil},
		{"fleet_30hosts_80x24_scrolled", 30, 80, 24, []string{"end"}},
		{"fleet_8hosts_sorted_filtered_120x30", 8, 120, 30, []string{"right", "right", "right", "/", "e", "d", "g", "e", "1", "enter"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := fleetFixture(t, c.n, c.w, c.h)
			for _, k := range c.keys {
				f.key(k)
			}
			got := f.m.View()
			assertFrame(t, got, c.w, c.h)
			checkGolden(t, filepath.Join("testdata", c.name+".golden"), got)
		})
	}
}

// Hosts in groups (POPs) get a line per group under the fleet's.
func TestFleetTableGroupsGolden(t *testing.T) {
	const w, h = 120, 30
	f := fleetFixtureWith(t, 8, w, h, func(c *ProgramContext) {
		c.Groups = []string{"ams", "ams", "ams", "fra", "fra", "fra", "lhr", "lhr"}
	})
	got := f.m.View()
	assertFrame(t, got, w, h)
	for _, want := range []string{"ams 3", "fra 3", "lhr 2 1 down"} {
		if !strings.Contains(got, want) {
			t.Errorf("no group line %q:\n%s", want, got)
		}
	}
	checkGolden(t, filepath.Join("testdata", "fleet_8hosts_3groups_120x30.golden"), got)
}

func rowNames(f report.Fleet) []string {
	var out []string
	for _, r := range f.Rows {
		out = append(out, r.Name)
	}
	return out
}

func TestFleetKeys(t *testing.T) {
	f := fleetFixture(t, 8, 160, 40)
	view := f.m.View()
	if !strings.Contains(firstLine(view), "Fleet · 8 hosts · 1 down") || !strings.Contains(lastLine(view), "enter open") {
		t.Fatalf("not the fleet table first:\n%s", view)
	}
	rows := f.m.fleet.Fleet().Rows
	if rows[0].Name != "edge8" || rows[0].Status != "down" || rows[1].Name != "edge7" || !rows[1].Cells[2].Outlier {
		t.Fatalf("rows %s, %s (%+v)", rows[0].Name, rows[1].Name, rows[1].Cells[2])
	}
	// The cursor stays on its host as new ticks sort the rows again.
	f.key("down")
	f.key("down")
	at := f.m.fleet.Fleet().Rows[2].Name
	fleetTicks(f, 1)
	if got := f.m.fleet.Selected(); len(got) != 1 || f.m.full.Hosts[got[0]] != at {
		t.Fatalf("the cursor left %s for %v", at, got)
	}
	// Enter opens the pages for the host under the cursor.
	f.key("enter")
	if f.m.fleetOn || len(f.m.pctx.Hosts) != 1 || f.m.pctx.Hosts[0] != at || !strings.Contains(firstLine(f.m.View()), "Page 1/16") {
		t.Fatalf("enter did not open %s's pages: %q", at, firstLine(f.m.View()))
	}
	if !strings.Contains(titleOf(f.m.View(), "Requests/sec"), "Client ") {
		t.Fatalf("no requests on %s's page:\n%s", at, f.m.View())
	}
	// Esc goes back to the fleet; x marks hosts (at most 4) and enter
	// overlays them, in marking order.
	f.key("esc")
	if !f.m.fleetOn {
		t.Fatal("esc did not go back to the fleet")
	}
	f.key("home")
	for i := range 5 {
		if i > 0 {
			f.key("down")
		}
		f.key("x")
	}
	if m := f.m.fleet.Marked(); len(m) != 4 || m[0] != 7 || m[1] != 6 || m[2] != 0 || !strings.Contains(lastLine(f.m.View()), "at most 4 hosts") {
		t.Fatalf("marked %v (rows %v); footer %q", m, rowNames(f.m.fleet.Fleet()), lastLine(f.m.View()))
	}
	f.key("enter")
	if len(f.m.pctx.Hosts) != 4 || f.m.pctx.Hosts[0] != "edge8" || f.m.store().Hosts() != 4 {
		t.Fatalf("overlaid %v", f.m.pctx.Hosts)
	}
	// F toggles; the filter narrows the rows and the fleet line; esc
	// clears it.
	f.key("F")
	f.key("/")
	for _, r := range "edge1" {
		f.key(string(r))
	}
	if got := f.m.fleet.Fleet(); len(got.Rows) != 1 || got.Group.Name != "1 of 8 (edge1)" || !strings.Contains(lastLine(f.m.View()), "enter keep") {
		t.Fatalf("filtered %d rows, group %q, footer %q", len(got.Rows), got.Group.Name, lastLine(f.m.View()))
	}
	// The header counts the fleet, and says whose status it gives.
	if head := firstLine(f.m.View()); !strings.Contains(head, `Fleet · 8 hosts · "edge1": ok`) {
		t.Fatalf("filtered header %q", head)
	}
	f.key("esc")
	if got := f.m.fleet.Fleet(); len(got.Rows) != 8 {
		t.Fatalf("esc left %d rows", len(got.Rows))
	}
	// The readout says the fleet, worst first.
	f.key("r")
	text := f.m.View()
	if !strings.Contains(text, "Fleet: 8 hosts, 1 down; sorted by condition, worst first.") ||
		!strings.Contains(text, "edge8, down for 10 seconds (dial unix /run/ts/jsonrpc20.sock: connection refused)") ||
		!strings.Contains(text, "far from the fleet") {
		t.Fatalf("fleet readout:\n%s", text)
	}
	// ←/→ sort by the columns: by Req/s, the lowest first.
	f.key("r")
	f.key("right")
	if got := f.m.fleet.Fleet(); got.SortedBy != 0 || got.Rows[0].Name != "edge1" {
		t.Fatalf("sorted by %d: first %s", got.SortedBy, got.Rows[0].Name)
	}
}

// Keys typed in a burst arrive as one message of several runes; they act
// as the same keys typed one by one.
func TestKeysInABurst(t *testing.T) {
	f := fleetFixture(t, 8, 160, 40)
	f.key("/edge3")
	if got := f.m.fleet.Fleet(); !f.m.fleet.Filtering() || len(got.Rows) != 1 || got.Rows[0].Name != "edge3" {
		t.Fatalf("after a burst of /edge3: filtering %v, rows %v", f.m.fleet.Filtering(), rowNames(got))
	}
	f.key("enter")
	f.key("enter")
	if f.m.fleetOn || f.m.pctx.Hosts[0] != "edge3" {
		t.Fatalf("enter, enter did not open edge3: %v", f.m.pctx.Hosts)
	}
}

// The collector is told which hosts the pages show, and the last ones
// shown before them (at most eight), so that only those are asked every
// key of the dashboard.
func TestFleetFocusesTheHostsOnThePages(t *testing.T) {
	var told [][]int
	f := fleetFixtureWith(t, 12, 160, 40, func(p *ProgramContext) {
		p.Focus = func(hosts []int) { told = append(told, hosts) }
	})
	last := func() string { return fmt.Sprint(told[len(told)-1]) }
	if len(told) != 1 || last() != "[0 1 2 3]" {
		t.Fatalf("at start the collector was told %v; want the first four, the pages' hosts", told)
	}
	// Enter on a host: it, then the ones shown before.
	f.key("home")
	at := f.m.fleet.Selected()[0]
	f.key("enter")
	if want := fmt.Sprint(append([]int{at}, 0, 1, 2, 3)); last() != want {
		t.Fatalf("after enter on host %d: told %s; want %s", at, last(), want)
	}
	// Four marked hosts overlaid: they first, and at most eight in all.
	f.key("esc")
	f.key("end")
	for i := range 4 {
		if i > 0 {
			f.key("up")
		}
		f.key("x")
	}
	marked := f.m.fleet.Marked()
	if slices.ContainsFunc(marked, func(h int) bool { return h < 4 || h == at }) {
		t.Fatalf("marked %v: want hosts not shown yet", marked)
	}
	f.key("enter")
	got := told[len(told)-1]
	if len(got) != 8 || fmt.Sprint(got[:4]) != fmt.Sprint(marked) || !slices.Contains(got, at) {
		t.Fatalf("after overlaying %v: told %v; want them, then the last shown, eight in all", marked, got)
	}
}
