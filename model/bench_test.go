package model

import (
	"fmt"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/synth"
)

// BenchmarkRenderPage measures redrawing a whole page (four panels, 4 hosts,
// a full 60 s history at 1 s): the work done once per tick. Target: under
// 2 ms at 240x70.
func BenchmarkRenderPage(b *testing.B) {
	for _, size := range []struct{ w, h int }{{120, 40}, {240, 70}} {
		b.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(b *testing.B) {
			f := newFixture(b, "edge1", "edge2", "edge3", "edge4")
			f.resize(size.w, size.h)
			f.feed(70)
			page := f.m.pages[0]
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				page.Invalidate()
				page.Refresh(f.store, f.m.span())
			}
		})
	}
}

// BenchmarkView measures what Bubble Tea does after every message: joining
// cached strings. It must stay far cheaper than a redraw.
func BenchmarkView(b *testing.B) {
	f := newFixture(b, "edge1", "edge2", "edge3", "edge4")
	f.resize(240, 70)
	f.feed(70)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = f.m.View()
	}
}

// BenchmarkRenderPage24h redraws a page of 4 hosts zoomed out over a full
// day of 1 s history (downsampled, see metrics.History): what - costs with
// --history 24h.
func BenchmarkRenderPage24h(b *testing.B) {
	f := newFixtureWith(b, 24*time.Hour, nil, "edge1", "edge2", "edge3", "edge4")
	f.resize(240, 70)
	for i := 1; i <= 24*3600; i++ {
		f.now = t0.Add(time.Duration(i) * time.Second)
		for h := range f.pctx.Hosts {
			f.store.Observe(h, synth.Snapshot(h, i, f.now))
		}
	}
	f.m.now = f.now
	page := f.m.pages[0]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		page.Invalidate()
		page.Refresh(f.store, f.m.span())
	}
}

// BenchmarkRenderTablePage redraws a page holding one table of 12 rows
// (values and sparklines) for 4 hosts with a full minute of history at
// 240x70.
func BenchmarkRenderTablePage(b *testing.B) {
	f := tableFixture(b, nil, "edge1", "edge2", "edge3", "edge4")
	f.resize(240, 70)
	f.feed(70)
	page := f.m.pages[1]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		page.Invalidate()
		page.Refresh(f.store, f.m.span())
	}
}
