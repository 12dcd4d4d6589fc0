package model

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
)

// Styles gathers every style the screen uses, so themes (and NO_COLOR) are a
// matter of building a different Styles value, not of editing components.
type Styles struct {
	Header      lipgloss.Style
	HeaderPage  lipgloss.Style
	Footer      lipgloss.Style
	Error       lipgloss.Style
	Warning     lipgloss.Style
	PanelBorder lipgloss.Style
	PanelTitle  lipgloss.Style
	Axis        lipgloss.Style
	AxisLabel   lipgloss.Style
	Legend      lipgloss.Style
	Dim         lipgloss.Style
	Message     lipgloss.Style
	Paused      lipgloss.Style // the PAUSED badge in the header
	Cursor      lipgloss.Style // the paused cursor's column
	Range       lipgloss.Style // the window's min and max on the y axis
	HelpKey     lipgloss.Style
	// Palette colours metrics that have no colour of their own in the
	// dashboard, in order.
	Palette []lipgloss.Color
	// NoColor: series are told apart by markers along their lines, not
	// by colour (NO_COLOR, --no-color).
	NoColor bool
	// Light: the background is light, so dashboard colours too pale to
	// read on it are darkened.
	Light bool
}

// DefaultStyles is the dark theme the original tool used: bright series on
// a dark background, grey chrome.
func DefaultStyles() Styles {
	grey := lipgloss.Color("#808080")
	return Styles{
		Header:      lipgloss.NewStyle().Bold(true),
		HeaderPage:  lipgloss.NewStyle().Bold(true).Foreground(fixed("#00FFFF")),
		Footer:      lipgloss.NewStyle().Foreground(fixed(grey)),
		Error:       lipgloss.NewStyle().Foreground(fixed("#FF4040")).Bold(true),
		Warning:     lipgloss.NewStyle().Foreground(fixed("#FFA500")),
		PanelBorder: lipgloss.NewStyle().Foreground(fixed("#555555")),
		PanelTitle:  lipgloss.NewStyle().Bold(true),
		Axis:        lipgloss.NewStyle().Foreground(fixed("#888888")),
		AxisLabel:   lipgloss.NewStyle().Foreground(fixed("#AAAAAA")),
		Legend:      lipgloss.NewStyle(),
		Dim:         lipgloss.NewStyle().Foreground(fixed(grey)),
		Message:     lipgloss.NewStyle().Bold(true),
		Paused:      lipgloss.NewStyle().Bold(true).Reverse(true),
		Cursor:      lipgloss.NewStyle().Foreground(fixed("#FFFFFF")),
		Range:       lipgloss.NewStyle().Foreground(fixed("#FFFFFF")),
		HelpKey:     lipgloss.NewStyle().Bold(true).Foreground(fixed("#00FFFF")),
		Palette: []lipgloss.Color{
			"#FFFF00", "#BF00FF", "#00FF00", "#FF00FF",
			"#00FFFF", "#FF4040", "#FFA500", "#00FF7F",
		},
	}
}

// LightStyles is for light backgrounds: dark chrome, and series colours
// dark enough to read on white (see SeriesStyle).
func LightStyles() Styles {
	grey := lipgloss.Color("#606060")
	return Styles{
		Header:      lipgloss.NewStyle().Bold(true),
		HeaderPage:  lipgloss.NewStyle().Bold(true).Foreground(fixed("#006A80")),
		Footer:      lipgloss.NewStyle().Foreground(fixed(grey)),
		Error:       lipgloss.NewStyle().Foreground(fixed("#C00000")).Bold(true),
		Warning:     lipgloss.NewStyle().Foreground(fixed("#A04E00")),
		PanelBorder: lipgloss.NewStyle().Foreground(fixed("#A0A0A0")),
		PanelTitle:  lipgloss.NewStyle().Bold(true),
		Axis:        lipgloss.NewStyle().Foreground(fixed("#808080")),
		AxisLabel:   lipgloss.NewStyle().Foreground(fixed("#505050")),
		Legend:      lipgloss.NewStyle(),
		Dim:         lipgloss.NewStyle().Foreground(fixed(grey)),
		Message:     lipgloss.NewStyle().Bold(true),
		Paused:      lipgloss.NewStyle().Bold(true).Reverse(true),
		Cursor:      lipgloss.NewStyle().Foreground(fixed("#000000")),
		Range:       lipgloss.NewStyle().Foreground(fixed("#000000")),
		HelpKey:     lipgloss.NewStyle().Bold(true).Foreground(fixed("#006A80")),
		Palette: []lipgloss.Color{
			"#8A6D00", "#7A00B0", "#007A00", "#B000B0",
			"#007A8A", "#C00000", "#B35900", "#00804A",
		},
		Light: true,
	}
}

// NoColorStyles uses no colour at all, only bold and reverse video, for
// NO_COLOR and --no-color. Series are told apart by markers along their
// lines and hosts by line patterns, which the legends name.
func NoColorStyles() Styles {
	plain := lipgloss.NewStyle()
	bold := lipgloss.NewStyle().Bold(true)
	return Styles{
		Header: bold, HeaderPage: bold, Footer: plain, Error: bold, Warning: bold,
		PanelBorder: plain, PanelTitle: bold, Axis: plain, AxisLabel: plain,
		Legend: plain, Dim: plain, Message: bold,
		Paused: lipgloss.NewStyle().Bold(true).Reverse(true), Cursor: plain, Range: bold, HelpKey: bold,
		NoColor: true,
	}
}

// SeriesStyle is the style of the i-th metric of a panel whose dashboard
// colour is color ("" for none).
func (s Styles) SeriesStyle(color string, i int) lipgloss.Style {
	if s.NoColor {
		return lipgloss.NewStyle()
	}
	c := lipgloss.Color(color)
	if color == "" && len(s.Palette) > 0 {
		c = s.Palette[i%len(s.Palette)]
	}
	if s.Light {
		c = darkenForLight(c)
	}
	return lipgloss.NewStyle().Foreground(fixed(c))
}

// fixed is c as the colour each terminal profile shows it: what lipgloss
// would work out at every Render (a "#rrggbb" to the nearest of 256 or of
// 16 colours, through a perceptual distance to each), worked out once.
// The fleet table renders thousands of cells a second; that conversion
// was a tenth of its time.
func fixed(c lipgloss.Color) lipgloss.TerminalColor {
	s := string(c)
	if !strings.HasPrefix(s, "#") {
		return c
	}
	out := lipgloss.CompleteColor{TrueColor: s}
	if v, ok := termenv.ANSI256.Color(s).(termenv.ANSI256Color); ok {
		out.ANSI256 = strconv.Itoa(int(v))
	}
	if v, ok := termenv.ANSI.Color(s).(termenv.ANSIColor); ok {
		out.ANSI = strconv.Itoa(int(v))
	}
	if out.ANSI256 == "" || out.ANSI == "" {
		return c // not a colour termenv reads: let lipgloss say so
	}
	return out
}

// darkenForLight scales a "#rrggbb" colour down until its luminance is at
// most 0.35, so that the original tool's bright yellows and cyans stay
// readable on a white background. Other colour forms pass unchanged.
func darkenForLight(c lipgloss.Color) lipgloss.Color {
	s := string(c)
	if len(s) != 7 || !strings.HasPrefix(s, "#") {
		return c
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return c
	}
	r, g, b := float64(v>>16&0xff), float64(v>>8&0xff), float64(v&0xff)
	lum := (0.2126*r + 0.7152*g + 0.0722*b) / 255
	const most = 0.35
	if lum <= most {
		return c
	}
	k := most / lum
	return lipgloss.Color("#" + hex2(r*k) + hex2(g*k) + hex2(b*k))
}

func hex2(x float64) string {
	s := strconv.FormatUint(uint64(x+0.5), 16)
	if len(s) < 2 {
		s = "0" + s
	}
	return strings.ToUpper(s)
}

// Chart is the part of s the chart draws with.
func (s Styles) Chart() chart.Styles {
	return chart.Styles{Axis: s.Axis, AxisLabel: s.AxisLabel, Cursor: s.Cursor, Range: s.Range, Warn: s.Warning, Crit: s.Error}
}
