package record

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// simClock is the simulated servers' clock, moved by the test.
type simClock struct{ ns atomic.Int64 }

func newSimClock(t time.Time) *simClock {
	c := &simClock{}
	c.set(t)
	return c
}

func (c *simClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *simClock) now() time.Time  { return time.Unix(0, c.ns.Load()) }
func (c *simClock) options(seed int64) simulator.Options {
	return simulator.Options{Seed: seed, Clock: c.now}
}

// dashboardWanted is every record the built-in dashboard reads, its
// wildcards' matches included.
var dashboardWanted = collect.WantedKeys(pages.Default().Keys())

// dashboardValues fills into with what s has now of those records, as a
// collection would find them.
func dashboardValues(s *simulator.Server, into map[string]metrics.Sample) {
	clear(into)
	for k, v := range s.Values(dashboardWanted.Has) {
		f, _ := strconv.ParseFloat(v, 64)
		into[k] = metrics.Sample{Value: f}
	}
}
