package model

import (
	"time"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
)

// ProgramContext is what every component shares: the dashboard, the hosts,
// timing, styles and glyphs. It is built once in main and never changes
// while the program runs (New fills in defaults for fields left zero).
type ProgramContext struct {
	Dashboard *config.Dashboard
	// Title starts the header: "ATS", "Node"; "" means "ATS".
	Title    string
	Hosts    []string // short display names, in command-line order
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

// StaleAfter is how old host's latest values may be before they are shown
// as stale (metrics.StaleAfter).
func (c *ProgramContext) StaleAfter(host int) time.Duration {
	d := c.Interval
	if host >= 0 && host < len(c.Deadlines) && c.Deadlines[host] > 0 {
		d = c.Deadlines[host]
	}
	return metrics.StaleAfter(c.Interval, d)
}

// at is how panels and the readout ask a series of host for its value in
// span: at the cursor while paused, else the latest, judged against the
// span's end (the clock).
func (c *ProgramContext) at(span ViewSpan, host int) metrics.At {
	return metrics.At{Paused: span.Paused, Cursor: span.Cursor, Tolerance: c.MaxGap(), Now: span.End, StaleAfter: c.StaleAfter(host)}
}

// MaxGap is the longest time between two points still joined by a line,
// and how far before the cursor a point still tells its value. A held
// value (counters synced every 5 s) may leave a longer gap than the
// interval, hence the floor.
func (c *ProgramContext) MaxGap() time.Duration {
	return max(3*c.Interval+c.Interval/2, 6*time.Second)
}
