package model

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
)

// simClock is a simulator's clock, moved by the test.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// feedFromSimulators gives the fixture n ticks of every record of its
// dashboard, from one deterministic simulator per host on a clock the test
// moves: what the built-in pages show of a real server, the same on every
// run.
func (f *fixture) feedFromSimulators(t *testing.T, n int) { f.feedFromSimulatorsEach(t, n, nil) }

// feedFromSimulatorsEach is feedFromSimulators calling each (if not nil)
// after every tick, with the tick's number from 1.
func (f *fixture) feedFromSimulatorsEach(t *testing.T, n int, each func(tick int)) {
	t.Helper()
	clock := &simClock{t: t0}
	keys := f.pctx.Dashboard.Keys()
	srcs := make([]*jsonrpc.JSONRPCSource, len(f.pctx.Hosts))
	for h := range srcs {
		sim := simulator.StartForTest(t, simulator.Options{Seed: int64(h + 1), Clock: clock.now})
		srcs[h] = jsonrpc.NewJSONRPCSource(sim.Path())
	}
	for range n {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		clock.set(f.now)
		for h, src := range srcs {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			v, _, err := src.Fetch(ctx, keys)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			f.send(ResultMsg(collect.Result{Host: h, Snapshot: metrics.Snapshot{Time: f.now, Values: v}}))
		}
		if each != nil {
			f.send(clockMsg(f.now))
			each(f.tick)
		}
	}
	f.send(clockMsg(f.now))
}

// Every built-in page, as a user sees it: two simulated hosts after 40 s,
// at 80x24 and 200x60, in braille and ASCII, and as the readout.
func TestBuiltinPagesGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("drives two simulators for every page")
	}
	ascii := func(c *ProgramContext) { c.Glyphs = chart.GlyphsFor(chart.GlyphsASCII) }
	for _, v := range []struct {
		name  string
		w, h  int
		setup func(*ProgramContext)
		keys  []string
	}{
		{"80x24", 80, 24, nil, nil},
		{"200x60", 200, 60, nil, nil},
		{"ascii_80x24", 80, 24, ascii, nil},
		{"ascii_200x60", 200, 60, ascii, nil},
		{"readout_200x60", 200, 60, nil, []string{"r"}},
	} {
		f := newFixtureWith(t, time.Minute, v.setup, "edge1", "edge2")
		f.resize(v.w, v.h)
		f.feedFromSimulators(t, 40)
		for _, k := range v.keys {
			f.key(k)
		}
		for p, pg := range f.pctx.Dashboard.Pages {
			f.page(p)
			got := f.m.View()
			assertFrame(t, got, v.w, v.h)
			name := fmt.Sprintf("%02d_%s_%s", p+1, strings.NewReplacer(" ", "", "&", "", "/", "", ".", "").Replace(pg.Name), v.name)
			checkGolden(t, filepath.Join("testdata", "pages", name+".golden"), got)
		}
	}
}
