package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/charmbracelet/x/ansi"

	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/picture"
)

// A page as a picture (s, --save-png): the same lines, titles, ranges
// and legend the panels draw in the terminal, handed to the picture
// package to draw at pixel resolution, and beside it the screen as text.

// Picture is the visible page as the picture package draws it, and the
// screen as plain text (no escape codes): what s saves.
func (m *Model) Picture() (picture.Page, string) {
	text := ansi.Strip(m.View())
	// The header's words, without its line samples (the legends have
	// them, drawn).
	s := m.chromeState()
	title := m.pctx.title()
	when := metrics.Clock(m.now, m.pctx.Location)
	if s.Paused {
		title, when = "PAUSED", metrics.Clock(s.Cursor, m.pctx.Location)
	}
	sep := " · "
	p := picture.Page{Title: title + sep + m.now.In(m.pctx.Location).Format("2006-01-02 ") + when + " " + m.pctx.Location.String() + sep +
		fmt.Sprintf("Page %d/%d %s", s.Page+1, s.Pages, s.PageName) + sep + strings.Join(m.pctx.Hosts, ", ")}
	if len(m.alerts) > 0 {
		var parts []string
		for _, a := range m.alerts {
			parts = append(parts, a.Short())
		}
		p.Footer, p.FooterCrit = strings.Join(parts, " · "), s.Critical
	}
	if len(m.pages) == 0 {
		return p, text
	}
	span := m.span()
	for _, pv := range m.pages[m.page].panels {
		p.Panels = append(p.Panels, pv.Picture(m.store(), span))
	}
	return p, text
}

// Picture is the chart as the picture package draws it.
func (p *PanelView) Picture(store *metrics.Store, span metrics.Span) picture.Panel {
	lines := p.lines(store, span)
	lo, hi, n := windowRange(lines, span)
	in := p.chartInput(events(store, span), lines, span, lo, hi, n)
	title, _ := p.title(lines, span)
	out := picture.Panel{
		Title: title, Mark: ansi.Strip(alertMark(p.pctx, worstLevel(lines))),
		Start: span.Start(), End: span.End, MinY: in.MinY, MaxY: in.MaxY, Unit: in.Unit,
		MaxGap: in.MaxGap, XLabels: in.XLabels,
	}
	out.Mark = strings.TrimSpace(out.Mark)
	if out.XLabels == ([3]string{}) {
		out.XLabels = chart.LiveXLabels(span.Window)
	}
	for _, l := range in.Limits {
		out.Limits = append(out.Limits, picture.Limit{Value: l.Value, Crit: l.Crit})
	}
	for _, e := range in.Events {
		out.Events = append(out.Events, picture.Event{T: e.T, Reset: e.Reset})
	}
	missing := p.missingEverywhere(store, span)
	switch {
	case missing[len(missing)-1]:
		out.Message = "not on this server"
	case n == 0 && anyWaiting(lines):
		out.Message = "waiting for the server's next update"
	}
	for _, l := range lines {
		color := p.seriesColor(l.slot)
		for h, shown := range l.Hosts {
			out.Lines = append(out.Lines, picture.Line{Color: color, Host: h, Hist: shown.Hist})
		}
		out.Legend = append(out.Legend, picture.LegendItem{Text: l.name + levelMark(l.level), Color: color})
	}
	if len(p.pctx.Hosts) > 1 {
		for h, name := range p.pctx.Hosts {
			out.Legend = append(out.Legend, picture.LegendItem{Text: name, Color: "#c0c0c0", Host: h})
		}
	}
	if note := eventsNote(pictureEventGlyphs, in.Events); note != "" {
		out.Legend = append(out.Legend, picture.LegendItem{Text: note})
	}
	if n > 0 {
		unit := p.unit(span)
		out.Legend = append(out.Legend, picture.LegendItem{Text: "min " + metrics.Format(lo, unit) + "  max " + metrics.Format(hi, unit)})
	}
	return out
}

// pictureEventGlyphs name the picture's marks on the time axis in its
// legend, as the chart's glyphs do on the screen: a filled red triangle
// for a restart, an orange outline for a reconnect (picture's events).
var pictureEventGlyphs = &chart.Glyphs{Restart: '▲', Reconnect: '△'}

// seriesColor is the "#rrggbb" a slot's line is drawn in: the metric's
// colour, else the dark theme's palette (a picture has a dark background
// whatever the terminal's).
func (p *PanelView) seriesColor(slot int) string {
	mi := 0
	for i, s := range p.slots {
		if s <= slot {
			mi = i
		}
	}
	m := p.panel.Metrics[mi]
	if _, family := m.Def().Pattern(); !family && m.Color != "" {
		return m.Color
	}
	pal := DefaultStyles().Palette
	if len(pal) == 0 {
		return "#cccccc"
	}
	return string(pal[slot%len(pal)])
}

// Picture is the table as its text rows, as the screen shows them.
func (t *TableView) Picture(store *metrics.Store, span metrics.Span) picture.Panel {
	t.Refresh(store, span)
	rows := strings.Split(ansi.Strip(t.View()), "\n")
	out := picture.Panel{Title: t.panel.Title}
	if len(rows) > 2 {
		for _, r := range rows[1 : len(rows)-1] {
			out.Rows = append(out.Rows, strings.TrimSuffix(strings.TrimPrefix(r, t.pctx.Glyphs.V), t.pctx.Glyphs.V))
		}
	}
	return out
}

// PictureName is where a picture goes: pattern with {iter} replaced by
// n, or, with no pattern, traffic_grapher-<time>.png in the current
// directory.
func PictureName(pattern string, n int, at time.Time) string {
	if pattern == "" {
		return "traffic_grapher-" + at.Format("20060102-150405") + ".png"
	}
	return strings.ReplaceAll(pattern, "{iter}", strconv.Itoa(n))
}

// savedMsg says a picture was written, or why not.
type savedMsg struct {
	path string
	err  error
}

// savePicture is the command that writes the visible page's picture and
// text: drawn now (what is on the screen now), written off the loop.
func (m *Model) savePicture() tea.Cmd {
	m.saves++
	path := PictureName(m.pctx.SavePNG, m.saves, m.pctx.Now())
	page, text := m.Picture()
	return func() tea.Msg {
		return savedMsg{path: path, err: picture.Save(path, page, text, picture.DefaultSize)}
	}
}
