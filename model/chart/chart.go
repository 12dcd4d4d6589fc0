// Package chart draws lines over time in a grid of terminal cells: braille
// dots, half blocks or ASCII, over ntcharts axes, with each series in its
// own colour and dash pattern, gaps left open and the newest point marked.
// It knows nothing of hosts or pages; model/ says what to draw.
package chart

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/linechart"
	"github.com/charmbracelet/lipgloss"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Minimum chart area. ntcharts panics or draws garbage when the graph area
// collapses, so callers show a message instead of calling Render below this.
const (
	MinWidth  = 24
	MinHeight = 6
)

// Series is one line on a chart: one metric of one host.
type Series struct {
	Hist   *metrics.History
	Style  int  // index into the chart's series styles
	Host   int  // selects the dash pattern, so hosts differ without colour
	Marker rune // drawn at the newest point, so lines can be told apart without colour
}

// Input is everything a chart needs for one drawing.
type Input struct {
	Now    time.Time // the right edge: the newest data, or where a paused view stopped
	Window time.Duration
	MinY   float64
	MaxY   float64
	Unit   metrics.Unit
	// MaxGap is the longest time between two points still joined by a line;
	// longer gaps (a host that was down) stay visibly empty.
	MaxGap time.Duration
	Series []Series
	// XLabels are the time axis' left, middle and right labels; all empty
	// means "-60s", "-30s", "now".
	XLabels [3]string
	// Cursor, when not zero, is drawn as a column: the paused cursor.
	Cursor time.Time
	// Lo and Hi, when HaveRange, are the window's lowest and highest
	// values, labelled next to the y axis.
	Lo, Hi    float64
	HaveRange bool
	// MarkEvery > 0 repeats each series' marker every that many cells
	// along its line, for screens without colour.
	MarkEvery int
	// Limits are drawn as dashed lines across the plot where they lie
	// within the y range: the metrics' warn: and crit: thresholds.
	Limits []Limit
	// Events are marked on the time axis: a host's restart (its
	// counters began again) or reconnect, so a dip or a gap is explained.
	Events []Event
}

// Event is a mark on the time axis at T.
type Event struct {
	T     time.Time
	Reset bool // a restart; else a reconnect
}

// Limit is a horizontal line at a value: a warning or a critical limit.
type Limit struct {
	Value float64
	Crit  bool
}

// ansiStyle is a style reduced to the escape codes around its text. Chart
// cells are written thousands of times per frame; calling lipgloss Render per
// cell (as ntcharts' canvas View does) costs tens of milliseconds per page.
type ansiStyle struct{ pre, suf string }

// noStyle is the style of a cell without colour.
var noStyle ansiStyle

func newANSIStyle(s lipgloss.Style) ansiStyle {
	const probe = "\x01"
	out := s.Render(probe)
	i := strings.Index(out, probe)
	if i < 0 {
		return ansiStyle{}
	}
	return ansiStyle{pre: out[:i], suf: out[i+len(probe):]}
}

// Cell classes besides a series' style index (>= 0).
const (
	classEmpty  = -2
	classAxis   = -1 // axis line or tick label
	classCursor = -3
	classRange  = -4 // the window's min/max label and tick
	classWarn   = -5 // a warning limit's dashed line
	classCrit   = -6 // a critical limit's dashed line
	classEvent  = -7 // a restart or reconnect on the time axis
)

// Chart draws line charts: ntcharts draws the axes and labels; the lines
// are rasterised here into a grid of dots per cell (braille 2x4, half
// blocks 1x2, ASCII 1x3, see Glyphs). It keeps no data of its own
// (ntcharts' time-series chart keeps every point ever pushed and stores x
// as whole seconds), so memory stays flat and sub-second intervals work.
type Chart struct {
	width, height int
	glyphs        Glyphs
	axis          ansiStyle
	label         ansiStyle
	cursor        ansiStyle
	rng           ansiStyle
	warn, crit    ansiStyle
	series        []ansiStyle
	layer         axisLayer

	// per-cell buffers reused between drawings
	runes []rune  // axis layer, labels, markers
	class []int16 // classEmpty, classAxis, ... or a series style
	cell  []uint8 // dots of all series in the cell
	dots  []uint8 // dots set by the winning series in this cell
	mark  []bool  // the cell shows its rune (a marker), not its dots
	// newest says a series' newest point's marker is in the cell.
	newest []bool
	bits   []uint8 // one series' dots, per graph cell

	pen      seriesPen
	penPoint func(since time.Duration, v float64, step time.Duration) // pen.point, bound once
}

// axisKey is everything the axes and labels depend on.
type axisKey struct {
	width, height int
	minY, maxY    float64
	unit          metrics.Unit
	window        time.Duration
	xLabels       [3]string
	reserve       int // y label width kept free for the min/max labels
	glyphs        GlyphSet
}

// axisLayer is the axes and labels as drawn by ntcharts, kept until the size
// or the ranges change: building an ntcharts canvas allocates a styled cell
// per position, far too much to do for every tick.
type axisLayer struct {
	key    axisKey
	runes  []rune
	origin canvas.Point
	gw, gh int
	// bottom is what ntcharts drew on the x axis' row and the x labels'
	// (two rows of key.width), when they had a canvas of their own: a
	// new y range with the same origin draws the same, and they are not
	// drawn again.
	bottom []rune
	// class is each cell's class before anything is drawn on the layer:
	// classAxis where it has a rune, classEmpty elsewhere. Render starts
	// each drawing from a copy of it and of runes, not cell by cell.
	class []int16
}

// Styles are the chart's own colours; each series brings its own.
type Styles struct {
	Axis, AxisLabel, Cursor, Range lipgloss.Style
	Warn, Crit                     lipgloss.Style // limits' lines
}

// New makes a chart of the given outer size (axes and labels
// included), drawn with glyphs g in styles st, series[i] being the style
// of Series.Style i.
func New(width, height int, g Glyphs, st Styles, series []lipgloss.Style) *Chart {
	c := &Chart{
		glyphs: g, axis: newANSIStyle(st.Axis), label: newANSIStyle(st.AxisLabel),
		cursor: newANSIStyle(st.Cursor), rng: newANSIStyle(st.Range),
		warn: newANSIStyle(st.Warn), crit: newANSIStyle(st.Crit),
	}
	for _, s := range series {
		c.series = append(c.series, newANSIStyle(s))
	}
	c.penPoint = c.pen.point
	c.Resize(width, height)
	return c
}

// Resize changes the outer size. The cell buffers are made by the first
// Render at that size: every page's charts are sized with the screen, and
// a chart on a page never shown would otherwise hold 11 bytes a cell
// (1.8 MB for the built-in dashboard at 240x70).
func (c *Chart) Resize(width, height int) {
	c.width, c.height = width, height
	c.layer = axisLayer{}
}

// sizeBuffers makes the cell buffers fit the size, reusing their memory
// when it is large enough.
func (c *Chart) sizeBuffers() {
	n := max(c.width, 0) * max(c.height, 0)
	if len(c.runes) == n {
		return
	}
	c.runes = resized(c.runes, n)
	c.class = resized(c.class, n)
	c.cell = resized(c.cell, n)
	c.dots = resized(c.dots, n)
	c.mark = resized(c.mark, n)
	c.newest = resized(c.newest, n)
	c.bits = resized(c.bits, n)
}

// resized is s with length n (contents undefined: Render sets every cell).
func resized[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// Render draws the chart and returns it as height lines of width cells.
func (c *Chart) Render(in Input) string {
	if c.width < MinWidth || c.height < MinHeight {
		return ""
	}
	c.sizeBuffers()
	in.MinY, in.MaxY = drawableRange(in.MinY, in.MaxY)
	if in.XLabels == ([3]string{}) {
		in.XLabels = LiveXLabels(in.Window)
	}
	key := axisKey{c.width, c.height, in.MinY, in.MaxY, in.Unit, in.Window, in.XLabels, 0, c.glyphs.Set}
	if in.HaveRange {
		key.reserve = rangeLabelWidth(in.Unit)
	}
	if c.layer.key != key || c.layer.runes == nil {
		spare := c.layer.class
		c.layer = buildAxisLayer(key, &c.glyphs, c.layer)
		c.layer.class = resized(spare, len(c.layer.runes))
		for i, r := range c.layer.runes {
			c.layer.class[i] = classEmpty
			if r != 0 {
				c.layer.class[i] = classAxis
			}
		}
	}
	copy(c.runes, c.layer.runes)
	copy(c.class, c.layer.class)
	clear(c.cell)
	clear(c.dots)
	clear(c.mark)
	clear(c.newest)
	if in.HaveRange {
		c.drawRange(in)
	}
	if c.layer.gw > 0 && c.layer.gh > 0 && in.Window > 0 {
		for _, s := range in.Series {
			c.drawSeries(s, in)
		}
		c.drawLimits(in)
		c.drawEvents(in)
		c.drawCursor(in)
	}
	return c.join(c.layer.origin)
}

// drawableRange makes a y range the chart can map values into: finite,
// non-empty, and no wider than the largest float (from -1e308 to 1e308 the
// width itself would overflow to +Inf and every position become NaN).
func drawableRange(lo, hi float64) (float64, float64) {
	if math.IsNaN(lo) || math.IsInf(lo, 0) {
		lo = 0
	}
	if math.IsNaN(hi) || math.IsInf(hi, 0) {
		hi = lo + 1
	}
	if !(hi > lo) {
		hi = lo + max(math.Abs(lo), 1)
		if math.IsInf(hi, 0) {
			hi, lo = lo, lo-math.Abs(lo)/2
		}
	}
	if math.IsInf(hi-lo, 0) {
		lo, hi = lo/2, hi/2
	}
	return lo, hi
}

// buildAxisLayer draws the axes and labels with ntcharts on two small
// canvases instead of one of the chart's size: an ntcharts cell carries a
// lipgloss style (560 bytes), so a 118x31 chart's canvas is 2 MB, made
// for every chart at start-up and whenever its y range moves (half of all
// the program allocated in its first minute, and a fifth of its start-up
// CPU). Everything ntcharts draws is on the y labels' columns or the x
// axis' two rows: the left columns come from a chart of the full height
// but only wide enough for them, the bottom rows from one of the full
// width but two rows high whose y label is a blank of the same width (so
// its origin is the same). TestAxisLayerMatchesFullCanvas checks the
// result is the full canvas' cell for cell; a label wider than the narrow
// chart falls back to it.
//
// The bottom rows of prev, the layer this one replaces, are used again
// when they would be drawn the same: only the y range moved.
func buildAxisLayer(k axisKey, g *Glyphs, prev axisLayer) axisLayer {
	const narrow = 12
	if k.width <= narrow || k.height <= 2 {
		return buildAxisLayerFull(k, g)
	}
	win := k.window.Seconds()
	left := linechart.New(narrow, k.height, -win, 0, k.minY, k.maxY, linechart.WithXYSteps(1, 1),
		linechart.WithYLabelFormatter(yLabels(k.height-2, g.cellH, k.minY, k.maxY, k.unit, k.reserve)))
	origin := left.Origin()
	if origin.X >= narrow-2 {
		return buildAxisLayerFull(k, g)
	}
	left.XLabelFormatter = func(int, float64) string { return "" }
	left.DrawXYAxisAndLabel()
	l := axisLayer{key: k, origin: origin, gh: left.GraphHeight()}
	if p := prev.key; prev.bottom != nil && prev.origin.X == origin.X && p.width == k.width &&
		p.window == k.window && p.xLabels == k.xLabels {
		l.gw, l.bottom = prev.gw, prev.bottom
	} else {
		blank := strings.Repeat(" ", origin.X)
		bottom := linechart.New(k.width, 2, -win, 0, k.minY, k.maxY,
			linechart.WithXYSteps(1, 1), linechart.WithYLabelFormatter(func(int, float64) string { return blank }))
		if bottom.Origin().X != origin.X {
			return buildAxisLayerFull(k, g)
		}
		l.gw = bottom.GraphWidth()
		bottom.XLabelFormatter = xLabels(l.gw, k.xLabels)
		bottom.DrawXYAxisAndLabel()
		l.bottom = make([]rune, 2*k.width)
		for y := range 2 {
			for x := range k.width {
				l.bottom[y*k.width+x] = bottom.Canvas.Cell(canvas.Point{X: x, Y: y}).Rune
			}
		}
	}
	l.runes = make([]rune, k.width*k.height)
	for y := 0; y < k.height; y++ {
		for x := 0; x < k.width; x++ {
			var r rune
			switch {
			case y == k.height-1: // the x labels
				r = l.bottom[k.width+x]
			case x <= origin.X: // the y labels and axis, the corner
				r = left.Canvas.Cell(canvas.Point{X: x, Y: y}).Rune
			case y == origin.Y: // the x axis
				r = l.bottom[x]
			}
			l.runes[y*k.width+x] = g.axis(r)
		}
	}
	return l
}

// buildAxisLayerFull draws the axes and labels on one ntcharts canvas of
// the chart's size.
func buildAxisLayerFull(k axisKey, g *Glyphs) axisLayer {
	win := k.window.Seconds()
	lc := linechart.New(k.width, k.height, -win, 0, k.minY, k.maxY,
		linechart.WithXYSteps(1, 1),
		linechart.WithYLabelFormatter(yLabels(k.height-2, g.cellH, k.minY, k.maxY, k.unit, k.reserve)),
	)
	l := axisLayer{key: k, origin: lc.Origin(), gw: lc.GraphWidth(), gh: lc.GraphHeight()}
	lc.XLabelFormatter = xLabels(l.gw, k.xLabels)
	lc.DrawXYAxisAndLabel()
	l.runes = make([]rune, k.width*k.height)
	for y := 0; y < k.height; y++ {
		for x := 0; x < k.width; x++ {
			l.runes[y*k.width+x] = g.axis(lc.Canvas.Cell(canvas.Point{X: x, Y: y}).Rune)
		}
	}
	return l
}

// rangeLabelWidth is the y label width kept for the window's min and max
// (FormatAxis gives at most 4 characters, 5 for a percentage like 88.1%),
// so the plot does not change width as they move.
func rangeLabelWidth(u metrics.Unit) int {
	if u == metrics.UnitPercent {
		return 5
	}
	return 4
}

// drawRange labels the window's min and max next to the y axis, on the
// rows where the lines draw them, with a tick on the axis; a round tick
// label on the same row makes way. (The plot rows end above the x axis, so
// the axis row keeps its label.)
func (c *Chart) drawRange(in Input) {
	dh := c.layer.gh * c.glyphs.cellH
	ys := float64(dh-1) / (in.MaxY - in.MinY)
	rowOf := func(v float64) int {
		dot := math.Round(dotY(v, in.MinY, ys, dh))
		return min(max(int(dot), 0), dh-1) / c.glyphs.cellH
	}
	hiRow, loRow := rowOf(in.Hi), rowOf(in.Lo)
	c.rangeLabel(hiRow, metrics.FormatAxis(in.Hi, in.Unit))
	if loRow != hiRow {
		c.rangeLabel(loRow, metrics.FormatAxis(in.Lo, in.Unit))
	}
}

func (c *Chart) rangeLabel(row int, s string) {
	o := c.layer.origin
	// A label column as wide as the chart (ntcharts sizes it by its widest
	// label) leaves no room: row*width+o.X would run into the next row.
	if len(s) > o.X || o.X >= c.width || row < 0 || row >= c.height {
		return
	}
	// Just above the x axis, whose own label says the same (a min of 0):
	// said once, by the axis.
	if row+1 == o.Y && c.labelAt(o.Y) == s {
		return
	}
	c.clearLabel(row)
	// A round tick beside it saying the same ("0.4" for 0.4 and for a
	// min of 0.38) is said once.
	for _, r := range []int{row - 1, row + 1} {
		if r >= 0 && r < c.layer.gh && c.labelAt(r) == s {
			c.clearLabel(r)
		}
	}
	for j, r := range s {
		i := row*c.width + o.X - len(s) + j
		c.runes[i], c.class[i] = r, classRange
	}
	i := row*c.width + o.X
	c.runes[i], c.class[i] = c.glyphs.RangeTick, classRange
}

// labelAt is the y label drawn on row (left of the axis), spaces trimmed.
func (c *Chart) labelAt(row int) string {
	o := c.layer.origin
	var b strings.Builder
	for x := 0; x < o.X; x++ {
		if r := c.runes[row*c.width+x]; r != 0 && r != ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clearLabel blanks the y label of row.
func (c *Chart) clearLabel(row int) {
	for x := 0; x < c.layer.origin.X; x++ {
		i := row*c.width + x
		c.runes[i], c.class[i] = 0, classEmpty
	}
}

// drawSeries plots one series into the cell buffers. Where series overlap,
// the cell takes the colour of the series with most dots in it (ties go to
// the earlier series) instead of whichever happened to be drawn last.
func (c *Chart) drawSeries(s Series, in Input) {
	if s.Hist == nil {
		return
	}
	l, g := &c.layer, &c.glyphs
	gw, gh := l.gw, l.gh
	p := &c.pen
	*p = seriesPen{
		g: g, bits: c.bits[:gw*gh], pattern: dashPatterns[s.Host%len(dashPatterns)],
		gw: gw, dw: gw * g.cellW, dh: gh * g.cellH,
		window: in.Window, minY: in.MinY, maxY: in.MaxY, maxGap: in.MaxGap,
		loRow: gh, hiRow: -1, loCol: gw, hiCol: -1,
	}
	start := in.Now.Add(-in.Window)
	clear(p.bits)
	p.xs = float64(p.dw-1) / in.Window.Seconds()
	p.ys = float64(p.dh-1) / (in.MaxY - in.MinY)
	// One resolution step per dot column: a zoomed-out window of a long
	// history comes as two points per column, not thousands.
	s.Hist.WalkSince(start, start, in.Now, in.Window/time.Duration(p.dw), c.penPoint)
	p.flushColumn()

	startX := l.origin.X + 1
	bits := p.bits
	for cy := p.loRow; cy <= p.hiRow; cy++ {
		for cx := p.loCol; cx <= p.hiCol; cx++ {
			b := bits[cy*gw+cx]
			if b == 0 || startX+cx >= c.width {
				continue
			}
			i := cy*c.width + startX + cx
			d := uint8(popcount(rune(b)))
			switch {
			case c.class[i] >= 0:
				c.cell[i] |= b
				if d > c.dots[i] {
					c.class[i], c.dots[i] = int16(s.Style), d
				}
			case c.class[i] == classEmpty:
				c.cell[i], c.class[i], c.dots[i] = b, int16(s.Style), d
			}
		}
	}
	if s.Marker == 0 || !p.haveLast {
		return
	}
	c.setNewestMarker(startX+p.lastX/g.cellW, p.lastY/g.cellH, s)
	if in.MarkEvery > 0 {
		// Repeat the marker along the line, from the newest point leftwards.
		for cx := p.lastX/g.cellW - in.MarkEvery; cx >= 0; cx -= in.MarkEvery {
			for cy := 0; cy < gh; cy++ {
				if bits[cy*gw+cx] != 0 {
					c.setMarker(startX+cx, cy, s)
					break
				}
			}
		}
	}
}

// seriesPen draws one series' points into a grid of dots, one bit each in
// bits (per plot cell). It lives in the Chart and its point method is bound
// once, so feeding it thousands of points allocates nothing.
type seriesPen struct {
	g            *Glyphs
	bits         []uint8
	pattern      []bool
	gw, dw, dh   int
	window       time.Duration // the chart's; points come as times since its start
	xs, ys       float64       // dots per second, per unit of value
	minY, maxY   float64
	maxGap       time.Duration
	prevX, prevY float64
	prevT        time.Duration
	prevStep     time.Duration
	havePrev     bool
	lastX, lastY int // the newest point in the window
	haveLast     bool
	// Points falling in the dot column of the one before only widen that
	// column's run of dots: a short vertical line instead of a segment
	// per point.
	colX, colLo, colHi int
	haveCol            bool
	// The plot cells holding dots lie within these rows and columns: a
	// line crosses a few rows of a tall chart, and only those are merged.
	loRow, hiRow, loCol, hiCol int
}

// dot sets a dot; line dots (not forced) follow the host's dash pattern.
func (p *seriesPen) dot(x, y int, force bool) {
	if x < 0 || y < 0 || x >= p.dw || y >= p.dh {
		return
	}
	if force || p.pattern[x%len(p.pattern)] {
		g := p.g
		cy, cx := y/g.cellH, x/g.cellW
		p.bits[cy*p.gw+cx] |= g.bit[y%g.cellH][x%g.cellW]
		p.loRow, p.hiRow = min(p.loRow, cy), max(p.hiRow, cy)
		p.loCol, p.hiCol = min(p.loCol, cx), max(p.hiCol, cx)
	}
}

// point takes the next point of History.WalkSince: at t after the
// window's start.
func (p *seriesPen) point(t time.Duration, v float64, step time.Duration) {
	fx := t.Seconds() * p.xs
	fy := dotY(math.Max(p.minY, math.Min(p.maxY, v)), p.minY, p.ys, p.dh)
	if math.IsNaN(fx) || math.IsNaN(fy) || math.IsInf(fx, 0) {
		return // nothing sensible to draw; the range guards make this rare
	}
	x, y := int(math.Round(fx)), int(math.Round(fy))
	joined := p.havePrev && t-p.prevT <= p.maxGap+p.prevStep+step
	switch {
	case joined && p.haveCol && x == p.colX:
		p.colLo, p.colHi = min(p.colLo, y), max(p.colHi, y)
	case joined:
		p.flushColumn()
		// joined to the previous point, even one off the edges
		p.line(p.prevX, p.prevY, fx, fy)
		p.colX, p.colLo, p.colHi, p.haveCol = x, y, y, true
	default:
		p.flushColumn()
		p.colX, p.colLo, p.colHi, p.haveCol = x, y, y, true
	}
	if t >= 0 && t <= p.window {
		p.lastX, p.lastY, p.haveLast = x, y, true
		p.dot(x, y, true) // data points show whatever the dash pattern
	}
	p.prevX, p.prevY, p.prevT, p.prevStep, p.havePrev = fx, fy, t, step, true
}

func (p *seriesPen) flushColumn() {
	if p.haveCol {
		for y := p.colLo; y <= p.colHi; y++ {
			p.dot(p.colX, y, false)
		}
		p.haveCol = false
	}
}

// line rasterises the segment between two dot positions (Bresenham),
// clipped to the dot columns first so that a point far off the chart (the
// last one before a long window) costs nothing.
func (p *seriesPen) line(x0, y0, x1, y1 float64) {
	if x0 > x1 {
		x0, y0, x1, y1 = x1, y1, x0, y0
	}
	right := float64(p.dw - 1)
	if x1 < 0 || x0 > right {
		return
	}
	if x0 < 0 {
		y0 += (y1 - y0) * (0 - x0) / (x1 - x0)
		x0 = 0
	}
	if x1 > right {
		y1 = y0 + (y1-y0)*(right-x0)/(x1-x0)
		x1 = right
	}
	ax, ay := int(math.Round(x0)), int(math.Round(y0))
	bx, by := int(math.Round(x1)), int(math.Round(y1))
	dx, dy := bx-ax, -abs(by-ay)
	sy := 1
	if by < ay {
		sy = -1
	}
	e := dx + dy
	for {
		p.dot(ax, ay, false)
		if ax == bx && ay == by {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			ax++
		}
		if e2 <= dx {
			e += dx
			ay += sy
		}
	}
}

// setMarker puts s's marker in a plot cell; it wins the cell whatever else
// is drawn there.
func (c *Chart) setMarker(x, y int, s Series) {
	if x < 0 || x >= c.width || y < 0 || y >= c.layer.gh {
		return
	}
	i := y*c.width + x
	c.runes[i], c.class[i], c.dots[i], c.mark[i] = s.Marker, int16(s.Style), math.MaxUint8, true
}

// setNewestMarker marks a series' newest point. Equal series draw the same
// dots, so where another series' newest marker already is, this one goes
// a cell to the left (up to three): every series keeps a visible marker,
// instead of the last one drawn hiding the others.
func (c *Chart) setNewestMarker(x, y int, s Series) {
	if y < 0 || y >= c.layer.gh {
		return
	}
	for step := 0; step < 4; step++ {
		cx := x - step
		if cx <= c.layer.origin.X || cx >= c.width {
			return
		}
		if i := y*c.width + cx; !c.newest[i] {
			c.newest[i] = true
			c.setMarker(cx, y, s)
			return
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// drawLimits draws each limit within the y range as a dashed line through
// the plot's empty cells (every other column), so the lines stay on top
// and the limit reads without colour; a critical limit wins a row it
// shares with a warning.
func (c *Chart) drawLimits(in Input) {
	l := &c.layer
	dh := l.gh * c.glyphs.cellH
	ys := float64(dh-1) / (in.MaxY - in.MinY)
	for _, crit := range []bool{false, true} {
		for _, lim := range in.Limits {
			if lim.Crit != crit || !(lim.Value >= in.MinY && lim.Value <= in.MaxY) {
				continue
			}
			row := min(max(int(math.Round(dotY(lim.Value, in.MinY, ys, dh))), 0), dh-1) / c.glyphs.cellH
			class := int16(classWarn)
			if crit {
				class = classCrit
			}
			for x := l.origin.X + 1; x < c.width; x += 2 {
				if i := row*c.width + x; c.class[i] == classEmpty || c.class[i] == classWarn {
					c.runes[i], c.class[i] = c.glyphs.Limit, class
				}
			}
		}
	}
}

// drawEvents marks restarts and reconnects on the time axis' line, at
// their column; a restart wins a cell it shares with a reconnect.
func (c *Chart) drawEvents(in Input) {
	l := &c.layer
	start := in.Now.Add(-in.Window)
	dw := l.gw * c.glyphs.cellW
	y := l.origin.Y
	if y < 0 || y >= c.height {
		return
	}
	for _, e := range in.Events {
		if e.T.Before(start) || e.T.After(in.Now) {
			continue
		}
		x := int(math.Round(e.T.Sub(start).Seconds() / in.Window.Seconds() * float64(dw-1)))
		cx := l.origin.X + 1 + x/c.glyphs.cellW
		if cx >= c.width {
			continue
		}
		i := y*c.width + cx
		r := c.glyphs.Reconnect
		if e.Reset {
			r = c.glyphs.Restart
		}
		if c.class[i] == classEvent && c.runes[i] == c.glyphs.Restart {
			continue
		}
		c.runes[i], c.class[i] = r, classEvent
	}
}

// drawCursor draws the paused cursor's column in the plot's empty cells.
func (c *Chart) drawCursor(in Input) {
	start := in.Now.Add(-in.Window)
	if in.Cursor.IsZero() || in.Cursor.Before(start) || in.Cursor.After(in.Now) {
		return
	}
	l := &c.layer
	dw := l.gw * c.glyphs.cellW
	x := int(math.Round(in.Cursor.Sub(start).Seconds() / in.Window.Seconds() * float64(dw-1)))
	cx := l.origin.X + 1 + x/c.glyphs.cellW
	if cx >= c.width {
		return
	}
	for y := 0; y < l.gh; y++ {
		if i := y*c.width + cx; c.class[i] == classEmpty {
			c.runes[i], c.class[i] = c.glyphs.Cursor, classCursor
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
		// Styles are compared as pointers first: neighbouring cells are
		// mostly of one class, and then no string is compared.
		cur := &noStyle
		for x := 0; x < c.width; x++ {
			i := y*c.width + x
			st := &noStyle
			r := c.runes[i]
			switch cl := c.class[i]; {
			case cl == classEmpty:
				r = ' '
			case cl == classAxis && (x == origin.X || y == origin.Y):
				st = &c.axis
			case cl == classAxis:
				st = &c.label
			case cl == classCursor:
				st = &c.cursor
			case cl == classRange:
				st = &c.rng
			case cl == classWarn:
				st = &c.warn
			case cl == classCrit, cl == classEvent:
				st = &c.crit
			default:
				if !c.mark[i] {
					r = c.glyphs.cell(c.cell[i])
				}
				if int(cl) < len(c.series) {
					st = &c.series[cl]
				}
			}
			if r == ' ' || r == 0 {
				r, st = ' ', &noStyle // spaces need no colour; keeps runs long
			}
			if st != cur && *st != *cur {
				b.WriteString(cur.suf)
				b.WriteString(st.pre)
			}
			cur = st
			if r < utf8.RuneSelf {
				b.WriteByte(byte(r))
			} else {
				b.WriteRune(r)
			}
		}
		b.WriteString(cur.suf)
	}
	return b.String()
}

// dashPatterns are per-host on/off masks over dot columns: solid, dashed,
// dotted, dash-dot. The legend shows the same patterns (Glyphs.HostSamples).
var dashPatterns = [][]bool{
	{true},
	{true, true, true, false, false},
	{true, false, false},
	{true, true, true, true, false, false, true, false, false},
}

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
// reserve > 0 pads the top label to that width, keeping room for the
// window's min and max labels (ntcharts sizes the label column by its
// widest label).
func yLabels(rows, cellH int, lo, hi float64, unit metrics.Unit, reserve int) linechart.LabelFormatter {
	labels := map[int]string{}
	top := -1
	if span := hi - lo; rows > 0 && span > 0 && !math.IsInf(span, 0) {
		step := yTickStep(rows, span, unit)
		// Ticks are counted, not summed: near the float limit v += step
		// can stop moving or overflow, and hi+step*1e-9 can be +Inf.
		first := math.Ceil(lo / step)
		for k := 0; k <= 2*rows+2; k++ {
			v := (first + float64(k)) * step
			if v > hi && (v-hi) > step*1e-9 || math.IsInf(v, 0) {
				break
			}
			row := tickRow(v, lo, span, rows, cellH)
			if _, taken := labels[row]; !taken && row >= 0 && row <= rows {
				labels[row] = metrics.FormatAxis(v, unit)
				top = max(top, row)
			}
		}
	}
	if top >= 0 && len(labels[top]) < reserve {
		labels[top] = strings.Repeat(" ", reserve-len(labels[top])) + labels[top]
	}
	return func(i int, _ float64) string { return labels[i] }
}

// tickRow is the label row of v (0 is the x axis' row, rows the top
// graph row): the row its value is drawn in, by the pen's own rounding of
// values to dots; the lowest value labels the axis itself.
func tickRow(v, lo, span float64, rows, cellH int) int {
	if v <= lo || rows <= 0 {
		return 0
	}
	dh := rows * max(cellH, 1)
	dot := math.Round(dotY(v, lo, float64(dh-1)/span, dh))
	return rows - min(max(int(dot), 0), dh-1)/max(cellH, 1)
}

// dotY is the dot row (from the top, dh rows of dots, ys dots per unit)
// where v is drawn: the one rule the pen, the range labels and the ticks
// share, so that a label is on the row of its value.
func dotY(v, minY, ys float64, dh int) float64 {
	return float64(dh-1) - (v-minY)*ys
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

// LiveXLabels are "-60s", "-30s" and "now": the window's start, middle
// and end, relative to now.
func LiveXLabels(window time.Duration) [3]string {
	return [3]string{"-" + metrics.ShortDuration(window), "-" + metrics.ShortDuration(window/2), "now"}
}

// xLabels puts the time axis labels at the left, middle and right of the
// graph area (the middle only when there is room).
func xLabels(graphWidth int, labels [3]string) linechart.LabelFormatter {
	left, mid, right := labels[0], labels[1], labels[2]
	return func(i int, _ float64) string {
		switch {
		case i == 0:
			return left
		case i == graphWidth/2-len(mid)/2 && graphWidth >= 24:
			return mid
		case i == graphWidth-len(right):
			return right
		}
		return ""
	}
}
