package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Smallest screen that still shows a whole page; below it a message says so
// instead of a broken drawing.
const (
	MinWidth  = 2 * (minChartWidth + 2)
	MinHeight = 2 + 2*(minChartHeight+3)
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
	var b strings.Builder
	b.WriteString(m.headerLine)
	b.WriteByte('\n')
	switch {
	case m.helpOpen:
		b.WriteString(m.helpBox)
	case m.readoutOn:
		b.WriteString(m.readout.View())
	case len(m.pages) > 0:
		b.WriteString(m.pages[m.page].View())
	}
	b.WriteByte('\n')
	b.WriteString(m.footerLine)
	return b.String()
}

// refreshChrome rebuilds the header and footer after anything they show may
// have changed: a result (host status, newest time), a key or the mouse
// (page, mode, zoom, scroll), a redraw (the readout's length) or a resize.
func (m *Model) refreshChrome() {
	if m.width == 0 || m.height == 0 {
		return
	}
	m.headerRest = m.headerPageHosts()
	m.refreshHeader()
	m.footerLine = m.footer()
}

// refreshHeader rebuilds the header line from its cached page and hosts
// part and the clock; the clock's tick calls only this.
func (m *Model) refreshHeader() {
	if m.width == 0 || m.height == 0 {
		return
	}
	if m.readoutOn {
		m.headerLine = m.readoutHeader()
		return
	}
	m.headerLine = fitWidth(m.headerWhen()+m.headerRest, m.width)
}

// headerWhen starts the header: the time in the chosen zone (while paused,
// the cursor's time and how far behind live it is).
func (m *Model) headerWhen() string {
	st, g := m.ctx.Styles, &m.ctx.Glyphs
	title := m.ctx.Title
	if title == "" {
		title = "ATS"
	}
	when := st.Header.Render(" " + title + g.Sep + m.clock.In(m.ctx.Location).Format("2006-01-02 15:04:05 MST") + g.Sep)
	if m.time.Paused() {
		span := m.span()
		behind := m.now.Sub(span.Cursor).Round(time.Second)
		when = " " + st.Paused.Render(" PAUSED ") + st.Header.Render(" "+clock(span.Cursor, m.ctx.Location)+
			" (-"+shortDuration(behind)+")"+g.Sep)
	}
	return when
}

// headerPageHosts ends the header: page number and name, hosts.
func (m *Model) headerPageHosts() string {
	st, g := m.ctx.Styles, &m.ctx.Glyphs
	name := ""
	if len(m.pages) > 0 {
		name = m.pages[m.page].Name
	}
	hosts := m.status.HostLabel(0, m.ctx.Hosts[0])
	if len(m.ctx.Hosts) > 1 {
		parts := make([]string, len(m.ctx.Hosts))
		for i, h := range m.ctx.Hosts {
			parts[i] = g.hostSample(i) + " " + m.status.HostLabel(i, h)
		}
		hosts = strings.Join(parts, "  ")
	}
	return st.HeaderPage.Render(fmt.Sprintf("Page %d/%d %s", m.page+1, len(m.pages), name)) +
		st.Header.Render(g.Sep+hosts)
}

// readoutHeader is the readout's first line: plain words, no clock, so it
// stays the same from tick to tick and a screen reader is not made to
// repeat it.
func (m *Model) readoutHeader() string {
	name := ""
	if len(m.pages) > 0 {
		name = m.pages[m.page].Name
	}
	hosts := make([]string, len(m.ctx.Hosts))
	for i, h := range m.ctx.Hosts {
		hosts[i] = m.status.HostLabel(i, h)
	}
	line := fmt.Sprintf("Page %d of %d: %s. Hosts: %s.", m.page+1, len(m.pages), name, strings.Join(hosts, ", "))
	return fitWidth(m.ctx.Styles.Header.Render(ansi.Truncate(line, m.width, m.ctx.Glyphs.Ellipsis)), m.width)
}

// footer: per-host errors in red when collection fails, warnings in orange,
// otherwise the keys of the current mode, with the refresh interval and the
// time window (or the readout's position) on the right.
func (m *Model) footer() string {
	st, g := m.ctx.Styles, &m.ctx.Glyphs
	if errs := m.status.Errors(m.ctx.Hosts); len(errs) > 0 {
		return fitWidth(st.Error.Render(" "+strings.Join(errs, g.Sep)), m.width)
	}
	interval := shortDuration(m.ctx.Interval)
	if m.ctx.Interval < 0 || m.ctx.Interval%1e9 != 0 {
		interval = m.ctx.Interval.String()
	}
	window := shortDuration(m.ctx.History) + " history"
	if w := m.time.Window(); w != m.ctx.History {
		window = shortDuration(w) + " of " + shortDuration(m.ctx.History)
	}
	right := interval + g.Sep + window + " "
	if m.readoutOn && !m.helpOpen {
		if pos := m.readout.Position(); pos != "" {
			right = pos + g.Sep + right
		}
	}
	var left string
	switch warns := m.status.Warnings(m.ctx.Hosts); {
	case len(warns) > 0:
		left = st.Warning.Render(" " + strings.Join(warns, g.Sep))
	case m.helpOpen:
		left = m.helpHelp
	case m.readoutOn && m.time.Paused():
		left = m.helpReadoutPaused
	case m.readoutOn:
		left = m.helpReadout
	case m.time.Paused():
		left = m.helpPaused
	default:
		left = m.helpLive
	}
	if lipgloss.Width(left)+lipgloss.Width(right) >= m.width {
		// narrow screens: the keys matter more than the word "history"
		right = strings.Replace(right, " history", "", 1)
	}
	room := m.width - lipgloss.Width(right)
	left = ansi.Truncate(left, max(room-1, 0), g.Ellipsis)
	gap := max(room-lipgloss.Width(left), 0)
	return fitWidth(left+strings.Repeat(" ", gap)+st.Footer.Render(right), m.width)
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
		lines[i] = m.ctx.Styles.Message.Render(ansi.Truncate(l, m.width, ""))
	}
	return strings.Join(lines, "\n")
}
