package model

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// handleKey maps a key press to an action. While paused, the page keys
// ←/→ (h/l) scroll through time instead; 1-9 still change page.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.pctx.Keys
	if m.helpOpen {
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Close), key.Matches(msg, k.Help):
			m.helpOpen = false
		case key.Matches(msg, k.Up), key.Matches(msg, k.Down), key.Matches(msg, k.PageUp), key.Matches(msg, k.PageDown):
			step := 1
			if key.Matches(msg, k.PageUp) || key.Matches(msg, k.PageDown) {
				step = max(m.height-6, 1) // about the lines the box shows
			}
			if key.Matches(msg, k.Up) || key.Matches(msg, k.PageUp) {
				step = -step
			}
			m.help.Scroll(step)
			m.refreshHelp()
		}
		return nil
	}
	if m.listOpen {
		return m.handleListKey(msg)
	}
	if m.seeking {
		m.handleSeekKey(msg)
		return nil
	}
	m.saved = ""
	if m.fleetOn && m.handleFleetKey(msg) {
		return nil
	}
	if key.Matches(msg, k.Fleet) || key.Matches(msg, k.Close) && len(m.full.Hosts) > len(m.pctx.Hosts) {
		// To the fleet table; esc goes back to it from pages that show
		// some of the hosts.
		m.fleetOn = true
		m.viewChanged()
		return nil
	}
	if key.Matches(msg, k.Save) {
		return m.savePicture()
	}
	if m.pctx.Player != nil && m.handleReplayKey(msg) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.PageList):
		m.listOpen = true
		m.pageList.Open(m.page)
		m.refreshHelp()
	case key.Matches(msg, k.Help):
		m.helpOpen = true
		m.help.Open()
		m.refreshHelp()
	case key.Matches(msg, k.Pause):
		m.togglePause()
	case key.Matches(msg, k.Back):
		if !m.time.Paused() {
			m.togglePause()
		}
		m.scrollTime(-1)
	case key.Matches(msg, k.Forward):
		m.scrollTime(1)
	case key.Matches(msg, k.PrevPage):
		if m.time.Paused() {
			m.scrollTime(-1)
		} else {
			m.stepPage(-1)
		}
	case key.Matches(msg, k.NextPage):
		if m.time.Paused() {
			m.scrollTime(1)
		} else {
			m.stepPage(1)
		}
	case key.Matches(msg, k.JumpPage):
		m.setPage(pageOfKey(msg.Runes[0]))
	case key.Matches(msg, k.ZoomIn):
		m.time.ZoomIn(m.now)
		m.viewChanged()
	case key.Matches(msg, k.ZoomOut):
		m.time.ZoomOut()
		m.viewChanged()
	case key.Matches(msg, k.Absolute):
		m.absolute = !m.absolute
		m.viewChanged()
	case key.Matches(msg, k.Order):
		m.order = nextOrder(m.order)
		m.viewChanged()
	case key.Matches(msg, k.Readout):
		m.readoutOn, m.stats = !m.readoutOn || m.stats, false
		m.viewChanged()
	case key.Matches(msg, k.Stats):
		m.readoutOn, m.stats = !m.stats, !m.stats
		m.viewChanged()
	case key.Matches(msg, k.Up):
		m.readout.Scroll(-1)
	case key.Matches(msg, k.Down):
		m.readout.Scroll(1)
	case key.Matches(msg, k.PageUp):
		m.readout.Scroll(-m.readout.height + 1)
	case key.Matches(msg, k.PageDown):
		m.readout.Scroll(m.readout.height - 1)
	case key.Matches(msg, k.Home):
		m.readout.Scroll(-1 << 30)
	case key.Matches(msg, k.End):
		m.readout.Scroll(1 << 30)
	}
	return nil
}

// handleFleetKey is the fleet table's keys, and says whether msg was one
// (the others, such as pause, zoom and quit, work as on the pages).
func (m *Model) handleFleetKey(msg tea.KeyMsg) bool {
	k, f := m.pctx.Keys, m.fleet
	if f.Filtering() {
		switch {
		case key.Matches(msg, k.Select):
			f.EndFilter(true)
		case key.Matches(msg, k.Close):
			f.EndFilter(false)
		case msg.Type == tea.KeyBackspace:
			f.TypeFilter("\b")
		case msg.Type == tea.KeyRunes:
			f.TypeFilter(string(msg.Runes))
		}
		m.refreshVisible()
		return true
	}
	switch {
	case key.Matches(msg, k.Fleet):
		m.fleetOn = false
		m.viewChanged()
		return true
	case key.Matches(msg, k.Select):
		m.showHosts(f.Selected())
		return true
	case key.Matches(msg, k.Mark):
		if !f.ToggleMark() {
			m.saved = "at most 4 hosts are overlaid: unmark one first"
		}
	case key.Matches(msg, k.Filter):
		f.StartFilter()
	case key.Matches(msg, k.Close):
		f.EndFilter(false)
	case key.Matches(msg, k.Up):
		f.Move(-1)
	case key.Matches(msg, k.Down):
		f.Move(1)
	case key.Matches(msg, k.PageUp):
		f.Move(-(m.height - 5))
	case key.Matches(msg, k.PageDown):
		f.Move(m.height - 5)
	case key.Matches(msg, k.Home):
		f.Move(-1 << 30)
	case key.Matches(msg, k.End):
		f.Move(1 << 30)
	case !m.time.Paused() && key.Matches(msg, k.PrevPage):
		f.SortStep(-1)
	case !m.time.Paused() && key.Matches(msg, k.NextPage):
		f.SortStep(1)
	default:
		return false
	}
	m.refreshVisible()
	return true
}

// handleListKey is the page list's keys: move, open, close; a page's own
// key opens it too.
func (m *Model) handleListKey(msg tea.KeyMsg) tea.Cmd {
	k := m.pctx.Keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Up):
		m.pageList.Move(-1)
	case key.Matches(msg, k.Down):
		m.pageList.Move(1)
	case key.Matches(msg, k.PageUp):
		m.pageList.Move(-10)
	case key.Matches(msg, k.PageDown):
		m.pageList.Move(10)
	case key.Matches(msg, k.Select):
		m.listOpen = false
		m.setPage(m.pageList.Cursor())
	case key.Matches(msg, k.JumpPage):
		m.listOpen = false
		m.setPage(pageOfKey(msg.Runes[0]))
	case key.Matches(msg, k.Close), key.Matches(msg, k.PageList):
		m.listOpen = false
	}
	m.refreshHelp()
	m.refreshChrome()
	return nil
}

// handleMouse: the wheel scrolls the readout, or zooms the charts. Mouse
// reporting is off unless --mouse is given (it breaks selecting text to
// copy, which matters most over SSH).
func (m *Model) handleMouse(msg tea.MouseMsg) {
	if msg.Action != tea.MouseActionPress || m.helpOpen {
		return
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		if m.readoutOn {
			m.readout.Scroll(-3)
			return
		}
		m.time.ZoomIn(m.now)
		m.viewChanged()
	case tea.MouseButtonWheelDown:
		if m.readoutOn {
			m.readout.Scroll(3)
			return
		}
		m.time.ZoomOut()
		m.viewChanged()
	}
}

func (m *Model) togglePause() {
	if m.time.Paused() {
		m.time.Resume()
	} else {
		m.time.Pause(m.now)
	}
	m.viewChanged()
}

func (m *Model) scrollTime(steps int) {
	if !m.time.Paused() {
		return
	}
	m.time.Scroll(steps, m.pctx.Interval, m.oldest(), m.now)
	m.viewChanged()
}

// handleReplayKey is a replay's keys (space, < >, t), and says whether
// msg was one.
func (m *Model) handleReplayKey(msg tea.KeyMsg) bool {
	k, p := m.pctx.Keys, m.pctx.Player
	switch {
	case key.Matches(msg, k.Pause):
		m.playOrStop(p)
	case key.Matches(msg, k.Faster):
		p.SetSpeed(nextSpeed(p.Speed(), 1))
	case key.Matches(msg, k.Slower):
		p.SetSpeed(nextSpeed(p.Speed(), -1))
	case key.Matches(msg, k.Seek):
		m.seeking, m.seekText, m.seekErr = true, "", ""
	default:
		return false
	}
	return true
}

// playOrStop is a replay's space: it stops a playing recording, and plays
// a stopped one from where the view is live (a view paused or scrolled
// back goes live first).
func (m *Model) playOrStop(p Player) {
	switch {
	case m.time.Paused():
		m.time.Resume()
		p.SetPlaying(true)
		m.viewChanged()
	case p.Playing():
		p.SetPlaying(false)
	default:
		p.SetPlaying(true)
	}
}

// nextSpeed is the next of PlaySpeeds from s in dir (±1), staying at the
// ends; a speed between two (--speed 20) goes to the nearer one that way.
func nextSpeed(s float64, dir int) float64 {
	if dir > 0 {
		for _, v := range PlaySpeeds {
			if v > s {
				return v
			}
		}
		return max(s, PlaySpeeds[len(PlaySpeeds)-1])
	}
	for i := len(PlaySpeeds) - 1; i >= 0; i-- {
		if PlaySpeeds[i] < s {
			return PlaySpeeds[i]
		}
	}
	return PlaySpeeds[0]
}

// handleSeekKey edits the time typed after t; enter jumps there: forward,
// the recording is delivered up to it; back, into what is shown, the
// view pauses with the cursor there and the recording stops.
func (m *Model) handleSeekKey(msg tea.KeyMsg) {
	k := m.pctx.Keys
	switch {
	case key.Matches(msg, k.Close):
		m.seeking = false
	case msg.Type == tea.KeyBackspace:
		if r := []rune(m.seekText); len(r) > 0 {
			m.seekText = string(r[:len(r)-1])
		}
	case key.Matches(msg, k.Select):
		at, err := m.pctx.Player.Seek(m.seekText)
		if err != nil {
			m.seekErr = err.Error()
			return
		}
		m.seeking = false
		m.clock = m.pctx.Now() // the header says where, before the next second
		if at.Before(m.now) {
			m.pctx.Player.SetPlaying(false)
			m.time.PauseAt(at, m.now)
		} else {
			m.time.Resume()
		}
		m.viewChanged()
	case msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace:
		if len(m.seekText) < 40 {
			m.seekText += string(msg.Runes)
		}
	}
}
