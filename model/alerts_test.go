package model

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// limitsDashboard has a critical limit on requests/s (held 3 s) and a
// warning one on connections, named alike so the footer must tell them
// apart. With synth's data host 1 (2000 requests/s, 1000 connections) is
// over both, host 0 (1000/s, about 500) over neither.
func limitsDashboard(t *testing.T) *config.Dashboard {
	t.Helper()
	src := `pages:
  - name: Checks
    panels:
      - title: Requests/sec
        metrics:
          - {name: Client, type: counter, key: proxy.process.http.incoming_requests, crit: 1500, for: 3s}
      - title: Connections
        metrics:
          - {name: Client, type: gauge, key: proxy.process.http.current_client_connections, warn: 900}
`
	d, err := config.Parse("limits.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Limits as a user meets them: a crossing held long enough marks the
// panel's title and legend in words, draws the limit as a dashed line,
// fills the footer and starts the readout; the bell rings once per
// crossing, not per tick; a host that stops answering is not judged, and
// when it is back its crossing starts again.
func TestLimitsAlertOnScreenReadoutAndBell(t *testing.T) {
	bells := 0
	f := newFixtureOn(t, limitsDashboard(t), time.Minute, func(c *ProgramContext) { c.Bell = func() { bells++ } }, "e1", "e2")
	f.resize(120, 30)
	f.feed(3)
	screen := ansi.Strip(f.m.View())
	if strings.Contains(screen, "CRIT") || !strings.Contains(lastLine(screen), "WARN e2 Connections Client 1K > 900 for") {
		t.Fatalf("at 3 s: requests not yet held for 3 s, connections over at once; footer %q", lastLine(screen))
	}
	if bells != 1 {
		t.Errorf("%d bells for the first crossing, want 1", bells)
	}
	f.feed(3)
	screen = ansi.Strip(f.m.View())
	foot := lastLine(screen)
	if !strings.HasPrefix(foot, " ALERT e2 Requests/sec Client 2K > 1.5K for 3s · WARN e2 Connections Client") {
		t.Errorf("footer %q", foot)
	}
	if !strings.Contains(titleOf(screen, "CRIT Requests/sec"), "Client 1K/2K") || !strings.Contains(screen, "WARN Connections") {
		t.Errorf("titles not marked:\n%s", screen)
	}
	if !strings.Contains(screen, "Client!!") || !strings.Contains(screen, "Client!") {
		t.Errorf("legends not marked:\n%s", screen)
	}
	if strings.Count(screen, string(f.pctx.Glyphs.Limit)) < 20 {
		t.Errorf("no dashed limit line:\n%s", screen)
	}
	checkGolden(t, filepath.Join("testdata", "limits_2hosts_120x30.golden"), f.m.View())
	f.feed(5)
	if bells != 2 {
		t.Errorf("%d bells after the critical crossing and 5 more ticks, want 2", bells)
	}

	f.key("r")
	lines := strings.Split(ansi.Strip(f.m.View()), "\n")
	want := "Alerts: 1 critical, 1 warning. Critical: Requests per second, Client, e2, above 1.5 thousand since " + metrics.Clock(t0.Add(3*time.Second), time.UTC) + "."
	if !strings.HasPrefix(lines[1], want) {
		t.Errorf("readout's first line %q, want it to start %q", lines[1], want)
	}
	f.feed(1)
	if l := strings.Split(ansi.Strip(f.m.View()), "\n")[1]; l != lines[1] {
		t.Errorf("the Alerts line changed with a tick:\n%s\n%s", lines[1], l)
	}
	f.key("r")

	f.feedOnly(10, 0) // e2 stops answering: its values are stale, not judged
	if foot := lastLine(ansi.Strip(f.m.View())); strings.Contains(foot, "ALERT") || strings.Contains(foot, "WARN") {
		t.Errorf("a dead host still alerts: %q", foot)
	}
	f.feed(1) // back: the warning (no for:) at once, the critical after 3 s again
	if bells != 3 || !strings.Contains(lastLine(ansi.Strip(f.m.View())), "WARN e2") {
		t.Errorf("%d bells once e2 is back, want 3; footer %q", bells, lastLine(f.m.View()))
	}
	f.feed(5) // a rate from the second sample back, then held 3 s
	if bells != 4 || !strings.Contains(lastLine(ansi.Strip(f.m.View())), "ALERT e2") {
		t.Errorf("%d bells once e2 is critical again, want 4", bells)
	}
}

// Paused, the alerts are those at the cursor: scrolled back before the
// crossing, there are none; the bell still rings for what crosses live.
func TestLimitsAtTheCursor(t *testing.T) {
	f := newFixtureOn(t, limitsDashboard(t), time.Minute, nil, "e1", "e2")
	f.resize(120, 30)
	f.feed(10)
	f.key("space")
	for range 8 {
		f.key("left")
	}
	if foot := lastLine(ansi.Strip(f.m.View())); strings.Contains(foot, "ALERT") {
		t.Errorf("paused before the crossing was held, the footer says %q", foot)
	}
	if lvl := f.m.alerts; len(lvl) != 1 || lvl[0].LevelOf() != metrics.LevelWarn {
		t.Errorf("alerts at the cursor: %+v", lvl)
	}
}
