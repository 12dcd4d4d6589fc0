package model

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// readoutLines returns the readout body (the screen minus header and
// footer), trimmed.
func readoutLines(view string) []string {
	lines := strings.Split(view, "\n")
	var out []string
	for _, l := range lines[1 : len(lines)-1] {
		if l = strings.TrimRight(l, " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestReadoutContent(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.resize(200, 60)
	f.feed(30)
	f.key("r")
	view := f.m.View()
	assertFrame(t, view, 200, 60)
	if h := firstLine(view); !strings.HasPrefix(h, "Page 1 of 16: Traffic & Cache. Hosts: edge1, edge2.") {
		t.Fatalf("readout header %q", h)
	}
	// Values, units and trend words from the synthetic data: edge1 serves
	// 1000 requests/s, 150 to the origin, hits in 2 ms, misses in 45 ms,
	// 85% hit rate, 500 + 10 × (tick mod 10) connections (tick 30: 500).
	want := []string{
		"Values now. Min, average, max, percentiles and trend: last 60 seconds.",
		"Requests/sec",
		"  Requests per second, Client, edge1: 1 thousand, steady. Min 1 thousand, average 1 thousand, max 1 thousand. Median 1 thousand, p95 1 thousand, p99 1 thousand.",
		"  Requests per second, Client, edge2: 2 thousand, steady. Min 2 thousand, average 2 thousand, max 2 thousand. Median 2 thousand, p95 2 thousand, p99 2 thousand.",
		"  Requests per second, Origin, edge1: 150, steady. Min 150, average 150, max 150. Median 150, p95 150, p99 150.",
		"  Requests per second, Origin, edge2: 300, steady. Min 300, average 300, max 300. Median 300, p95 300, p99 300.",
		"Latency (ms)",
		"  Latency in milliseconds, Cache Hit, edge1: 2 milliseconds, steady. Min 2 milliseconds, average 2 milliseconds, max 2 milliseconds. Median 2 milliseconds, p95 2 milliseconds, p99 2 milliseconds.",
		"  Latency in milliseconds, Cache Hit, edge2: 2 milliseconds, steady. Min 2 milliseconds, average 2 milliseconds, max 2 milliseconds. Median 2 milliseconds, p95 2 milliseconds, p99 2 milliseconds.",
		"  Latency in milliseconds, Origin, edge1: 45 milliseconds, steady. Min 45 milliseconds, average 45 milliseconds, max 45 milliseconds. Median 45 milliseconds, p95 45 milliseconds, p99 45 milliseconds.",
		"  Latency in milliseconds, Origin, edge2: 45 milliseconds, steady. Min 45 milliseconds, average 45 milliseconds, max 45 milliseconds. Median 45 milliseconds, p95 45 milliseconds, p99 45 milliseconds.",
		"Cache Hit Rate %",
		"  Cache Hit Rate percent, Hit Rate, edge1: 85.0 percent, steady. Min 85.0 percent, average 85.0 percent, max 85.0 percent. Median 85.0 percent, p95 85.0 percent, p99 85.0 percent.",
		"  Cache Hit Rate percent, Hit Rate, edge2: 85.0 percent, steady. Min 85.0 percent, average 85.0 percent, max 85.0 percent. Median 85.0 percent, p95 85.0 percent, p99 85.0 percent.",
		"Connections",
		"  Connections, Client, edge1: 500, steady. Min 500, average 545, max 590. Median 540, p95 590, p99 590.",
		"  Connections, Client, edge2: 1 thousand, steady. Min 1 thousand, average 1 thousand, max 1.1 thousand. Median 1 thousand, p95 1.1 thousand, p99 1.1 thousand.",
		"  Connections, Origin, edge1: 100, steady. Min 100, average 145, max 190. Median 140, p95 190, p99 190.",
		"  Connections, Origin, edge2: 200, steady. Min 200, average 245, max 290. Median 240, p95 290, p99 290.",
	}
	got := readoutLines(view)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("readout:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// No braille, no box drawing: a screen reader reads those as noise.
	// The help, opened from the readout, is plain lines too.
	f.key("?")
	help := f.m.View()
	if !strings.Contains(help, "Keys (esc or ? closes)") {
		t.Fatalf("no help:\n%s", help)
	}
	for _, s := range []string{view, help} {
		for _, r := range s {
			if r >= 0x2800 && r <= 0x28FF || r >= 0x2500 && r <= 0x257F {
				t.Fatalf("readout contains %q:\n%s", r, s)
			}
		}
	}
}

// feedRates delivers ticks where edge1's client request rate is rate(tick).
func (f *fixture) feedRates(n int, rate func(tick int) float64) {
	for i := 0; i < n; i++ {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		f.total += rate(f.tick)
		snap := synth.Snapshot(0, f.tick, f.now)
		snap.Values["proxy.process.http.incoming_requests"] = metrics.Sample{Value: f.total}
		f.send(ResultMsg(collect.Result{Host: 0, Snapshot: snap}))
	}
}

func TestReadoutTrendWords(t *testing.T) {
	cases := []struct {
		name string
		rate func(tick int) float64
		want string
	}{
		{"steady", func(int) float64 { return 3600 }, "3.6 thousand, steady"},
		{"jitter is steady", func(k int) float64 { return 3600 + float64(k%3-1)*60 }, ", steady"},
		{"rising", func(k int) float64 {
			if k > 50 {
				return 4800
			}
			return 3600
		}, "4.8 thousand, rising"},
		{"falling", func(k int) float64 {
			if k > 50 {
				return 1200
			}
			return 3600
		}, "1.2 thousand, falling"},
	}
	for _, c := range cases {
		f := newFixture(t, "edge1")
		f.resize(200, 50)
		f.feedRates(56, c.rate)
		r := report.Build(f.pctx.Report(), f.store, f.m.span(), []int{0})
		line := r.Lines(false)[1]
		if !strings.HasPrefix(line, "  Requests per second, Client, edge1: ") || !strings.Contains(line, c.want) {
			t.Errorf("%s: %q, want %q", c.name, line, c.want)
		}
	}
}

func TestReadoutAbsoluteAndPaused(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(200, 50)
	f.feed(30)
	f.key("r")
	f.key("a")
	got := strings.Join(readoutLines(f.m.View()), "\n")
	for _, w := range []string{
		"Values now. Min, average, max, percentiles and trend: last 60 seconds. Counters as totals.",
		"  Requests, Client, edge1: 30 thousand total, rising. Min 1 thousand, average 16 thousand, max 30 thousand.",
		"  Latency in milliseconds, Cache Hit, edge1: 2 milliseconds, steady.", // not a counter: unchanged
	} {
		if !strings.Contains(got, w) {
			t.Fatalf("absolute readout lacks %q:\n%s", w, got)
		}
	}
	f.key("a")
	f.key("space")
	f.key("left")
	f.key("left")
	got = strings.Join(readoutLines(f.m.View()), "\n")
	for _, w := range []string{
		"Paused at 14:03:53. Min, average, max, percentiles and trend: 60 seconds to 14:03:57.",
		"  Connections, Client, edge1: 560, steady.", // tick 26
	} {
		if !strings.Contains(got, w) {
			t.Fatalf("paused readout lacks %q:\n%s", w, got)
		}
	}
	if !strings.Contains(lastLine(f.m.View()), "space resume") {
		t.Fatalf("paused readout footer %q", lastLine(f.m.View()))
	}
}

// The readout's lines must not change unless their numbers do: Bubble
// Tea's renderer then rewrites only those, and a screen reader is not
// flooded (see Readout.Lines).
func TestReadoutLinesStableBetweenTicks(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(160, 45)
	f.feed(30)
	f.key("r")
	before := strings.Split(f.m.View(), "\n")
	f.send(clockMsg(f.now.Add(500 * time.Millisecond))) // the clock alone changes nothing
	if after := strings.Split(f.m.View(), "\n"); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatal("the readout changed with the clock")
	}
	f.feed(1)
	after := strings.Split(f.m.View(), "\n")
	if len(after) != len(before) {
		t.Fatalf("%d lines, then %d", len(before), len(after))
	}
	changed := 0
	for i := range before {
		if before[i] != after[i] {
			changed++
			// only sentences whose numbers moved (gauges move every tick)
			if !strings.Contains(after[i], "Connections, ") {
				t.Errorf("line %d changed: %q → %q", i, before[i], after[i])
			}
		}
	}
	if changed == 0 || changed > 2 {
		t.Fatalf("%d lines changed, want the 2 connection gauges", changed)
	}
}

func TestReadoutScrollsAndWraps(t *testing.T) {
	f := newFixture(t, "edge1", "edge2", "edge3", "edge4")
	f.resize(80, 24)
	f.feed(10)
	f.key("r")
	view := f.m.View()
	assertFrame(t, view, 80, 24)
	if !strings.Contains(lastLine(view), "lines 1-22 of ") {
		t.Fatalf("footer %q", lastLine(view))
	}
	f.key("down")
	f.key("down")
	if !strings.Contains(lastLine(f.m.View()), "lines 3-24 of ") {
		t.Fatalf("after ↓↓: %q", lastLine(f.m.View()))
	}
	f.key("end")
	body := readoutLines(f.m.View())
	if !strings.Contains(body[len(body)-1], "Connections, Origin, edge4: ") && !strings.Contains(body[len(body)-2], "Connections, Origin, edge4: ") {
		t.Fatalf("end does not show the last line: %q", body[len(body)-2:])
	}
	f.key("home")
	f.key("l") // a new page starts at its top
	if !strings.Contains(lastLine(f.m.View()), "lines 1-") && strings.Contains(lastLine(f.m.View()), "lines") {
		t.Fatalf("page 2 footer %q", lastLine(f.m.View()))
	}
	f.key("r")
	if !strings.Contains(f.m.View(), "╭─ 2xx Responses/sec") {
		t.Fatal("r did not go back to the charts")
	}
}

func TestStartsInReadoutWhenAsked(t *testing.T) {
	f := newFixtureWith(t, time.Minute, func(c *ProgramContext) { c.Readout = true }, "edge1")
	f.resize(120, 40)
	f.feed(5)
	if !strings.HasPrefix(firstLine(f.m.View()), "Page 1 of 16") {
		t.Fatalf("not in the readout: %q", firstLine(f.m.View()))
	}
}

// i shows the window's statistics per series as a table in the readout's
// place; i again, or r, goes on from there.
func TestStatsKeyShowsWindowStatistics(t *testing.T) {
	f := newFixture(t, "edge1", "edge2")
	f.resize(120, 40)
	f.feed(30)
	f.key("i")
	lines := strings.Split(ansi.Strip(f.m.View()), "\n")
	var head, row string
	for _, l := range lines {
		if strings.Contains(l, "metric") && strings.Contains(l, "p95") {
			head = l
		}
		if row == "" && strings.HasPrefix(strings.TrimSpace(l), "Client") && strings.Contains(l, "edge2") {
			row = l
		}
	}
	want := []string{"metric", "host", "now", "min", "mean", "max", "p50", "p95", "p99", "samples"}
	if strings.Join(strings.Fields(head), " ") != strings.Join(want, " ") {
		t.Fatalf("no statistics header:\n%s", strings.Join(lines, "\n"))
	}
	// edge2 serves 2000 requests/s, every one of its 28 rates (the first from the third sample).
	if f := strings.Fields(row); len(f) != 10 || f[2] != "2K" || f[5] != "2K" || f[8] != "2K" || f[9] != "28" {
		t.Errorf("edge2's requests row %q", row)
	}
	f.key("r")
	if s := ansi.Strip(f.m.View()); strings.Contains(s, "samples") || !strings.Contains(s, "Requests per second, Client, edge1") {
		t.Errorf("r after i does not show the sentences:\n%s", s)
	}
	f.key("i")
	f.key("i")
	if s := ansi.Strip(f.m.View()); !strings.Contains(s, "╭─ Requests/sec") {
		t.Errorf("i twice does not go back to the charts:\n%s", s)
	}
}
