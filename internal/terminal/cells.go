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
