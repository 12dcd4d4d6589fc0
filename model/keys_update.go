package model

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// handleKey maps a key press to an action.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.ctx.Keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.PrevPage):
		m.setPage((m.page - 1 + len(m.pages)) % len(m.pages))
	case key.Matches(msg, k.NextPage):
		m.setPage((m.page + 1) % len(m.pages))
	case key.Matches(msg, k.JumpPage):
		m.setPage(int(msg.Runes[0] - '1'))
	}
	return nil
}
