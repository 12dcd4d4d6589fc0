package model

import (
	"fmt"
	"testing"
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
				page.Refresh(f.store, f.now)
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
