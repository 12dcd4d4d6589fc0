package terminal

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// cell is one cell of a line as the painter keeps it, in 8 bytes (the
// screen's cells are kept from one frame to the next, so that a changed
// line is compared with them instead of the line on the screen being
// parsed again): its text as where it is in its line (a grapheme
// cluster; no bytes for the right half of a wide one; padText for the
// blank that pads a line to the width), and its style as an index in the
// painter's styles.
type cell struct {
	off uint32 // where the text starts in the line
	n   uint16 // the text's length in bytes, or padText
	st  uint16 // the style: styles.list[st]
}

// padText marks a cell past the end of its line: a blank in the default
// style.
const padText = 0xffff

// pad is the blank that pads a line to the width: a space in the default
// style, styles.list[0].
var pad = cell{n: padText}

// text is the cell's text in line, the line it was read from.
func (c cell) text(line string) string {
	if c.n == padText {
		return " "
	}
	return line[c.off : c.off+uint32(c.n)]
}

// styles numbers the styles the lines on the screen use, so that a cell
// holds two bytes for its style and two cells' styles compare as
// numbers. Index 0 is the default style.
type styles struct {
	list  []style
	index map[style]uint16
}

// maxStyles is how many styles can be numbered; the painter starts the
// numbering again from the screen's at three quarters of it (renumber).
const maxStyles = 1 << 12

func newStyles() *styles {
	return &styles{list: []style{{}}, index: map[style]uint16{{}: 0}}
}

// number is st's index, a new one if st is new; false when the list is
// full.
func (s *styles) number(st style) (uint16, bool) {
	if i, ok := s.index[st]; ok {
		return i, true
	}
	if len(s.list) >= maxStyles {
		return 0, false
	}
	// The colours are slices of a line: copied, so that the list does not
	// keep every frame it saw a new style in.
	st.fg, st.bg = strings.Clone(st.fg), strings.Clone(st.bg)
	i := uint16(len(s.list))
	s.list = append(s.list, st)
	s.index[st] = i
	return i, true
}

// looksLike says whether cell a of line la and cell b of line lb look the
// same on the screen: the same text in the same style, or both spaces
// that show the same (a space's foreground colour does not show).
func (s *styles) looksLike(a cell, la string, b cell, lb string) bool {
	text := a.text(la)
	if text != b.text(lb) {
		return false
	}
	return a.st == b.st || (text == " " && s.list[a.st].looksBlankAs(s.list[b.st]))
}

// isBlank says whether c of line looks like an erased cell: like pad.
func (s *styles) isBlank(c cell, line string) bool { return s.looksLike(c, line, pad, "") }

// parseCells reads line into cells (appended to into, which it returns),
// at most width of them, padded with blanks to width: what the line shows
// on a row of that width. false when the line holds an escape sequence
// other than SGR, or an SGR this does not know, or a control character:
// it is then written as it is.
func (s *styles) parseCells(into []cell, line string, width int) ([]cell, bool) {
	cells := into[:0]
	var st style
	var num uint16 // st's number
	for i := 0; i < len(line) && len(cells) < width; {
		c := line[i]
		switch {
		case c == 0x1b:
			if i+1 >= len(line) || line[i+1] != '[' {
				return cells, false
			}
			j := i + 2
			for j < len(line) && line[j] >= 0x30 && line[j] <= 0x3f {
				j++
			}
			if j >= len(line) || line[j] != 'm' || !st.apply(line[i+2:j]) {
				return cells, false
			}
			var ok bool
			if num, ok = s.number(st); !ok {
				return cells, false
			}
			i = j + 1
		case c < 0x20 || c == 0x7f:
			return cells, false
		case c < 0x80:
			cells = append(cells, cell{off: uint32(i), n: 1, st: num})
			i++
		case narrowAlone(line, i):
			// A box-drawing, block or braille character, what charts are
			// made of, on its own: one cell, no grapheme rules needed.
			cells = append(cells, cell{off: uint32(i), n: 3, st: num})
			i += 3
		default:
			cluster, w := ansi.FirstGraphemeCluster(line[i:], ansi.GraphemeWidth)
			at := i
			i += len(cluster)
			switch {
			case w == 0:
				continue // nothing to show on its own
			case len(cells)+w > width:
				i = len(line) // cut where it no longer fits, as ansi.Truncate does
				continue
			}
			if len(cluster) >= padText {
				return cells, false // no line on a screen has one this long
			}
			cells = append(cells, cell{off: uint32(at), n: uint16(len(cluster)), st: num})
			for range w - 1 {
				cells = append(cells, cell{off: uint32(i), st: num})
			}
		}
	}
	for len(cells) < width {
		cells = append(cells, pad)
	}
	return cells, true
}

// narrowAlone says whether line[i:] starts with a character charts are
// made of (narrowAt) followed by one that cannot join it into a cluster:
// ASCII, the end, or another such. Anything else (a combining mark or a
// variation selector after it) goes through the grapheme rules.
func narrowAlone(line string, i int) bool {
	if !narrowAt(line, i) {
		return false
	}
	j := i + 3
	return j >= len(line) || line[j] < 0x80 || narrowAt(line, j)
}

// narrowAt says whether line[i:] starts with a box-drawing, block or
// geometric shape character (U+2500 to U+25FC; U+25FD and U+25FE are
// wide) or a braille pattern (U+2800 to U+28FF): one cell each. In UTF-8,
// E2 94 80 to E2 97 BC, and E2 A0 80 to E2 A3 BF.
func narrowAt(line string, i int) bool {
	if i+2 >= len(line) || line[i] != 0xe2 || line[i+2]&0xc0 != 0x80 {
		return false
	}
	switch b := line[i+1]; {
	case b >= 0x94 && b <= 0x96, b == 0x97 && line[i+2] <= 0xbc:
		return true
	case b >= 0xa0 && b <= 0xa3:
		return true
	}
	return false
}
