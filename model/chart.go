package model

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/graph"
	"github.com/NimbleMarkets/ntcharts/canvas/runes"
	"github.com/NimbleMarkets/ntcharts/linechart"
	"github.com/charmbracelet/lipgloss"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Minimum chart area. ntcharts panics or draws garbage when the graph area
// collapses, so callers show a message instead of calling Render below this.
const (
	minChartWidth  = 24
	minChartHeight = 6
)

// ChartSeries is one line on a chart: one metric of one host.
type ChartSeries struct {
	Hist   *metrics.History
	Style  int  // index into the chart's series styles
	Host   int  // selects the dash pattern, so hosts differ without colour
	Marker rune // drawn at the newest point, so lines can be told apart without colour
}

// ChartInput is everything a chart needs for one drawing.
type ChartInput struct {
	Now    time.Time
	Window time.Duration
	MinY   float64
	MaxY   float64
	Unit   metrics.Unit
	// MaxGap is the longest time between two points still joined by a line;
	// longer gaps (a host that was down) stay visibly empty.
	MaxGap time.Duration
	Series []ChartSeries
}

// ansiStyle is a style reduced to the escape codes around its text. Chart
// cells are written thousands of times per frame; calling lipgloss Render per
// cell (as ntcharts' canvas View does) costs tens of milliseconds per page.
type ansiStyle struct{ pre, suf string }

func newANSIStyle(s lipgloss.Style) ansiStyle {
	const probe = "\x01"
	out := s.Render(probe)
	i := strings.Index(out, probe)
	if i < 0 {
		return ansiStyle{}
	}
	return ansiStyle{pre: out[:i], suf: out[i+len(probe):]}
}

// Chart draws braille line charts with ntcharts: its linechart draws the
// axes and labels, its braille grid maps values to dots. It keeps no data of
// its own (ntcharts' time-series chart keeps every point ever pushed and
// stores x as whole seconds), so memory stays flat and sub-second intervals
// work.
type Chart struct {
	width, height int
	axis          ansiStyle
	label         ansiStyle
	series        []ansiStyle
	layer         axisLayer

	// per-cell buffers reused between drawings
	runes []rune
	class []int16 // -2 empty, -1 axis/label, >=0 series style
	dots  []uint8 // dots set by the winning series in this cell
	bits  []uint8 // one series' braille bits, per graph cell
}

// axisKey is everything the axes and labels depend on.
type axisKey struct {
	width, height int
	minY, maxY    float64
	unit          metrics.Unit
	window        time.Duration
}

// axisLayer is the axes and labels as drawn by ntcharts, kept until the size
// or the ranges change: building an ntcharts canvas allocates a styled cell
// per position, far too much to do for every tick.
type axisLayer struct {
	key    axisKey
	runes  []rune
	origin canvas.Point
	gw, gh int
	grid   *graph.BrailleGrid // maps values to dots; never drawn into
}

// NewChart makes a chart of the given outer size (axes and labels included).
func NewChart(width, height int, axis, label lipgloss.Style, series []lipgloss.Style) *Chart {
	c := &Chart{axis: newANSIStyle(axis), label: newANSIStyle(label)}
	for _, s := range series {
		c.series = append(c.series, newANSIStyle(s))
	}
	c.Resize(width, height)
	return c
}

// Resize changes the outer size.
func (c *Chart) Resize(width, height int) {
	c.width, c.height = width, height
	n := max(width, 0) * max(height, 0)
	c.runes = make([]rune, n)
	c.class = make([]int16, n)
	c.dots = make([]uint8, n)
	c.bits = make([]uint8, n)
	c.layer = axisLayer{}
}

// Render draws the chart and returns it as height lines of width cells.
func (c *Chart) Render(in ChartInput) string {
	if c.width < minChartWidth || c.height < minChartHeight {
		return ""
	}
	if !(in.MaxY > in.MinY) {
		in.MaxY = in.MinY + 1
	}
	key := axisKey{c.width, c.height, in.MinY, in.MaxY, in.Unit, in.Window}
	if c.layer.key != key || c.layer.runes == nil {
		c.layer = buildAxisLayer(key)
	}
	for i, r := range c.layer.runes {
		c.runes[i], c.dots[i] = r, 0
		c.class[i] = -2
		if r != 0 {
			c.class[i] = -1
		}
	}
	if c.layer.gw > 0 && c.layer.gh > 0 {
		for _, s := range in.Series {
			c.drawSeries(s, in)
		}
	}
	return c.join(c.layer.origin)
}

func buildAxisLayer(k axisKey) axisLayer {
	win := k.window.Seconds()
	lc := linechart.New(k.width, k.height, -win, 0, k.minY, k.maxY,
		linechart.WithXYSteps(1, 1),
		linechart.WithYLabelFormatter(yLabels(k.height-2, k.minY, k.maxY, k.unit)),
	)
	l := axisLayer{key: k, origin: lc.Origin(), gw: lc.GraphWidth(), gh: lc.GraphHeight()}
	lc.XLabelFormatter = xLabels(l.gw, k.window)
	lc.DrawXYAxisAndLabel()
	l.runes = make([]rune, k.width*k.height)
	for y := 0; y < k.height; y++ {
		for x := 0; x < k.width; x++ {
			l.runes[y*k.width+x] = lc.Canvas.Cell(canvas.Point{X: x, Y: y}).Rune
		}
	}
	if l.gw > 0 && l.gh > 0 {
		l.grid = graph.NewBrailleGrid(l.gw, l.gh, -win, 0, k.minY, k.maxY)
	}
	return l
}

// brailleBits[row][col] is the bit of a dot within a braille cell.
var brailleBits = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// drawSeries plots one series into the cell buffers. Where series overlap,
// the cell takes the colour of the series with most dots in it (ties go to
// the earlier series) instead of whichever happened to be drawn last.
func (c *Chart) drawSeries(s ChartSeries, in ChartInput) {
	if s.Hist == nil || s.Hist.Len() == 0 {
		return
	}
	l := &c.layer
	gw, gh := l.gw, l.gh
	bits := c.bits[:gw*gh]
	clear(bits)
	pattern := dashPatterns[s.Host%len(dashPatterns)]
	set := func(p canvas.Point, force bool) {
		if p.X < 0 || p.Y < 0 || p.X >= 2*gw || p.Y >= 4*gh {
			return
		}
		if force || pattern[p.X%len(pattern)] {
			bits[(p.Y/4)*gw+p.X/2] |= brailleBits[p.Y%4][p.X%2]
		}
	}
	win := in.Window.Seconds()
	at := func(p metrics.Point) canvas.Point {
		v := math.Max(in.MinY, math.Min(in.MaxY, p.V))
		return l.grid.GridPoint(canvas.Float64Point{X: p.T.Sub(in.Now).Seconds(), Y: v})
	}
	n := s.Hist.Len()
	for i := 0; i < n; i++ {
		p := s.Hist.At(i)
		if p.T.Sub(in.Now).Seconds() < -win {
			continue
		}
		gp := at(p)
		if i > 0 && p.T.Sub(s.Hist.At(i-1).T) <= in.MaxGap {
			// joined to the previous point, even one just off the left edge
			for _, lp := range graph.GetLinePoints(at(s.Hist.At(i-1)), gp) {
				set(lp, false)
			}
		}
		set(gp, true) // data points show whatever the dash pattern
	}
	startX := l.origin.X + 1
	for cy := 0; cy < gh; cy++ {
		for cx := 0; cx < gw; cx++ {
			b := bits[cy*gw+cx]
			if b == 0 || startX+cx >= c.width {
				continue
			}
			i := cy*c.width + startX + cx
			d := uint8(popcount(rune(b)))
			r := runes.BrailleBlockOffset + rune(b)
			switch {
			case c.class[i] >= 0 && runes.IsBraillePattern(c.runes[i]):
				c.runes[i] = runes.CombineBraillePatterns(c.runes[i], r)
				if d > c.dots[i] {
					c.class[i], c.dots[i] = int16(s.Style), d
				}
			case c.class[i] == -2:
				c.runes[i], c.class[i], c.dots[i] = r, int16(s.Style), d
			}
		}
	}
	if s.Marker != 0 {
		if p, ok := s.Hist.Last(); ok && p.T.Sub(in.Now).Seconds() >= -win {
			gp := at(p)
			cx, cy := startX+gp.X/2, gp.Y/4
			if cx >= startX && cx < c.width && cy >= 0 && cy < gh {
				i := cy*c.width + cx
				c.runes[i], c.class[i], c.dots[i] = s.Marker, int16(s.Style), 8
			}
		}
	}
}

// join turns the cell buffers into text, emitting escape codes only where the
// style changes.
func (c *Chart) join(origin canvas.Point) string {
	var b strings.Builder
	b.Grow(c.width * c.height * 4)
	for y := 0; y < c.height; y++ {
		if y > 0 {
			b.WriteByte('\n')
		}
		cur := ansiStyle{}
		open := false
		for x := 0; x < c.width; x++ {
			i := y*c.width + x
			var st ansiStyle
			r := c.runes[i]
			switch cl := c.class[i]; {
			case cl == -2:
				r = ' '
			case cl == -1 && (x == origin.X || y == origin.Y):
				st = c.axis
			case cl == -1:
				st = c.label
			default:
				if int(cl) < len(c.series) {
					st = c.series[cl]
				}
			}
			if r == ' ' {
				st = ansiStyle{} // spaces need no colour; keeps runs long
			}
			if st != cur {
				if open {
					b.WriteString(cur.suf)
				}
				b.WriteString(st.pre)
				cur, open = st, st.pre != ""
			}
			b.WriteRune(r)
		}
		if open {
			b.WriteString(cur.suf)
		}
	}
	return b.String()
}

// dashPatterns are per-host on/off masks over braille dot columns: solid,
// dashed, dotted, dash-dot. The legend shows the same patterns.
var dashPatterns = [][]bool{
	{true},
	{true, true, true, false, false},
	{true, false, false},
	{true, true, true, true, false, false, true, false, false},
}

// hostLineSamples are legend samples matching dashPatterns.
var hostLineSamples = []string{"━━", "╍╍", "┅┅", "━┅"}

// seriesMarkers tell metrics apart without colour.
var seriesMarkers = []rune{'●', '◆', '▲', '■', '★', '✚', '◼', '▼'}

func popcount(r rune) int {
	n := 0
	for r != 0 {
		n += int(r & 1)
		r >>= 1
	}
	return n
}

// yLabels labels the y axis at round values (0, 1K, 2K … rather than 0,
// 1.3K, 2.5K …), top included: each tick goes on the row nearest to it and
// the other rows stay blank. ntcharts asks for a label on every row (y step 1).
func yLabels(rows int, lo, hi float64, unit metrics.Unit) linechart.LabelFormatter {
	labels := map[int]string{}
	if rows > 0 && hi > lo {
		step := yTickStep(rows, hi-lo, unit)
		for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
			row := int(math.Round((v - lo) / (hi - lo) * float64(rows)))
			if _, taken := labels[row]; !taken && row >= 0 && row <= rows {
				labels[row] = metrics.FormatAxis(v, unit)
			}
		}
	}
	return func(i int, _ float64) string { return labels[i] }
}

// yTickStep picks the spacing of y labels: a division of the axis into 2 to
// 5 equal round steps (so the top, itself a round number, is labelled), with
// at least two rows between labels.
func yTickStep(rows int, span float64, unit metrics.Unit) float64 {
	most := min(5, max(2, rows/3))
	for _, n := range []int{4, 5, 3, 2} {
		if n > most {
			continue
		}
		step := span / float64(n)
		if isRoundStep(step, unit) {
			return step
		}
	}
	return tickStep(span/float64(most), unit)
}

// isRoundStep says whether a step is 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^n.
func isRoundStep(step float64, unit metrics.Unit) bool {
	if step <= 0 || math.IsNaN(step) || math.IsInf(step, 0) {
		return false
	}
	if unit == metrics.UnitPercent {
		return step == 10 || step == 20 || step == 25 || step == 50
	}
	mag := math.Pow(10, math.Floor(math.Log10(step)+1e-9))
	f := step / mag
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8} {
		if math.Abs(f-m) < 1e-6 {
			return true
		}
	}
	return false
}

// tickStep rounds a raw step up to 1, 2, 2.5 or 5 × 10^n (percent axes use
// 10, 20, 25 or 50 so that ticks land on familiar values).
func tickStep(raw float64, unit metrics.Unit) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	if unit == metrics.UnitPercent {
		for _, s := range []float64{10, 20, 25, 50} {
			if raw <= s {
				return s
			}
		}
		return 100
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag*(1+1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// xLabels labels the time axis with "-60s … -30s … now" at the left, middle
// and right of the graph area.
func xLabels(graphWidth int, window time.Duration) linechart.LabelFormatter {
	left := "-" + shortDuration(window)
	mid := "-" + shortDuration(window/2)
	return func(i int, _ float64) string {
		switch {
		case i == 0:
			return left
		case i == graphWidth/2-len(mid)/2 && graphWidth >= 24:
			return mid
		case i == graphWidth-3:
			return "now"
		}
		return ""
	}
}

// shortDuration prints 60s, 5m, 2h: the way people say windows.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d >= 2*time.Minute && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 10*time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	default:
		return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + "m"
	}
}
