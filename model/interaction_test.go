package model

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
)

// Connections · Client for edge1 in the synthetic data is 500 + 10 × (tick
// mod 10), so every second of history has a value of its own to find.
func connectionsAt(tick int) int { return 500 + 10*(tick%10) }

func TestPauseFreezesAndScrollsBack(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(160, 45)
	f.feed(30)
	live := titleOf(f.m.View(), "Connections")
	if !strings.Contains(live, "Client 500 ") {
		t.Fatalf("live title %q", live)
	}

	f.key("space")
	view := f.m.View()
	if !strings.Contains(firstLine(view), "PAUSED") || !strings.Contains(firstLine(view), "14:03:57 (-0s)") {
		t.Fatalf("paused header %q", firstLine(view))
	}
	if !strings.Contains(lastLine(view), "space resume") {
		t.Fatalf("paused footer %q", lastLine(view))
	}
	// Collection goes on, the view does not move.
	page := f.m.pages[0].View()
	f.feed(5)
	if f.m.pages[0].View() != page {
		t.Fatal("the paused page changed with new data")
	}

	// ← three times: 3 steps of 2 s (a thirtieth of 60 s) back, to tick 24.
	for range 3 {
		f.key("left")
	}
	if f.m.Page() != 0 {
		t.Fatal("← changed page while paused")
	}
	view = f.m.View()
	if got := titleOf(view, "Connections"); !strings.Contains(got, "Client 540 ") {
		t.Fatalf("cursor 6 s back: title %q, want the value of tick 24 (540)", got)
	}
	if !strings.Contains(firstLine(view), "14:03:51 (-11s)") { // 5 more ticks came in
		t.Fatalf("cursor header %q", firstLine(view))
	}
	if !strings.ContainsRune(view, chart.GlyphsFor(chart.GlyphsBraille).Cursor) {
		t.Fatal("no cursor column")
	}
	if !strings.Contains(view, "14:02:57") || !strings.Contains(view, "14:03:57") || strings.Contains(view, "now") {
		t.Fatalf("a paused view's time axis should show clock times:\n%s", view)
	}
	// ] and → go forward, [ back; 1-9 still change page.
	f.key("]")
	f.key("right")
	f.key("[")
	if got := titleOf(f.m.View(), "Connections"); !strings.Contains(got, "Client 560 ") {
		t.Fatalf("after ] → [: %q, want tick 26 (560)", got)
	}
	f.key("4")
	if f.m.Page() != 3 {
		t.Fatal("4 did not change page while paused")
	}
	f.key("1")

	// Scrolling stops at the oldest point, and at the newest.
	for range 100 {
		f.key("[")
	}
	if h := firstLine(f.m.View()); !strings.Contains(h, "14:03:28") {
		t.Fatalf("scrolled past the oldest point: %q", h)
	}
	for range 100 {
		f.key("]")
	}
	if h := firstLine(f.m.View()); !strings.Contains(h, "14:04:02 (-0s)") {
		t.Fatalf("scrolled past the newest point: %q", h)
	}

	// Space resumes the live view, with the data that came in meanwhile.
	f.key("space")
	view = f.m.View()
	if strings.Contains(firstLine(view), "PAUSED") || !strings.Contains(view, "now") {
		t.Fatalf("not live after space:\n%s", view)
	}
	if got := titleOf(view, "Connections"); !strings.Contains(got, "Client 550 ") { // tick 35
		t.Fatalf("resumed title %q", got)
	}
	assertFrame(t, view, 160, 45)
}

func TestBracketPausesWhenLive(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(120, 40)
	f.feed(30)
	f.key("[")
	if !f.m.time.Paused() {
		t.Fatal("[ did not pause")
	}
	if got := titleOf(f.m.View(), "Connections"); !strings.Contains(got, "Client 580 ") { // tick 28
		t.Fatalf("[ from live: %q", got)
	}
	f.key("space")
	f.key("]") // forward while live: nothing
	if f.m.time.Paused() {
		t.Fatal("] paused")
	}
}

// xAxisLabels is the first panel's time axis line.
func xAxisLabels(view string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, "now") || strings.Contains(l, "-30s") {
			return l
		}
	}
	return ""
}

func TestZoomStepsBetween30sAndTheHistory(t *testing.T) {
	f := newFixtureWith(t, 5*time.Minute, nil, "edge1")
	f.resize(160, 45)
	f.feed(30)
	steps := []struct {
		key, left, footer string
	}{
		{"", "-5m", "5m history"},
		{"+", "-2m", "2m of 5m"},
		{"+", "-60s", "60s of 5m"},
		{"+", "-30s", "30s of 5m"},
		{"+", "-30s", "30s of 5m"}, // 30 s is the narrowest
		{"-", "-60s", "60s of 5m"},
		{"-", "-2m", "2m of 5m"},
		{"-", "-5m", "5m history"},
		{"-", "-5m", "5m history"}, // the history is the widest
		{"=", "-2m", "2m of 5m"},   // = is + without shift
	}
	for _, s := range steps {
		if s.key != "" {
			f.key(s.key)
		}
		view := f.m.View()
		if axis := xAxisLabels(view); !strings.Contains(axis, s.left+" ") {
			t.Fatalf("after %q: axis %q, want %s", s.key, axis, s.left)
		}
		if !strings.Contains(lastLine(view), s.footer) {
			t.Fatalf("after %q: footer %q, want %q", s.key, lastLine(view), s.footer)
		}
	}
	// The default 60 s history zooms between 30 s and 60 s.
	g := newFixture(t, "edge1")
	g.resize(120, 40)
	g.feed(5)
	g.key("+")
	g.key("+")
	if g.m.time.Window() != 30*time.Second {
		t.Fatalf("window %v", g.m.time.Window())
	}
	g.key("-")
	g.key("-")
	if g.m.time.Window() != time.Minute {
		t.Fatalf("window %v", g.m.time.Window())
	}
}

func TestAbsoluteTogglesCountersOnly(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.resize(200, 50)
	f.feed(30)
	f.key("a")
	view := f.m.View()
	// incoming_requests is 1000 × host × tick: 30K and 60K at tick 30.
	if got := titleOf(view, "Requests/sec"); !strings.Contains(got, "Requests/sec (totals) · Client 30K/60K · Origin 4.5K/9K") {
		t.Fatalf("absolute title %q", got)
	}
	if !strings.Contains(view, "Client total") {
		t.Fatal("legend does not say the counters are totals")
	}
	// Latency, hit rate and gauges are unchanged.
	if got := titleOf(view, "Latency"); strings.Contains(got, "totals") || !strings.Contains(got, "Cache Hit 2ms/2ms") {
		t.Fatalf("latency title in absolute mode %q", got)
	}
	if got := titleOf(view, "Connections"); strings.Contains(got, "totals") {
		t.Fatalf("gauge title in absolute mode %q", got)
	}
	assertFrame(t, view, 200, 50)
	f.key("a")
	if got := titleOf(f.m.View(), "Requests/sec"); !strings.Contains(got, "Requests/sec · Client 1K/2K") {
		t.Fatalf("rate title after a again %q", got)
	}
}

func TestHelpOverlayListsEveryKey(t *testing.T) {
	for _, size := range []struct{ w, h int }{{160, 45}, {80, 24}} {
		f := newFixture(t, "edge1")
		f.resize(size.w, size.h)
		f.feed(3)
		f.key("?")
		view := f.m.View()
		assertFrame(t, view, size.w, size.h)
		for _, g := range f.pctx.Keys.helpGroups() {
			for _, b := range g.keys {
				if !strings.Contains(view, b.Help().Key) || !strings.Contains(view, b.Help().Desc) {
					t.Fatalf("%dx%d: help lacks %q %q:\n%s", size.w, size.h, b.Help().Key, b.Help().Desc, view)
				}
			}
		}
		// Every binding of the key map is in the help.
		n := 0
		for _, g := range f.pctx.Keys.FullHelp() {
			for _, b := range g {
				n += len(b.Keys())
			}
		}
		if n < 30 {
			t.Fatalf("help covers %d keys", n)
		}
		// Keys other than esc, ? and q do nothing while it is open.
		f.key("l")
		if f.m.Page() != 0 || !f.m.helpOpen {
			t.Fatal("l acted behind the help")
		}
		f.key("esc")
		if f.m.helpOpen || strings.Contains(f.m.View(), "esc or ? closes") {
			t.Fatal("esc did not close the help")
		}
		f.key("?")
		f.key("?")
		if f.m.helpOpen {
			t.Fatal("? did not close the help")
		}
		f.key("?")
		if cmd := f.key("q"); cmd == nil {
			t.Fatal("q does not quit from the help")
		} else if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatal("q does not quit from the help")
		}
	}
}

func TestMouseWheelZoomsAndScrolls(t *testing.T) {
	f := newFixtureWith(t, 5*time.Minute, nil, "edge1", "edge2")
	f.resize(120, 40)
	f.feed(10)
	wheel := func(b tea.MouseButton) {
		f.send(tea.MouseMsg{Button: b, Action: tea.MouseActionPress})
	}
	wheel(tea.MouseButtonWheelUp)
	if f.m.time.Window() != 2*time.Minute {
		t.Fatalf("wheel up: window %v", f.m.time.Window())
	}
	wheel(tea.MouseButtonWheelDown)
	if f.m.time.Window() != 5*time.Minute {
		t.Fatalf("wheel down: window %v", f.m.time.Window())
	}
	f.resize(80, 24)
	f.key("r")
	wheel(tea.MouseButtonWheelDown)
	if f.m.readout.offset != 3 {
		t.Fatalf("wheel in the readout: offset %d", f.m.readout.offset)
	}
}

func TestTimeViewZoomLevels(t *testing.T) {
	tv := NewTimeView(24 * time.Hour)
	var got []string
	for range 20 {
		tv.ZoomIn(t0)
		got = append(got, metrics.ShortDuration(tv.Window()))
	}
	want := "12h 6h 3h 2h 1h 30m 15m 10m 5m 2m 60s 30s 30s 30s 30s 30s 30s 30s 30s 30s"
	if strings.Join(got, " ") != want {
		t.Fatalf("zoom in from 24h: %s", strings.Join(got, " "))
	}
	for range 20 {
		tv.ZoomOut()
	}
	if tv.Window() != 24*time.Hour {
		t.Fatalf("zoom out stops at %v", tv.Window())
	}
	odd := NewTimeView(45 * time.Second)
	odd.ZoomIn(t0)
	if odd.Window() != 30*time.Second {
		t.Fatalf("45 s history zooms in to %v", odd.Window())
	}
	odd.ZoomOut()
	if odd.Window() != 45*time.Second {
		t.Fatalf("45 s history zooms out to %v", odd.Window())
	}
	short := NewTimeView(20 * time.Second)
	short.ZoomIn(t0)
	if short.Window() != 20*time.Second {
		t.Fatalf("20 s history zooms in to %v", short.Window())
	}
}

// A result from a host that failed while paused still reaches the footer.
func TestPausedFooterShowsErrors(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(120, 40)
	f.feed(5)
	f.key("space")
	f.send(ResultMsg(collect.Result{Host: 0, Err: errConnRefused}))
	if !strings.Contains(lastLine(f.m.View()), "edge1: connection refused") {
		t.Fatalf("footer %q", lastLine(f.m.View()))
	}
}

var errConnRefused = errorString("connection refused")

type errorString string

func (e errorString) Error() string { return string(e) }

// KeyMap works with bubbles' help component as it is.
var _ help.KeyMap = KeyMap{}

// Where the keys do not all fit (80x24 with the fleet's and a second
// host's), the help says so and scrolls: every key can be read.
func TestHelpScrollsWhenItDoesNotFit(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.resize(80, 24)
	f.feed(3)
	f.key("?")
	seen := map[string]bool{}
	last := ""
	for range 40 {
		view := f.m.View()
		assertFrame(t, view, 80, 24)
		if !strings.Contains(view, "esc or ? closes") {
			t.Fatalf("the title scrolled away:\n%s", view)
		}
		for _, g := range append(f.pctx.Keys.helpGroups(), f.pctx.Keys.fleetGroup()) {
			for _, b := range g.keys {
				if strings.Contains(view, b.Help().Desc) {
					seen[b.Help().Desc] = true
				}
			}
		}
		if view == last {
			break // at the bottom
		}
		last = view
		f.key("down")
	}
	if !strings.Contains(last, "of ") || !strings.Contains(last, "scroll") {
		t.Fatalf("a help cut short does not say so:\n%s", last)
	}
	for _, g := range append(f.pctx.Keys.helpGroups(), f.pctx.Keys.fleetGroup()) {
		for _, b := range g.keys {
			if !seen[b.Help().Desc] {
				t.Errorf("scrolling never showed %q %q", b.Help().Key, b.Help().Desc)
			}
		}
	}
	// Closed and opened again, it starts at the top.
	f.key("esc")
	f.key("?")
	if !strings.Contains(f.m.View(), " lines 1-") {
		t.Fatalf("reopened help not at the top:\n%s", f.m.View())
	}
}
