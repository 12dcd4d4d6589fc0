package model

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// PanelView is one boxed chart: a title carrying the current values, the
// chart and a legend. It owns its size and caches its drawing; the page
// asks it to redraw only when data, size or the view changed.
type PanelView struct {
	pctx      *ProgramContext
	panel     config.Panel
	metricIDs []int // the store's metric index for each of panel.Metrics
	// slots are the first colour and marker of each metric: a family
	// (a key with a wildcard) takes one per line it may draw, its top
	// members and the rest; colors has one style per slot.
	slots  []int
	colors []lipgloss.Style
	// markers are each slot's marker and hosts the hosts' line samples,
	// the legend's parts that never change, styled at its first drawing
	// (most panels are on pages never shown) rather than every tick.
	markers []string
	hosts   string
	// units are the y axis' unit with counters shown as rates (0) and as
	// absolute counts (1); hasCounter says whether the a key changes the
	// panel. Both follow from the config, so are worked out once.
	units      [2]metrics.Unit
	hasCounter bool

	width, height int
	chart         *chart.Chart
	// yRange is the y axis last drawn, kept while the data fits it
	// (metrics.StickyRange).
	yRange yRange
	drawing
}

// yRange is a y axis drawn and the view it was drawn for.
type yRange struct {
	lo, hi   float64
	window   time.Duration
	absolute bool
}

// drawing is a panel's cached drawing and whether it is stale: what the
// page asks of every panel, chart or table, besides drawing it.
type drawing struct {
	cache   string
	dirty   bool
	borders borders
}

// Invalidate marks the drawing stale; the next Refresh redraws it.
func (d *drawing) Invalidate() { d.dirty = true }

// View returns the cached drawing.
func (d *drawing) View() string { return d.cache }

// redraw runs render if the drawing is stale, and says whether it did.
func (d *drawing) redraw(render func() string) bool {
	if !d.dirty {
		return false
	}
	d.dirty = false
	d.cache = render()
	return true
}

// NewPanelView makes the view for the dashboard's panel of page; its
// metrics are the store's by their IDs (config.MetricRef).
func NewPanelView(pctx *ProgramContext, page, panel int) *PanelView {
	pn := pctx.Dashboard.Pages[page].Panels[panel]
	p := &PanelView{pctx: pctx, panel: pn, drawing: drawing{dirty: true}}
	for i, m := range pn.Metrics {
		p.metricIDs = append(p.metricIDs, pctx.Dashboard.MetricID(page, panel, i))
		p.slots = append(p.slots, len(p.colors))
		if _, family := m.Def().Pattern(); family {
			for range pn.TopN() + 1 {
				p.colors = append(p.colors, pctx.Styles.SeriesStyle("", len(p.colors)))
			}
		} else {
			p.colors = append(p.colors, pctx.Styles.SeriesStyle(m.Color, len(p.colors)))
		}
		p.hasCounter = p.hasCounter || keepsAbsolute(m)
	}
	p.units = [2]metrics.Unit{panelUnit(pn, false), panelUnit(pn, true)}
	return p
}

// styleLegendKeys styles the legend's markers and host samples.
func (p *PanelView) styleLegendKeys() {
	st, g := p.pctx.Styles, &p.pctx.Glyphs
	p.markers = make([]string, len(p.colors))
	for slot, c := range p.colors {
		p.markers[slot] = c.Render(string(g.Marker(slot)))
	}
	if len(p.pctx.Hosts) > 1 {
		samples := make([]string, len(p.pctx.Hosts))
		for h, name := range p.pctx.Hosts {
			samples[h] = st.Dim.Render(g.HostSample(h)) + " " + name
		}
		p.hosts = strings.Join(samples, "  ")
	}
}

// unit is the y axis' unit for the view.
func (p *PanelView) unit(span metrics.Span) metrics.Unit {
	if span.Absolute {
		return p.units[1]
	}
	return p.units[0]
}

// panelUnit is the unit of the panel's y axis: that of its metrics when they
// agree, else a plain count. Counters shown as absolute counts are counts.
func panelUnit(panel config.Panel, absolute bool) metrics.Unit {
	unit := metrics.UnitCount
	for i, m := range panel.Metrics {
		u := m.Def().DisplayUnit()
		if absolute && keepsAbsolute(m) {
			u = metrics.UnitCount
		}
		if i == 0 {
			unit = u
		} else if u != unit {
			return metrics.UnitCount
		}
	}
	return unit
}

// keepsAbsolute says whether a metric has an absolute count besides what
// it shows (counters: the a key), as its type's registry entry says.
func keepsAbsolute(m config.Metric) bool { return metrics.KeepsAbsolute(metrics.Type(m.Type)) }

// SetSize sets the outer size, border included.
func (p *PanelView) SetSize(w, h int) {
	if w == p.width && h == p.height {
		return
	}
	p.width, p.height = w, h
	cw, ch := p.chartSize()
	if p.chart == nil {
		p.chart = chart.New(cw, ch, p.pctx.Glyphs, p.pctx.Styles.Chart(), p.colors)
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

// Refresh redraws the panel if its data, size or view changed since the
// last time, and says whether it did.
func (p *PanelView) Refresh(store *metrics.Store, span metrics.Span) bool {
	return p.redraw(func() string { return p.render(store, span) })
}

func (p *PanelView) render(store *metrics.Store, span metrics.Span) string {
	innerW := p.width - 2
	if innerW < 1 || p.height < 3 {
		return ""
	}
	g, st := &p.pctx.Glyphs, p.pctx.Styles
	var body []string
	lines := p.lines(store, span)
	lo, hi, n := windowRange(lines, span)
	cw, ch := p.chartSize()
	missing := p.missingEverywhere(store, span)
	evs := events(store, span)
	// A record the server lacks is said once, not drawn as a flat line at
	// zero; a panel with nothing to draw yet says what it waits for.
	var msg string
	switch {
	case cw < chart.MinWidth || ch < chart.MinHeight:
		msg = "(too small)"
	case missing[len(missing)-1]:
		msg = report.NotOnServer
	case n == 0 && anyWaiting(lines):
		msg = report.WaitingNote
	}
	if msg == "" {
		body = strings.Split(p.chart.Render(p.chartInput(evs, lines, span, lo, hi, n)), "\n")
	} else {
		for len(body) < max(ch, 0) {
			body = append(body, "")
		}
		if len(body) > 0 {
			msg = ansi.Truncate(msg, innerW, g.Ellipsis)
			body[len(body)/2] = fitWidth(st.Dim.Render(strings.Repeat(" ", max(innerW-len(msg), 0)/2)+msg), innerW)
		}
	}
	// Chart lines are exactly cw cells by construction; only the legend
	// needs measuring (measuring styled text is the costly part of a frame).
	for i := range body {
		if cw != innerW || body[i] == "" {
			body[i] = fitWidth(body[i], innerW)
		}
	}
	title, stale := p.title(lines, span)
	legend, legendW := p.legend(lines, lo, hi, n, span, stale, missing, evs)
	body = append(body, fitMeasured(legend, legendW, innerW))

	return p.frame(p.pctx, alertMark(p.pctx, worstLevel(lines)), title, body, innerW)
}

// alertMark starts the title of a panel with a series over a limit: the
// word, not only its colour, so it reads on every screen and to a screen
// reader.
func alertMark(pctx *ProgramContext, l metrics.Level) string {
	switch l {
	case metrics.LevelCrit:
		return pctx.Styles.Error.Render("CRIT") + " "
	case metrics.LevelWarn:
		return pctx.Styles.Warning.Render("WARN") + " "
	}
	return ""
}

// levelMark follows a line's name in the legend: ! over its warning
// limit, !! over its critical one.
func levelMark(l metrics.Level) string {
	return strings.Repeat("!", int(l))
}

// frame boxes a panel's lines (each exactly innerW cells) under its title,
// after mark (styled; "" for none): the one border every panel, chart or
// table, is drawn with.
func (d *drawing) frame(pctx *ProgramContext, mark, title string, body []string, innerW int) string {
	bd := d.borders.of(pctx, mark, title, innerW)
	var b strings.Builder
	size := len(bd.top) + len(bd.bottom) + 1
	for _, line := range body {
		size += len(line) + 2*len(bd.side) + 1
	}
	b.Grow(size) // the body and the borders, at once
	b.WriteString(bd.top)
	for _, line := range body {
		b.WriteByte('\n')
		b.WriteString(bd.side)
		b.WriteString(line)
		b.WriteString(bd.side)
	}
	b.WriteByte('\n')
	b.WriteString(bd.bottom)
	return b.String()
}

// borders are a frame's border lines as last styled, and what for. A
// lipgloss Render of a few characters measures them first: four of them
// a panel cost a tenth of a page's redraw, every tick, for borders that
// change only with the title, the mark or the width.
type borders struct {
	pctx              *ProgramContext
	mark, title       string
	innerW            int
	top, side, bottom string
}

// of is the borders for a frame of those, styled again only if they are
// not the last ones.
func (bd *borders) of(pctx *ProgramContext, mark, title string, innerW int) *borders {
	if bd.pctx == pctx && bd.mark == mark && bd.title == title && bd.innerW == innerW {
		return bd
	}
	*bd = borders{pctx: pctx, mark: mark, title: title, innerW: innerW}
	g, st := &pctx.Glyphs, pctx.Styles
	mw := lipgloss.Width(mark)
	if mw > innerW-8 {
		mark, mw = "", 0
	}
	title = ansi.Truncate(title, max(innerW-4-mw, 0), g.Ellipsis)
	fill := max(innerW-3-mw-lipgloss.Width(title), 0)
	bd.top = st.PanelBorder.Render(g.TL+g.H+" ") + mark + st.PanelTitle.Render(title) +
		st.PanelBorder.Render(" "+strings.Repeat(g.H, fill)+g.TR)
	bd.side = st.PanelBorder.Render(g.V)
	bd.bottom = st.PanelBorder.Render(g.BL + strings.Repeat(g.H, innerW) + g.BR)
	return bd
}

// fitWidth pads or cuts a styled line to exactly w cells.
func fitWidth(s string, w int) string { return fitMeasured(s, lipgloss.Width(s), w) }

// fitMeasured is fitWidth of a line s known to be n cells wide.
func fitMeasured(s string, n, w int) string {
	switch {
	case n == w:
		return s
	case n < w:
		return s + strings.Repeat(" ", w-n)
	default:
		return ansi.Truncate(s, w, "")
	}
}

// panelLine is one line the panel draws: a metric, or one member of a
// family metric, or the rest of a family.
type panelLine struct {
	mi   int // the metric, in panel.Metrics
	slot int // its colour and marker
	name string
	// level is the worst of the line's hosts against the metric's limits
	// (report.JudgeLine).
	level metrics.Level
	metrics.Line
}

// worstLevel is the worst level of the lines.
func worstLevel[L interface{ alertLevel() metrics.Level }](lines []L) metrics.Level {
	w := metrics.LevelOK
	for _, l := range lines {
		w = metrics.Worst(w, l.alertLevel())
	}
	return w
}

func (l panelLine) alertLevel() metrics.Level { return l.level }

// lineLevel is the worst host of line against the metric's limits, in a
// view of rates (a counter's totals are not what its limits are on).
func lineLevel(pctx *ProgramContext, m config.Metric, line metrics.Line, span metrics.Span) metrics.Level {
	if span.Absolute && keepsAbsolute(m) {
		return metrics.LevelOK
	}
	w := metrics.LevelOK
	for _, a := range report.JudgeLine(pctx.Report(), m.Limits, line, span) {
		w = metrics.Worst(w, a.Level)
	}
	return w
}

// lines are what the panel draws now, in legend order: as shown (rates
// or, with span.Absolute, counters' absolute counts), families expanded
// to their top members and the rest (report.PanelLines).
func (p *PanelView) lines(store *metrics.Store, span metrics.Span) []panelLine {
	var out []panelLine
	for mi, id := range p.metricIDs {
		ls := report.PanelLines(store, id, p.panel, span)
		// A member's colour and marker follow its name's place among the
		// members drawn, not its rank: the same remaps look the same in
		// every panel of a page, and a change of rank does not repaint
		// them.
		var names []string
		for _, l := range ls {
			if l.Member != "" {
				names = append(names, l.Member)
			}
		}
		sort.Strings(names)
		for k, l := range ls {
			slot := p.slots[mi] + k
			if l.Member != "" {
				slot = p.slots[mi] + sort.SearchStrings(names, l.Member)
			}
			m := p.panel.Metrics[mi]
			out = append(out, panelLine{mi: mi, slot: slot, name: report.LineName(m.Name, l, len(p.metricIDs)), level: lineLevel(p.pctx, m, l, span), Line: l})
		}
	}
	return out
}

// eachShown yields every (line, host) of lines.
func eachShown(lines []panelLine, fn func(l *panelLine, host int, v metrics.Shown)) {
	for i := range lines {
		for h, v := range lines[i].Hosts {
			fn(&lines[i], h, v)
		}
	}
}

func (p *PanelView) chartInput(evs []chart.Event, lines []panelLine, span metrics.Span, lo, hi float64, n int) chart.Input {
	unit := p.unit(span)
	in := chart.Input{
		Now:       span.End,
		Window:    span.Window,
		Unit:      unit,
		MaxGap:    p.pctx.Timing().MaxGap(),
		Cursor:    span.Cursor,
		Lo:        lo,
		Hi:        hi,
		HaveRange: n > 0,
	}
	if span.Paused {
		in.XLabels = clockXLabels(span, p.pctx.Location)
	}
	if p.pctx.Styles.NoColor {
		in.MarkEvery = 10
	}
	in.Events = evs
	for _, m := range p.panel.Metrics {
		if span.Absolute && keepsAbsolute(m) {
			continue
		}
		for _, t := range []struct {
			t    *metrics.Threshold
			crit bool
		}{{m.Limits.Warn, false}, {m.Limits.Crit, true}} {
			if t.t != nil {
				in.Limits = append(in.Limits, chart.Limit{Value: t.t.Value, Crit: t.crit})
			}
		}
	}
	eachShown(lines, func(l *panelLine, h int, v metrics.Shown) {
		in.Series = append(in.Series, chart.Series{
			Hist: v.Hist, Style: l.slot, Host: h, Marker: p.pctx.Glyphs.Marker(l.slot),
		})
	})
	if unit == metrics.UnitPercent && hi > smallPercent {
		in.MinY, in.MaxY = 0, 100
	} else {
		in.MinY, in.MaxY = p.axisRange(span, min(lo, 0), max(hi, 0))
	}
	return in
}

// axisRange is the y axis for data from lo to hi in span: the one drawn
// last while it holds the data (metrics.StickyRange), kept for the next
// drawing, so the screen and its picture (s) agree. Another window or
// counters shown as totals start afresh.
func (p *PanelView) axisRange(span metrics.Span, lo, hi float64) (float64, float64) {
	prev := p.yRange
	if prev.window != span.Window || prev.absolute != span.Absolute {
		prev = yRange{}
	}
	lo, hi = metrics.StickyRange(prev.lo, prev.hi, lo, hi)
	p.yRange = yRange{lo, hi, span.Window, span.Absolute}
	return lo, hi
}

// events are every host's restarts and reconnects in the span, for the
// time axis.
func events(store *metrics.Store, span metrics.Span) []chart.Event {
	var out []chart.Event
	for h := range store.Hosts() {
		for _, e := range store.Events(h, span.Start(), span.End) {
			out = append(out, chart.Event{T: e.T, Reset: e.Kind == metrics.EventReset})
		}
	}
	return out
}

// eventsNote says what the time axis' marks are, when there are any:
// "↺ restart  ⇡ reconnect".
func eventsNote(g *chart.Glyphs, evs []chart.Event) string {
	var reset, back bool
	for _, e := range evs {
		reset, back = reset || e.Reset, back || !e.Reset
	}
	var parts []string
	if reset {
		parts = append(parts, string(g.Restart)+" restart")
	}
	if back {
		parts = append(parts, string(g.Reconnect)+" reconnect")
	}
	return strings.Join(parts, "  ")
}

// smallPercent is the highest a percentage panel's window may reach and
// still get an axis of its own: a hit rate is read against 0-100 %, but
// an error rate of 0.7 % on that scale is a flat line at the bottom.
const smallPercent = 10

// clockXLabels label a paused view with the clock times of its start,
// middle and end: relative times would change with every tick.
func clockXLabels(span metrics.Span, loc *time.Location) [3]string {
	layout := "15:04:05"
	if span.Window >= time.Hour {
		layout = "15:04"
	}
	if loc == nil {
		loc = time.UTC
	}
	f := func(t time.Time) string { return t.In(loc).Format(layout) }
	return [3]string{f(span.Start()), f(span.End.Add(-span.Window / 2)), f(span.End)}
}

// windowRange is the lowest and highest value of all the panel's series in
// the window, and how many points they span (0: no data yet). The chart's y
// range, the y axis' min/max labels and the legend all come from it.
func windowRange(lines []panelLine, span metrics.Span) (lo, hi float64, n int) {
	eachShown(lines, func(_ *panelLine, _ int, v metrics.Shown) {
		mn, mx, k := v.Hist.Range(span.Start(), span.End)
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

// missingEverywhere says, per metric, whether no host's server has its
// records, and last whether that holds for every metric of the panel.
func (p *PanelView) missingEverywhere(store *metrics.Store, span metrics.Span) []bool {
	out := make([]bool, len(p.metricIDs)+1)
	all := len(p.metricIDs) > 0
	for mi, id := range p.metricIDs {
		out[mi] = store.Hosts() > 0
		for h := range store.Hosts() {
			out[mi] = out[mi] && store.Series(h, id).Missing()
		}
		all = all && out[mi]
	}
	out[len(p.metricIDs)] = all
	return out
}

// anyWaiting says some host answers but a line has no value yet.
func anyWaiting(lines []panelLine) bool {
	waiting := false
	eachShown(lines, func(_ *panelLine, _ int, v metrics.Shown) { waiting = waiting || v.Waiting })
	return waiting
}

// StaleMark follows a value that is not current (its host stopped
// answering), in titles; the legend says how old it is. It is a character,
// not a colour, so it reads the same on every screen and to a screen
// reader.
const StaleMark = "?"

// title is "Requests/sec · Client 3.6K/3.5K · Origin 2.5K/2.4K": the current
// value of each metric (while paused, the value at the cursor), one per
// host in host order, so the numbers can be read (and heard by a screen
// reader) without decoding the chart. A host's last value, once stale, is
// marked (5.7K?); stale has, per host, how old its values are (0: fresh).
func (p *PanelView) title(lines []panelLine, span metrics.Span) (string, []time.Duration) {
	head := p.panel.Title
	if span.Absolute && p.hasCounter {
		head += " (totals)"
	}
	none := "–"
	if p.pctx.Glyphs.Set == chart.GlyphsASCII {
		none = "-"
	}
	stale := make([]time.Duration, len(p.pctx.Hosts))
	parts := []string{head}
	for _, l := range lines {
		vals := make([]string, len(l.Hosts))
		for h, shown := range l.Hosts {
			vals[h] = none
			c := shown.Current(p.pctx.Timing().At(span, h))
			if !c.OK {
				continue
			}
			vals[h] = metrics.Format(c.V, shown.Unit)
			if c.Stale {
				vals[h] += StaleMark
				stale[h] = max(stale[h], c.Age)
			}
		}
		parts = append(parts, l.name+" "+strings.Join(vals, "/"))
	}
	return strings.Join(parts, p.pctx.Glyphs.Sep), stale
}

// staleNote is the legend's word on stale values: "? no data 14s", or with
// several hosts "? no data: edge2 14s, edge3 2m"; "" when all are fresh.
func (p *PanelView) staleNote(stale []time.Duration) string {
	var who []string
	for h, age := range stale {
		if age == 0 {
			continue
		}
		if len(p.pctx.Hosts) == 1 {
			return StaleMark + " no data " + metrics.ShortDuration(age)
		}
		who = append(who, p.pctx.Hosts[h]+" "+metrics.ShortDuration(age))
	}
	if len(who) == 0 {
		return ""
	}
	return StaleMark + " no data: " + strings.Join(who, ", ")
}

// legend names each metric with its colour and marker (and "total" when a
// counter shows its absolute count), each host with its line pattern when
// there are several, and the window's min and max.
func (p *PanelView) legend(lines []panelLine, lo, hi float64, n int, span metrics.Span, stale []time.Duration, missing []bool, evs []chart.Event) (legend string, width int) {
	st, g := p.pctx.Styles, &p.pctx.Glyphs
	if p.markers == nil {
		p.styleLegendKeys()
	}
	var parts []string
	for _, l := range lines {
		name := l.name
		if span.Absolute && keepsAbsolute(p.panel.Metrics[l.mi]) {
			name += " total"
		}
		if missing[l.mi] && !missing[len(missing)-1] {
			name += " (" + report.NotOnServer + ")"
		}
		name += levelMark(l.level)
		parts = append(parts, p.markers[l.slot]+" "+name)
	}
	if note := p.staleNote(stale); note != "" {
		// Before the host patterns (the header shows them too) and
		// min/max, which are cut first on a narrow screen: that the
		// numbers are old matters more. A family's members can fill the
		// line by themselves, so then it comes first.
		if len(lines) > len(p.metricIDs) {
			parts = append([]string{st.Warning.Render(note)}, parts...)
		} else {
			parts = append(parts, st.Warning.Render(note))
		}
	}
	if note := eventsNote(g, evs); note != "" {
		// Before the host patterns, which the header shows too.
		parts = append(parts, st.Error.Render(note))
	}
	if p.hosts != "" {
		parts = append(parts, p.hosts)
	}
	out := " " + strings.Join(parts, "  ")
	width = lipgloss.Width(out)
	if n > 0 {
		unit := p.unit(span)
		mm := fmt.Sprintf("min %s  max %s ", metrics.Format(lo, unit), metrics.Format(hi, unit))
		gap := p.width - 2 - width - len(mm)
		if gap >= 2 {
			out += strings.Repeat(" ", gap) + st.Dim.Render(mm)
			width += gap + lipgloss.Width(mm)
		}
	}
	return out, width
}
