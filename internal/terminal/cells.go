package terminal

import "github.com/charmbracelet/x/ansi"

// cell is one cell of a line: its text (a grapheme cluster; "" for the
// right half of a wide one) and its style.
type cell struct {
	text string
	st   style
}

// blank is an empty cell as the terminal leaves it after an erase.
var blank = cell{text: " "}

// looksLike says whether a and b look the same on the screen: the same
// text in the same style, or both spaces that show the same (a space's
// foreground colour does not show).
func (a cell) looksLike(b cell) bool {
	if a.text != b.text {
		return false
	}
	return a.st == b.st || (a.text == " " && a.st.looksBlankAs(b.st))
}

// isBlank says whether c looks like an erased cell.
func (c cell) isBlank() bool { return c.looksLike(blank) }

// parseCells reads line into cells (appended to into, which it returns),
// at most width of them, padded with blanks to width: what the line shows
// on a row of that width. false when the line holds an escape sequence
// other than SGR, or an SGR this does not know, or a control character:
// it is then written as it is.
func parseCells(into []cell, line string, width int) ([]cell, bool) {
	cells := into[:0]
	var st style
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
			i = j + 1
		case c < 0x20 || c == 0x7f:
			return cells, false
		case c < 0x80:
			cells = append(cells, cell{text: line[i : i+1], st: st})
			i++
		case narrowAlone(line, i):
			// A box-drawing, block or braille character, what charts are
			// made of, on its own: one cell, no grapheme rules needed.
			cells = append(cells, cell{text: line[i : i+3], st: st})
			i += 3
		default:
			cluster, w := ansi.FirstGraphemeCluster(line[i:], ansi.GraphemeWidth)
			i += len(cluster)
			switch {
			case w == 0:
				continue // nothing to show on its own
			case len(cells)+w > width:
				i = len(line) // cut where it no longer fits, as ansi.Truncate does
				continue
			}
			cells = append(cells, cell{text: cluster, st: st})
			for range w - 1 {
				cells = append(cells, cell{st: st})
			}
		}
	}
	for len(cells) < width {
		cells = append(cells, blank)
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
