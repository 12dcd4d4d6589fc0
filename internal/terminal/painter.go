// Package terminal is the screen's way to the terminal: raw input, the
// alternate screen, the window's size, and frames written as only the
// cells that changed, when one changed. Bubble Tea v1's own renderer
// wakes twenty times a second to compare frames whether or not anything
// changed, and rewrites a changed line whole with every colour code in
// it; a dashboard that changes once a second, or not at all while
// paused, over SSH from a bastion, pays for both.
package terminal

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Painter turns a sequence of frames into the bytes that take the
// terminal's screen from one to the next: on each line that differs from
// the last frame painted, only the cells that look different are
// written, each run reached by a cursor move, with only the style
// changes its cells need, and runs of blanks erased rather than spaced
// over. It has no I/O; a Terminal writes what it paints.
type Painter struct {
	width, height int
	last          []string // the lines on the screen now
	// cells are last's lines read into cells (nil for a line written as
	// it is, unparsed), numbering their styles in styles.
	cells  [][]cell
	styles *styles
	clear  bool // the next frame clears the screen first

	// The cursor: row and col (col == width: after the last column,
	// waiting to wrap); row -1 when not known. cur is the style set.
	row, col int
	cur      style

	spare     []cell   // a row's storage, kept for the next row read
	spareRows [][]cell // the last frame but one's rows, for their storage
	blank     []cell   // a blank row's cells, shared: never spare
}

// NewPainter paints on a screen of width x height cells whose content is
// not known: the first frame clears it.
func NewPainter(width, height int) *Painter {
	p := &Painter{}
	p.Resize(width, height)
	return p
}

// Resize is a new screen size. Terminals reflow or crop what is on the
// screen when it changes, so the next frame clears it and is painted
// whole.
func (p *Painter) Resize(width, height int) {
	p.width, p.height = max(width, 1), max(height, 1)
	p.last, p.cells, p.clear = nil, nil, true
	p.styles = newStyles()
	p.blank = make([]cell, p.width)
	for i := range p.blank {
		p.blank[i] = pad
	}
}

// minSkip is the shortest run of unchanged cells worth a cursor move
// ("\x1b[nC" is four bytes or more); shorter runs are written again.
const minSkip = 5

// minErase is the shortest run of blanks worth an erase and a move over
// it ("\x1b[nX\x1b[nC", eight bytes or more) rather than spaces.
const minErase = 10

// Paint appends to b what turns the screen into frame (lines separated by
// "\n"; lines past the screen's height are left out). Nothing is appended
// when the frame is the one on the screen.
func (p *Painter) Paint(b *bytes.Buffer, frame string) {
	lines := strings.Split(frame, "\n")
	if len(lines) > p.height {
		lines = lines[:p.height]
	}
	if len(p.styles.list) >= maxStyles*3/4 {
		p.renumber()
	}
	cells := slices.Grow(p.spareRows[:0], len(lines))[:len(lines)] // each row is set below
	if p.clear {
		b.WriteString(ansi.CursorHomePosition + ansi.EraseEntireScreen)
		p.clear, p.row, p.col, p.cur = false, 0, 0, style{}
	}
	for i, line := range lines {
		old, oldCells := "", p.blank // a row past the last frame's is blank
		if i < len(p.last) {
			old, oldCells = p.last[i], p.cells[i]
		}
		if line == old && oldCells != nil {
			cells[i] = oldCells
			continue
		}
		cells[i] = p.paintRow(b, i, old, oldCells, line)
		if p.owned(oldCells) {
			p.spare = oldCells // no row refers to it now
		}
	}
	for i := len(lines); i < len(p.last); i++ {
		if p.last[i] != "" || p.cells[i] == nil {
			p.moveTo(b, len(lines), 0)
			p.setStyle(b, style{}) // an erase shows the background set
			b.WriteString(ansi.EraseScreenBelow)
			break
		}
	}
	p.setStyle(b, style{}) // the terminal is left in its default style
	p.last, p.cells, p.spareRows = lines, cells, p.cells
}

// renumber starts the styles' numbering again from the lines on the
// screen, so that styles no longer used are forgotten: a frame adds only
// styles it uses, and frames that keep changing colours (a gradient, a
// heat map) would otherwise number them without end.
func (p *Painter) renumber() {
	p.styles = newStyles()
	for i, cells := range p.cells {
		if p.owned(cells) {
			// It was read before; only a screen of more styles than are
			// numbered stops it, and then the cells read are kept: the rest
			// of the row counts as changed.
			p.cells[i], _ = p.styles.parseCells(cells, p.last[i], p.width)
		}
	}
}

// owned says whether a row's cells are storage of its own, to be read
// into again: not the shared blank row, not a row written as it is.
func (p *Painter) owned(cells []cell) bool {
	return cells != nil && &cells[0] != &p.blank[0]
}

// paintRow turns row's line from old (read into olds; none when not
// known, and then every cell is written) into line: the cells that look
// different. It returns line's cells, or nil when line could not be read
// into cells and was written as it is.
func (p *Painter) paintRow(b *bytes.Buffer, row int, old string, olds []cell, line string) []cell {
	news, ok := p.styles.parseCells(p.spare, line, p.width)
	p.spare = nil
	if !ok {
		p.spare = news
		p.writeRaw(b, row, line)
		return nil
	}
	same := func(i int) bool { return i < len(olds) && p.styles.looksLike(news[i], line, olds[i], old) }
	tail := len(news) // where the blanks at the end of the row start
	for tail > 0 && p.styles.isBlank(news[tail-1], line) {
		tail--
	}
	for i := 0; i < len(news); {
		if same(i) {
			i++
			continue
		}
		// A run to write from i: up to the next minSkip cells that are
		// unchanged, where moving over them costs less than writing them.
		j, unchanged := i+1, 0
		for ; j < len(news) && unchanged < minSkip; j++ {
			if same(j) {
				unchanged++
			} else {
				unchanged = 0
			}
		}
		j -= unchanged
		p.moveTo(b, row, i)
		p.writeCells(b, line, news, i, j, tail)
		i = j
	}
	return news
}

// writeCells writes cells[i:j] at the cursor, with the style changes they
// need; a run of blanks is erased instead, to the end of the line when
// the cells from tail on are all blank.
func (p *Painter) writeCells(b *bytes.Buffer, line string, cells []cell, i, j, tail int) {
	for k := i; k < j; {
		c := cells[k]
		if p.styles.isBlank(c, line) {
			n := k + 1
			for n < j && p.styles.isBlank(cells[n], line) {
				n++
			}
			toEnd := n == j && j >= tail
			if (toEnd && n-k > len(ansi.EraseLineRight)) || n-k >= minErase {
				p.setStyle(b, p.cur.blankDefault())
				if toEnd {
					b.WriteString(ansi.EraseLineRight)
					return // the rest of the row is blank
				}
				b.WriteString("\x1b[" + strconv.Itoa(n-k) + "X")
				if n < j {
					p.moveTo(b, p.row, n)
				}
				k = n
				continue
			}
		}
		text, st := c.text(line), p.styles.list[c.st]
		if text == "" {
			k++ // the right half of a wide character, written with it
			continue
		}
		if text != " " || !p.cur.looksBlankAs(st) {
			p.setStyle(b, st)
		}
		b.WriteString(text)
		p.col += cellsOf(cells, k)
		k++
	}
}

// cellsOf is how many cells the character at k takes: 1, or 2 for a wide
// one (followed by its right half).
func cellsOf(cells []cell, k int) int {
	if k+1 < len(cells) && cells[k+1].n == 0 {
		return 2
	}
	return 1
}

// writeRaw writes a line that could not be read into cells as it is, cut
// to the width, at the start of row, then resets the style and erases
// what is left of the row.
func (p *Painter) writeRaw(b *bytes.Buffer, row int, line string) {
	p.moveTo(b, row, 0)
	p.setStyle(b, style{}) // the line's codes start from the default
	line = ansi.Truncate(line, p.width, "")
	b.WriteString(line)
	b.WriteString("\x1b[m")
	if ansi.StringWidth(line) < p.width {
		b.WriteString(ansi.EraseLineRight)
	}
	p.row, p.col, p.cur = -1, 0, style{} // the cursor is not known
}

func (p *Painter) setStyle(b *bytes.Buffer, st style) {
	if st != p.cur {
		change(b, p.cur, st)
		p.cur = st
	}
}

// moveTo moves the cursor to row, col (0-based) the shortest way.
func (p *Painter) moveTo(b *bytes.Buffer, row, col int) {
	switch {
	case row == p.row && col == p.col:
		return
	case row == p.row && col > p.col && p.col < p.width:
		b.WriteString("\x1b[")
		if n := col - p.col; n > 1 {
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte('C')
	case row == p.row+1 && col == 0 && p.row >= 0:
		b.WriteString("\r\n")
	case row == 0 && col == 0:
		b.WriteString(ansi.CursorHomePosition)
	default:
		b.WriteString("\x1b[")
		b.WriteString(strconv.Itoa(row + 1))
		if col > 0 {
			b.WriteByte(';')
			b.WriteString(strconv.Itoa(col + 1))
		}
		b.WriteByte('H')
	}
	p.row, p.col = row, col
}
