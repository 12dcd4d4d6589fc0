package chart

import (
	"fmt"
	"strings"
)

// GlyphSet names a way of drawing: braille dots for terminals with a
// braille font, half blocks for the Linux console (whose fonts have the
// CP437 block and box characters but no braille), or plain ASCII for
// anything else.
type GlyphSet int

const (
	GlyphsBraille GlyphSet = iota
	GlyphsBlock
	GlyphsASCII
)

var glyphSetNames = []string{"braille", "block", "ascii"}

func (g GlyphSet) String() string {
	if int(g) >= 0 && int(g) < len(glyphSetNames) {
		return glyphSetNames[g]
	}
	return fmt.Sprintf("GlyphSet(%d)", int(g))
}

// ParseGlyphSet reads a --glyphs value.
func ParseGlyphSet(s string) (GlyphSet, error) {
	for i, n := range glyphSetNames {
		if strings.EqualFold(s, n) {
			return GlyphSet(i), nil
		}
	}
	return 0, fmt.Errorf("want %s", strings.Join(glyphSetNames, ", "))
}

// Glyphs is every character the screen draws that a terminal's font might
// lack: plot cells, borders, markers, line samples, separators.
type Glyphs struct {
	Set GlyphSet
	// A plot cell is a grid of cellW x cellH dots; bit[row][col] is a dot's
	// bit and cell turns a cell's bits into its character.
	cellW, cellH int
	bit          [4][2]uint8
	cell         func(bits uint8) rune
	// Border of panels and the help box.
	TL, TR, BL, BR, H, V string
	Sep                  string // between title parts, header parts, help entries
	Ellipsis             string // where text is cut
	Markers              []rune // one per metric: at the newest point and in the legend
	HostSamples          []string
	Cursor               rune // the paused cursor's column
	RangeTick            rune // on the y axis where the window's min and max are
	Limit                rune // a limit's dashed line
	Restart, Reconnect   rune // on the time axis where a host restarted or came back
	axis                 func(rune) rune
	Left, Right          string // arrow keys, in the help
	Up, Down             string
}

// GlyphsFor returns the glyphs of a set.
func GlyphsFor(s GlyphSet) Glyphs {
	switch s {
	case GlyphsBlock:
		// One column of two half-cell dots per cell: ▀ ▄ █, all in CP437.
		return Glyphs{
			Set: s, cellW: 1, cellH: 2, bit: [4][2]uint8{{1}, {2}},
			cell: func(b uint8) rune { return []rune(" ▀▄█")[b&3] },
			TL:   "┌", TR: "┐", BL: "└", BR: "┘", H: "─", V: "│",
			Sep: " · ", Ellipsis: "~",
			Markers:     []rune("■▲▼♦•○♣♠"),
			HostSamples: []string{"──", "- ", ". ", "-."},
			Cursor:      '│', RangeTick: '┤', Limit: '-', Restart: '♦', Reconnect: '↑', axis: func(r rune) rune { return r },
			Left: "←", Right: "→", Up: "↑", Down: "↓",
		}
	case GlyphsASCII:
		// One column of three dots per cell: ' at the top, - in the
		// middle, . at the bottom; a cell crossed by a steep line is |.
		return Glyphs{
			Set: s, cellW: 1, cellH: 3, bit: [4][2]uint8{{1}, {2}, {4}},
			cell: func(b uint8) rune { return []rune(" '-|.:||")[b&7] },
			TL:   "+", TR: "+", BL: "+", BR: "+", H: "-", V: "|",
			Sep: " | ", Ellipsis: "~",
			Markers:     []rune("*+ox#@%&"),
			HostSamples: []string{"--", "- ", ". ", "-."},
			Cursor:      ':', RangeTick: '<', Limit: '=', Restart: 'R', Reconnect: '^', axis: asciiAxis,
			Left: "left", Right: "right", Up: "up", Down: "down",
		}
	}
	return Glyphs{
		Set: GlyphsBraille, cellW: 2, cellH: 4,
		bit:  [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}},
		cell: func(b uint8) rune { return 0x2800 + rune(b) },
		TL:   "╭", TR: "╮", BL: "╰", BR: "╯", H: "─", V: "│",
		Sep: " · ", Ellipsis: "…",
		Markers:     []rune("●◆▲■★✚◼▼"),
		HostSamples: []string{"━━", "╍╍", "┅┅", "━┅"},
		Cursor:      '┊', RangeTick: '┤', Limit: '╌', Restart: '↺', Reconnect: '⇡', axis: func(r rune) rune { return r },
		Left: "←", Right: "→", Up: "↑", Down: "↓",
	}
}

// asciiAxis maps the box-drawing characters ntcharts draws axes with.
func asciiAxis(r rune) rune {
	switch {
	case r == '│' || r == '┃':
		return '|'
	case r == '─' || r == '━':
		return '-'
	case r >= 0x2500 && r <= 0x257F:
		return '+'
	}
	return r
}

// Ready says g was made by GlyphsFor (a zero Glyphs draws nothing).
func (g *Glyphs) Ready() bool { return g.cell != nil }

// Marker is metric i's marker, in the chart and in the legend.
func (g *Glyphs) Marker(i int) rune { return g.Markers[i%len(g.Markers)] }

// HostSample is host i's line pattern, as the legend shows it.
func (g *Glyphs) HostSample(i int) string { return g.HostSamples[i%len(g.HostSamples)] }
