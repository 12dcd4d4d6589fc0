package chart

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// t0 is the charts' clock in the tests.
var t0 = time.Date(2026, 11, 22, 14, 3, 27, 0, time.UTC)

// Labels are round, include the top, and sit on the rows their values are
// drawn in (row 0 is the x axis; a value just above it is drawn in row 1).
func TestYLabelsAreRoundAndIncludeTop(t *testing.T) {
	tests := []struct {
		rows   int
		hi     float64
		unit   metrics.Unit
		labels map[int]string
	}{
		{12, 800, metrics.UnitCount, map[int]string{0: "0", 4: "200", 6: "400", 9: "600", 12: "800"}},
		{12, 1200, metrics.UnitCount, map[int]string{0: "0", 4: "300", 6: "600", 9: "900", 12: "1.2K"}},
		{12, 3000, metrics.UnitCount, map[int]string{0: "0", 5: "1K", 8: "2K", 12: "3K"}},
		{8, 100, metrics.UnitPercent, map[int]string{0: "0%", 4: "50%", 8: "100%"}},
		{12, 100, metrics.UnitPercent, map[int]string{0: "0%", 4: "25%", 6: "50%", 9: "75%", 12: "100%"}},
		{4, 50, metrics.UnitMillis, map[int]string{0: "0", 2: "25", 4: "50"}},
	}
	for _, tc := range tests {
		f := yLabels(tc.rows, 4, 0, tc.hi, tc.unit, 0)
		got := map[int]string{}
		for i := 0; i <= tc.rows; i++ {
			if s := f(i, 0); s != "" {
				got[i] = s
			}
		}
		if len(got) != len(tc.labels) {
			t.Errorf("rows %d hi %g: labels %v, want %v", tc.rows, tc.hi, got, tc.labels)
			continue
		}
		for row, want := range tc.labels {
			if got[row] != want {
				t.Errorf("rows %d hi %g: row %d = %q, want %q (all %v)", tc.rows, tc.hi, row, got[row], want, got)
			}
		}
	}
}

func historyOf(now time.Time, pts ...[2]float64) *metrics.History {
	h := metrics.NewHistory(time.Minute, 100)
	for _, p := range pts {
		h.Add(metrics.Point{T: now.Add(time.Duration(p[0] * float64(time.Second))), V: p[1]})
	}
	return h
}

func brailleCells(s string) int {
	n := 0
	for _, r := range s {
		if r > 0x2800 && r <= 0x28FF {
			n++
		}
	}
	return n
}

func TestChartDrawsLinesAndKeepsGapsOpen(t *testing.T) {
	now := t0
	in := func(h *metrics.History) Input {
		return Input{Now: now, Window: time.Minute, MinY: 0, MaxY: 10, MaxGap: 3 * time.Second,
			Series: []Series{{Hist: h, Marker: '●'}}}
	}
	c := New(64, 12, GlyphsFor(GlyphsBraille), Styles{}, []lipgloss.Style{lipgloss.NewStyle()})

	var joined [][2]float64
	for s := -60.0; s <= 0; s++ {
		joined = append(joined, [2]float64{s, 5})
	}
	full := c.Render(in(historyOf(now, joined...)))
	// Two points 50 s apart, beyond MaxGap: not joined.
	sparse := c.Render(in(historyOf(now, [2]float64{-55, 5}, [2]float64{-5, 5})))

	if lines := strings.Split(full, "\n"); len(lines) != 12 {
		t.Fatalf("%d lines", len(lines))
	}
	if n := brailleCells(full); n < 50 {
		t.Fatalf("a full minute of points drew only %d braille cells:\n%s", n, full)
	}
	if n := brailleCells(sparse); n > 3 {
		t.Fatalf("points across a gap were joined (%d cells):\n%s", n, sparse)
	}
	if !strings.Contains(full, "●") || !strings.Contains(full, "now") || !strings.Contains(full, "-60s") {
		t.Fatalf("marker or time labels missing:\n%s", full)
	}
}

func TestOverlapTakesColourOfTheSeriesWithMoreDots(t *testing.T) {
	now := t0
	// Two series on the same values: the first (solid) wins every shared
	// cell, rather than the last one drawn.
	var pts [][2]float64
	for s := -60.0; s <= 0; s++ {
		pts = append(pts, [2]float64{s, 5})
	}
	red := lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	blue := lipgloss.NewStyle().Foreground(lipgloss.Color("4"))
	c := New(64, 12, GlyphsFor(GlyphsBraille), Styles{}, []lipgloss.Style{red, blue})
	c.series = []ansiStyle{{pre: "<R>", suf: "</R>"}, {pre: "<B>", suf: "</B>"}}
	out := c.Render(Input{Now: now, Window: time.Minute, MaxY: 10, MaxGap: 3 * time.Second, Series: []Series{
		{Hist: historyOf(now, pts...), Style: 0, Host: 0},
		{Hist: historyOf(now, pts...), Style: 1, Host: 1},
	}})
	if !strings.Contains(out, "<R>") {
		t.Fatalf("solid first series lost every overlapping cell:\n%s", out)
	}
	if strings.Count(out, "<B>") > strings.Count(out, "<R>") {
		t.Fatalf("dashed second series took most overlapping cells:\n%s", out)
	}
}

// A chart zoomed out over hours of downsampled history still shows a
// one-second spike and leaves an outage empty.
func TestChartZoomedOutKeepsSpikesAndGaps(t *testing.T) {
	h := metrics.NewDownsampledHistory(6*time.Hour, time.Second)
	const secs = 4 * 3600
	now := t0.Add(secs * time.Second)
	for i := 0; i < secs; i++ {
		if i >= 3600 && i < 5400 { // a 30 min outage, from 3 h to 2.5 h ago
			continue
		}
		v := 100.0
		if i == 2*3600 { // one second at 900, 2 h ago
			v = 900
		}
		h.Add(metrics.Point{T: t0.Add(time.Duration(i) * time.Second), V: v})
	}
	c := New(100, 12, GlyphsFor(GlyphsBraille), Styles{}, []lipgloss.Style{lipgloss.NewStyle()})
	out := c.Render(Input{Now: now, Window: 6 * time.Hour, MinY: 0, MaxY: 1000, MaxGap: 6 * time.Second,
		Series: []Series{{Hist: h, Marker: '●'}}})
	lines := strings.Split(out, "\n")
	startX := c.layer.origin.X + 1
	gw := c.layer.gw
	// columns where the series has dots
	drawn := make([]bool, gw)
	spikeRows := 0
	for y := 0; y < c.layer.gh; y++ {
		row := []rune(lines[y])
		for x := 0; x < gw; x++ {
			if r := row[startX+x]; r > 0x2800 && r <= 0x28FF || r == '●' {
				drawn[x] = true
				if y <= 2 {
					spikeRows++
				}
			}
		}
	}
	if spikeRows == 0 {
		t.Fatalf("the spike is gone:\n%s", out)
	}
	// Data covers the last 4 of 6 hours: drawn from column ~gw/3 on, except
	// the outage; the columns at its edges may go either way.
	col := func(hoursAgo float64) int { return int((6 - hoursAgo) / 6 * float64(gw*2-1) / 2) }
	for x := col(3.95); x < col(0.05); x++ {
		switch {
		case x <= col(3)-1 || x >= col(2.5)+2:
			if !drawn[x] {
				t.Fatalf("column %d should have data:\n%s", x, out)
			}
		case x >= col(3)+2 && x <= col(2.5)-2:
			if drawn[x] {
				t.Fatalf("column %d is in the outage but drawn:\n%s", x, out)
			}
		}
	}
}

// Two equal series (SSL handshakes when every one fails) draw the same
// dots; both markers must still show, side by side.
func TestEqualSeriesKeepBothMarkers(t *testing.T) {
	var pts [][2]float64
	for s := -60.0; s <= 0; s++ {
		pts = append(pts, [2]float64{s, 5})
	}
	c := New(64, 12, GlyphsFor(GlyphsBraille), Styles{}, []lipgloss.Style{lipgloss.NewStyle(), lipgloss.NewStyle()})
	out := c.Render(Input{Now: t0, Window: time.Minute, MaxY: 10, MaxGap: 3 * time.Second, Series: []Series{
		{Hist: historyOf(t0, pts...), Style: 0, Marker: '●'},
		{Hist: historyOf(t0, pts...), Style: 1, Marker: '◆'},
	}})
	if !strings.Contains(out, "◆●") && !strings.Contains(out, "●◆") {
		t.Fatalf("equal series: want both markers side by side:\n%s", out)
	}
}

// A window's min or max equal to the round tick next to it is labelled
// once, not on two adjacent rows ("15┤" above "15│").
func TestRangeLabelDoesNotRepeatTheTickBesideIt(t *testing.T) {
	for height := 8; height <= 40; height += 3 {
		c := New(64, height, GlyphsFor(GlyphsBraille), Styles{}, []lipgloss.Style{lipgloss.NewStyle()})
		for hi := 1.0; hi <= 40; hi += 0.1 {
			lo, top := metrics.NiceRange(0, hi)
			min := hi / 3
			if int(hi*10)%2 == 0 {
				min = 0 // a window's min at the axis, whose label is 0 too
			}
			in := Input{Now: t0, Window: time.Minute, MinY: lo, MaxY: top, MaxGap: 3 * time.Second,
				Lo: min, Hi: hi, HaveRange: true, Series: []Series{{Hist: historyOf(t0, [2]float64{-1, hi}), Marker: '●'}}}
			out := c.Render(in)
			prev := ""
			for row, l := range strings.Split(out, "\n") {
				lab, _, _ := strings.Cut(l, "│")
				lab, _, _ = strings.Cut(lab, "┤")
				lab, _, _ = strings.Cut(lab, "└")
				lab = strings.TrimSpace(lab)
				if lab != "" && lab == prev {
					t.Fatalf("height %d, hi %.1f: label %q on rows %d and %d:\n%s", height, hi, lab, row-1, row, out)
				}
				prev = lab
			}
		}
	}
}

// Labels of absurd ranges end, and are short.
func TestYLabelsEndForHugeRanges(t *testing.T) {
	for _, hi := range []float64{1e300, math.MaxFloat64, 1e18, 1e35} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			f := yLabels(17, 4, 0, hi, metrics.UnitCount, 4)
			top := ""
			for i := 0; i <= 17; i++ {
				if s := f(i, 0); s != "" {
					top = s
				}
			}
			if top == "" || len(strings.TrimSpace(top)) > 7 {
				t.Errorf("hi %g: top label %q, want a short exponent form", hi, top)
			}
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("hi %g: yLabels did not finish within 20 s (an endless loop?)", hi)
		}
	}
}

// A y tick labels the row its value is drawn in: a series holding a
// tick's value crosses the tick's row, at every height and in every glyph
// set.
func TestTicksLabelTheRowTheirValueIsDrawnIn(t *testing.T) {
	now := t0
	for _, set := range []GlyphSet{GlyphsBraille, GlyphsBlock, GlyphsASCII} {
		for height := 8; height <= 30; height++ {
			for _, hi := range []float64{10, 3000, 100} {
				for _, frac := range []float64{0.2, 0.25, 0.4, 0.5, 0.6, 0.75, 0.8} {
					v := hi * frac
					var pts [][2]float64
					for s := -60.0; s <= 0; s++ {
						pts = append(pts, [2]float64{s, v})
					}
					c := New(64, height, GlyphsFor(set), Styles{}, []lipgloss.Style{lipgloss.NewStyle()})
					out := c.Render(Input{Now: now, Window: time.Minute, MinY: 0, MaxY: hi, MaxGap: 3 * time.Second,
						Series: []Series{{Hist: historyOf(now, pts...), Marker: '*'}}})
					label := metrics.FormatAxis(v, metrics.UnitCount)
					lines := strings.Split(out, "\n")
					for row, l := range lines[:len(lines)-2] {
						axis := strings.IndexAny(l, "│┤|<+")
						if axis < 0 || strings.TrimSpace(l[:axis]) != label {
							continue
						}
						plot := []rune(l)[len([]rune(l[:axis]))+1:]
						drawn := strings.ContainsFunc(string(plot), func(r rune) bool { return r != ' ' })
						if !drawn {
							t.Fatalf("%v height %d, max %v: the tick %s is on row %d, but the series at %v is drawn elsewhere:\n%s",
								set, height, hi, label, row, v, out)
						}
					}
				}
			}
		}
	}
}

// The axes built on two small canvases are the full canvas' cell for
// cell, layout included, over sizes, ranges, units, windows, labels and
// glyph sets (a seeded sample of them, and the edges).
func TestAxisLayerMatchesFullCanvas(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ranges := [][2]float64{{0, 1}, {0, 100}, {0, 1200}, {-50, 50}, {0.001, 0.002}, {1e12, 3e15}, {-1e300, 1e300}, {37.5, 37.6}, {0, 1e-9}}
	windows := []time.Duration{time.Minute, 5 * time.Minute, time.Hour, 24 * time.Hour}
	keys := []axisKey{}
	for _, w := range []int{17, 18, 40, 118, 240} {
		for _, h := range []int{4, 5, 9, 31, 70} {
			keys = append(keys, axisKey{width: w, height: h, minY: 0, maxY: 100, window: time.Minute})
		}
	}
	for range 400 {
		r := ranges[rng.IntN(len(ranges))]
		win := windows[rng.IntN(len(windows))]
		k := axisKey{
			width: 17 + rng.IntN(230), height: 4 + rng.IntN(70),
			minY: r[0], maxY: r[1], unit: metrics.Unit(rng.IntN(7)), window: win,
			reserve: []int{0, 4, 5}[rng.IntN(3)], glyphs: GlyphSet(rng.IntN(3)),
		}
		keys = append(keys, k)
	}
	for _, k := range keys {
		if k.xLabels == ([3]string{}) {
			k.xLabels = LiveXLabels(k.window)
		}
		g := GlyphsFor(k.glyphs)
		// The layer replaced: another y range of the same chart, or the
		// same range of another size, whose bottom rows are drawn again.
		prev := k
		if rng.IntN(2) == 0 {
			r := ranges[rng.IntN(len(ranges))]
			prev.minY, prev.maxY, prev.unit = r[0], r[1], metrics.Unit(rng.IntN(7))
		} else {
			prev.width = 17 + rng.IntN(230)
		}
		got, want := buildAxisLayer(k, &g, buildAxisLayer(prev, &g, axisLayer{})), buildAxisLayerFull(k, &g)
		if got.origin != want.origin || got.gw != want.gw || got.gh != want.gh {
			t.Errorf("%+v: origin %v, graph %dx%d; the full canvas %v, %dx%d", k, got.origin, got.gw, got.gh, want.origin, want.gw, want.gh)
			continue
		}
		if !slices.Equal(got.runes, want.runes) {
			t.Errorf("%+v: the axes differ from the full canvas':\n%s\nwant:\n%s", k, layerText(got), layerText(want))
		}
	}
}

func layerText(l axisLayer) string {
	var b strings.Builder
	for y := range l.key.height {
		for _, r := range l.runes[y*l.key.width : (y+1)*l.key.width] {
			b.WriteRune(max(r, ' '))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// BenchmarkAxisLayer builds a 240x70 screen's chart axes (118x31), on two
// small canvases, on the y labels' alone when only the y range moved, and
// on one canvas of the chart's size.
func BenchmarkAxisLayer(b *testing.B) {
	k := axisKey{width: 118, height: 31, minY: 0, maxY: 1200, window: time.Minute, xLabels: LiveXLabels(time.Minute), reserve: 4}
	g := GlyphsFor(GlyphsBraille)
	before := k
	before.maxY = 1000
	prev := buildAxisLayer(before, &g, axisLayer{})
	for _, bc := range []struct {
		name  string
		build func(axisKey, *Glyphs) axisLayer
	}{
		{"two small canvases", func(k axisKey, g *Glyphs) axisLayer { return buildAxisLayer(k, g, axisLayer{}) }},
		{"a new y range", func(k axisKey, g *Glyphs) axisLayer { return buildAxisLayer(k, g, prev) }},
		{"full canvas", buildAxisLayerFull},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.build(k, &g)
			}
		})
	}
}
