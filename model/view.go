package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
)

// Smallest screen that still shows a whole page; below it a message says so
// instead of a broken drawing.
const (
	MinWidth  = 2 * (chart.MinWidth + 2)
	MinHeight = 2 + 2*(chart.MinHeight+3)
)

// View joins the header, the cached page (or readout, or help) and the
// footer. It draws nothing itself: charts and the readout are drawn in
// Update when data, size or the view change.
func (m *Model) View() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	if m.width < MinWidth || m.height < MinHeight {
		return m.tooSmall()
	}
	var body string
	switch {
	case m.helpOpen:
		body = m.help.View()
	case m.listOpen:
		body = m.pageList.View()
	case m.readoutOn:
		body = m.readout.View()
	case m.fleetOn:
		body = m.fleet.View()
	case len(m.pages) > 0:
		body = m.pages[m.page].View()
	}
	// Bubble Tea asks for the view after every message; most change
	// nothing on screen. The parts are cached strings, so comparing them
	// with the last ones is (nearly always) comparing pointers, where
	// joining them again is copying the whole screen.
	parts := [3]string{m.header.View(), body, m.footer.View()}
	if parts == m.viewParts && m.viewJoined != "" {
		return m.viewJoined
	}
	var b strings.Builder
	b.Grow(len(parts[0]) + len(parts[1]) + len(parts[2]) + 2)
	b.WriteString(parts[0])
	b.WriteByte('\n')
	b.WriteString(parts[1])
	b.WriteByte('\n')
	b.WriteString(parts[2])
	m.viewParts, m.viewJoined = parts, b.String()
	return m.viewJoined
}

// refreshChrome rebuilds the header and footer after anything they show may
// have changed: a result (host status, newest time), a key or the mouse
// (page, mode, zoom, scroll), a redraw (the readout's length) or a resize.
func (m *Model) refreshChrome() {
	if m.width == 0 || m.height == 0 {
		return
	}
	s := m.chromeState()
	m.header.Refresh(s, m.clock)
	m.footer.Refresh(s)
}

// chromeState is what the header and footer show of the model now.
func (m *Model) chromeState() ChromeState {
	s := ChromeState{
		Page: m.page, Pages: len(m.pages), Readout: m.readoutOn, HelpOpen: m.helpOpen, ListOpen: m.listOpen,
		Paused: m.time.Paused(), Window: m.time.Window(), ReadoutPos: m.readout.Position(),
		Errors: m.data.Status().ErrorsOf(m.shown, m.data.Names()), Warnings: m.data.Warnings(),
	}
	if m.fleetOn {
		// The table says which hosts fail and why; the header counts them.
		f := m.fleet.Fleet()
		status := f.Group.Status
		if f.Filter != "" {
			// The rows' status, not the fleet's: say whose.
			status = fmt.Sprintf("%q: %s", f.Filter, status)
		}
		s.Fleet, s.FleetSummary, s.Errors, s.Warnings = true, fmt.Sprintf("%d hosts%s%s", f.Total, m.pctx.Glyphs.Sep, status), nil, nil
		s.Filtering = m.fleet.Filtering()
	}
	s.Seeking, s.Seek, s.SeekErr, s.Notice = m.seeking, m.seekText, m.seekErr, m.saved
	if p := m.pctx.Player; p != nil {
		s.Replay = "stopped"
		if p.AtEnd() {
			s.Replay = "at the end"
		}
		if p.Playing() {
			s.Replay = "playing " + speedName(p.Speed())
		}
	}
	for _, a := range m.alerts {
		s.Alerts = append(s.Alerts, a.Short())
		s.Critical = s.Critical || a.LevelOf() == metrics.LevelCrit
	}
	if len(m.pages) > 0 {
		s.PageName = m.pages[m.page].Name
	}
	for i, h := range m.pctx.Hosts {
		s.Hosts = append(s.Hosts, m.data.Status().HostLabel(m.store().BaseHost(i), h))
	}
	if s.Paused {
		span := m.span()
		s.Cursor, s.Behind = span.Cursor, m.now.Sub(span.Cursor).Round(time.Second)
	}
	return s
}

// tooSmall says so instead of drawing a broken page, cut to the screen so
// that even a tiny pane is not scrolled or wrapped.
func (m *Model) tooSmall() string {
	msg := fmt.Sprintf("Too small: %dx%d. traffic_grapher needs at least %dx%d. Enlarge the window, or press q to quit.",
		m.width, m.height, MinWidth, MinHeight)
	lines := strings.Split(ansi.Wordwrap(msg, m.width, " "), "\n")
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	for i, l := range lines {
		lines[i] = m.pctx.Styles.Message.Render(ansi.Truncate(l, m.width, ""))
	}
	return strings.Join(lines, "\n")
}

// speedName is "x10", "x0.5".
func speedName(s float64) string { return "x" + strconv.FormatFloat(s, 'f', -1, 64) }
