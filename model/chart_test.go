package model

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

func TestYLabelsAreRoundAndIncludeTop(t *testing.T) {
	tests := []struct {
		rows   int
		hi     float64
		unit   metrics.Unit
		labels map[int]string
	}{
		{12, 800, metrics.UnitCount, map[int]string{0: "0", 3: "200", 6: "400", 9: "600", 12: "800"}},
		{12, 1200, metrics.UnitCount, map[int]string{0: "0", 3: "300", 6: "600", 9: "900", 12: "1.2K"}},
		{12, 3000, metrics.UnitCount, map[int]string{0: "0", 4: "1K", 8: "2K", 12: "3K"}},
		{8, 100, metrics.UnitPercent, map[int]string{0: "0%", 4: "50%", 8: "100%"}},
		{12, 100, metrics.UnitPercent, map[int]string{0: "0%", 3: "25%", 6: "50%", 9: "75%", 12: "100%"}},
		{4, 50, metrics.UnitMillis, map[int]string{0: "0", 2: "25", 4: "50"}},
	}
	for _, tc := range tests {
		f := yLabels(tc.rows, 0, tc.hi, tc.unit)
		got := map[int]string{}
		for i := 0; i <= tc.rows; i++ {
			if s := f(i, 0); s != "" {
				got[i] = s
			}
		}
		if len(got) != len(tc.labels) {
			t.Errorf("rows %d hi %g: labels %v, want %v", tc.rows, tc.hi, got, tc.labels)
			continue
		}
		for row, want := range tc.labels {
			if got[row] != want {
				t.Errorf("rows %d hi %g: row %d = %q, want %q (all %v)", tc.rows, tc.hi, row, got[row], want, got)
			}
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "30s", 60 * time.Second: "60s", 90 * time.Second: "90s",
		5 * time.Minute: "5m", 150 * time.Second: "150s", time.Hour: "1h", 30 * time.Minute: "30m",
		24 * time.Hour: "24h", 12*time.Hour + 30*time.Minute: "750m",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func historyOf(now time.Time, pts ...[2]float64) *metrics.History {
	h := metrics.NewHistory(time.Minute, 100)
	for _, p := range pts {
		h.Add(metrics.Point{T: now.Add(time.Duration(p[0] * float64(time.Second))), V: p[1]})
	}
	return h
}

func brailleCells(s string) int {
	n := 0
	for _, r := range s {
		if r > 0x2800 && r <= 0x28FF {
			n++
		}
	}
	return n
}

func TestChartDrawsLinesAndKeepsGapsOpen(t *testing.T) {
	now := t0
	in := func(h *metrics.History) ChartInput {
		return ChartInput{Now: now, Window: time.Minute, MinY: 0, MaxY: 10, MaxGap: 3 * time.Second,
			Series: []ChartSeries{{Hist: h, Marker: '●'}}}
	}
	c := NewChart(64, 12, lipgloss.NewStyle(), lipgloss.NewStyle(), []lipgloss.Style{lipgloss.NewStyle()})

	var joined [][2]float64
	for s := -60.0; s <= 0; s++ {
		joined = append(joined, [2]float64{s, 5})
	}
	full := c.Render(in(historyOf(now, joined...)))
	// Two points 50 s apart, beyond MaxGap: not joined.
	sparse := c.Render(in(historyOf(now, [2]float64{-55, 5}, [2]float64{-5, 5})))

	if lines := strings.Split(full, "\n"); len(lines) != 12 {
		t.Fatalf("%d lines", len(lines))
	}
	if n := brailleCells(full); n < 50 {
		t.Fatalf("a full minute of points drew only %d braille cells:\n%s", n, full)
	}
	if n := brailleCells(sparse); n > 3 {
		t.Fatalf("points across a gap were joined (%d cells):\n%s", n, sparse)
	}
	if !strings.Contains(full, "●") || !strings.Contains(full, "now") || !strings.Contains(full, "-60s") {
		t.Fatalf("marker or time labels missing:\n%s", full)
	}
}

func TestOverlapTakesColourOfTheSeriesWithMoreDots(t *testing.T) {
	now := t0
	// Two series on the same values: the first (solid) wins every shared
	// cell, rather than the last one drawn.
	var pts [][2]float64
	for s := -60.0; s <= 0; s++ {
		pts = append(pts, [2]float64{s, 5})
	}
	red := lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	blue := lipgloss.NewStyle().Foreground(lipgloss.Color("4"))
	c := NewChart(64, 12, lipgloss.NewStyle(), lipgloss.NewStyle(), []lipgloss.Style{red, blue})
	c.series = []ansiStyle{{pre: "<R>", suf: "</R>"}, {pre: "<B>", suf: "</B>"}}
	out := c.Render(ChartInput{Now: now, Window: time.Minute, MaxY: 10, MaxGap: 3 * time.Second, Series: []ChartSeries{
		{Hist: historyOf(now, pts...), Style: 0, Host: 0},
		{Hist: historyOf(now, pts...), Style: 1, Host: 1},
	}})
	if !strings.Contains(out, "<R>") {
		t.Fatalf("solid first series lost every overlapping cell:\n%s", out)
	}
	if strings.Count(out, "<B>") > strings.Count(out, "<R>") {
		t.Fatalf("dashed second series took most overlapping cells:\n%s", out)
	}
}
