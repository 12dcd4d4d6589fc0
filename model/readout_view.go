package model

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// ReadoutView shows the readout's lines in the page area: wrapped to the
// width (a line cut at the edge would lose its numbers; continuations are
// indented), scrolled with the arrow keys. It owns its size and caches the
// wrapped lines, padded to the width, and the visible text; View returns it.
type ReadoutView struct {
	width, height int
	lines         []string // as given
	wrapped       []string
	padded        []string // wrapped, each exactly width cells
	blank         string   // a line of width spaces, below the text
	offset        int      // first wrapped line shown
	view          string   // the height lines from offset
}

// NewReadoutView makes an empty readout.
func NewReadoutView() *ReadoutView { return &ReadoutView{} }

// SetSize sets the area.
func (r *ReadoutView) SetSize(w, h int) {
	if w == r.width && h == r.height {
		return
	}
	r.width, r.height = w, h
	r.rewrap()
}

// SetLines replaces the text, keeping the scroll position.
func (r *ReadoutView) SetLines(lines []string) {
	r.lines = lines
	r.rewrap()
}

func (r *ReadoutView) rewrap() {
	r.wrapped, r.padded = r.wrapped[:0], r.padded[:0]
	r.blank = fitWidth("", r.width)
	if r.width >= 8 {
		for _, l := range r.lines {
			r.wrapped = append(r.wrapped, wrapClauses(l, r.width)...)
		}
		for _, l := range r.wrapped {
			r.padded = append(r.padded, fitWidth(l, r.width))
		}
	}
	r.Scroll(0)
}

// wrapClauses wraps a line to width at clause boundaries (after ", " and
// ". "), so that "max 517." is never split into "max" and "517." on two
// lines that a screen reader reads separately; a clause longer than a line
// is wrapped at spaces. Continuations are indented two more than the line.
func wrapClauses(line string, width int) []string {
	if ansi.StringWidth(line) <= width {
		return []string{line}
	}
	indent := strings.Repeat(" ", len(line)-len(strings.TrimLeft(line, " "))+2)
	var clauses []string
	rest := line
	for rest != "" {
		i := strings.IndexAny(rest, ",.")
		for i >= 0 && i+1 < len(rest) && rest[i+1] != ' ' { // 3.6, not a boundary
			j := strings.IndexAny(rest[i+1:], ",.")
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 || i+1 >= len(rest) {
			clauses = append(clauses, rest)
			break
		}
		clauses = append(clauses, rest[:i+2])
		rest = rest[i+2:]
	}
	var out []string
	cur := ""
	for _, c := range clauses {
		switch {
		case ansi.StringWidth(cur+c) <= width || strings.TrimSpace(cur) == "":
			cur += c
		default:
			out = append(out, strings.TrimRight(cur, " "))
			cur = indent + c
		}
	}
	out = append(out, strings.TrimRight(cur, " "))
	// a clause longer than a line is wrapped at spaces
	var final []string
	for i, l := range out {
		if ansi.StringWidth(l) <= width {
			final = append(final, l)
			continue
		}
		lead := indent
		if i == 0 {
			lead = l[:len(l)-len(strings.TrimLeft(l, " "))]
		}
		for j, part := range strings.Split(ansi.Wrap(strings.TrimLeft(l, " "), width-len(indent), " "), "\n") {
			if j > 0 {
				lead = indent
			}
			final = append(final, strings.TrimRight(ansi.Truncate(lead+part, width, ""), " "))
		}
	}
	return final
}

// Scroll moves the view by n lines, within the text.
func (r *ReadoutView) Scroll(n int) {
	r.offset = min(max(r.offset+n, 0), max(len(r.wrapped)-r.height, 0))
	var b strings.Builder
	for i := 0; i < r.height; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		line := r.blank
		if j := r.offset + i; j < len(r.padded) {
			line = r.padded[j]
		}
		b.WriteString(line)
	}
	r.view = b.String()
}

// Position is "lines 1-20 of 45", or "" when everything fits.
func (r *ReadoutView) Position() string {
	if len(r.wrapped) <= r.height {
		return ""
	}
	return fmt.Sprintf("lines %d-%d of %d", r.offset+1, min(r.offset+r.height, len(r.wrapped)), len(r.wrapped))
}

// View is exactly height lines of exactly width cells.
func (r *ReadoutView) View() string { return r.view }
