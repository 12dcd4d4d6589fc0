// Package model is the Bubble Tea program: it routes messages (keys, sizes,
// collected snapshots) to the components that own them and joins their
// cached drawings. Derivations live in metrics, I/O in collect.
package model

import (
	"slices"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/picture"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// Messages the model handles besides Bubble Tea's own.
type (
	// resultsMsg carries collection results: the next one, and every
	// other already waiting. A fleet's hundred results of a tick are one
	// update and one header and footer, not a hundred.
	resultsMsg []collect.Result
	// collectDoneMsg says the collector stopped (its channel closed).
	collectDoneMsg struct{}
	// redrawMsg asks for the visible page to be redrawn. Results from
	// several hosts arrive a few milliseconds apart each tick; they are
	// coalesced into one redraw.
	redrawMsg struct{}
	// clockMsg moves the header clock.
	clockMsg time.Time
	// stopMsg ends a --run-for run.
	stopMsg struct{}
)

// ResultMsg is the message a collected result arrives as, and RedrawMsg
// the one that draws what arrived: for drivers of the model other than
// Bubble Tea's loop (tests of a replay's screen).
func ResultMsg(r collect.Result) tea.Msg { return resultsMsg{r} }

// RedrawMsg asks for the coalesced redraw a result schedules.
func RedrawMsg() tea.Msg { return redrawMsg{} }

// A redraw waits for the other hosts' results of the same tick: until
// none has come for redrawDelay, at most maxRedrawDelay after the first.
// Four hosts answer within a few milliseconds of each other; a hundred
// polled 32 at a time take a few rounds of requests, and drawing the
// table after each would draw it three or four times a tick.
const (
	redrawDelay    = 25 * time.Millisecond
	maxRedrawDelay = 250 * time.Millisecond
)

// Model is the whole screen.
type Model struct {
	// pctx is the pages' context: the hosts they show. full is every
	// host's, which the fleet table, the alerts and the bell go by.
	pctx *ProgramContext
	full *ProgramContext
	data *monitor.State // the store and every host's status
	// shown are the hosts the pages show (indexes into full.Hosts), nil
	// for all; fleet is the fleet table, shown while fleetOn.
	shown   []int
	focused []int // the hosts shown now and last (focus)

	// viewParts are the header, body and footer View last joined into
	// viewJoined.
	viewParts  [3]string
	viewJoined string
	fleet      *FleetView
	fleetOn    bool
	pages      []*PageView
	page       int
	readout    *ReadoutView // the visible page as text, when readoutOn
	results    <-chan collect.Result
	runFor     time.Duration

	width, height int
	now           time.Time // the right edge of live charts: the clock, or newer data
	clock         time.Time // header clock
	drawnAt       time.Time // when the live view was last redrawn
	redrawPending bool
	// reported marks the hosts whose results came since the last redraw;
	// redrawnAt is when that was, by the
	// wall clock; resultsSinceClock says results came since the last
	// clock tick.
	reported          []bool
	backingOff        []bool // the host's last result put it in backoff
	redrawnAt         time.Time
	resultsSinceClock bool
	// lastResult is when the latest results came (Unix ns), read by the
	// pending redraw's command; quietDone, closed by the redraw, ends
	// that command's wait early (the round was whole), so it does not
	// wake the program again for nothing.
	lastResult *atomic.Int64
	quietDone  chan struct{}
	time       TimeView      // zoom, pause, scroll-back
	absolute   bool          // counters show absolute counts, not rates
	order      metrics.Order // how tables sort a family's rows (o)
	readoutOn  bool
	stats      bool // the readout shows the window statistics table (i)
	helpOpen   bool
	listOpen   bool // the p page list is shown
	pageList   *PageListView
	// alerts are the series over their limits at the view's instant
	// (report.Alerts); ringing are the live ones the bell has rung for.
	alerts  []report.Alert
	ringing map[string]metrics.Level
	// A replay's jump (t): the time being typed, and what was wrong
	// with the last one tried.
	seeking           bool
	seekText, seekErr string
	// saves counts the pictures saved ({iter}); saved says where the
	// last went (or why not), in the footer until the next key.
	saves int
	saved string
	// The chrome, rebuilt by refreshChrome when what it shows changes.
	header HeaderView
	footer *FooterView
	help   HelpView
}

// New builds the model over data, the hosts' collected data. results is
// the collector's output, applied to data as it comes; runFor > 0 quits
// after that long.
func New(pctx *ProgramContext, data *monitor.State, results <-chan collect.Result, runFor time.Duration) *Model {
	pctx.normalize()
	m := &Model{
		pctx:       pctx,
		full:       pctx,
		data:       data,
		results:    results,
		runFor:     runFor,
		now:        pctx.Now(),
		clock:      pctx.Now(),
		time:       NewTimeView(pctx.History),
		readoutOn:  pctx.Readout,
		readout:    NewReadoutView(),
		lastResult: new(atomic.Int64),
	}
	m.fleet = NewFleetView(pctx)
	if len(pctx.Hosts) > config.MaxHosts {
		// More hosts than a page overlays: the fleet table comes first,
		// and the pages show the first few until others are chosen.
		m.fleetOn = true
		for h := range config.MaxHosts {
			m.shown = append(m.shown, h)
		}
		m.pctx = pctx.WithHosts(m.shown)
		m.focus()
	}
	m.buildPages()
	return m
}

// buildPages makes the pages and the chrome for m.pctx's hosts.
func (m *Model) buildPages() {
	pctx := m.pctx
	m.header = HeaderView{pctx: pctx}
	m.footer = NewFooterView(pctx)
	m.help = HelpView{pctx: pctx, fleet: len(m.full.Hosts) > 1}
	m.pageList = &PageListView{pctx: pctx, absent: func(p int) bool { return report.PageAbsent(pctx.Dashboard, m.store(), p) }}
	m.pages = m.pages[:0]
	for i := range pctx.Dashboard.Pages {
		m.pages = append(m.pages, NewPageView(pctx, i))
	}
}

// store is what the pages read: the hosts they show.
func (m *Model) store() *metrics.Store {
	if m.shown == nil {
		return m.data.Store()
	}
	return m.data.Store().View(m.shown)
}

// showHosts opens the pages for hosts (indexes into every host), at most
// config.MaxHosts of them.
func (m *Model) showHosts(hosts []int) {
	if len(hosts) == 0 {
		return
	}
	m.shown = append([]int(nil), hosts[:min(len(hosts), config.MaxHosts)]...)
	m.pctx = m.full.WithHosts(m.shown)
	m.focus()
	m.buildPages()
	m.fleetOn = false
	m.layout()
	m.viewChanged()
}

// focusedHosts is how many hosts a fleet keeps asking every key: those on
// the pages and the last ones shown before them, so that going back to
// the table and into a host again finds its charts with no gap.
const focusedHosts = 2 * config.MaxHosts

// focus tells the collector (pctx.Focus) the hosts shown now and last.
func (m *Model) focus() {
	recent := slices.Clone(m.shown)
	for _, h := range m.focused {
		if !slices.Contains(recent, h) && len(recent) < focusedHosts {
			recent = append(recent, h)
		}
	}
	m.focused = recent
	if m.full.Focus != nil {
		m.full.Focus(slices.Clone(recent))
	}
}

// Init starts listening for results and the clock.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.waitForResult(), m.tickClock()}
	if m.runFor > 0 {
		cmds = append(cmds, tea.Tick(m.runFor, func(time.Time) tea.Msg { return stopMsg{} }))
	}
	return tea.Batch(cmds...)
}

func (m *Model) waitForResult() tea.Cmd {
	if m.results == nil {
		return nil
	}
	ch := m.results
	return func() tea.Msg {
		r, ok := <-ch
		if !ok {
			return collectDoneMsg{}
		}
		rs := resultsMsg{r}
		for len(rs) < maxResultsPerMsg {
			select {
			case r, ok := <-ch:
				if !ok {
					return rs // the next wait says it closed
				}
				rs = append(rs, r)
			default:
				return rs
			}
		}
		return rs
	}
}

// maxResultsPerMsg bounds one resultsMsg: a consumer that fell far behind
// still draws now and then.
const maxResultsPerMsg = 1024

// tickClock brings the time on the program's clock (pctx.Now: the wall
// clock live, the recording's in a replay) every interval, and at least
// every second. tea.Every ticks on whole multiples of its period, as the
// collector does, so a tick's clock and results wake the program once;
// and at --interval 10s nothing wakes it between ticks.
func (m *Model) tickClock() tea.Cmd {
	now := m.pctx.Now
	return tea.Every(max(time.Second, m.pctx.Interval), func(time.Time) tea.Msg { return clockMsg(now()) })
}

// Update dispatches each message to whoever owns it.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		cmd := m.handleKeys(msg)
		m.refreshChrome()
		return m, cmd
	case tea.MouseMsg:
		m.handleMouse(msg)
		m.refreshChrome()
		return m, nil
	case resultsMsg:
		cmd := m.handleResults(msg)
		if m.time.Paused() {
			m.refreshChrome() // no redraw comes: the header and footer say what came
		}
		return m, tea.Batch(cmd, m.waitForResult())
	case redrawMsg:
		if !m.redrawPending {
			return m, nil // drawn already: every host had answered
		}
		return m, m.handleRedraw()
	case savedMsg:
		m.handleSaved(msg)
		return m, nil
	case clockMsg:
		m.clock = time.Time(msg)
		switch {
		case m.resultsSinceClock:
			// Results are coming: the redraw they bring, in the same
			// wake-up, moves the header with the charts.
		case m.clock.Sub(m.drawnAt) >= m.pctx.Interval:
			m.redrawLive() // no data came: the time axis moves on anyway
		default:
			m.header.Tick(m.clock)
		}
		m.resultsSinceClock = false
		return m, m.tickClock()
	case collectDoneMsg:
		return m, nil // collection stopped: the program is shutting down
	case stopMsg:
		return m, tea.Quit
	}
	return m, nil
}

// handleKeys handles keys typed faster than the terminal is read (over a
// slow link, or "/edge58" typed in a burst), which arrive as one message
// of several runes: one key at a time, as if typed slowly. A paste is
// text, and goes whole.
func (m *Model) handleKeys(msg tea.KeyMsg) tea.Cmd {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste {
		return m.handleKey(msg)
	}
	var cmds []tea.Cmd
	for _, r := range msg.Runes {
		cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
	}
	return tea.Batch(cmds...)
}

// handleRedraw draws what the results of a tick brought, and with
// --save-png saves a picture of it.
func (m *Model) handleRedraw() tea.Cmd {
	m.redrawPending = false
	if m.quietDone != nil {
		close(m.quietDone)
		m.quietDone = nil
	}
	clear(m.reported)
	m.redrawnAt = time.Now()
	m.redrawLive()
	if m.pctx.SavePNG != "" && !m.time.Paused() {
		return m.savePicture()
	}
	return nil
}

// handleSaved says in the footer where a picture went, or why it did not.
func (m *Model) handleSaved(msg savedMsg) {
	m.saved = "saved " + msg.path + " and " + picture.TextPath(msg.path)
	if msg.err != nil {
		m.saved = "could not save the picture: " + msg.err.Error()
	}
	m.refreshChrome()
}

// handleResults applies results and schedules a redraw: at once when
// every host has answered since the last one (the tick's round is whole,
// and the redraw is part of the same wake-up), else once results stop
// coming (waitForQuiet: a host slow or down, a fleet's rounds in waves).
// Redraws stay redrawDelay apart, as a fast replay's rounds come faster.
func (m *Model) handleResults(rs []collect.Result) tea.Cmd {
	m.lastResult.Store(time.Now().UnixNano())
	m.resultsSinceClock = true
	if m.reported == nil {
		m.reported = make([]bool, len(m.pctx.Hosts))
		m.backingOff = make([]bool, len(m.pctx.Hosts))
	}
	for _, r := range rs {
		m.data.Apply(r)
		if r.Host < 0 || r.Host >= len(m.reported) {
			continue
		}
		m.backingOff[r.Host] = r.Err != nil && r.Retry > m.pctx.Interval
		m.reported[r.Host] = true
	}
	if n := m.data.Newest(); n.After(m.now) {
		m.now = n
	}
	if m.roundWhole() && time.Since(m.redrawnAt) >= redrawDelay {
		return m.handleRedraw()
	}
	if m.redrawPending {
		return nil
	}
	m.redrawPending = true
	m.quietDone = make(chan struct{})
	return waitForQuiet(m.lastResult, m.quietDone)
}

// roundWhole says whether every host has answered since the last redraw,
// but for those backing off after failures (not asked this tick).
func (m *Model) roundWhole() bool {
	for h, r := range m.reported {
		if !r && !m.backingOff[h] {
			return false
		}
	}
	return true
}

// waitForQuiet is the redraw once results have stopped coming for
// redrawDelay (last says when the latest came), or maxRedrawDelay after
// now at the latest; nothing once done is closed (drawn already). Each
// wait is one timer, reset to when the quiet would be long enough, not a
// poll: a wake-up costs the runtime two (its poller sleeps in whole
// milliseconds).
func waitForQuiet(last *atomic.Int64, done <-chan struct{}) tea.Cmd {
	first := time.Now()
	return func() tea.Msg {
		timer := time.NewTimer(redrawDelay)
		defer timer.Stop()
		for {
			select {
			case <-done:
				return nil // Bubble Tea drops a nil message
			case <-timer.C:
			}
			now := time.Now()
			quietAt := time.Unix(0, last.Load()).Add(redrawDelay)
			latest := first.Add(maxRedrawDelay - redrawDelay)
			if !now.Before(quietAt) || !now.Before(latest) {
				return redrawMsg{}
			}
			timer.Reset(min(quietAt.Sub(now), latest.Sub(now)))
		}
	}
}

// redrawLive redraws the live view up to the clock: the right edge is now,
// not the newest data, so a host that stops answering leaves a growing
// gap and its values turn stale instead of the screen standing still. A
// paused view stands still: new data lands beyond its edge.
func (m *Model) redrawLive() {
	if m.time.Paused() {
		if m.pctx.Bell != nil {
			// The view stands still; the bell still rings for what
			// crosses live.
			live := metrics.Span{End: m.pctx.Now(), Window: m.time.Window()}
			if m.now.After(live.End) {
				live.End = m.now
			}
			m.ring(report.Alerts(m.full.Report(), m.data.Store(), live))
			m.refreshChrome()
		}
		return
	}
	now := m.pctx.Now()
	if now.After(m.now) {
		m.now = now
	}
	if now.After(m.clock) {
		m.clock = now // the header says when it was drawn
	}
	m.drawnAt = m.clock
	if m.now.After(m.drawnAt) {
		m.drawnAt = m.now
	}
	m.invalidateAll()
	m.refreshAlerts()
	m.refreshVisible()
	m.refreshChrome()
}

// refreshAlerts judges the limits at the view's instant (the cursor while
// paused) and, live, rings the bell for new crossings.
func (m *Model) refreshAlerts() {
	if !m.pctx.Dashboard.HasLimits() {
		return
	}
	m.alerts = report.Alerts(m.full.Report(), m.data.Store(), m.span())
	if !m.time.Paused() {
		m.ring(m.alerts)
	}
}

// ring rings the bell once for each series newly over a limit, or newly
// critical; a series that clears may ring again when it next crosses.
func (m *Model) ring(live []report.Alert) {
	if m.pctx.Bell == nil {
		return
	}
	now := make(map[string]metrics.Level, len(live))
	rings := false
	for _, a := range live {
		k := a.Host + "\x00" + a.Page + "\x00" + a.Panel + "\x00" + a.Metric
		now[k] = a.LevelOf()
		rings = rings || a.LevelOf() > m.ringing[k]
	}
	m.ringing = now
	if rings {
		m.pctx.Bell()
	}
}

func (m *Model) invalidateAll() {
	for _, p := range m.pages {
		p.Invalidate()
	}
}

// viewChanged redraws after a change of what is shown (zoom, pause,
// scroll, absolute, readout): every page is stale, the visible one is
// drawn now.
func (m *Model) viewChanged() {
	m.invalidateAll()
	m.refreshAlerts()
	m.refreshVisible()
	m.refreshHelp()
}

// refreshHelp rebuilds the ? overlay while it is open: its layout depends on
// the size and on whether the readout (unboxed) or the charts are shown.
func (m *Model) refreshHelp() {
	if m.helpOpen {
		m.help.SetSize(m.width, m.height-2)
		m.help.Refresh(!m.readoutOn)
	}
	if m.listOpen {
		m.pageList.SetSize(m.width, m.height-2)
		m.pageList.Refresh(!m.readoutOn)
	}
}

// span is what the panels draw now.
func (m *Model) span() metrics.Span {
	s := m.time.Span(m.now, m.absolute)
	s.Order = m.order
	return s
}

// nextOrder is the table order after o (metrics.Orders, round).
func nextOrder(o metrics.Order) metrics.Order {
	for i, x := range metrics.Orders {
		if x == o {
			return metrics.Orders[(i+1)%len(metrics.Orders)]
		}
	}
	return metrics.Orders[0]
}

// oldest is how far back the history reaches.
func (m *Model) oldest() time.Time {
	t, _ := m.data.Store().Oldest()
	return t
}

// refreshVisible redraws the visible page's stale panels, or its readout;
// pages not shown are drawn when they are shown.
func (m *Model) refreshVisible() {
	if m.fleetOn {
		m.fleet.Refresh(m.data.Store(), m.data.Status(), m.span())
		if m.readoutOn {
			m.readout.SetLines(m.fleet.Lines())
		}
		return
	}
	if len(m.pages) == 0 {
		return
	}
	if m.readoutOn {
		r := report.Build(m.pctx.Report(), m.store(), m.span(), []int{m.page})
		if m.stats {
			m.readout.SetLines(append(r.Head(), r.StatsTable()...))
			return
		}
		m.readout.SetLines(append(r.Head(), r.Lines(false)...))
		return
	}
	m.pages[m.page].Refresh(m.store(), m.span())
}

// layout gives every page (and the readout) the space between header and
// footer.
func (m *Model) layout() {
	for _, p := range m.pages {
		p.SetSize(m.width, m.height-2)
	}
	m.fleet.SetSize(m.width, m.height-2)
	m.readout.SetSize(m.width, m.height-2)
	m.header.SetWidth(m.width)
	m.footer.SetWidth(m.width)
	m.refreshVisible()
	m.refreshHelp()
	m.refreshChrome()
}

func (m *Model) setPage(i int) {
	if i < 0 || i >= len(m.pages) || i == m.page {
		return
	}
	m.page = i
	m.readout.Scroll(-1 << 30) // a new page's readout starts at its top
	m.refreshVisible()
}

// stepPage moves to the next page in dir (±1), round, passing over the
// optional pages no host has records for (report.PageAbsent).
func (m *Model) stepPage(dir int) {
	n := len(m.pages)
	for i, p := 1, m.page; i < n; i++ {
		p = (p + dir + n) % n
		if !report.PageAbsent(m.pctx.Dashboard, m.store(), p) {
			m.setPage(p)
			return
		}
	}
}

// Page returns the index of the visible page (for tests and the header).
func (m *Model) Page() int { return m.page }
