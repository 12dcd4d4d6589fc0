package model

import (
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// A frame's borders are kept from one drawing to the next, and styled
// again whenever what they show changes: each frame is the one a panel
// drawing its first would make.
func TestFrameBordersFollowTheirTitle(t *testing.T) {
	pctx := newFixtureOn(t, pages.Default(), time.Minute, nil, "a").pctx
	other := *pctx
	other.Glyphs = chart.GlyphsFor(chart.GlyphsASCII)
	alert := alertMark(pctx, metrics.LevelCrit)
	var d drawing
	for i, c := range []struct {
		pctx        *ProgramContext
		mark, title string
		innerW      int
	}{
		{pctx, "", "Requests", 20},
		{pctx, "", "Requests", 20},
		{pctx, alert, "Requests", 20},
		{pctx, alert, "Requests · stale", 20},
		{pctx, alert, "Requests · stale", 12},
		{&other, alert, "Requests · stale", 12},
		{pctx, "", "Requests", 20},
	} {
		body := []string{"x"}
		got := d.frame(c.pctx, c.mark, c.title, body, c.innerW)
		var fresh drawing
		if want := fresh.frame(c.pctx, c.mark, c.title, body, c.innerW); got != want {
			t.Errorf("frame %d (%q, %q, %d):\n%q\nwant\n%q", i, c.mark, c.title, c.innerW, got, want)
		}
	}
}
