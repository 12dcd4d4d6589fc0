package model

import (
	"time"

	"github.com/traffic-grapher/traffic_grapher/config"
)

// ProgramContext is what every component shares: the dashboard, the hosts,
// timing and styles. It is built once in main and never changes while the
// program runs.
type ProgramContext struct {
	Dashboard *config.Dashboard
	Hosts     []string // short display names, in command-line order
	Interval  time.Duration
	History   time.Duration
	Location  *time.Location
	Styles    Styles
	Keys      KeyMap
	// Now is the clock; tests replace it to get stable screens.
	Now func() time.Time
}
