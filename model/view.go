package model

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Smallest screen that still shows a whole page; below it a message says so
// instead of a broken drawing.
const (
	MinWidth  = 2 * (minChartWidth + 2)
	MinHeight = 2 + 2*(minChartHeight+3)
)

// View joins the header, the cached page and the footer. It draws nothing
// itself: charts are drawn in Update when data or size change.
func (m *Model) View() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	if m.width < MinWidth || m.height < MinHeight {
		return m.tooSmall()
	}
	var b strings.Builder
	b.WriteString(m.header())
	b.WriteByte('\n')
	if len(m.pages) > 0 {
		b.WriteString(m.pages[m.page].View())
	}
	b.WriteByte('\n')
	b.WriteString(m.footer())
	return b.String()
}

// header: time in the chosen zone, page number and name, hosts.
func (m *Model) header() string {
	st := m.ctx.Styles
	t := m.clock.In(m.ctx.Location).Format("2006-01-02 15:04:05 MST")
	name := ""
	if len(m.pages) > 0 {
		name = m.pages[m.page].Name
	}
	hosts := m.status.HostLabel(0, m.ctx.Hosts[0])
	if len(m.ctx.Hosts) > 1 {
		parts := make([]string, len(m.ctx.Hosts))
		for i, h := range m.ctx.Hosts {
			parts[i] = hostLineSamples[i%len(hostLineSamples)] + " " + m.status.HostLabel(i, h)
		}
		hosts = strings.Join(parts, "  ")
	}
	line := st.Header.Render(" ATS · "+t+" · ") +
		st.HeaderPage.Render(fmt.Sprintf("Page %d/%d %s", m.page+1, len(m.pages), name)) +
		st.Header.Render(" · "+hosts)
	return fitWidth(line, m.width)
}

// footer: per-host errors in red when collection fails, warnings in orange,
// otherwise the keys, with the refresh interval and history on the right.
func (m *Model) footer() string {
	st := m.ctx.Styles
	if errs := m.status.Errors(m.ctx.Hosts); len(errs) > 0 {
		return fitWidth(st.Error.Render(" "+strings.Join(errs, " · ")), m.width)
	}
	right := fmt.Sprintf("%s · %s history ", shortDuration(m.ctx.Interval), shortDuration(m.ctx.History))
	if m.ctx.Interval < 0 || m.ctx.Interval%1e9 != 0 {
		right = fmt.Sprintf("%s · %s history ", m.ctx.Interval, shortDuration(m.ctx.History))
	}
	var left string
	if warns := m.status.Warnings(m.ctx.Hosts); len(warns) > 0 {
		left = st.Warning.Render(" " + strings.Join(warns, " · "))
	} else {
		left = m.helpLine
	}
	room := m.width - lipgloss.Width(right)
	left = ansi.Truncate(left, max(room-1, 0), "…")
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
