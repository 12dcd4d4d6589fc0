package model

import (
	"time"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// ProgramContext is what every component shares: the dashboard, the hosts,
// timing, styles and glyphs. It is built once in main and never changes
// while the program runs (New fills in defaults for fields left zero).
type ProgramContext struct {
	Dashboard *config.Dashboard
	// Title starts the header: "ATS", "Node"; "" means "ATS".
	Title string
	Hosts []string // short display names, in command-line order
	// Groups is each host's group (a POP), nil when no host has one.
	Groups   []string
	Interval time.Duration
	History  time.Duration
	Location *time.Location
	Styles   Styles
	Keys     KeyMap
	// Glyphs draws the charts and borders; the zero value means braille
	// (New sets it).
	Glyphs chart.Glyphs
	// Readout starts in the text readout instead of the charts
	// (--readout, $ACCESSIBLE).
	Readout bool
	// Now is the clock; tests replace it to get stable screens.
	Now func() time.Time
	// Deadlines is each host's request deadline (collect.RequestDeadline);
	// a missing one is taken to be the interval.
	Deadlines []time.Duration
	// Player, in a replay, plays the recording: space plays and stops it,
	// < and > change its speed, t jumps to a time. nil live.
	Player Player
	// SavePNG is --save-png's file name ({iter}: the picture's number):
	// every redraw saves a picture of the page there, and s saves one
	// there too; "" saves on s only, in the current directory.
	SavePNG string
	// Bell, when set (--bell), rings the terminal's bell: once each time
	// a series crosses into an alert, or from a warning to critical.
	Bell func()
	// Focus, when set, is told which hosts (indexes into Hosts) a fleet's
	// pages show, or showed last: the collector asks those every key of
	// the dashboard, and the rest only what the fleet table needs
	// (collect.Collector.Focus). Live only, and only with a fleet.
	Focus func(hosts []int)
}

// normalize fills in what an older caller may have left zero.
func (c *ProgramContext) normalize() {
	if !c.Glyphs.Ready() {
		c.Glyphs = chart.GlyphsFor(c.Glyphs.Set)
	}
	if c.Glyphs.Set == chart.GlyphsASCII {
		c.Keys = c.Keys.withWords()
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// WithHosts is the context of a page showing only some hosts (indexes
// into c.Hosts, at most config.MaxHosts): their names and deadlines, in
// that order; everything else is c's. A new context, as c never changes.
func (c *ProgramContext) WithHosts(hosts []int) *ProgramContext {
	v := *c
	v.Hosts, v.Deadlines, v.Groups = nil, nil, nil
	for _, h := range hosts {
		if h < 0 || h >= len(c.Hosts) {
			continue
		}
		v.Hosts = append(v.Hosts, c.Hosts[h])
		if h < len(c.Groups) {
			v.Groups = append(v.Groups, c.Groups[h])
		}
		d := time.Duration(0)
		if h < len(c.Deadlines) {
			d = c.Deadlines[h]
		}
		v.Deadlines = append(v.Deadlines, d)
	}
	return &v
}

// title starts the header and the picture's title line: Title, or "ATS".
func (c *ProgramContext) title() string {
	if c.Title == "" {
		return "ATS"
	}
	return c.Title
}

// Timing is the polling the stale and gap rules go by.
func (c *ProgramContext) Timing() metrics.Timing {
	return metrics.Timing{Interval: c.Interval, Deadlines: c.Deadlines}
}

// Report is what the readout needs of the context.
func (c *ProgramContext) Report() report.Context {
	return report.Context{Dashboard: c.Dashboard, Hosts: c.Hosts, Groups: c.Groups, Timing: c.Timing(), History: c.History, Location: c.Location}
}

// Player is a replay's control over the recording it delivers as results.
type Player interface {
	Playing() bool
	// AtEnd says everything recorded has been delivered.
	AtEnd() bool
	SetPlaying(bool)
	Speed() float64
	SetSpeed(float64)
	// Seek reads a time as replay's --at does (14:05, -10m, +1h, a
	// date) and moves there: later entries up to it are delivered at
	// once. It returns the instant, clamped to the recording; an instant
	// before what was delivered is only returned (the model pauses the
	// view there: what is delivered stays).
	Seek(at string) (time.Time, error)
}

// PlaySpeeds are the speeds < and > step through.
var PlaySpeeds = []float64{1, 2, 5, 10, 30, 60}
