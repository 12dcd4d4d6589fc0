package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// colorNames are the colour names a dashboard may use, with the shade used
// for each. They are picked to read well on a dark terminal.
var colorNames = map[string]string{
	"black":   "#000000",
	"white":   "#ffffff",
	"red":     "#ff0000",
	"green":   "#00cd00",
	"lime":    "#00ff00",
	"yellow":  "#ffff00",
	"blue":    "#5c5cff",
	"navy":    "#000080",
	"magenta": "#ff00ff",
	"fuchsia": "#ff00ff",
	"cyan":    "#00ffff",
	"aqua":    "#00ffff",
	"teal":    "#008080",
	"orange":  "#ffa500",
	"purple":  "#bf00ff",
	"violet":  "#ee82ee",
	"pink":    "#ff69b4",
	"brown":   "#a52a2a",
	"gold":    "#ffd700",
	"gray":    "#808080",
	"grey":    "#808080",
	"silver":  "#c0c0c0",
}

// ColorNames lists the colour names ParseColor accepts, sorted.
func ColorNames() []string {
	names := make([]string, 0, len(colorNames))
	for n := range colorNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// palette is used, in order, for metrics that do not set a colour.
var palette = []string{
	"#00ffff", "#ff00ff", "#ffff00", "#00ff00", "#ffa500", "#5c5cff", "#ff69b4", "#ff0000",
}

// PaletteColor returns a "#rrggbb" colour for the i-th metric without one
// (i counts from 0 and wraps around).
func PaletteColor(i int) string {
	if i < 0 {
		i = -i
	}
	return palette[i%len(palette)]
}

// ParseColor normalises a dashboard colour to "#rrggbb" (lowercase), which
// lipgloss.Color accepts. Accepted forms, ignoring case and surrounding
// spaces:
//
//	"#rgb", "#rrggbb"   hex
//	"0".."255"          an ANSI 256-colour number, mapped to its xterm shade
//	"red", "orange", …  a name from ColorNames
//
// The empty string gives "" (the caller picks from a palette).
func ParseColor(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if hex, ok := colorNames[s]; ok {
		return hex, nil
	}
	if s[0] == '#' {
		h := s[1:]
		if isHex(h) {
			switch len(h) {
			case 6:
				return s, nil
			case 3:
				return "#" + string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]}), nil
			}
		}
		return "", fmt.Errorf("bad color %q: want \"#rgb\" or \"#rrggbb\" with hex digits", s)
	}
	if isDigits(s) && len(s) <= 3 {
		n, _ := strconv.Atoi(s)
		if n <= 255 {
			return ansiHex(n), nil
		}
		return "", fmt.Errorf("bad color %s: ANSI colours are 0 to 255", s)
	}
	msg := fmt.Sprintf("bad color %q", s)
	if sug := suggest(s, ColorNames()); sug != "" {
		msg += fmt.Sprintf("; did you mean %s?", sug)
	}
	if isHex(s) && (len(s) == 3 || len(s) == 6) {
		msg += fmt.Sprintf(" (hex needs a leading #, quoted: \"#%s\")", s)
	}
	return "", fmt.Errorf("%s (want \"#rgb\", \"#rrggbb\", an ANSI number 0-255 or one of %s)", msg, strings.Join(ColorNames(), ", "))
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ansi16 are xterm's shades for the 16 basic ANSI colours.
var ansi16 = [16]string{
	"#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
	"#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
}

// ansiHex returns xterm's shade for ANSI colour n (0..255): the 16 basic
// colours, the 6×6×6 cube from 16 to 231 and the grey ramp from 232 to 255.
func ansiHex(n int) string {
	switch {
	case n < 16:
		return ansi16[n]
	case n < 232:
		levels := [6]int{0, 95, 135, 175, 215, 255}
		n -= 16
		return fmt.Sprintf("#%02x%02x%02x", levels[n/36], levels[n/6%6], levels[n%6])
	default:
		g := 8 + 10*(n-232)
		return fmt.Sprintf("#%02x%02x%02x", g, g, g)
	}
}
