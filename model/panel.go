package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// PanelView is one boxed chart: a title carrying the current values, the
// braille chart and a legend. It owns its size and caches its drawing; the
// page asks it to redraw only when data or size changed.
type PanelView struct {
	ctx       *ProgramContext
	panel     config.Panel
	metricIDs []int // the store's metric index for each of panel.Metrics
	colors    []lipgloss.Style
	unit      metrics.Unit

	width, height int
	chart         *Chart
	cache         string
	dirty         bool
}

// NewPanelView makes the view for one panel; firstMetric is the store index
// of the panel's first metric (metrics are numbered in dashboard order).
func NewPanelView(ctx *ProgramContext, panel config.Panel, firstMetric int) *PanelView {
	p := &PanelView{ctx: ctx, panel: panel, dirty: true}
	for i, m := range panel.Metrics {
		p.metricIDs = append(p.metricIDs, firstMetric+i)
		color := lipgloss.Color(m.Color)
		if m.Color == "" {
			color = ctx.Styles.Palette[i%len(ctx.Styles.Palette)]
		}
		p.colors = append(p.colors, lipgloss.NewStyle().Foreground(color))
	}
	p.unit = panelUnit(panel)
	return p
}

// panelUnit is the unit of the panel's y axis: that of its metrics when they
// agree, else a plain count.
func panelUnit(panel config.Panel) metrics.Unit {
	unit := metrics.UnitCount
	for i, m := range panel.Metrics {
		k, _ := metrics.LookupKind(m.Type)
		if i == 0 {
			unit = k.Unit
		} else if k.Unit != unit {
			return metrics.UnitCount
		}
	}
	return unit
}

// SetSize sets the outer size, border included.
func (p *PanelView) SetSize(w, h int) {
	if w == p.width && h == p.height {
		return
	}
	p.width, p.height = w, h
	cw, ch := p.chartSize()
	if p.chart == nil {
		p.chart = NewChart(cw, ch, p.ctx.Styles.Axis, p.ctx.Styles.AxisLabel, p.colors)
	} else {
		p.chart.Resize(cw, ch)
	}
	p.dirty = true
}

// chartSize is the chart's share of the panel: inside the border, above the
// legend line.
func (p *PanelView) chartSize() (int, int) {
	return p.width - 2, p.height - 3
}

// Invalidate marks the drawing stale; the next Refresh redraws it.
func (p *PanelView) Invalidate() { p.dirty = true }

// Refresh redraws the panel if its data or size changed since the last
// time, and says whether it did.
func (p *PanelView) Refresh(store *metrics.Store, now time.Time) bool {
	if !p.dirty {
		return false
	}
	p.dirty = false
	p.cache = p.render(store, now)
	return true
}

// View returns the cached drawing.
func (p *PanelView) View() string { return p.cache }

func (p *PanelView) render(store *metrics.Store, now time.Time) string {
	innerW := p.width - 2
	if innerW < 1 || p.height < 3 {
		return ""
	}
	var body []string
	lo, hi, n := p.windowRange(store, now)
	cw, ch := p.chartSize()
	if cw >= minChartWidth && ch >= minChartHeight {
		body = strings.Split(p.chart.Render(p.chartInput(store, now, lo, hi)), "\n")
	} else {
		for len(body) < max(ch, 0) {
			body = append(body, "")
		}
		if len(body) > 0 {
			body[len(body)/2] = "(too small)"
		}
	}
	// Chart lines are exactly cw cells by construction; only the legend
	// needs measuring (measuring styled text is the costly part of a frame).
	for i := range body {
		if cw != innerW || body[i] == "" {
			body[i] = fitWidth(body[i], innerW)
		}
	}
	body = append(body, fitWidth(p.legend(lo, hi, n), innerW))

	st := p.ctx.Styles
	var b strings.Builder
	title := ansi.Truncate(p.title(store), max(innerW-4, 0), "…")
	fill := max(innerW-3-lipgloss.Width(title), 0)
	b.WriteString(st.PanelBorder.Render("╭─ "))
	b.WriteString(st.PanelTitle.Render(title))
	b.WriteString(st.PanelBorder.Render(" " + strings.Repeat("─", fill) + "╮"))
	side := st.PanelBorder.Render("│")
	for _, line := range body {
		b.WriteByte('\n')
		b.WriteString(side)
		b.WriteString(line)
		b.WriteString(side)
	}
	b.WriteByte('\n')
	b.WriteString(st.PanelBorder.Render("╰" + strings.Repeat("─", innerW) + "╯"))
	return b.String()
}

// fitWidth pads or cuts a styled line to exactly w cells.
func fitWidth(s string, w int) string {
	n := lipgloss.Width(s)
	switch {
	case n == w:
		return s
	case n < w:
		return s + strings.Repeat(" ", w-n)
	default:
		return ansi.Truncate(s, w, "")
	}
}

// series yields every (metric, host) line of the panel in legend order.
func (p *PanelView) series(store *metrics.Store, fn func(mi, host int, s *metrics.Series)) {
	for mi, id := range p.metricIDs {
		for h := 0; h < store.Hosts(); h++ {
			fn(mi, h, store.Series(h, id))
		}
	}
}

func (p *PanelView) chartInput(store *metrics.Store, now time.Time, lo, hi float64) ChartInput {
	in := ChartInput{
		Now:    now,
		Window: p.ctx.History,
		Unit:   p.unit,
		// A held value (counters synced every 5 s) may leave a longer gap.
		MaxGap: max(3*p.ctx.Interval+p.ctx.Interval/2, 6*time.Second),
	}
	p.series(store, func(mi, h int, s *metrics.Series) {
		in.Series = append(in.Series, ChartSeries{
			Hist: s.Hist, Style: mi, Host: h,
			Marker: seriesMarkers[mi%len(seriesMarkers)],
		})
	})
	if p.unit == metrics.UnitPercent {
		in.MinY, in.MaxY = 0, 100
	} else {
		in.MinY, in.MaxY = metrics.NiceRange(min(lo, 0), max(hi, 0))
	}
	return in
}

// windowRange is the lowest and highest value of all the panel's series in
// the window, and how many points they span (0: no data yet). The chart's y
// range and the legend's min/max both come from it.
func (p *PanelView) windowRange(store *metrics.Store, now time.Time) (lo, hi float64, n int) {
	p.series(store, func(_, _ int, s *metrics.Series) {
		mn, mx, _, k := s.Hist.Stats(now.Add(-p.ctx.History))
		if k == 0 {
			return
		}
		if n == 0 || mn < lo {
			lo = mn
		}
		if n == 0 || mx > hi {
			hi = mx
		}
		n += k
	})
	return lo, hi, n
}

// title is "Requests/sec · Client 3.6K/3.5K · Origin 2.5K/2.4K": the current
// value of each metric, one per host in host order, so the numbers can be
// read (and heard by a screen reader) without decoding the chart.
func (p *PanelView) title(store *metrics.Store) string {
	parts := []string{p.panel.Title}
	for mi, id := range p.metricIDs {
		vals := make([]string, store.Hosts())
		for h := range vals {
			vals[h] = "–"
			if v, ok := store.Series(h, id).Latest(); ok {
				vals[h] = metrics.Format(v, store.Series(h, id).Unit())
			}
		}
		parts = append(parts, p.panel.Metrics[mi].Name+" "+strings.Join(vals, "/"))
	}
	return strings.Join(parts, " · ")
}

// legend names each metric with its colour and marker, each host with its
// line pattern when there are several, and the window's min and max.
func (p *PanelView) legend(lo, hi float64, n int) string {
	st := p.ctx.Styles
	var parts []string
	for mi, m := range p.panel.Metrics {
		parts = append(parts, p.colors[mi].Render(string(seriesMarkers[mi%len(seriesMarkers)]))+" "+m.Name)
	}
	if len(p.ctx.Hosts) > 1 {
		for h, name := range p.ctx.Hosts {
			parts = append(parts, st.Dim.Render(hostLineSamples[h%len(hostLineSamples)])+" "+name)
		}
	}
	out := " " + strings.Join(parts, "  ")
	if n > 0 {
		mm := fmt.Sprintf("min %s  max %s ", metrics.Format(lo, p.unit), metrics.Format(hi, p.unit))
		gap := p.width - 2 - lipgloss.Width(out) - len(mm)
		if gap >= 2 {
			out += strings.Repeat(" ", gap) + st.Dim.Render(mm)
		}
	}
	return out
}
