package terminal

import (
	"bytes"
	"strconv"
	"strings"
)

// style is what SGR sequences have set: the attributes on, and the
// foreground and background colours as their parameters ("38;5;59",
// "31"; "" for the terminal's default).
type style struct {
	attrs  uint16 // bit n: SGR attribute n (1 bold … 9 strike) is on
	fg, bg string
}

// blankAttrs are the attributes a space shows: reverse, underline and
// strike-through draw on a blank cell; bold, italic or a foreground
// colour do not.
const blankAttrs = 1<<4 | 1<<7 | 1<<9

// looksBlankAs says whether a space drawn in s looks the same as in o.
func (s style) looksBlankAs(o style) bool {
	return s.bg == o.bg && s.attrs&blankAttrs == o.attrs&blankAttrs
}

// blankDefault is a style in which erased cells look as in the default
// one: s itself when it is (an erase shows only the background), or the
// default.
func (s style) blankDefault() style {
	if s.looksBlankAs(style{}) {
		return s
	}
	return style{}
}

// apply changes s by one SGR sequence's parameters; false for one it does
// not know (the line is then written as it is). The colours kept are
// slices of params: parsing a line allocates nothing.
func (s *style) apply(params string) bool {
	if params == "" {
		*s = style{}
		return true
	}
	for start := 0; start <= len(params); {
		n, end, ok := sgrParam(params, start)
		if !ok {
			return false
		}
		switch {
		case n == 0:
			*s = style{}
		case n >= 1 && n <= 9:
			s.attrs |= 1 << n
		case n == 22:
			s.attrs &^= 1<<1 | 1<<2
		case n >= 23 && n <= 29 && n != 26:
			s.attrs &^= 1 << (n - 20)
		case n >= 30 && n <= 37, n >= 90 && n <= 97:
			s.fg = params[start:end]
		case n >= 40 && n <= 47, n >= 100 && n <= 107:
			s.bg = params[start:end]
		case n == 39:
			s.fg = ""
		case n == 49:
			s.bg = ""
		case n == 38 || n == 48:
			colorEnd, ok := extendedColor(params, end)
			if !ok {
				return false
			}
			if n == 38 {
				s.fg = params[start:colorEnd]
			} else {
				s.bg = params[start:colorEnd]
			}
			end = colorEnd
		default:
			return false
		}
		start = end + 1
	}
	return true
}

// sgrParam reads the number at params[start:], up to the next ';' or the
// end: the number and where it ends.
func sgrParam(params string, start int) (n, end int, ok bool) {
	end = start
	for end < len(params) && params[end] != ';' {
		c := params[end]
		if c < '0' || c > '9' || n > 1000 {
			return 0, end, false
		}
		n = n*10 + int(c-'0')
		end++
	}
	return n, end, end > start
}

// extendedColor reads the colour after a 38 or 48 ending at end: 5;N or
// 2;R;G;B. It returns where the colour ends.
func extendedColor(params string, end int) (int, bool) {
	if end >= len(params) {
		return 0, false
	}
	kind, end, ok := sgrParam(params, end+1)
	count := 0
	switch kind {
	case 5:
		count = 1 // a colour of 256
	case 2:
		count = 3 // red, green and blue
	}
	if !ok || count == 0 {
		return 0, false
	}
	for range count {
		if end >= len(params) {
			return 0, false
		}
		if _, end, ok = sgrParam(params, end+1); !ok {
			return 0, false
		}
	}
	return end, true
}

// change appends the SGR sequence that takes the terminal from style
// from to style to: the attributes and colours that differ, or a reset
// and all of to when an attribute must go off.
func change(b *bytes.Buffer, from, to style) {
	var ps []string
	if from.attrs&^to.attrs != 0 || (to == style{}) {
		ps = append(ps, "0")
		from = style{}
	}
	for n := 1; n <= 9; n++ {
		if to.attrs&^from.attrs&(1<<n) != 0 {
			ps = append(ps, strconv.Itoa(n))
		}
	}
	ps = appendColor(ps, from.fg, to.fg, "39")
	ps = appendColor(ps, from.bg, to.bg, "49")
	if len(ps) == 1 && ps[0] == "0" {
		b.WriteString("\x1b[m")
		return
	}
	b.WriteString("\x1b[")
	b.WriteString(strings.Join(ps, ";"))
	b.WriteByte('m')
}

func appendColor(ps []string, from, to, reset string) []string {
	switch {
	case from == to:
		return ps
	case to == "":
		return append(ps, reset)
	}
	return append(ps, to)
}
