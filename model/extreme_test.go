package model

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// extremeKeys are every record of the built-in dashboard.
var extremeKeys = pages.Default().Keys()

// extremeSnapshot sets every record of the default dashboard to v: every
// page, chart, table and expression gets the absurd value.
func extremeSnapshot(at time.Time, v float64) metrics.Snapshot {
	s := metrics.Snapshot{Time: at, Values: make(map[string]metrics.Sample, len(extremeKeys))}
	for _, k := range extremeKeys {
		s.Values[k] = metrics.Sample{Value: v}
	}
	return s
}

// renderWithin fails the test if fn runs longer than a generous bound: a
// render that loops for ever must fail, not hang the suite.
func renderWithin(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("%s panicked: %v", what, p)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not finish within 20 s (an endless loop?)", what)
	}
}

// Servers send absurd numbers (a corrupt record, an uninitialised
// counter). Whatever they send, every page of every size draws, fits the
// screen and keeps the healthy host's values.
func TestExtremeValuesNeitherCrashNorHang(t *testing.T) {
	values := map[string][]float64{
		"1e300 and 1 alternating":   {1e300, 1, 1e300, 1, 1e300, 1},
		"largest float":             {math.MaxFloat64, math.MaxFloat64, 0, math.MaxFloat64},
		"negative largest float":    {-math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64},
		"counter to 1e300 then 1":   {1, 2, 1e300, 1e300, 1},
		"1e35 gauge":                {1e35, 1.1e35, 1.2e35},
		"tiny":                      {5e-324, 1e-300, 5e-324},
		"infinities and NaN":        {math.Inf(1), math.NaN(), math.Inf(-1), 3},
		"mixed signs around 1e18":   {-1e18, 1e18, -1e18, 1e18},
		"smallest normal and large": {2.2250738585072014e-308, 1e308},
	}
	sizes := [][2]int{{80, 24}, {160, 45}, {52, 20}, {240, 70}}
	for name, seq := range values {
		for _, sz := range sizes {
			renderWithin(t, name, func() {
				f := newFixture(t, "sick", "healthy")
				f.resize(sz[0], sz[1])
				for i, v := range seq {
					f.tick++
					f.now = t0.Add(time.Duration(i+1) * time.Second)
					f.send(ResultMsg(collect.Result{Host: 0, Snapshot: extremeSnapshot(f.now, v)}))
					f.send(ResultMsg(collect.Result{Host: 1, Snapshot: synth.Snapshot(1, f.tick, f.now)}))
				}
				for p := range f.m.pages {
					f.page(p)
					assertFrame(t, f.m.View(), sz[0], sz[1])
				}
				f.key("1")
				if !strings.Contains(f.m.View(), "Connections") {
					t.Fatalf("%s at %v: page 1 lost its panels:\n%s", name, sz, f.m.View())
				}
			})
		}
	}
}

// FuzzRenderPath drives the whole render path (store, page, panels,
// charts, View) with arbitrary values, sizes and keys: it must never panic
// or loop, and every frame must fit the screen exactly.
func FuzzRenderPath(f *testing.F) {
	f.Add(uint8(80), uint8(24), 1e300, 1.0, -5.0, uint8(0))
	f.Add(uint8(160), uint8(45), math.MaxFloat64, 0.0, math.MaxFloat64, uint8(1))
	f.Add(uint8(52), uint8(20), -math.MaxFloat64, math.MaxFloat64, 1e-300, uint8(2))
	f.Add(uint8(200), uint8(60), 3.5, 1e18, math.Inf(1), uint8(3))
	f.Fuzz(func(t *testing.T, w, h uint8, a, b, c float64, keys uint8) {
		fx := newFixture(t, "a", "b")
		width, height := int(w)%250+1, int(h)%80+1
		fx.resize(width, height)
		seq := []float64{a, b, c, a, c, b}
		for i, v := range seq {
			fx.tick++
			fx.now = t0.Add(time.Duration(i+1) * time.Second)
			// Results straight to Update, one redraw after: drawing after
			// every result would spend the fuzzer's time on repeats.
			fx.m.Update(ResultMsg(collect.Result{Host: 0, Snapshot: extremeSnapshot(fx.now, v)}))
			fx.m.Update(ResultMsg(collect.Result{Host: 1, Snapshot: extremeSnapshot(fx.now, seq[(i+3)%len(seq)]*float64(i))}))
		}
		fx.m.Update(redrawMsg{})
		// a few keys chosen by the input: pages, pause and scroll, zoom,
		// totals, readout
		// (the page: any of the dashboard's, tables and expressions too)
		fx.page(int(keys/9) % len(fx.pctx.Dashboard.Pages))
		for _, k := range []string{"l", "space", "[", "a", "-", "r", "l", "+"}[:keys%9] {
			fx.key(k)
		}
		view := fx.m.View()
		if width >= MinWidth && height >= MinHeight {
			assertFrame(t, view, width, height)
		} else if strings.Count(view, "\n") >= height {
			t.Fatalf("too-small screen %dx%d drew %d lines", width, height, strings.Count(view, "\n")+1)
		}
	})
}
