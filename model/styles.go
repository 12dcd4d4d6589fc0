package model

import (
	"github.com/charmbracelet/lipgloss"
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
	// Palette colours metrics that have no colour of their own in the
	// dashboard, in order.
	Palette []lipgloss.Color
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
		Palette: []lipgloss.Color{
			"#FFFF00", "#BF00FF", "#00FF00", "#FF00FF",
			"#00FFFF", "#FF4040", "#FFA500", "#00FF7F",
		},
	}
}
