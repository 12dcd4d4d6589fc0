package model

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// HelpView is the ? overlay: every key of the KeyMap, grouped, in a box in
// the middle of the page area (over the readout, as plain lines: a screen
// reader would read the box's edges aloud). It is built from the same
// bindings that handleKey matches, so it cannot list a key that does not
// work. Like the other components it owns its size and caches its drawing.
type HelpView struct {
	pctx  *ProgramContext
	fleet bool // the fleet table's keys too (more than one host)
	w, h  int
	box   string
	// top is the first key line shown when they do not all fit (an
	// 80x24 terminal with several hosts): ↑/↓ scroll them.
	top int
}

// Scroll moves the key lines by n, no further than the first and the
// last; the caller refreshes.
func (v *HelpView) Scroll(n int) { v.top = max(v.top+n, 0) }

// Open starts at the top.
func (v *HelpView) Open() { v.top = 0 }

// SetSize sets the area the overlay covers.
func (v *HelpView) SetSize(w, h int) { v.w, v.h = w, h }

// View is the cached overlay.
func (v *HelpView) View() string { return v.box }

// Refresh draws the overlay, boxed over charts or plain over the readout.
func (v *HelpView) Refresh(boxed bool) {
	if v.w > 0 && v.h > 0 {
		v.box = v.draw(v.w, v.h, boxed)
	}
}

func (v *HelpView) draw(w, h int, boxed bool) string {
	st, g := v.pctx.Styles, &v.pctx.Glyphs
	boxed = boxed && w >= 8 && h >= 3 // a box needs room for its edges
	groups := v.pctx.Keys.helpGroups()
	if v.fleet {
		groups = append(groups[:len(groups)-1:len(groups)-1], v.pctx.Keys.fleetGroup(), groups[len(groups)-1])
	}
	if v.pctx.Player != nil {
		groups = append(groups[:len(groups)-1:len(groups)-1], v.pctx.Keys.replayGroup(), groups[len(groups)-1])
	}
	keyW := 0
	entries := 1
	for _, group := range groups {
		entries += 1 + len(group.keys)
		for _, b := range group.keys {
			keyW = max(keyW, lipgloss.Width(b.Help().Key))
		}
	}
	room := h
	if boxed {
		room -= 2
	}
	spaced := entries+len(groups) <= room // blank lines between groups if they fit
	title := st.Message.Render("Keys") + " (esc or ? closes)"
	var lines []string
	for _, group := range groups {
		if spaced {
			lines = append(lines, "")
		}
		lines = append(lines, st.Header.Render(group.name))
		for _, b := range group.keys {
			k := b.Help().Key
			lines = append(lines, "  "+st.HelpKey.Render(k)+strings.Repeat(" ", keyW-lipgloss.Width(k)+2)+b.Help().Desc)
		}
	}
	if len(lines)+1 > room {
		// Too many for the screen: a window of them, scrolled by ↑/↓,
		// and a last line that says what is left out.
		shown := max(room-2, 1)
		v.top = min(v.top, max(len(lines)-shown, 0))
		keys := v.pctx.Keys
		more := fmt.Sprintf("%s lines %d-%d of %d: %s %s scroll", g.Ellipsis, v.top+1, min(v.top+shown, len(lines)), len(lines), keys.Up.Help().Key, keys.Down.Help().Key)
		lines = append(lines[v.top:min(v.top+shown, len(lines)):min(v.top+shown, len(lines))], more)
	}
	lines = append([]string{title}, lines...)
	if !boxed {
		return fitBlock(strings.Join(lines, "\n"), w, h)
	}
	inner := 0
	for _, l := range lines {
		inner = max(inner, lipgloss.Width(l))
	}
	inner = min(inner+2, w-2)
	var b strings.Builder
	b.WriteString(st.PanelBorder.Render(g.TL + strings.Repeat(g.H, inner) + g.TR))
	for _, l := range lines {
		b.WriteByte('\n')
		b.WriteString(st.PanelBorder.Render(g.V))
		b.WriteString(fitWidth(" "+ansi.Truncate(l, inner-1, g.Ellipsis), inner))
		b.WriteString(st.PanelBorder.Render(g.V))
	}
	b.WriteByte('\n')
	b.WriteString(st.PanelBorder.Render(g.BL + strings.Repeat(g.H, inner) + g.BR))
	return fitBlock(lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, b.String()), w, h)
}

// fitBlock makes text exactly h lines of exactly w cells.
func fitBlock(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	lines = lines[:h]
	for i, l := range lines {
		lines[i] = fitWidth(l, w)
	}
	return strings.Join(lines, "\n")
}
