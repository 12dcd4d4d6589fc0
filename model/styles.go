package model

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
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
		HeaderPage:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#00FFFF")),
		Footer:      lipgloss.NewStyle().Foreground(grey),
		Error:       lipgloss.NewStyle().Foreground(lipgloss.Color("#FF4040")).Bold(true),
		Warning:     lipgloss.NewStyle().Foreground(lipgloss.Color("#FFA500")),
		PanelBorder: lipgloss.NewStyle().Foreground(lipgloss.Color("#555555")),
		PanelTitle:  lipgloss.NewStyle().Bold(true),
		Axis:        lipgloss.NewStyle().Foreground(lipgloss.Color("#888888")),
		AxisLabel:   lipgloss.NewStyle().Foreground(lipgloss.Color("#AAAAAA")),
		Legend:      lipgloss.NewStyle(),
		Dim:         lipgloss.NewStyle().Foreground(grey),
		Message:     lipgloss.NewStyle().Bold(true),
		Paused:      lipgloss.NewStyle().Bold(true).Reverse(true),
		Cursor:      lipgloss.NewStyle().Foreground(lipgloss.Color("#FFFFFF")),
		Range:       lipgloss.NewStyle().Foreground(lipgloss.Color("#FFFFFF")),
		HelpKey:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#00FFFF")),
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
		HeaderPage:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#006A80")),
		Footer:      lipgloss.NewStyle().Foreground(grey),
		Error:       lipgloss.NewStyle().Foreground(lipgloss.Color("#C00000")).Bold(true),
		Warning:     lipgloss.NewStyle().Foreground(lipgloss.Color("#A04E00")),
		PanelBorder: lipgloss.NewStyle().Foreground(lipgloss.Color("#A0A0A0")),
		PanelTitle:  lipgloss.NewStyle().Bold(true),
		Axis:        lipgloss.NewStyle().Foreground(lipgloss.Color("#808080")),
		AxisLabel:   lipgloss.NewStyle().Foreground(lipgloss.Color("#505050")),
		Legend:      lipgloss.NewStyle(),
		Dim:         lipgloss.NewStyle().Foreground(grey),
		Message:     lipgloss.NewStyle().Bold(true),
		Paused:      lipgloss.NewStyle().Bold(true).Reverse(true),
		Cursor:      lipgloss.NewStyle().Foreground(lipgloss.Color("#000000")),
		Range:       lipgloss.NewStyle().Foreground(lipgloss.Color("#000000")),
		HelpKey:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#006A80")),
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
	return lipgloss.NewStyle().Foreground(c)
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
