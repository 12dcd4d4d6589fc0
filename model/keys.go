package model

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// KeyMap is every key the dashboard answers to. The same bindings feed the
// footer and the ? help, so what is shown is what works.
type KeyMap struct {
	PrevPage key.Binding // while paused: back in time
	NextPage key.Binding // while paused: forward in time
	JumpPage key.Binding
	PageList key.Binding
	Select   key.Binding // in the page list
	Pause    key.Binding
	Back     key.Binding
	Forward  key.Binding
	ZoomIn   key.Binding
	ZoomOut  key.Binding
	Absolute key.Binding
	Order    key.Binding
	Readout  key.Binding
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Help     key.Binding
	Close    key.Binding
	Quit     key.Binding
	Save     key.Binding
	Stats    key.Binding
	// A replay's: speed and a jump to a time (space plays and stops).
	Slower key.Binding
	Faster key.Binding
	Seek   key.Binding
	// The fleet table's: back to it or from it, mark a host, filter.
	Fleet  key.Binding
	Mark   key.Binding
	Filter key.Binding
}

// DefaultKeyMap returns the keys of the original tool (h/l, arrows, q) and
// traffic_top's a, plus the rest.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		PrevPage: b([]string{"h", "left"}, "←/h", "previous page; while paused, back in time"),
		NextPage: b([]string{"l", "right"}, "→/l", "next page; while paused, forward in time"),
		JumpPage: b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "1-9 0", "jump to page (0: the tenth)"),
		PageList: b([]string{"p"}, "p", "list the pages, to open one by name"),
		Select:   b([]string{"enter"}, "enter", "open the page under the cursor"),
		Pause:    b([]string{" "}, "space", "pause or resume the display (collection goes on)"),
		Back:     b([]string{"["}, "[", "back in time (pauses)"),
		Forward:  b([]string{"]"}, "]", "forward in time, while paused"),
		ZoomIn:   b([]string{"+", "="}, "+", "zoom in: a shorter time window (30s at least)"),
		ZoomOut:  b([]string{"-", "_"}, "-", "zoom out: a longer window (up to --history)"),
		Absolute: b([]string{"a"}, "a", "counters: rate per second or absolute total"),
		Order:    b([]string{"o"}, "o", "tables: sort wildcard rows by mean, value now or name"),
		Readout:  b([]string{"r"}, "r", "text readout (for screen readers) or charts"),
		Up:       b([]string{"up", "k"}, "↑/k", "scroll the readout up"),
		Down:     b([]string{"down", "j"}, "↓/j", "scroll the readout down"),
		PageUp:   b([]string{"pgup"}, "pgup", "readout: a screen up"),
		PageDown: b([]string{"pgdown"}, "pgdn", "readout: a screen down"),
		Home:     b([]string{"home", "g"}, "home", "readout: top"),
		End:      b([]string{"end", "G"}, "end", "readout: bottom"),
		Help:     b([]string{"?"}, "?", "show or hide this help"),
		Close:    b([]string{"esc"}, "esc", "close the help or the page list"),
		Quit:     b([]string{"q", "ctrl+c"}, "q", "quit"),
		Stats:    b([]string{"i"}, "i", "window statistics: min, mean, max, p50/p95/p99 per series"),
		Save:     b([]string{"s"}, "s", "save the page as a PNG and as text"),
		Slower:   b([]string{"<", ","}, "<", "replay: slower (x60 x30 x10 x5 x2 x1)"),
		Faster:   b([]string{">", "."}, ">", "replay: faster (up to x60)"),
		Seek:     b([]string{"t"}, "t", "replay: jump to a time (14:05, -10m, +1h)"),
		Fleet:    b([]string{"F"}, "F", "the fleet table: every host, worst first; again: the pages"),
		Mark:     b([]string{"x"}, "x", "fleet: mark the host (up to 4), for enter to overlay them"),
		Filter:   b([]string{"/"}, "/", "fleet: filter hosts by name (enter keeps it, esc clears it)"),
	}
}

// fleetHelp is the footer's help over the fleet table.
func (k KeyMap) fleetHelp() []key.Binding {
	return []key.Binding{
		pair(k.Up, k.Down, "move"), relabel(k.Select, "enter", "open"), relabel(k.Mark, "x", "mark"),
		pair(k.PrevPage, k.NextPage, "sort"), relabel(k.Filter, "/", "filter"), relabel(k.Fleet, "F", "pages"),
		relabel(k.Help, "?", "help"), k.Quit,
	}
}

// filterHelp is the footer's help while the fleet's filter is typed.
func (k KeyMap) filterHelp() []key.Binding {
	return []key.Binding{relabel(k.Select, "enter", "keep"), relabel(k.Close, "esc", "clear")}
}

// ShortHelp is the footer's help in the live chart view (with FullHelp, it
// makes KeyMap a bubbles help.KeyMap).
func (k KeyMap) ShortHelp() []key.Binding { return k.liveHelp() }

// The footer's short help per mode. The pairs are display-only bindings:
// the keys themselves are matched through the bindings above.
func (k KeyMap) liveHelp() []key.Binding {
	return []key.Binding{
		relabel(k.Help, "?", "help"), relabel(k.Pause, "space", "pause"), relabel(k.Readout, "r", "readout"),
		pair(k.ZoomIn, k.ZoomOut, "zoom"), pair(k.PrevPage, k.NextPage, "page"), k.Quit,
	}
}

// replayHelp is the footer's help in a replay's chart view.
func (k KeyMap) replayHelp() []key.Binding {
	return []key.Binding{
		relabel(k.Help, "?", "help"), relabel(k.Pause, "space", "play/stop"), pair(k.Slower, k.Faster, "speed"),
		relabel(k.Seek, "t", "jump"), pair(k.ZoomIn, k.ZoomOut, "zoom"), pair(k.PrevPage, k.NextPage, "page"), k.Quit,
	}
}

// seekHelp is the footer's help while a jump's time is typed.
func (k KeyMap) seekHelp() []key.Binding {
	return []key.Binding{relabel(k.Select, "enter", "jump"), relabel(k.Close, "esc", "cancel")}
}

func (k KeyMap) pausedHelp() []key.Binding {
	return []key.Binding{
		relabel(k.Pause, "space", "resume"), pair(k.PrevPage, k.NextPage, "or [ ] scroll time"),
		pair(k.ZoomIn, k.ZoomOut, "zoom"), relabel(k.Help, "?", "help"), k.Quit,
	}
}

func (k KeyMap) readoutHelp() []key.Binding {
	return []key.Binding{
		pair(k.Up, k.Down, "scroll"), relabel(k.Readout, "r", "charts"), pair(k.PrevPage, k.NextPage, "page"),
		relabel(k.Pause, "space", "pause"), relabel(k.Help, "?", "help"), k.Quit,
	}
}

func (k KeyMap) readoutPausedHelp() []key.Binding {
	return []key.Binding{
		relabel(k.Pause, "space", "resume"), pair(k.PrevPage, k.NextPage, "time"), pair(k.Up, k.Down, "scroll"),
		relabel(k.Readout, "r", "charts"), relabel(k.Help, "?", "help"), k.Quit,
	}
}

func (k KeyMap) listOpenHelp() []key.Binding {
	return []key.Binding{
		pair(k.Up, k.Down, "move"), relabel(k.Select, "enter", "open"), relabel(k.Close, "esc", "close"), k.Quit,
	}
}

func (k KeyMap) helpOpenHelp() []key.Binding {
	return []key.Binding{k.Close, k.Quit}
}

// FullHelp lists every binding, grouped as the ? help shows them.
func (k KeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.helpGroups() {
		out = append(out, g.keys)
	}
	return out
}

// helpGroup is a heading of the ? help and its entries; pairs of opposite
// keys share a line so that the whole help fits an 80x24 screen.
type helpGroup struct {
	name string
	keys []key.Binding
}

func (k KeyMap) helpGroups() []helpGroup {
	return []helpGroup{
		{"Pages", []key.Binding{
			both(k.PrevPage, k.NextPage, "previous / next page; while paused, back / forward in time"),
			k.JumpPage, k.PageList,
		}},
		{"Time: pause, scroll back, zoom", []key.Binding{
			k.Pause,
			both(k.Back, k.Forward, "back / forward in time (pauses)"),
			both(k.ZoomIn, k.ZoomOut, "zoom in (to 30s) / out (to --history)"),
		}},
		{"What is shown", []key.Binding{
			k.Absolute, k.Order, both(k.Readout, k.Stats, "text readout / window statistics, or charts"), k.Save,
			both(k.Up, k.Down, "scroll the readout up / down"),
			both(k.PageUp, k.PageDown, "readout: a screen up / down"),
			both(k.Home, k.End, "readout: top / bottom"),
		}},
		{"Help and quit", []key.Binding{both(k.Help, k.Close, "this help / close it or the page list"), k.Quit}},
	}
}

// fleetGroup is the ? help's entries for the fleet table (more than one
// host); its footer names the rest (enter, ←/→ to sort).
func (k KeyMap) fleetGroup() helpGroup {
	return helpGroup{"Fleet", []key.Binding{k.Fleet, both(k.Mark, k.Filter, "fleet: mark a host (up to 4) / filter by name")}}
}

// replayGroup is the ? help's entries for a replay.
func (k KeyMap) replayGroup() helpGroup {
	return helpGroup{"Replay", []key.Binding{
		relabel(k.Pause, "space", "play or stop the recording"),
		both(k.Slower, k.Faster, "slower / faster: x1 x2 x5 x10 x30 x60"), k.Seek,
	}}
}

// both shows two bindings as one help entry: "←/h →/l".
func both(a, b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(append(a.Keys(), b.Keys()...)...), key.WithHelp(a.Help().Key+" "+b.Help().Key, desc))
}

func relabel(b key.Binding, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(k, desc))
}

// pair shows two bindings as one entry: "+/-" "zoom".
func pair(a, b key.Binding, desc string) key.Binding {
	first := strings.SplitN(a.Help().Key, "/", 2)[0]
	second := strings.SplitN(b.Help().Key, "/", 2)[0]
	return key.NewBinding(key.WithKeys(a.Keys()...), key.WithHelp(first+"/"+second, desc))
}

// withWords spells the arrows out for terminals drawn in ASCII.
func (k KeyMap) withWords() KeyMap {
	r := strings.NewReplacer("←", "left", "→", "right", "↑", "up", "↓", "down")
	for _, b := range []*key.Binding{&k.PrevPage, &k.NextPage, &k.Up, &k.Down} {
		h := b.Help()
		b.SetHelp(r.Replace(h.Key), h.Desc)
	}
	return k
}
