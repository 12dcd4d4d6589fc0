package model

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// PageListView is the p overlay: every page by number and name, to jump to
// one by name when there are more than the digit keys reach. ↑/↓ move the
// cursor, Enter opens the page, Esc or p closes. Like the help it is boxed
// over the charts and plain over the readout, and caches its drawing.
type PageListView struct {
	pctx   *ProgramContext
	w, h   int
	cursor int
	box    string
	// absent says a page is left out for now (report.PageAbsent): the
	// list still names it, marked, so it can be found.
	absent func(page int) bool
}

// Open puts the cursor on the visible page.
func (v *PageListView) Open(page int) { v.cursor = page }

// Move moves the cursor by n pages, staying on the list.
func (v *PageListView) Move(n int) {
	v.cursor = min(max(v.cursor+n, 0), len(v.pctx.Dashboard.Pages)-1)
}

// Cursor is the page under the cursor.
func (v *PageListView) Cursor() int { return v.cursor }

// SetSize sets the area the overlay covers.
func (v *PageListView) SetSize(w, h int) { v.w, v.h = w, h }

// View is the cached overlay.
func (v *PageListView) View() string { return v.box }

// Refresh draws the list, boxed over charts or plain over the readout.
func (v *PageListView) Refresh(boxed bool) {
	if v.w <= 0 || v.h <= 0 {
		return
	}
	st, g := v.pctx.Styles, &v.pctx.Glyphs
	boxed = boxed && v.w >= 8 && v.h >= 3 // a box needs room for its edges
	pointer := "›"
	if g.Set != chart.GlyphsBraille { // block and ASCII fonts may lack it
		pointer = ">"
	}
	room := v.h
	if boxed {
		room -= 2
	}
	lines := []string{st.Message.Render("Pages") + " (" + g.Up + "/" + g.Down + " and enter, or the page's key; esc closes)"}
	pages := v.pctx.Dashboard.Pages
	// Scroll so the cursor stays on screen.
	first := max(0, min(v.cursor-(room-2)/2, len(pages)-(room-1)))
	for i := first; i < len(pages) && len(lines) < room; i++ {
		k := pageKey(i)
		if k == noPageKey && g.Set == chart.GlyphsASCII {
			k = "-"
		}
		pad := strings.Repeat(" ", 3-lipgloss.Width(k))
		name := pages[i].Name
		if v.absent != nil && v.absent(i) {
			name += " (" + report.NotOnServer + ")"
		}
		line := "  " + st.HelpKey.Render(k) + pad + name
		if i == v.cursor {
			// The pointer, not only the highlight, says which: a screen
			// without colour shows it too.
			line = pointer + " " + st.Paused.Render(k+pad+name)
		}
		lines = append(lines, line)
	}
	if !boxed {
		v.box = fitBlock(strings.Join(lines, "\n"), v.w, v.h)
		return
	}
	inner := 0
	for _, l := range lines {
		inner = max(inner, lipgloss.Width(l))
	}
	inner = min(inner+2, v.w-2)
	var b strings.Builder
	b.WriteString(st.PanelBorder.Render(g.TL + strings.Repeat(g.H, inner) + g.TR))
	for _, l := range lines {
		b.WriteString("\n" + st.PanelBorder.Render(g.V) + fitWidth(" "+ansi.Truncate(l, inner-1, g.Ellipsis), inner) + st.PanelBorder.Render(g.V))
	}
	b.WriteString("\n" + st.PanelBorder.Render(g.BL+strings.Repeat(g.H, inner)+g.BR))
	v.box = fitBlock(lipgloss.Place(v.w, v.h, lipgloss.Center, lipgloss.Center, b.String()), v.w, v.h)
}

// pageKey is the key that opens page i: 1-9, 0 for the tenth, none after
// (those are reached through the list).
func pageKey(i int) string {
	switch {
	case i < 9:
		return strconv.Itoa(i + 1)
	case i == 9:
		return "0"
	}
	return noPageKey
}

// noPageKey stands in the list for the key a page past the tenth lacks.
const noPageKey = "·"

// pageOfKey is the page a digit key opens: '1' the first, '0' the tenth.
func pageOfKey(r rune) int {
	if r == '0' {
		return 9
	}
	return int(r - '1')
}
