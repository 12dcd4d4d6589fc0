package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// TableView is a panel drawn as rows (view: table): per metric its name,
// and per host the current value, formatted as titles format it, and a
// one-row sparkline of the window. It fits two to three times the figures
// of a chart in the same space. Like PanelView it owns its size and
// caches its drawing.
type TableView struct {
	pctx      *ProgramContext
	panel     config.Panel
	metricIDs []int
	colors    []lipgloss.Style
	hasFamily bool // a metric's key has a wildcard: its rows follow the o key's order

	width, height int
	drawing
}

// NewTableView makes the view for a table panel of page.
func NewTableView(pctx *ProgramContext, page, panel int) *TableView {
	pn := pctx.Dashboard.Pages[page].Panels[panel]
	t := &TableView{pctx: pctx, panel: pn, drawing: drawing{dirty: true}}
	for i, m := range pn.Metrics {
		t.metricIDs = append(t.metricIDs, pctx.Dashboard.MetricID(page, panel, i))
		t.colors = append(t.colors, pctx.Styles.SeriesStyle(m.Color, i))
		_, family := m.Def().Pattern()
		t.hasFamily = t.hasFamily || family
	}
	return t
}

// SetSize sets the outer size, border included.
func (t *TableView) SetSize(w, h int) {
	if w != t.width || h != t.height {
		t.width, t.height, t.dirty = w, h, true
	}
}

// Refresh redraws the table if needed, and says whether it did.
func (t *TableView) Refresh(store *metrics.Store, span metrics.Span) bool {
	return t.redraw(func() string { return t.render(store, span) })
}

// tableLayout is how the table's columns share the inside width: the
// label, then per host a value and, when there is room, a sparkline.
type tableLayout struct {
	label, value, spark int
}

func (t *TableView) layout(inner int, rows []tableRow) tableLayout {
	hosts := len(t.pctx.Hosts)
	l := tableLayout{value: 7}
	want := 8
	for _, r := range rows {
		want = max(want, lipgloss.Width(r.name)+3) // marker, space, name, gap
	}
	// The whole label when every host keeps a short sparkline beside its
	// value; else a third of the width.
	if room := inner - hosts*(l.value+1+6); want <= room {
		l.label = want
	} else {
		l.label = min(want, max(inner/3, 8))
	}
	cell := (inner - l.label) / hosts
	if l.spark = cell - l.value - 1; l.spark < 4 {
		l.spark = 0
		l.value = max(cell-1, 1)
	}
	return l
}

func (t *TableView) render(store *metrics.Store, span metrics.Span) string {
	inner := t.width - 2
	rowsFit := t.height - 2
	if inner < 10 || rowsFit < 1 {
		return ""
	}
	g, st := &t.pctx.Glyphs, t.pctx.Styles
	lines := t.lines(store, span)
	l := t.layout(inner, lines)
	var rows []string
	if len(t.pctx.Hosts) > 1 {
		head := strings.Repeat(" ", l.label)
		for h, name := range t.pctx.Hosts {
			head += fitWidth(" "+g.HostSample(h)+" "+name, l.value+1+l.spark)
		}
		rows = append(rows, st.Dim.Render(fitWidth(head, inner)))
	}
	if n := t.untracked(store); n > 0 {
		// First: the rows may not all fit, and this says the table
		// itself is not the whole story.
		rows = append(rows, st.Warning.Render(fitWidth(fmt.Sprintf(" +%d more matches not kept (at most %d a key and host)", n, metrics.MaxFamilyMembers), inner)))
	}
	for _, r := range lines {
		rows = append(rows, t.row(span, l, r, inner))
	}
	if len(rows) > rowsFit {
		more := len(rows) - rowsFit + 1
		rows = append(rows[:rowsFit-1], st.Dim.Render(fitWidth(" +"+strconv.Itoa(more)+" more (r: readout)", inner)))
	}
	for len(rows) < rowsFit {
		rows = append(rows, strings.Repeat(" ", inner))
	}
	title := t.panel.Title
	if t.hasFamily && len(lines) > len(t.metricIDs) {
		title += t.pctx.Glyphs.Sep + "by " + span.Order.String()
	}
	return t.frame(t.pctx, alertMark(t.pctx, worstLevel(lines)), title, rows, inner)
}

// untracked is the most matches of one of the table's wildcard keys that
// a host's store did not keep (metrics.MaxFamilyMembers).
func (t *TableView) untracked(store *metrics.Store) int {
	n := 0
	for _, id := range t.metricIDs {
		for h := range store.Hosts() {
			n = max(n, store.Series(h, id).Untracked())
		}
	}
	return n
}

// tableRow is one row: a metric, or one member of a family metric.
type tableRow struct {
	mi    int
	name  string
	level metrics.Level // the worst host against the metric's limits
	metrics.Line
}

func (r tableRow) alertLevel() metrics.Level { return r.level }

// lines are the table's rows now: each metric, a family's members all of
// them in the view's order (report.PanelLines).
func (t *TableView) lines(store *metrics.Store, span metrics.Span) []tableRow {
	var out []tableRow
	for mi, id := range t.metricIDs {
		for _, l := range report.PanelLines(store, id, t.panel, span) {
			m := t.panel.Metrics[mi]
			level := lineLevel(t.pctx, m, l, span)
			out = append(out, tableRow{mi: mi, name: report.LineName(m.Name, l, len(t.metricIDs)) + levelMark(level), level: level, Line: l})
		}
	}
	return out
}

// row is one metric: its marker and name, then each host's value and
// sparkline.
func (t *TableView) row(span metrics.Span, l tableLayout, r tableRow, inner int) string {
	g := &t.pctx.Glyphs
	mi := r.mi
	label := fitWidth(t.colors[mi].Render(string(g.Marker(mi)))+" "+ansi.Truncate(r.name, max(l.label-3, 1), g.Ellipsis), l.label)
	none := "–"
	if g.Set == chart.GlyphsASCII {
		none = "-"
	}
	var b strings.Builder
	b.WriteString(label)
	// One scale for every host of a metric, so their sparklines compare.
	shown := r.Hosts
	hists := make([]*metrics.History, len(shown))
	for h := range shown {
		hists[h] = shown[h].Hist
	}
	lo, hi := sparkScale(span, hists)
	if allMissing(shown) {
		b.WriteString(t.pctx.Styles.Dim.Render("  " + report.NotOnServer))
		return fitWidth(b.String(), inner)
	}
	for h := range shown {
		v := none
		if c := shown[h].Current(t.pctx.Timing().At(span, h)); c.OK {
			v = metrics.Format(c.V, shown[h].Unit)
			if c.Stale {
				v += StaleMark
			}
		}
		b.WriteString(strings.Repeat(" ", max(l.value-lipgloss.Width(v), 0)) + ansi.Truncate(v, l.value, ""))
		switch {
		case l.spark > 0 && shown[h].Waiting && shown[h].Hist.Len() == 0:
			b.WriteString(" " + t.pctx.Styles.Dim.Render(fitWidth(" "+report.WaitingNote, l.spark)))
		case l.spark > 0 && shown[h].Missing:
			b.WriteString(" " + t.pctx.Styles.Dim.Render(fitWidth(" not here", l.spark)))
		case l.spark > 0:
			b.WriteString(" " + t.colors[mi].Render(sparkline(shown[h].Hist, span, l.spark, lo, hi, g, t.pctx.Timing().MaxGap())))
		}
		b.WriteString(" ")
	}
	return fitWidth(b.String(), inner)
}

// allMissing says no host's server has the metric's records.
func allMissing(shown []metrics.Shown) bool {
	for _, s := range shown {
		if !s.Missing {
			return false
		}
	}
	return len(shown) > 0
}

// sparkScale is one y range for the sparklines of hists over span, so
// that they compare: the lowest and highest of them all, by sparkRange.
func sparkScale(span metrics.Span, hists []*metrics.History) (float64, float64) {
	var lo, hi float64
	seen := false
	for _, h := range hists {
		if mn, mx, k := h.Range(span.Start(), span.End); k > 0 {
			if !seen || mn < lo {
				lo = mn
			}
			if !seen || mx > hi {
				hi = mx
			}
			seen = true
		}
	}
	return sparkRange(lo, hi)
}

// sparkRange is the y range of a metric's sparklines, shared by its hosts:
// up to the window's highest, and down to its lowest less the spread, so a
// value that moves shows its shape (a 0-based scale draws 84 % ± 1 as a
// flat bar) while a small wobble stays small: it fills at most half the
// height. Values never below 0 keep 0 as the floor.
func sparkRange(lo, hi float64) (float64, float64) {
	floor := lo - (hi - lo)
	if lo >= 0 {
		floor = max(floor, 0)
	}
	return floor, hi
}

// sparkLevels are a cell's heights in the glyph sets without braille,
// lowest first; a cell with no data is blank.
var sparkLevels = map[chart.GlyphSet][]rune{
	chart.GlyphsBlock: []rune("▄█"),
	chart.GlyphsASCII: []rune("_.-'"),
}

// sparkline draws hist over the span in width cells: in braille two
// columns of four dot heights per cell, else one column of the glyph
// set's levels. Each column shows the highest point of its stretch of
// time, so a spike is never averaged away. Columns between two points no
// further apart than maxGap carry the earlier value, as a chart's line
// joins them; a longer stretch without points is blank.
func sparkline(hist *metrics.History, span metrics.Span, width int, lo, hi float64, g *chart.Glyphs, maxGap time.Duration) string {
	cols := width
	if g.Set == chart.GlyphsBraille {
		cols = 2 * width
	}
	peak := make([]float64, cols)
	have := make([]bool, cols)
	start, step := span.Start(), span.Window/time.Duration(cols)
	if step <= 0 {
		return strings.Repeat(" ", width)
	}
	var prev metrics.Point
	havePrev := false
	col := func(t time.Time) int { return int(t.Sub(start) / step) }
	hist.WalkAt(start, span.End, step, func(p metrics.Point, _ time.Duration) {
		if havePrev && p.T.Sub(prev.T) <= maxGap {
			for i := max(col(prev.T)+1, 0); i < min(col(p.T), cols); i++ {
				if !have[i] {
					peak[i], have[i] = prev.V, true
				}
			}
		}
		prev, havePrev = p, true
		if i := col(p.T); i >= 0 && i < cols && (!have[i] || p.V > peak[i]) {
			peak[i], have[i] = p.V, true
		}
	})
	level := func(i, levels int) int { // 1..levels, 0 for no data
		if !have[i] {
			return 0
		}
		if hi <= lo {
			return 1
		}
		f := (peak[i] - lo) / (hi - lo)
		return 1 + min(max(int(f*float64(levels-1)+0.5), 0), levels-1)
	}
	var b strings.Builder
	if g.Set == chart.GlyphsBraille {
		// Dots from the bottom up: left column 0x40 0x04 0x02 0x01, right
		// column 0x80 0x20 0x10 0x08.
		left := [5]rune{0, 0x40, 0x44, 0x46, 0x47}
		right := [5]rune{0, 0x80, 0xA0, 0xB0, 0xB8}
		for c := 0; c < width; c++ {
			r := left[level(2*c, 4)] | right[level(2*c+1, 4)]
			if r == 0 {
				b.WriteByte(' ')
			} else {
				b.WriteRune(0x2800 + r)
			}
		}
		return b.String()
	}
	lv := sparkLevels[g.Set]
	for c := 0; c < width; c++ {
		if n := level(c, len(lv)); n == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteRune(lv[n-1])
		}
	}
	return b.String()
}
