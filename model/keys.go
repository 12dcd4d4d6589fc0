package model

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key the dashboard answers to. The same bindings feed the
// footer and the help, so what is shown is what works.
type KeyMap struct {
	PrevPage key.Binding
	NextPage key.Binding
	JumpPage key.Binding
	Quit     key.Binding
}

// DefaultKeyMap returns the keys of the original tool plus page jumps.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		PrevPage: key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h", "prev page")),
		NextPage: key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("→/l", "next page")),
		JumpPage: key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "jump to page")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is what the footer shows.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.PrevPage, k.NextPage, k.JumpPage, k.Quit}
}

// FullHelp lists every binding, grouped.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.PrevPage, k.NextPage, k.JumpPage}, {k.Quit}}
}
