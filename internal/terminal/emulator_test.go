package terminal

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// shownCell is one cell of the emulated screen: its text (a grapheme
// cluster; "" for the right half of a wide one) and its style. The
// emulator keeps its own cells, not the painter's, so that it checks
// what the terminal shows without the painter's way of reading lines.
type shownCell struct {
	text string
	st   style
}

// shownBlank is an empty cell as the terminal leaves it after an erase.
var shownBlank = shownCell{text: " "}

// looksLike says whether a and b look the same on the screen: the same
// text in the same style, or both spaces that show the same (a space's
// foreground colour does not show).
func (a shownCell) looksLike(b shownCell) bool {
	if a.text != b.text {
		return false
	}
	return a.st == b.st || (a.text == " " && a.st.looksBlankAs(b.st))
}

// isBlank says whether c looks like an erased cell.
func (c shownCell) isBlank() bool { return c.looksLike(shownBlank) }

// emulator is the part of a terminal the painter relies on: printing with
// a pending wrap at the last column, CR, LF, cursor position, erases and
// SGR. Anything the painter must never cause (a wrap, a scroll, an erase
// in a colour, a sequence it does not know) is an error.
type emulator struct {
	w, h     int
	grid     [][]shownCell
	row, col int
	st       style
	err      error
}

func newEmulator(w, h int) *emulator {
	e := &emulator{w: w, h: h, grid: make([][]shownCell, h)}
	for r := range e.grid {
		e.grid[r] = make([]shownCell, w)
	}
	e.erase(0, 0, h-1, w)
	return e
}

func (e *emulator) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf(format, args...)
	}
}

// erase blanks from (r0, c0) to row r1's column c1 (exclusive), in the
// default style: an erase in a colour would paint the cleared cells.
func (e *emulator) erase(r0, c0, r1, c1 int) {
	if e.st.bg != "" || e.st.attrs&(1<<7) != 0 {
		e.fail("erase with background %q attrs %b", e.st.bg, e.st.attrs)
	}
	for r := r0; r <= r1; r++ {
		from, to := 0, e.w
		if r == r0 {
			from = c0
		}
		if r == r1 {
			to = c1
		}
		for c := from; c < to && c < e.w; c++ {
			e.grid[r][c] = shownBlank
		}
	}
}

func (e *emulator) write(b []byte) {
	s := string(b)
	for len(s) > 0 && e.err == nil {
		switch {
		case s[0] == '\r':
			e.col, s = 0, s[1:]
		case s[0] == '\n':
			if e.row == e.h-1 {
				e.fail("line feed on the last row scrolls the screen")
			}
			e.row, s = e.row+1, s[1:]
		case strings.HasPrefix(s, "\x1b["):
			j := 2
			for j < len(s) && s[j] >= 0x30 && s[j] <= 0x3f {
				j++
			}
			if j == len(s) {
				e.fail("unterminated CSI %q", s)
				return
			}
			e.csi(s[2:j], s[j])
			s = s[j+1:]
		case strings.HasPrefix(s, "\x1b]"): // OSC, to BEL: shows nothing
			end := strings.IndexByte(s, '\a')
			if end < 0 {
				e.fail("unterminated OSC %q", s)
				return
			}
			s = s[end+1:]
		case s[0] < 0x20 || s[0] == 0x7f:
			e.fail("control byte %#x", s[0])
			return
		default:
			r, n := utf8.DecodeRuneInString(s)
			e.print(s[:n], r)
			s = s[n:]
		}
	}
}

func (e *emulator) print(text string, r rune) {
	w := ansi.StringWidth(text)
	if w == 0 {
		return
	}
	if e.col+w > e.w {
		e.fail("row %d wraps at %q", e.row, text)
		return
	}
	e.grid[e.row][e.col] = shownCell{text: text, st: e.st}
	if w == 2 {
		e.grid[e.row][e.col+1] = shownCell{st: e.st}
	}
	e.col += w // at e.w: the pending wrap
}

func (e *emulator) csi(params string, final byte) {
	switch final {
	case 'm':
		// One the painter does not know is passed on as it is, and
		// means here what it means to the painter.
		e.st.apply(params)
	case 'H':
		row, col := 1, 1
		if params != "" {
			p := strings.Split(params, ";")
			row, _ = strconv.Atoi(p[0])
			if len(p) > 1 {
				col, _ = strconv.Atoi(p[1])
			}
		}
		if row < 1 || row > e.h || col < 1 || col > e.w {
			e.fail("cursor to %d;%d off the %dx%d screen", row, col, e.w, e.h)
			return
		}
		e.row, e.col = row-1, col-1
	case 'J':
		switch params {
		case "", "0":
			e.erase(e.row, e.col, e.h-1, e.w)
		case "2":
			e.erase(0, 0, e.h-1, e.w)
		default:
			e.fail("unknown erase %q", params)
		}
	case 'C':
		n := 1
		if params != "" {
			n, _ = strconv.Atoi(params)
		}
		if e.col >= e.w {
			e.fail("cursor forward while waiting to wrap")
			return
		}
		e.col = min(e.col+n, e.w-1)
	case 'X':
		n := 1
		if params != "" {
			n, _ = strconv.Atoi(params)
		}
		e.erase(e.row, e.col, e.row, min(e.col+n, e.w))
	case 'K':
		if params != "" && params != "0" {
			e.fail("unknown line erase %q", params)
		}
		e.erase(e.row, e.col, e.row, e.w)
	default:
		e.fail("unexpected CSI %q%c", params, final)
	}
}

// emulateFrame is the screen a frame means: each line, cut to the width,
// on its own row of a blank screen, as written raw.
func emulateFrame(frame string, w, h int) *emulator {
	e := newEmulator(w, h)
	for i, line := range strings.Split(frame, "\n") {
		if i == h {
			break
		}
		e.row, e.col, e.st = i, 0, style{}
		e.write([]byte(ansi.Truncate(line, w, "")))
	}
	return e
}

// differs says where two screens look different ("" if nowhere): a space
// is compared only by what a space shows.
func (e *emulator) differs(want *emulator) string {
	for r := range want.grid {
		for c, wc := range want.grid[r] {
			if gc := e.grid[r][c]; !gc.looksLike(wc) {

				return fmt.Sprintf("row %d col %d: got %q %+v, want %q %+v\ngot  %q\nwant %q",
					r, c, gc.text, gc.st, wc.text, wc.st, e.line(r), want.line(r))
			}
		}
	}
	return ""
}

func (e *emulator) line(r int) string {
	var b strings.Builder
	for _, c := range e.grid[r] {
		b.WriteString(c.text)
	}
	return b.String()
}
