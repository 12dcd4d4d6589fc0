package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// The screen's chrome: the header line, the footer line and the ? overlay.
// Each is a component like PageView: it owns its size and a cached
// drawing, rebuilt in Update when what it shows changes; View only joins
// the caches.

// ChromeState is what the header and footer show of the model: assembled
// once per change by Model.chromeState.
type ChromeState struct {
	Page, Pages int    // the visible page, from 0, and how many
	PageName    string //
	Hosts       []string
	Readout     bool // the text readout is shown
	ListOpen    bool // the page list is shown
	HelpOpen    bool
	Paused      bool
	Cursor      time.Time     // while paused: the instant shown
	Behind      time.Duration // while paused: how far behind live
	Window      time.Duration // the zoom window
	ReadoutPos  string        // the readout's scroll position, "" if all fits
	Errors      []string      // "host: error", in host order
	Warnings    []string      // "host: warning"
	// Alerts are the series over a limit, worst first, as the footer
	// writes them (report.Alert.Short); Critical says one is critical.
	Alerts   []string
	Critical bool
	// Replay is a replay's state for the header ("playing x10",
	// "stopped"); Seek is the time being typed after t, SeekErr what
	// was wrong with the last one.
	Replay  string
	Seeking bool
	Seek    string
	SeekErr string
	// Notice is a word on what a key did ("saved page.png and
	// page.txt"), until the next key.
	Notice string
	// Fleet: the fleet table is shown; FleetSummary counts its hosts
	// ("60 hosts · 2 down"); Filtering: its filter is being typed.
	Fleet        bool
	FleetSummary string
	Filtering    bool
}

// HeaderView is the top line: title and clock (while paused, the cursor's
// time), page and hosts; in the readout, plain words without a clock.
type HeaderView struct {
	pctx  *ProgramContext
	width int
	state ChromeState
	rest  string // the page and hosts part, which the clock's tick keeps
	line  string
}

// SetWidth sets the width; Refresh draws for it.
func (h *HeaderView) SetWidth(w int) { h.width = w }

// Refresh rebuilds the header for s at clock.
func (h *HeaderView) Refresh(s ChromeState, now time.Time) {
	h.state = s
	h.rest = h.pageHosts()
	h.Tick(now)
}

// Tick moves the clock: only the header's first part is rebuilt.
func (h *HeaderView) Tick(now time.Time) {
	if h.width <= 0 {
		return
	}
	if h.state.Readout {
		h.line = h.readoutLine()
		return
	}
	h.line = fitWidth(h.when(now)+h.rest, h.width)
}

// View is the cached line.
func (h *HeaderView) View() string { return h.line }

// when starts the header: the time in the chosen zone (while paused, the
// cursor's time and how far behind live it is).
func (h *HeaderView) when(now time.Time) string {
	st, g := h.pctx.Styles, &h.pctx.Glyphs
	title := h.pctx.title()
	if h.state.Paused {
		return " " + st.Paused.Render(" PAUSED ") + st.Header.Render(" "+metrics.Clock(h.state.Cursor, h.pctx.Location)+
			" (-"+metrics.ShortDuration(h.state.Behind)+")"+g.Sep)
	}
	if h.state.Replay != "" {
		title += " (" + h.state.Replay + ")"
	}
	return st.Header.Render(" " + title + g.Sep + now.In(h.pctx.Location).Format("2006-01-02 15:04:05 MST") + g.Sep)
}

// pageHosts ends the header: page number and name, hosts; over the fleet
// table, how many hosts and how they are.
func (h *HeaderView) pageHosts() string {
	st, g := h.pctx.Styles, &h.pctx.Glyphs
	s := h.state
	if s.Fleet {
		return st.HeaderPage.Render("Fleet") + st.Header.Render(g.Sep+s.FleetSummary)
	}
	hosts := ""
	if len(s.Hosts) > 0 {
		hosts = s.Hosts[0]
	}
	if len(s.Hosts) > 1 {
		parts := make([]string, len(s.Hosts))
		for i, name := range s.Hosts {
			parts[i] = g.HostSample(i) + " " + name
		}
		hosts = strings.Join(parts, "  ")
	}
	return st.HeaderPage.Render(fmt.Sprintf("Page %d/%d %s", s.Page+1, s.Pages, s.PageName)) +
		st.Header.Render(g.Sep+hosts)
}

// readoutLine is the readout's first line: plain words, no clock, so it
// stays the same from tick to tick and a screen reader is not made to
// repeat it.
func (h *HeaderView) readoutLine() string {
	s := h.state
	line := fmt.Sprintf("Page %d of %d: %s. Hosts: %s.", s.Page+1, s.Pages, s.PageName, strings.Join(s.Hosts, ", "))
	if s.Fleet {
		line = "Fleet: " + s.FleetSummary + "."
	}
	return fitWidth(h.pctx.Styles.Header.Render(ansi.Truncate(line, h.width, h.pctx.Glyphs.Ellipsis)), h.width)
}

// FooterView is the bottom line: per-host errors in red when collection
// fails, warnings in orange, otherwise the keys of the current mode, with
// the refresh interval and the time window (or the readout's position) on
// the right.
type FooterView struct {
	pctx  *ProgramContext
	width int
	// The key help per mode, built once: the keys never change.
	live, paused, readout, readoutPaused, helpOpen, listOpen, seek, fleet, filter string
	line                                                                          string
}

// NewFooterView builds the key help lines from the context's keys.
func NewFooterView(pctx *ProgramContext) *FooterView {
	h := help.New()
	h.ShortSeparator = pctx.Glyphs.Sep
	h.Styles.ShortKey = pctx.Styles.Footer.Bold(true)
	h.Styles.ShortDesc = pctx.Styles.Footer
	h.Styles.ShortSeparator = pctx.Styles.Footer
	f := &FooterView{
		pctx:          pctx,
		live:          " " + h.ShortHelpView(pctx.Keys.liveHelp()),
		paused:        " " + h.ShortHelpView(pctx.Keys.pausedHelp()),
		readout:       " " + h.ShortHelpView(pctx.Keys.readoutHelp()),
		readoutPaused: " " + h.ShortHelpView(pctx.Keys.readoutPausedHelp()),
		helpOpen:      " " + h.ShortHelpView(pctx.Keys.helpOpenHelp()),
		listOpen:      " " + h.ShortHelpView(pctx.Keys.listOpenHelp()),
		seek:          " " + h.ShortHelpView(pctx.Keys.seekHelp()),
		fleet:         " " + h.ShortHelpView(pctx.Keys.fleetHelp()),
		filter:        " " + h.ShortHelpView(pctx.Keys.filterHelp()),
	}
	if pctx.Player != nil {
		f.live = " " + h.ShortHelpView(pctx.Keys.replayHelp())
	}
	return f
}

// SetWidth sets the width; Refresh draws for it.
func (f *FooterView) SetWidth(w int) { f.width = w }

// View is the cached line.
func (f *FooterView) View() string { return f.line }

// Refresh rebuilds the footer for s.
func (f *FooterView) Refresh(s ChromeState) {
	if f.width <= 0 {
		return
	}
	st, g := f.pctx.Styles, &f.pctx.Glyphs
	if s.Seeking {
		prompt := " Jump to (14:05, -10m, +1h, 2026-12-01 14:05): " + s.Seek + "_"
		if s.SeekErr != "" {
			prompt += "  " + st.Error.Render(s.SeekErr)
		}
		f.line = fitWidth(ansi.Truncate(prompt+f.seek, f.width, g.Ellipsis), f.width)
		return
	}
	if s.Notice != "" {
		f.line = fitWidth(ansi.Truncate(st.Message.Render(" "+s.Notice), f.width, g.Ellipsis), f.width)
		return
	}
	if len(s.Alerts) > 0 {
		// Over the keys and the hosts' errors: what is wrong with the
		// traffic is why the screen is open. A host's error follows.
		style := st.Warning
		if s.Critical {
			style = st.Error
		}
		line := style.Render(" " + strings.Join(s.Alerts, g.Sep))
		if len(s.Errors) > 0 {
			line += st.Error.Render(g.Sep + strings.Join(s.Errors, g.Sep))
		}
		f.line = fitWidth(ansi.Truncate(line, f.width, g.Ellipsis), f.width)
		return
	}
	if len(s.Errors) > 0 {
		f.line = fitWidth(st.Error.Render(" "+strings.Join(s.Errors, g.Sep)), f.width)
		return
	}
	interval := metrics.ShortDuration(f.pctx.Interval)
	if f.pctx.Interval < 0 || f.pctx.Interval%1e9 != 0 {
		interval = f.pctx.Interval.String()
	}
	window := metrics.ShortDuration(f.pctx.History) + " history"
	if s.Window != f.pctx.History {
		window = metrics.ShortDuration(s.Window) + " of " + metrics.ShortDuration(f.pctx.History)
	}
	right := interval + g.Sep + window + " "
	if s.Readout && !s.HelpOpen && s.ReadoutPos != "" {
		right = s.ReadoutPos + g.Sep + right
	}
	var left string
	switch {
	case len(s.Warnings) > 0:
		left = st.Warning.Render(" " + strings.Join(s.Warnings, g.Sep))
	case s.HelpOpen:
		left = f.helpOpen
	case s.ListOpen:
		left = f.listOpen
	case s.Filtering:
		left = f.filter
	case s.Fleet && !s.Paused:
		left = f.fleet
	case s.Readout && s.Paused:
		left = f.readoutPaused
	case s.Readout:
		left = f.readout
	case s.Paused:
		left = f.paused
	default:
		left = f.live
	}
	if lipgloss.Width(left)+lipgloss.Width(right) >= f.width {
		// narrow screens: the keys matter more than the word "history"
		right = strings.Replace(right, " history", "", 1)
	}
	room := f.width - lipgloss.Width(right)
	left = ansi.Truncate(left, max(room-1, 0), g.Ellipsis)
	gap := max(room-lipgloss.Width(left), 0)
	f.line = fitWidth(left+strings.Repeat(" ", gap)+st.Footer.Render(right), f.width)
}
