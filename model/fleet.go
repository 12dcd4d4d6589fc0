package model

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// FleetView is the fleet table (F, and the first screen with more than
// config.MaxHosts hosts): a row per host, worst first, with the fleet
// columns' values and a sparkline each where there is room, under the
// fleet's own line. The cursor picks a host, x marks up to MaxHosts, and
// enter opens the pages for them; ←/→ change the sort, / filters by name.
// What it shows comes from report.BuildFleet, so the readout and --once
// say the same; like every component it owns its size and caches its
// drawing.
type FleetView struct {
	pctx *ProgramContext // every host's
	w, h int

	sortBy    int // report.SortStatus, report.SortName or a column
	filter    string
	filtering bool // the filter is being typed
	cursor    int  // the row under the cursor
	at        int  // its host: the cursor stays on it as rows move (-1: none yet)
	top       int  // the first row shown
	marked    []int

	fleet report.Fleet
	box   string
}

// NewFleetView starts sorted by condition.
func NewFleetView(pctx *ProgramContext) *FleetView {
	return &FleetView{pctx: pctx, sortBy: report.SortStatus, at: -1}
}

// SetSize sets the area the table fills.
func (v *FleetView) SetSize(w, h int) { v.w, v.h = w, h }

// View is the cached table.
func (v *FleetView) View() string { return v.box }

// Fleet is what the table last showed.
func (v *FleetView) Fleet() report.Fleet { return v.fleet }

// Filtering says the filter is being typed: keys go to it.
func (v *FleetView) Filtering() bool { return v.filtering }

// Marked are the marked hosts, in marking order.
func (v *FleetView) Marked() []int { return v.marked }

// Selected are the hosts enter opens: the marked ones, or the one under
// the cursor.
func (v *FleetView) Selected() []int {
	if len(v.marked) > 0 {
		return append([]int(nil), v.marked...)
	}
	if v.cursor < len(v.fleet.Rows) {
		return []int{v.fleet.Rows[v.cursor].Host}
	}
	return nil
}

// Move moves the cursor by n rows, staying on the table.
func (v *FleetView) Move(n int) {
	v.cursor = min(max(v.cursor+n, 0), max(len(v.fleet.Rows)-1, 0))
	v.at = -1
	if v.cursor < len(v.fleet.Rows) {
		v.at = v.fleet.Rows[v.cursor].Host
	}
}

// follow puts the cursor back on its host after the rows moved (a new
// tick's order), or on the first row if it has none or the host is gone
// (filtered out).
func (v *FleetView) follow() {
	for i, r := range v.fleet.Rows {
		if r.Host == v.at {
			v.cursor = i
			return
		}
	}
	// Until a key moves it, the cursor is on the top row: the worst.
	v.cursor, v.at = 0, -1
}

// SortStep moves the sort to the next column (dir 1) or the one before:
// condition, each column, name, round.
func (v *FleetView) SortStep(dir int) {
	n := len(v.fleet.Columns) + 2 // condition, the columns, name
	i := (v.sortIndex() + dir + n) % n
	switch {
	case i == 0:
		v.sortBy = report.SortStatus
	case i == n-1:
		v.sortBy = report.SortName
	default:
		v.sortBy = i - 1
	}
	v.top = 0 // the cursor stays on its host, wherever the sort puts it
}

func (v *FleetView) sortIndex() int {
	switch v.sortBy {
	case report.SortStatus:
		return 0
	case report.SortName:
		return len(v.fleet.Columns) + 1
	}
	return v.sortBy + 1
}

// ToggleMark marks the host under the cursor, or unmarks it; it says no
// when MaxHosts are marked already (one line pattern each).
func (v *FleetView) ToggleMark() bool {
	if v.cursor >= len(v.fleet.Rows) {
		return true
	}
	h := v.fleet.Rows[v.cursor].Host
	if i := slices.Index(v.marked, h); i >= 0 {
		v.marked = slices.Delete(v.marked, i, i+1)
		return true
	}
	if len(v.marked) >= config.MaxHosts {
		return false
	}
	v.marked = append(v.marked, h)
	return true
}

// StartFilter begins typing a filter; TypeFilter adds to it (a backspace
// when r is "\b"); EndFilter keeps it (keep) or clears it.
func (v *FleetView) StartFilter() { v.filtering = true }

func (v *FleetView) TypeFilter(r string) {
	if r == "\b" {
		if rs := []rune(v.filter); len(rs) > 0 {
			v.filter = string(rs[:len(rs)-1])
		}
	} else if len(v.filter) < 40 {
		v.filter += r
	}
	v.top = 0
}

func (v *FleetView) EndFilter(keep bool) {
	v.filtering = false
	if !keep {
		v.filter = ""
	}
	v.top = 0
}

// Refresh builds the table from the store (every host's) at the span.
func (v *FleetView) Refresh(store *metrics.Store, status *monitor.HostStatus, span metrics.Span) {
	rc := v.pctx.Report()
	rc.Status = status
	v.fleet = report.BuildFleet(rc, store, span, report.FleetOptions{SortBy: v.sortBy, Filter: v.filter})
	v.follow()
	if v.w <= 0 || v.h <= 0 {
		v.box = ""
		return
	}
	v.box = v.render(store, span)
}

// Lines are the table for the readout: report.Fleet.Lines.
func (v *FleetView) Lines() []string { return v.fleet.Lines() }

// fleetLayout is the widths of a table's parts.
type fleetLayout struct {
	name, status, value, spark int
}

const (
	fleetValueW = 7  // "12.3K", "99.9%", "1.2s" and a stale mark
	fleetMarkW  = 2  // "*" far from the fleet, "!" or "!!" over a limit
	fleetSpark  = 16 // the widest sparkline: more says no more
)

func (v *FleetView) layout() fleetLayout {
	// The status column keeps its width as a host's time down grows,
	// so that the columns do not shift from one tick to the next:
	// "reconnecting 12s" where there is room, "reconnect…" where not.
	l := fleetLayout{name: 5, status: 10, value: fleetValueW}
	if v.w >= 120 {
		l.status = 16
	}
	for _, r := range append(append([]report.FleetRow{v.fleet.Group}, v.fleet.Groups...), v.fleet.Rows...) {
		l.name = max(l.name, lipgloss.Width(r.Name))
	}
	l.name = min(l.name, 24)
	cols := max(len(v.fleet.Columns), 1)
	fixed := 2 + l.name + 1 + l.status // pointer and mark, name, status
	per := (v.w - fixed) / cols
	l.spark = min(per-l.value-fleetMarkW-2, fleetSpark)
	if l.spark < 4 {
		l.spark = 0
	}
	return l
}

// statusText is a row's condition and how long: "down 2m", "ok".
func statusText(r report.FleetRow) string {
	s := r.Status
	if r.ForSeconds != nil && r.Host >= 0 {
		s += " " + metrics.ShortDuration(time.Duration(*r.ForSeconds*float64(time.Second)))
	}
	return s
}

func (v *FleetView) render(store *metrics.Store, span metrics.Span) string {
	st, g := v.pctx.Styles, &v.pctx.Glyphs
	f := v.fleet
	l := v.layout()
	cell := l.value + fleetMarkW + 1
	if l.spark > 0 {
		cell += l.spark + 1
	}
	sortMark := "▼"
	if g.Set == chart.GlyphsASCII {
		sortMark = "v"
	}
	heading := func(title string, i int) string {
		if i == f.SortedBy {
			title = sortMark + title
		}
		return title
	}
	var lines []string
	head := "  " + fitWidth(ansi.Truncate(heading("host", report.SortName), l.name, g.Ellipsis), l.name) +
		" " + fitWidth(heading("status", report.SortStatus), l.status)
	for ci, c := range f.Columns {
		// Over the numbers, right-aligned; a longer title runs on over
		// its sparkline.
		t := ansi.Truncate(heading(c.Title, ci), cell-1, g.Ellipsis)
		if w := lipgloss.Width(t); w <= l.value {
			t = strings.Repeat(" ", l.value-w) + t
		}
		head += " " + fitWidth(t, cell-1)
	}
	lines = append(lines, st.HeaderPage.Render(fitWidth(head, v.w)))
	// One scale per column over every row shown, so sparklines compare.
	ranges := make([][2]float64, len(f.Columns))
	for ci, c := range f.Columns {
		hists := make([]*metrics.History, len(f.Rows))
		for ri, r := range f.Rows {
			hists[ri] = store.Series(r.Host, c.ID).Hist
		}
		ranges[ci][0], ranges[ci][1] = sparkScale(span, hists)
	}
	row := func(r report.FleetRow, pointer, mark string) string {
		var b strings.Builder
		b.WriteString(pointer + mark)
		b.WriteString(fitWidth(ansi.Truncate(r.Name, l.name, g.Ellipsis), l.name) + " ")
		status := fitWidth(ansi.Truncate(statusText(r), l.status, g.Ellipsis), l.status)
		switch r.Condition {
		case monitor.CondDown:
			status = st.Error.Render(status)
		case monitor.CondReconnecting, monitor.CondSlow:
			status = st.Warning.Render(status)
		}
		b.WriteString(status)
		for ci, c := range r.Cells {
			if ci >= len(f.Columns) {
				break
			}
			col := f.Columns[ci]
			val := "-"
			if c.Value != nil {
				val = metrics.Format(*c.Value, col.ValueUnit())
				if c.Stale {
					val += StaleMark
				}
			}
			val = fmt.Sprintf("%*s", l.value, ansi.Truncate(val, l.value, ""))
			marks := levelMark(c.Level)
			if c.Outlier {
				marks = OutlierMark + marks
			}
			marks = fitWidth(ansi.Truncate(marks, fleetMarkW, ""), fleetMarkW)
			switch {
			case c.Level == metrics.LevelCrit:
				val, marks = st.Error.Render(val), st.Error.Render(marks)
			case c.Level == metrics.LevelWarn || c.Outlier:
				val, marks = st.Warning.Render(val), st.Warning.Render(marks)
			}
			b.WriteString(" " + val + marks)
			if l.spark > 0 {
				spark := strings.Repeat(" ", l.spark)
				if r.Host >= 0 {
					spark = st.Dim.Render(sparkline(store.Series(r.Host, col.ID).Hist, span, l.spark, ranges[ci][0], ranges[ci][1], g, v.pctx.Timing().MaxGap()))
				}
				b.WriteString(" " + spark)
			}
		}
		return fitWidth(b.String(), v.w)
	}
	lines = append(lines, st.Legend.Render(row(f.Group, " ", " ")))
	// A line per group (a POP) under the fleet's, while they leave room
	// for rows.
	for _, g := range f.Groups {
		if len(lines) >= v.h/2 {
			break
		}
		lines = append(lines, st.Legend.Render(row(g, " ", " ")))
	}
	// The rows that fit, scrolled so the cursor is on screen, and a last
	// line of what the marks mean and where the view is.
	room := max(v.h-len(lines)-1, 1)
	if v.cursor < v.top {
		v.top = v.cursor
	}
	if v.cursor >= v.top+room {
		v.top = v.cursor - room + 1
	}
	v.top = min(v.top, max(len(f.Rows)-room, 0))
	for i := v.top; i < len(f.Rows) && i < v.top+room; i++ {
		r := f.Rows[i]
		mark := " "
		if slices.Contains(v.marked, r.Host) {
			mark = "x"
		}
		if i == v.cursor {
			// The pointer, not only the highlight, says which row: a
			// screen without colour shows it too.
			lines = append(lines, st.Paused.Render(ansi.Strip(row(r, ">", mark))))
			continue
		}
		lines = append(lines, row(r, " ", mark))
	}
	for len(lines) < v.h-1 {
		lines = append(lines, strings.Repeat(" ", v.w))
	}
	lines = append(lines, st.Dim.Render(fitWidth(v.legend(room), v.w)))
	return strings.Join(lines[:v.h], "\n")
}

// legend is the table's last line: where the view is, the filter, what
// the marks mean.
func (v *FleetView) legend(room int) string {
	f := v.fleet
	var parts []string
	if len(f.Rows) > room {
		parts = append(parts, fmt.Sprintf("rows %d-%d of %d", v.top+1, min(v.top+room, len(f.Rows)), len(f.Rows)))
	} else {
		parts = append(parts, fmt.Sprintf("%d of %d hosts", len(f.Rows), f.Total))
	}
	switch {
	case v.filtering:
		parts = append(parts, "filter: "+v.filter+"_")
	case v.filter != "":
		parts = append(parts, "filter: "+v.filter)
	}
	if len(v.marked) > 0 {
		parts = append(parts, fmt.Sprintf("%d marked", len(v.marked)))
	}
	parts = append(parts, OutlierMark+" far from the fleet", "! !! over a limit", StaleMark+" old")
	return " " + strings.Join(parts, v.pctx.Glyphs.Sep)
}

// OutlierMark follows a fleet table's value far from the fleet's median.
const OutlierMark = "*"
