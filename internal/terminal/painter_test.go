package terminal

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// paintAll paints frames in turn on a w x h emulated screen, checking
// after each that the screen shows the frame, and returns the bytes each
// paint wrote.
func paintAll(t testing.TB, w, h int, frames ...string) []string {
	t.Helper()
	p := NewPainter(w, h)
	screen := newEmulator(w, h)
	var out []string
	for i, f := range frames {
		var b bytes.Buffer
		p.Paint(&b, f)
		screen.write(b.Bytes())
		if screen.err != nil {
			t.Fatalf("frame %d: %v\nwrote %q", i, screen.err, b.String())
		}
		if d := screen.differs(emulateFrame(f, w, h)); d != "" {
			t.Fatalf("frame %d: the screen is not the frame: %s\nwrote %q", i, d, b.String())
		}
		out = append(out, b.String())
	}
	return out
}

func TestPainterWritesOnlyWhatChanged(t *testing.T) {
	for _, c := range []struct {
		name   string
		w, h   int
		frames []string
		// want is what the last frame's paint writes.
		want string
	}{
		// After the first frame's clear the cursor is at home: a second
		// frame's change there needs no move.
		{"the first frame clears the screen", 10, 3, []string{"ab\ncd"}, "\x1b[H\x1b[2Jab\r\ncd"},
		{"the same frame again writes nothing", 10, 3, []string{"ab\ncd", "ab\ncd"}, ""},
		{"one changed line is all that is written", 10, 3, []string{"ab\ncd\nef", "ab\nXY\nef"}, "\x1b[2HXY"},
		{"adjacent changed lines follow with CR LF", 10, 3, []string{"ab\ncd\nef", "ab\nXY\nZW"}, "\x1b[2HXY\r\nZW"},
		{"the first row is reached by home", 10, 3, []string{"ab\ncd", "XY\ncd"}, "\x1b[HXY"},
		{"a shorter frame erases below", 10, 3, []string{"ab\ncd\nef", "ab"}, "\x1b[2H\x1b[J"},
		{"a wider line is cut to the width", 4, 2, []string{"abcdefgh"}, "\x1b[H\x1b[2Jabcd"},
		{"lines past the height are left out", 4, 2, []string{"a\nb\nc\nd"}, "\x1b[H\x1b[2Ja\r\nb"},
		{"empty rows of a cleared screen are not written", 4, 3, []string{"a\n\nc"}, "\x1b[H\x1b[2Ja\x1b[3Hc"},
		{"a line emptied is erased", 10, 3, []string{"a\nbcdef\nc", "a\n\nc"}, "\x1b[2H\x1b[K"},
		{"a short tail is spaced over, not erased", 10, 3, []string{"a\nbcd\nc", "a\nb\nc"}, "\x1b[2;2H  "},
		{"a wide character counts two cells", 4, 2, []string{"界界界"}, "\x1b[H\x1b[2J界界"},
		{"only the changed cells are written", 40, 2, []string{"abcdefghijklmnopqrst", "abcdefgXijklmnopqrsY"}, "\x1b[1;8HX\x1b[11CY"},
		{"near changes are one run", 40, 2, []string{"abcdefghij", "aXcdYfghij"}, "\x1b[1;2HXcdY"},
		{"a long run of blanks is erased", 40, 2, []string{"abcdefghijklmnopqrst", "a                  t"}, "\x1b[1;2H\x1b[18X"},
		{"a style is set once for a run", 20, 2, []string{"ab", "\x1b[31ma\x1b[0m\x1b[31mb\x1b[0m"}, "\x1b[H\x1b[31mab\x1b[m"},
		{"a colour change over spaces is left out", 20, 2, []string{"", "\x1b[31ma\x1b[0m \x1b[32m \x1b[0m\x1b[31mb"}, "\x1b[31ma  b\x1b[m"},
		{"a background shows on spaces", 20, 2, []string{"", "a\x1b[41m \x1b[0mb"}, "a\x1b[41m \x1b[mb"},
		{"a line with other escapes is written as it is", 20, 2, []string{"ab", "\x1b]8;;x\x07ab"}, "\x1b[H\x1b]8;;x\x07ab\x1b[m\x1b[K"},
		{"after a line written as it is, its next change is whole", 20, 2, []string{"\x1b]8;;x\x07ab", "ab"}, "\x1b[Hab\x1b[K"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := paintAll(t, c.w, c.h, c.frames...)
			if last := got[len(got)-1]; last != c.want {
				t.Errorf("wrote %q, want %q", last, c.want)
			}
		})
	}
}

func TestPainterResizeRepaintsWhole(t *testing.T) {
	p := NewPainter(10, 3)
	var b bytes.Buffer
	p.Paint(&b, "ab\ncd")
	b.Reset()
	p.Resize(6, 2)
	p.Paint(&b, "ab\ncd")
	if want := "\x1b[H\x1b[2Jab\r\ncd"; b.String() != want {
		t.Errorf("after a resize the same frame wrote %q, want %q", b.String(), want)
	}
}

// Two successive frames of the dashboard as it draws them (four hosts,
// 240x70, 256 colours, page 1): each chart line changes as the charts
// move, and lipgloss styles every piece of a line on its own. The second
// frame must be painted in a fraction of what writing its changed lines
// as they are would take.
func TestPainterRealFramesInFewBytes(t *testing.T) {
	raw, err := os.ReadFile("testdata/frames-4hosts-240x70.txt")
	if err != nil {
		t.Fatal(err)
	}
	frames := strings.Split(string(raw), "\f")
	if len(frames) != 2 {
		t.Fatalf("%d frames in the file, want 2", len(frames))
	}
	got := paintAll(t, 240, 70, frames...)
	a, b := strings.Split(frames[0], "\n"), strings.Split(frames[1], "\n")
	changed, asIs := 0, 0
	for i := range b {
		if i >= len(a) || a[i] != b[i] {
			changed++
			asIs += len(b[i]) + len("\x1b[99;1H")
		}
	}
	t.Logf("%d of %d lines changed: %d bytes as they are, %d painted", changed, len(b), asIs, len(got[1]))
	if changed < 20 {
		t.Fatalf("only %d lines changed between the frames: not the test's case", changed)
	}
	if len(got[1]) > asIs*4/10 {
		t.Errorf("painted in %d bytes, want at most 40%% of the %d the changed lines take as they are", len(got[1]), asIs)
	}
}

func TestStyleApplyAndChange(t *testing.T) {
	for _, c := range []struct {
		from, params string // from: the SGR parameters that make the start
		want         style
		change       string // change(from, want)
	}{
		{"", "1", style{attrs: 1 << 1}, "\x1b[1m"},
		{"1", "0", style{}, "\x1b[m"},
		{"1;38;5;59", "", style{}, "\x1b[m"},
		{"38;5;59", "38;5;102", style{fg: "38;5;102"}, "\x1b[38;5;102m"},
		{"38;5;59", "39", style{}, "\x1b[m"},
		{"1;31", "22", style{fg: "31"}, "\x1b[0;31m"},
		{"4;44", "24", style{bg: "44"}, "\x1b[0;44m"},
		{"31", "1;48;2;1;2;3", style{attrs: 1 << 1, fg: "31", bg: "48;2;1;2;3"}, "\x1b[1;48;2;1;2;3m"},
		{"7", "27;32", style{fg: "32"}, "\x1b[0;32m"},
		{"32;41", "49", style{fg: "32"}, "\x1b[49m"},
	} {
		var from style
		if !from.apply(c.from) {
			t.Fatalf("apply(%q) failed", c.from)
		}
		got := from
		if !got.apply(c.params) {
			t.Fatalf("apply(%q) after %q failed", c.params, c.from)
		}
		if got != c.want {
			t.Errorf("%q then %q: %+v, want %+v", c.from, c.params, got, c.want)
		}
		var b bytes.Buffer
		change(&b, from, got)
		if b.String() != c.change {
			t.Errorf("change from %q to %+v: %q, want %q", c.from, got, b.String(), c.change)
		}
	}
	for _, bad := range []string{"x", "38;5", "38;9;1", "21", "1;;2x", "58;5;1"} {
		var s style
		if s.apply(bad) {
			t.Errorf("apply(%q) succeeded, want unknown", bad)
		}
	}
}

// Frames with more styles than the painter numbers (every cell its own
// colour, a new set each frame) still show as they should, the numbering
// starting again from the screen's, and a frame painted again writes
// nothing.
func TestPainterManyStyles(t *testing.T) {
	const w, h = 40, 10
	var frames []string
	n := 0
	for n < 2*maxStyles { // twice as many as are numbered
		var f strings.Builder
		for r := range h {
			for range w {
				n++
				f.WriteString("\x1b[38;2;" + strconv.Itoa(n%256) + ";" + strconv.Itoa(n/256%256) + ";" + strconv.Itoa(n/65536) + "mx")
			}
			if r < h-1 {
				f.WriteByte('\n')
			}
		}
		frames = append(frames, f.String(), f.String()) // the second paint of each writes nothing
	}
	out := paintAll(t, w, h, frames...)
	for i := 1; i < len(out); i += 2 {
		if out[i] != "" {
			t.Fatalf("frame %d, the same as the one before, wrote %q", i, out[i])
		}
	}
	if got := len(NewPainter(w, h).styles.list); got != 1 {
		t.Errorf("a new painter numbers %d styles, want only the default", got)
	}
}

// fuzzPieces are what fuzzed frames are made of: text of one and two
// cells, spaces, SGR sequences known and not, a line break and a frame
// break.
var fuzzPieces = []string{
	"a", " ", "⣿", "│", "界", "\x1b[0m", "\x1b[m", "\x1b[1m", "\x1b[38;5;59m", "\x1b[22m",
	"\x1b[7m", "\x1b[48;5;3m", "\x1b[39m", "\x1b[4;31m", "\x1b[21m", "\x1b[49m", "\n", "\f",
}

// FuzzPainter paints frames made from the fuzzer's bytes on a screen of a
// size it also picks, and checks each time that the screen shows the
// frame: no wrap, no scroll, no cell left from an earlier frame, no
// colour lost or gained.
func FuzzPainter(f *testing.F) {
	f.Add([]byte{10, 4, 0, 1, 16, 5, 2, 6, 3, 17, 0, 16, 7, 9, 1})
	f.Add([]byte{3, 2, 4, 4, 4, 16, 8, 1, 11, 1, 17, 4, 17, 13, 1, 1, 1, 14, 15})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		w, h := 1+int(data[0])%40, 1+int(data[1])%10
		var frames []string
		var cur strings.Builder
		for _, d := range data[2:] {
			piece := fuzzPieces[int(d)%len(fuzzPieces)]
			if piece == "\f" {
				frames = append(frames, cur.String())
				cur.Reset()
				continue
			}
			cur.WriteString(piece)
		}
		frames = append(frames, cur.String())
		paintAll(t, w, h, frames...)
	})
}

// The shortcut for chart characters agrees with the grapheme rules on
// every character it takes, and takes those charts are drawn with.
func TestNarrowAtAgreesWithGraphemeWidth(t *testing.T) {
	taken := 0
	for r := rune(0x2400); r < 0x2A00; r++ {
		s := string(r)
		if !narrowAt(s, 0) {
			continue
		}
		taken++
		if cluster, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth); w != 1 || cluster != s {
			t.Errorf("U+%04X: taken as one cell, the grapheme rules say %d", r, w)
		}
	}
	for _, r := range "⠁⣿│╭─●◆█▄" {
		if !narrowAt(string(r), 0) {
			t.Errorf("%q is not taken", r)
		}
	}
	if taken != 0xfd+0x100 {
		t.Errorf("%d characters taken, want %d", taken, 0xfd+0x100)
	}
}

// BenchmarkPaintRealFrames paints the two real frames in turn: the work
// of one second's redraw of four hosts at 240x70.
func BenchmarkPaintRealFrames(b *testing.B) {
	raw, err := os.ReadFile("testdata/frames-4hosts-240x70.txt")
	if err != nil {
		b.Fatal(err)
	}
	frames := strings.Split(string(raw), "\f")
	p := NewPainter(240, 70)
	var buf bytes.Buffer
	p.Paint(&buf, frames[0])
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		buf.Reset()
		p.Paint(&buf, frames[i%2])
	}
	b.ReportMetric(float64(buf.Len()), "bytes/frame")
}
