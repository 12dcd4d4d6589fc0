// Package picture draws a dashboard page as a PNG at pixel resolution: a
// title line, then its panels in a 2x2 grid, each boxed with its title,
// y axis and labels, time axis, lines (one colour per metric, one dash
// pattern per host), limits as dashed lines, and a legend. It knows
// nothing of the store or the screen: model/ says what to draw (Page),
// as it does for the terminal's charts.
package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Page is what to draw.
type Page struct {
	Title  string // the header: "ATS · 2026-12-02 04:50:00 UTC · Page 1/16 Traffic & Cache"
	Footer string // e.g. the alerts, "" for none
	// FooterCrit draws the footer in the critical colour, else the
	// warning one.
	FooterCrit bool
	Panels     []Panel
}

// Panel is one box of the grid: a chart, or (Rows set) a table's text.
type Panel struct {
	Title  string
	Mark   string // "CRIT", "WARN" or "": drawn before the title in its colour
	Start  time.Time
	End    time.Time
	MinY   float64
	MaxY   float64
	Unit   metrics.Unit
	MaxGap time.Duration
	Lines  []Line
	Limits []Limit
	// XLabels are the time axis' left, middle and right labels.
	XLabels [3]string
	Legend  []LegendItem
	// Rows, for a table panel, are its lines of text, drawn as they are.
	Rows []string
	// Message, when set, is drawn instead of the chart ("waiting …").
	Message string
	// Events are restarts and reconnects, marked under the time axis.
	Events []Event
}

// Event is a host's restart (Reset) or reconnect at T.
type Event struct {
	T     time.Time
	Reset bool
}

// Line is one series: its points are drawn joined, except across gaps
// longer than MaxGap.
type Line struct {
	Color string // "#rrggbb"
	Host  int    // picks the dash pattern
	Hist  *metrics.History
}

// Limit is a horizontal dashed line.
type Limit struct {
	Value float64
	Crit  bool
}

// LegendItem is a legend entry: a line sample in a colour and pattern, or
// (Color "") plain text.
type LegendItem struct {
	Text  string
	Color string
	Host  int
}

// Size of a picture.
type Size struct{ W, H int }

// DefaultSize is a page at a size that pastes well into a ticket.
var DefaultSize = Size{1600, 1000}

var (
	background = color.RGBA{0x16, 0x18, 0x1c, 0xff}
	frameColor = color.RGBA{0x55, 0x55, 0x55, 0xff}
	axisColor  = color.RGBA{0x88, 0x88, 0x88, 0xff}
	gridColor  = color.RGBA{0x2a, 0x2d, 0x33, 0xff}
	textColor  = color.RGBA{0xe8, 0xe8, 0xe8, 0xff}
	dimColor   = color.RGBA{0xa0, 0xa0, 0xa0, 0xff}
	warnColor  = color.RGBA{0xff, 0xa5, 0x00, 0xff}
	critColor  = color.RGBA{0xff, 0x40, 0x40, 0xff}
)

// dashes are the hosts' on/off patterns in pixels along a line: solid,
// dashed, dotted, dash-dot, as the terminal's chart and legend draw them.
var dashes = [][]int{{1, 0}, {9, 5}, {2, 4}, {9, 4, 2, 4}}

type faces struct{ text, mono font.Face }

var (
	facesOnce sync.Once
	theFaces  faces
	facesErr  error
)

func loadFaces() (faces, error) {
	facesOnce.Do(func() {
		mk := func(ttf []byte, size float64) font.Face {
			f, err := opentype.Parse(ttf)
			if err != nil {
				facesErr = err
				return nil
			}
			face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
			if err != nil {
				facesErr = err
			}
			return face
		}
		theFaces = faces{text: mk(goregular.TTF, 15), mono: mk(gomono.TTF, 13)}
	})
	return theFaces, facesErr
}

// Encode draws p at size s and writes it as PNG.
func Encode(w io.Writer, p Page, s Size) error {
	img, err := Draw(p, s)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// Save writes p as a PNG to path and text beside it (path with .png
// replaced by .txt, or .txt added), each whole or not at all: written to
// a temporary file in the same directory, then renamed.
func Save(path string, p Page, text string, s Size) error {
	b, err := Bytes(p, s)
	if err != nil {
		return err
	}
	if err := writeWhole(path, b); err != nil {
		return err
	}
	return writeWhole(TextPath(path), []byte(text+"\n"))
}

// TextPath is where Save writes the text beside a picture.
func TextPath(path string) string {
	if strings.HasSuffix(strings.ToLower(path), ".png") {
		return path[:len(path)-4] + ".txt"
	}
	return path + ".txt"
}

func writeWhole(path string, b []byte) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory; give a file name (page.png, page-{iter}.png)", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: the directory %s does not exist", path, dir)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	return nil
}

// Bytes is Encode into memory.
func Bytes(p Page, s Size) ([]byte, error) {
	var b bytes.Buffer
	err := Encode(&b, p, s)
	return b.Bytes(), err
}

// Draw draws p at size s.
func Draw(p Page, s Size) (*image.RGBA, error) {
	if s.W < 200 || s.H < 150 || s.W > 8000 || s.H > 8000 {
		return nil, fmt.Errorf("picture size %dx%d: want 200x150 to 8000x8000 pixels", s.W, s.H)
	}
	fc, err := loadFaces()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, s.W, s.H))
	draw.Draw(img, img.Bounds(), &image.Uniform{background}, image.Point{}, draw.Src)
	c := &canvas{img: img, f: fc}
	c.text(10, 22, p.Title, textColor, fc.text)
	top, bottom := 34, s.H-6
	if p.Footer != "" {
		bottom -= 24
		col := warnColor
		if p.FooterCrit {
			col = critColor
		}
		c.text(10, s.H-14, clip(fc.text, p.Footer, s.W-20), col, fc.text)
	}
	cols, rows := 2, (len(p.Panels)+1)/2
	if len(p.Panels) == 1 {
		cols = 1
	}
	rows = max(rows, 1)
	cw, ch := (s.W-12)/cols, (bottom-top)/rows
	for i, pn := range p.Panels {
		x0, y0 := 6+(i%cols)*cw, top+(i/cols)*ch
		c.panel(image.Rect(x0+2, y0+2, x0+cw-2, y0+ch-2), pn)
	}
	return img, nil
}

type canvas struct {
	img *image.RGBA
	f   faces
}

func (c *canvas) text(x, y int, s string, col color.Color, face font.Face) int {
	d := font.Drawer{Dst: c.img, Src: &image.Uniform{col}, Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
	return d.Dot.X.Round()
}

func textWidth(face font.Face, s string) int { return font.MeasureString(face, s).Round() }

func (c *canvas) rect(r image.Rectangle, col color.Color) {
	for x := r.Min.X; x < r.Max.X; x++ {
		c.img.Set(x, r.Min.Y, col)
		c.img.Set(x, r.Max.Y-1, col)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		c.img.Set(r.Min.X, y, col)
		c.img.Set(r.Max.X-1, y, col)
	}
}

func (c *canvas) panel(r image.Rectangle, p Panel) {
	c.rect(r, frameColor)
	x := r.Min.X + 10
	if p.Mark != "" {
		col := warnColor
		if p.Mark == "CRIT" {
			col = critColor
		}
		x = c.text(x, r.Min.Y+20, p.Mark, col, c.f.text) + 8
	}
	c.text(x, r.Min.Y+20, clip(c.f.text, p.Title, r.Max.X-x-8), textColor, c.f.text)
	if len(p.Rows) > 0 {
		for i, row := range p.Rows {
			y := r.Min.Y + 44 + i*17
			if y > r.Max.Y-6 {
				break
			}
			c.text(r.Min.X+10, y, clip(c.f.mono, row, r.Dx()-20), textColor, c.f.mono)
		}
		return
	}
	plot := image.Rect(r.Min.X+62, r.Min.Y+32, r.Max.X-14, r.Max.Y-50)
	if plot.Dx() < 20 || plot.Dy() < 20 {
		return
	}
	c.axes(plot, p)
	if p.Message != "" {
		c.text(plot.Min.X+(plot.Dx()-textWidth(c.f.text, p.Message))/2, plot.Min.Y+plot.Dy()/2, p.Message, dimColor, c.f.text)
	} else {
		for _, l := range p.Limits {
			c.limit(plot, p, l)
		}
		for _, l := range p.Lines {
			c.series(plot, p, l)
		}
		c.events(plot, p)
	}
	c.legend(r.Min.X+10, r.Max.Y-14, r.Max.X-10, p.Legend)
}

// axes draws the y axis with round ticks and a faint grid, and the time
// axis with its three labels.
func (c *canvas) axes(plot image.Rectangle, p Panel) {
	lo, hi := p.MinY, p.MaxY
	if !(hi > lo) || math.IsInf(hi-lo, 0) || math.IsNaN(hi-lo) {
		lo, hi = 0, 1
	}
	step := niceStep((hi - lo) / 5)
	for v := math.Ceil(lo/step) * step; v <= hi+step/1e6; v += step {
		y := yPixel(plot, lo, hi, v)
		for x := plot.Min.X; x < plot.Max.X; x++ {
			c.img.Set(x, y, gridColor)
		}
		label := metrics.FormatAxis(v, p.Unit)
		c.text(plot.Min.X-6-textWidth(c.f.mono, label), y+4, label, dimColor, c.f.mono)
	}
	for y := plot.Min.Y; y <= plot.Max.Y; y++ {
		c.img.Set(plot.Min.X, y, axisColor)
	}
	for x := plot.Min.X; x < plot.Max.X; x++ {
		c.img.Set(x, plot.Max.Y, axisColor)
	}
	ly := plot.Max.Y + 18
	c.text(plot.Min.X, ly, p.XLabels[0], dimColor, c.f.mono)
	c.text(plot.Min.X+(plot.Dx()-textWidth(c.f.mono, p.XLabels[1]))/2, ly, p.XLabels[1], dimColor, c.f.mono)
	c.text(plot.Max.X-textWidth(c.f.mono, p.XLabels[2]), ly, p.XLabels[2], dimColor, c.f.mono)
}

// events draws a small triangle on the time axis per restart (filled,
// red) or reconnect (an outline, orange).
func (c *canvas) events(plot image.Rectangle, p Panel) {
	span := p.End.Sub(p.Start)
	for _, e := range p.Events {
		if e.T.Before(p.Start) || e.T.After(p.End) || span <= 0 {
			continue
		}
		col := warnColor
		if e.Reset {
			col = critColor
		}
		x := plot.Min.X + int(e.T.Sub(p.Start).Seconds()/span.Seconds()*float64(plot.Dx()))
		for dy := 0; dy < 6; dy++ {
			for dx := -dy; dx <= dy; dx++ {
				// A restart is filled, a reconnect an outline: told
				// apart by shape as well as colour.
				if e.Reset || dx == -dy || dx == dy || dy == 5 {
					c.img.Set(x+dx, plot.Max.Y-5+dy, col)
				}
			}
		}
	}
}

func niceStep(raw float64) float64 {
	if !(raw > 0) || math.IsInf(raw, 0) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

func yPixel(plot image.Rectangle, lo, hi, v float64) int {
	f := (v - lo) / (hi - lo)
	return plot.Max.Y - int(math.Round(f*float64(plot.Dy())))
}

func (c *canvas) limit(plot image.Rectangle, p Panel, l Limit) {
	if l.Value < p.MinY || l.Value > p.MaxY {
		return
	}
	col := warnColor
	if l.Crit {
		col = critColor
	}
	y := yPixel(plot, p.MinY, p.MaxY, l.Value)
	for x := plot.Min.X + 1; x < plot.Max.X; x++ {
		if (x/6)%2 == 0 {
			c.img.Set(x, y, col)
		}
	}
}

// series draws a line two pixels wide through the history's points in
// the panel's time span, one point per pixel column at most (the
// history's WalkAt merges the rest into their minimum and maximum).
func (c *canvas) series(plot image.Rectangle, p Panel, l Line) {
	if l.Hist == nil || !p.End.After(p.Start) {
		return
	}
	col := parseHex(l.Color)
	span := p.End.Sub(p.Start)
	res := span / time.Duration(max(plot.Dx(), 1))
	pen := dashPen{pattern: dashes[l.Host%len(dashes)]}
	var px, py float64
	var prevT time.Time
	var prevStep time.Duration
	have := false
	l.Hist.WalkAt(p.Start, p.End, res, func(pt metrics.Point, step time.Duration) {
		if math.IsNaN(pt.V) || math.IsInf(pt.V, 0) {
			have = false
			return
		}
		x := float64(plot.Min.X) + pt.T.Sub(p.Start).Seconds()/span.Seconds()*float64(plot.Dx())
		y := float64(plot.Max.Y) - (pt.V-p.MinY)/(p.MaxY-p.MinY)*float64(plot.Dy())
		if have && pt.T.Sub(prevT) <= p.MaxGap+max(step, prevStep) {
			c.segment(plot, px, py, x, y, col, &pen)
		} else {
			c.dot(plot, x, y, col)
		}
		px, py, prevT, prevStep, have = x, y, pt.T, step, true
	})
}

type dashPen struct {
	pattern []int
	pos     int // pixels drawn along the pattern
}

func (d *dashPen) on() bool {
	total := 0
	for _, n := range d.pattern {
		total += n
	}
	at := d.pos % total
	for i, n := range d.pattern {
		if at < n {
			return i%2 == 0
		}
		at -= n
	}
	return true
}

func (c *canvas) segment(plot image.Rectangle, x0, y0, x1, y1 float64, col color.Color, pen *dashPen) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0)))
	for i := 0; i <= n; i++ {
		f := 0.0
		if n > 0 {
			f = float64(i) / float64(n)
		}
		if pen.on() {
			c.dot(plot, x0+(x1-x0)*f, y0+(y1-y0)*f, col)
		}
		pen.pos++
	}
}

// dot sets a 2x2 pixel block, clipped to the plot.
func (c *canvas) dot(plot image.Rectangle, x, y float64, col color.Color) {
	ix, iy := int(math.Round(x)), int(math.Round(y))
	for dx := 0; dx < 2; dx++ {
		for dy := 0; dy < 2; dy++ {
			if pt := image.Pt(ix+dx, iy+dy-1); pt.In(plot.Inset(-1)) {
				c.img.Set(pt.X, pt.Y, col)
			}
		}
	}
}

func (c *canvas) legend(x, y, right int, items []LegendItem) {
	for _, it := range items {
		w := textWidth(c.f.text, it.Text)
		if it.Color != "" {
			w += 30
		}
		if x+w > right {
			return
		}
		if it.Color != "" {
			pen := dashPen{pattern: dashes[it.Host%len(dashes)]}
			col := parseHex(it.Color)
			for i := 0; i < 24; i++ {
				if pen.on() {
					c.img.Set(x+i, y-5, col)
					c.img.Set(x+i, y-4, col)
				}
				pen.pos++
			}
			x += 30
		}
		x = c.text(x, y, it.Text, textColor, c.f.text) + 16
	}
}

// clip cuts s to fit width pixels, with "…".
func clip(face font.Face, s string, width int) string {
	if textWidth(face, s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && textWidth(face, string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r)) + "…"
}

// parseHex reads "#rrggbb"; anything else is light grey.
func parseHex(s string) color.RGBA {
	var r, g, b uint8
	if len(s) == 7 && s[0] == '#' {
		if _, err := fmt.Sscanf(s[1:], "%02x%02x%02x", &r, &g, &b); err == nil {
			return color.RGBA{r, g, b, 0xff}
		}
	}
	return color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
}
