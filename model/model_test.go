package model

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
	"github.com/traffic-grapher/traffic_grapher/internal/textdiff"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMain(m *testing.M) {
	// Golden screens hold text, not colours.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// t0 is a fixed start so screens are the same on every run.
var t0 = time.Date(2026, 11, 22, 14, 3, 27, 0, time.UTC)

// fixture is a model fed by hand: no collector, no clock.
type fixture struct {
	m     *Model
	pctx  *ProgramContext
	store *metrics.Store
	now   time.Time
	tick  int
	total float64 // feedRates' running request count
}

func newFixture(t testing.TB, hosts ...string) *fixture {
	t.Helper()
	return newFixtureWith(t, 60*time.Second, nil, hosts...)
}

// newFixtureWith keeps history and lets setup change the context (styles,
// glyphs, readout) before the model is built.
func newFixtureWith(t testing.TB, history time.Duration, setup func(*ProgramContext), hosts ...string) *fixture {
	t.Helper()
	return newFixtureOn(t, pages.Default(), history, setup, hosts...)
}

// newFixtureOn is newFixtureWith showing dash.
func newFixtureOn(t testing.TB, dash *config.Dashboard, history time.Duration, setup func(*ProgramContext), hosts ...string) *fixture {
	t.Helper()
	data, err := monitor.New(dash, hosts, history, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: data.Store(), now: t0}
	f.pctx = &ProgramContext{
		Dashboard: dash,
		Hosts:     hosts,
		Interval:  time.Second,
		History:   history,
		Location:  time.UTC,
		Styles:    DefaultStyles(),
		Keys:      DefaultKeyMap(),
		Now:       func() time.Time { return f.now },
	}
	if setup != nil {
		setup(f.pctx)
	}
	f.m = New(f.pctx, data, nil, 0)
	return f
}

// send delivers a message, running any redraw it schedules at once (the
// redraw delay exists only to coalesce hosts; tests need no waiting).
func (f *fixture) send(msg tea.Msg) tea.Cmd {
	_, cmd := f.m.Update(msg)
	if _, isResult := msg.(resultsMsg); isResult {
		f.m.Update(redrawMsg{})
		return nil
	}
	return cmd
}

func (f *fixture) resize(w, h int) { f.send(tea.WindowSizeMsg{Width: w, Height: h}) }

func (f *fixture) key(k string) tea.Cmd {
	switch k {
	case "left":
		return f.send(tea.KeyMsg{Type: tea.KeyLeft})
	case "right":
		return f.send(tea.KeyMsg{Type: tea.KeyRight})
	case "up":
		return f.send(tea.KeyMsg{Type: tea.KeyUp})
	case "down":
		return f.send(tea.KeyMsg{Type: tea.KeyDown})
	case "end":
		return f.send(tea.KeyMsg{Type: tea.KeyEnd})
	case "home":
		return f.send(tea.KeyMsg{Type: tea.KeyHome})
	case "esc":
		return f.send(tea.KeyMsg{Type: tea.KeyEsc})
	case "enter":
		return f.send(tea.KeyMsg{Type: tea.KeyEnter})
	case "pgup":
		return f.send(tea.KeyMsg{Type: tea.KeyPgUp})
	case "pgdown":
		return f.send(tea.KeyMsg{Type: tea.KeyPgDown})
	case "backspace":
		return f.send(tea.KeyMsg{Type: tea.KeyBackspace})
	case "space":
		return f.send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
	case "ctrl+c":
		return f.send(tea.KeyMsg{Type: tea.KeyCtrlC})
	}
	return f.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
}

// page opens page i as a user would: its key, or for pages past the
// tenth, through the p list.
func (f *fixture) page(i int) {
	if i < 10 {
		f.key(pageKey(i))
		return
	}
	f.key("p")
	for range i - f.m.Page() {
		f.key("down")
	}
	f.key("enter")
}

// feed delivers n ticks of synthetic but plausible data for every host: host
// h serves (h+1) × 1000 requests/s, so values differ per host.
func (f *fixture) feed(n int) {
	for i := 0; i < n; i++ {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		for h := range f.pctx.Hosts {
			f.send(ResultMsg(collect.Result{Host: h, Snapshot: synth.Snapshot(h, f.tick, f.now)}))
		}
	}
	f.send(clockMsg(f.now))
}

// assertFrame checks that the screen is exactly w x h cells: nothing wraps,
// nothing is cut, whatever the data.
func assertFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Fatalf("screen has %d lines, want %d:\n%s", len(lines), h, view)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Fatalf("line %d is %d cells wide, want %d: %q", i, got, w, l)
		}
	}
}

func TestPageNavigation(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(160, 45)
	f.feed(3)
	steps := []struct {
		key  string
		page int
		name string
	}{
		{"l", 1, "Response Codes"},
		{"right", 2, "TLS & HTTP/2"},
		{"l", 3, "Network & Errors"},
		{"h", 2, "TLS & HTTP/2"},
		{"left", 1, "Response Codes"},
		{"1", 0, "Traffic & Cache"},
		{"h", 12, "HTTP/2"}, // wraps around, past Origins and Remaps: no host has their records
		{"l", 0, "Traffic & Cache"},
		{"4", 3, "Network & Errors"},
		{"9", 8, "DNS"},
		{"0", 9, "SSL/TLS"}, // the tenth
		{"2", 1, "Response Codes"},
		// The page list: the cursor starts on the page shown.
		{"p", 1, "Response Codes"},
		{"down", 1, "Response Codes"},
		{"enter", 2, "TLS & HTTP/2"},
		{"p", 2, "TLS & HTTP/2"},
		{"esc", 2, "TLS & HTTP/2"}, // closes, stays
		{"p", 2, "TLS & HTTP/2"},
		{"5", 4, "Overview"}, // a page key in the list opens that page
	}
	defer func() {
		// The list still names the pages left out, marked.
		f.key("p")
		if view := f.m.View(); !strings.Contains(view, "Remaps (not on this server)") || !strings.Contains(view, "Origins (not on this server)") {
			t.Errorf("the page list does not mark the absent pages:\n%s", view)
		}
		f.key("esc")
	}()
	pages := len(f.pctx.Dashboard.Pages)
	for _, s := range steps {
		f.key(s.key)
		if f.m.Page() != s.page {
			t.Fatalf("after %q: page %d, want %d", s.key, f.m.Page(), s.page)
		}
		view := f.m.View()
		want := fmt.Sprintf("Page %d/%d %s", s.page+1, pages, s.name)
		if !strings.Contains(view, want) {
			t.Fatalf("after %q: header lacks %q:\n%s", s.key, want, firstLine(view))
		}
		assertFrame(t, view, 160, 45)
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		f := newFixture(t, "edge1")
		f.resize(100, 30)
		cmd := f.key(k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s: command does not quit", k)
		}
	}
}

func TestResizeRelaysOut(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.resize(200, 60)
	f.feed(20)
	sizes := []struct{ w, h int }{{200, 60}, {80, 24}, {120, 40}, {MinWidth, MinHeight}, {240, 70}, {97, 33}}
	for _, s := range sizes {
		f.resize(s.w, s.h)
		view := f.m.View()
		assertFrame(t, view, s.w, s.h)
		if !strings.Contains(view, "Requests/se") || !strings.ContainsRune(view, '⣀') && !strings.ContainsAny(view, "⠁⠂⠄⡀⠈⠐⠠⢀⠉⠒⠤⣀") {
			t.Fatalf("%dx%d: no title or no braille:\n%s", s.w, s.h, view)
		}
	}
}

func TestTooSmallShowsMessage(t *testing.T) {
	for _, s := range []struct{ w, h int }{{MinWidth - 1, 40}, {100, MinHeight - 1}, {10, 5}, {1, 1}} {
		f := newFixture(t, "edge1")
		f.resize(s.w, s.h)
		f.feed(3)
		view := f.m.View()
		if s.w >= 10 && !strings.Contains(view, "Too small") {
			t.Fatalf("%dx%d: no message: %q", s.w, s.h, view)
		}
		lines := strings.Split(view, "\n")
		if len(lines) > s.h {
			t.Fatalf("%dx%d: message has %d lines", s.w, s.h, len(lines))
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > s.w {
				t.Fatalf("%dx%d: line wider than the screen: %q", s.w, s.h, l)
			}
		}
		if strings.ContainsAny(view, "╭│") {
			t.Fatalf("%dx%d: draws panels anyway", s.w, s.h)
		}
	}
}

func TestFailingHostInStatusWhileOthersUpdate(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.resize(160, 45)
	f.feed(3)
	before := titleOf(f.m.View(), "Requests/sec")
	for i := 0; i < 3; i++ {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		// edge1 doubles its rate; edge2 fails.
		snap := synth.Snapshot(0, f.tick, f.now)
		snap.Values["proxy.process.http.incoming_requests"] = metrics.Sample{Value: 1000*3 + 2000*float64(f.tick-3)}
		f.send(ResultMsg(collect.Result{Host: 0, Snapshot: snap}))
		f.send(ResultMsg(collect.Result{Host: 1, Err: errors.New("cannot connect to /run/ts/jsonrpc20.sock: connection refused")}))
	}
	view := f.m.View()
	footer := lastLine(view)
	if !strings.Contains(footer, "edge2: cannot connect to /run/ts/jsonrpc20.sock: connection refused") {
		t.Fatalf("footer does not name the failing host: %q", footer)
	}
	if !strings.Contains(footer, "3 failures in a row") {
		t.Fatalf("footer does not count failures: %q", footer)
	}
	after := titleOf(view, "Requests/sec")
	if !strings.Contains(after, "Client 2K/") || before == after {
		t.Fatalf("edge1 stopped updating: before %q after %q", before, after)
	}

	// edge2 recovers: the error goes, the key help comes back.
	f.feed(1)
	if footer := lastLine(f.m.View()); strings.Contains(footer, "edge2:") || !strings.Contains(footer, "quit") {
		t.Fatalf("footer after recovery: %q", footer)
	}
}

func TestWarningsShown(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(160, 45)
	f.send(ResultMsg(collect.Result{Host: 0, Snapshot: synth.Snapshot(0, 1, t0.Add(time.Second)),
		Warnings: []string{"record not found: proxy.process.http.err_connect_fail_count (2000)", "second"}}))
	footer := lastLine(f.m.View())
	if !strings.Contains(footer, "edge1: record not found: proxy.process.http.err_connect_fail_count (2000) (+1 more)") {
		t.Fatalf("footer: %q", footer)
	}
}

func TestHeaderSaysHowRemoteHostsAreRead(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.resize(160, 45)
	if header := firstLine(f.m.View()); strings.Contains(header, "ssh") {
		t.Fatalf("header names a path before any result: %q", header)
	}
	f.send(ResultMsg(collect.Result{Host: 0, Snapshot: synth.Snapshot(0, 1, t0.Add(time.Second)), Via: "ssh·jsonrpc"}))
	f.send(ResultMsg(collect.Result{Host: 1, Err: errors.New("ssh: connection lost; reconnecting in 4s"), Via: "ssh·traffic_ctl"}))
	view := f.m.View()
	header := firstLine(view)
	if !strings.Contains(header, "edge1 (ssh·jsonrpc)") || !strings.Contains(header, "edge2 (ssh·traffic_ctl)") {
		t.Fatalf("header %q should say how each host is read", header)
	}
	if footer := lastLine(view); !strings.Contains(footer, "edge2: ssh: connection lost; reconnecting in 4s") {
		t.Fatalf("footer %q should show the reconnect countdown", footer)
	}
	assertFrame(t, view, 160, 45)
}

func TestControlCharactersFromServerDoNotReachScreen(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(120, 40)
	f.send(ResultMsg(collect.Result{Host: 0, Err: errors.New("bad\x1b[2Jreply\r\nhere")}))
	view := f.m.View()
	if strings.ContainsAny(view, "\x1b\r") {
		t.Fatalf("escape or CR from an error message reached the screen: %q", lastLine(view))
	}
	assertFrame(t, view, 120, 40)
}

func TestTitlesCarryValuesPerHost(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.resize(200, 50)
	f.feed(5)
	title := titleOf(f.m.View(), "Requests/sec")
	if !strings.Contains(title, "Client 1K/2K") || !strings.Contains(title, "Origin 150/300") {
		t.Fatalf("title %q lacks per-host values", title)
	}
	if lat := titleOf(f.m.View(), "Latency"); !strings.Contains(lat, "Cache Hit 2.0ms/2.0ms") && !strings.Contains(lat, "Cache Hit 2ms/2ms") {
		t.Fatalf("latency title %q", lat)
	}
}

func TestGoldenScreens(t *testing.T) {
	glyphs := func(g chart.GlyphSet) func(*ProgramContext) {
		return func(c *ProgramContext) { c.Glyphs = chart.GlyphsFor(g) }
	}
	cases := []struct {
		name  string
		hosts []string
		w, h  int
		keys  []string
		setup func(*ProgramContext)
	}{
		{"page1_1host_120x40", []string{"edge1"}, 120, 40, nil, nil},
		{"page1_2hosts_135x30", []string{"edge1", "edge2"}, 135, 30, nil, nil},
		{"page4_4hosts_80x24", []string{"e1", "e2", "e3", "e4"}, 80, 24, []string{"4"}, nil},
		{"paused_back_2hosts_135x30", []string{"edge1", "edge2"}, 135, 30, []string{" ", "left", "left", "left"}, nil},
		{"zoomed_totals_1host_120x40", []string{"edge1"}, 120, 40, []string{"+", "a"}, nil},
		{"readout_2hosts_80x24", []string{"edge1", "edge2"}, 80, 24, []string{"r"}, nil},
		{"help_80x24", []string{"edge1"}, 80, 24, []string{"?"}, nil},
		{"pagelist_80x24", []string{"edge1"}, 80, 24, []string{"p", "down", "down"}, nil},
		{"pagelist_ascii_80x24", []string{"edge1"}, 80, 24, []string{"l", "p", "down"}, glyphs(chart.GlyphsASCII)},
		{"block_2hosts_100x30", []string{"edge1", "edge2"}, 100, 30, nil, glyphs(chart.GlyphsBlock)},
		{"ascii_2hosts_100x30", []string{"edge1", "edge2"}, 100, 30, nil, glyphs(chart.GlyphsASCII)},
		{"nocolor_1host_120x40", []string{"edge1"}, 120, 40, nil, func(c *ProgramContext) { c.Styles = NoColorStyles() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixtureWith(t, time.Minute, c.setup, c.hosts...)
			f.resize(c.w, c.h)
			f.feed(30)
			for _, k := range c.keys {
				if k == " " {
					k = "space"
				}
				f.key(k)
			}
			got := f.m.View()
			assertFrame(t, got, c.w, c.h)
			checkGolden(t, filepath.Join("testdata", c.name+".golden"), got)
		})
	}
}

// checkGolden compares a screen with its golden file (-update rewrites
// the file first), printing the lines that differ.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./model -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("screen differs from %s (go test ./model -update rewrites it after a deliberate change):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the lines that differ between two screens, numbered,
// "-" for the golden file's and "+" for what was drawn.
func lineDiff(want, got string) string { return textdiff.Lines(want, got) }

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}

// titleOf returns the screen line holding the panel title that starts with
// prefix, cut to that panel.
func titleOf(view, prefix string) string {
	for _, l := range strings.Split(view, "\n") {
		if i := strings.Index(l, "╭─ "+prefix); i >= 0 {
			l = l[i:]
			if j := strings.Index(l, "╮"); j >= 0 {
				l = l[:j]
			}
			return l
		}
	}
	return ""
}

// Results already waiting arrive as one message: a fleet's tick is one
// update, not one per host; a closed channel says the collector stopped.
func TestResultsWaitingArriveTogether(t *testing.T) {
	ch := make(chan collect.Result, 8)
	for h := range 5 {
		ch <- collect.Result{Host: h}
	}
	f := newFixture(t, "a", "b", "c", "d", "e")
	f.m.results = ch
	msg := f.m.waitForResult()()
	if rs, ok := msg.(resultsMsg); !ok || len(rs) != 5 || rs[4].Host != 4 {
		t.Fatalf("five waiting results came as %#v", msg)
	}
	ch <- collect.Result{Host: 2}
	close(ch)
	if rs, ok := f.m.waitForResult()().(resultsMsg); !ok || len(rs) != 1 {
		t.Fatalf("the last result before the close: %#v", rs)
	}
	if msg := f.m.waitForResult()(); msg != (collectDoneMsg{}) {
		t.Fatalf("after the close: %#v", msg)
	}
}

// When every host has answered, the redraw is at once, in the same
// update: the tick's collection and drawing are one wake-up. Until then
// it waits (a host may be slow), and the wait's redraw, once drawn, is
// nothing to do.
func TestRedrawAtOnceWhenEveryHostAnswered(t *testing.T) {
	f := newFixture(t, "a", "b")
	f.resize(100, 30)
	result := func(h int) tea.Msg {
		return ResultMsg(collect.Result{Host: h, Snapshot: synth.Snapshot(h, 1, t0.Add(time.Second))})
	}
	if _, cmd := f.m.Update(result(0)); cmd == nil || !f.m.redrawPending {
		t.Fatal("one host of two answered: want a redraw waiting")
	}
	before := f.m.View()
	f.m.Update(result(0)) // the same host again is not the round
	if !f.m.redrawPending || f.m.View() != before {
		t.Fatal("redrawn before the second host answered")
	}
	f.m.Update(result(1))
	if f.m.redrawPending || slices.Contains(f.m.reported, true) || f.m.View() == before {
		t.Fatalf("both hosts answered: not redrawn at once (pending %v, reported %v)", f.m.redrawPending, f.m.reported)
	}
	at := f.m.redrawnAt
	if f.m.Update(redrawMsg{}); f.m.redrawnAt != at {
		t.Error("the waiting redraw, after the round was drawn, drew again")
	}
	// A host that failed and backs off is not asked next tick: the
	// round is whole without it.
	f.m.redrawnAt = time.Time{}
	f.m.Update(ResultMsg(collect.Result{Host: 1, Err: errors.New("refused"), Retry: 4 * time.Second}))
	f.m.Update(result(0))
	f.m.redrawnAt = time.Time{}
	if f.m.Update(result(0)); f.m.redrawPending {
		t.Error("the other host backs off: want the round whole with one host")
	}
}

// The wait for a round's other results ends, with nothing to do, once the
// round was drawn: it does not wake the program again after the redraw.
func TestQuietWaitEndsWhenTheRoundIsDrawn(t *testing.T) {
	f := newFixture(t, "a", "b")
	f.resize(100, 30)
	result := func(h int) []collect.Result {
		return []collect.Result{{Host: h, Snapshot: synth.Snapshot(h, 1, t0.Add(time.Second))}}
	}
	wait := f.m.handleResults(result(0))
	if wait == nil {
		t.Fatal("one host of two answered: want a wait for the other")
	}
	if f.m.handleResults(result(1)); f.m.redrawPending {
		t.Fatal("both hosts answered: want the redraw at once")
	}
	done := make(chan tea.Msg)
	go func() { done <- wait() }()
	select {
	case msg := <-done:
		if msg != nil {
			t.Fatalf("the wait, after the round was drawn, brought %#v; want nothing", msg)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the wait did not end after the round was drawn")
	}
}

// The clock redraws the live view only when no results came since its
// last tick (hosts down): otherwise the results' redraw moves it, and the
// clock, on the same second, redraws nothing.
func TestClockRedrawsOnlyWithoutResults(t *testing.T) {
	f := newFixture(t, "a")
	f.resize(100, 30)
	f.feed(3)
	f.m.drawnAt = f.now.Add(-5 * time.Second)
	f.m.Update(ResultMsg(collect.Result{Host: 0, Snapshot: synth.Snapshot(0, 4, f.now.Add(time.Second))}))
	f.m.drawnAt = f.now.Add(-5 * time.Second) // as if drawn long ago
	f.m.Update(clockMsg(f.now.Add(time.Second)))
	if !f.m.drawnAt.Equal(f.now.Add(-5 * time.Second)) {
		t.Fatal("the clock redrew although results had come since its last tick")
	}
	f.m.Update(clockMsg(f.now.Add(2 * time.Second)))
	if f.m.drawnAt.Equal(f.now.Add(-5 * time.Second)) {
		t.Fatal("no results for a tick and the clock did not redraw")
	}
}

// A redraw waits while results keep coming, for a while at most, so that
// a fleet polled in several rounds of requests is drawn once a tick.
func TestRedrawWaitsForTheTicksOtherResults(t *testing.T) {
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	stop := make(chan struct{})
	go func() { // results every 5 ms, for ever
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				last.Store(time.Now().UnixNano())
			}
		}
	}()
	defer close(stop)
	start := time.Now()
	done := make(chan tea.Msg)
	go func() { done <- waitForQuiet(&last, nil)() }()
	select {
	case msg := <-done:
		if took := time.Since(start); msg != (redrawMsg{}) || took < maxRedrawDelay-redrawDelay {
			t.Fatalf("%#v after %v while results kept coming; want a redraw after %v at least", msg, took, maxRedrawDelay-redrawDelay)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no redraw while results kept coming")
	}
}
