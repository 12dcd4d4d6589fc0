package app

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/pflag"

	"github.com/traffic-grapher/traffic_grapher/internal/terminal"
	"github.com/traffic-grapher/traffic_grapher/model"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/picture"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// displayOptions are the flags that choose how the screen looks and reads:
// for screen readers and braille displays, monochrome terminals and
// consoles without braille fonts. Each has an environment default
// (ACCESSIBLE, NO_COLOR, TERM) that the flag overrides.
type displayOptions struct {
	readout bool
	format  choiceValue // --once output: text or json
	noColor bool
	glyphs  choiceValue
	theme   choiceValue
	mouse   bool
	bell    bool
	savePNG string // --save-png
	// tty is the terminal the screen draws on, shared with the bell so
	// that a bell never lands inside a frame (created by apply).
	tty *lockedTTY
}

// addDisplayFlags defines the display flags on fs. Values are checked as
// they are parsed, so a bad one is a usage error like any other.
func addDisplayFlags(fs *pflag.FlagSet, d *displayOptions) {
	d.format = choiceValue{value: "text", choices: []string{"text", "json"}}
	d.glyphs = choiceValue{value: "braille", choices: []string{"braille", "block", "ascii"}}
	d.theme = choiceValue{value: "dark", choices: []string{"dark", "light"}}
	fs.BoolVar(&d.readout, "readout", false, "start in the text readout instead of charts: every value with its min, average, max and trend, one sentence per line, for screen readers and braille displays (also when $ACCESSIBLE is set; r switches)")
	fs.Var(&d.format, "format", "what --once prints: text (the readout, one fact per line) or json (the same data, structured)")
	fs.BoolVar(&d.noColor, "no-color", false, "no colours (also when $NO_COLOR is set): series are told apart by markers along their lines, hosts by line patterns")
	fs.Var(&d.glyphs, "glyphs", "how charts are drawn: braille, block (half blocks, for consoles without braille fonts; the default when TERM=linux) or ascii (the default when TERM=dumb)")
	fs.Var(&d.theme, "theme", "colours for a dark or a light terminal background: dark or light")
	fs.StringVar(&d.savePNG, "save-png", "", "save a PNG picture of the page (and the screen as text, FILE.txt) after every redraw; {iter} in FILE numbers them (page-{iter}.png); with --once, one picture of the first page, no terminal needed. s saves one too")
	fs.BoolVar(&d.bell, "bell", false, "ring the terminal's bell once each time a series crosses a warn: or crit: limit of the dashboard (see README: Thresholds)")
	fs.BoolVar(&d.mouse, "mouse", false, "let the mouse wheel zoom the charts and scroll the readout (off by default: mouse reporting stops the terminal selecting text to copy, over SSH too)")
}

// apply puts the display choices into the program context. getenv is
// os.Getenv (tests pass their own).
func (d *displayOptions) apply(pctx *model.ProgramContext, getenv func(string) string) {
	styles := model.DefaultStyles()
	if d.theme.value == "light" {
		styles = model.LightStyles()
	}
	// https://no-color.org: any non-empty NO_COLOR.
	if d.noColor || getenv("NO_COLOR") != "" {
		styles = model.NoColorStyles()
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	pctx.Styles = styles
	set, _ := chart.ParseGlyphSet(d.glyphs.value)
	if !d.glyphs.set {
		switch getenv("TERM") {
		case "linux": // the kernel console: CP437-like fonts, no braille
			set = chart.GlyphsBlock
		case "dumb":
			set = chart.GlyphsASCII
		}
	}
	pctx.Glyphs = chart.GlyphsFor(set)
	pctx.Readout = d.readout || getenv("ACCESSIBLE") != ""
	pctx.SavePNG = d.savePNG
	if d.bell {
		d.tty = &lockedTTY{File: os.Stdout}
		pctx.Bell = d.tty.bell
	}
}

// lockedTTY is the terminal, written by the screen (one Write per frame,
// package terminal) and by the bell: a lock keeps the bell between
// frames, never inside an escape sequence.
type lockedTTY struct {
	*os.File
	mu sync.Mutex
}

func (t *lockedTTY) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.File.Write(b)
}

func (t *lockedTTY) bell() { t.Write([]byte("\a")) }

// terminalOptions are the terminal modes the display flags ask for.
func (d *displayOptions) terminalOptions() terminal.Options {
	return terminal.Options{Mouse: d.mouse}
}

// writeSnapshot prints --once's output in the chosen format.
func (d *displayOptions) writeSnapshot(w io.Writer, pctx *model.ProgramContext, data *monitor.State, at time.Time, errs, warns []string) error {
	rc, store := pctx.Report(), data.Store()
	rc.Status = data.Status()
	if d.json() {
		out, err := report.JSON(rc, store, at, errs, warns)
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	_, err := io.WriteString(w, report.Text(rc, store, at, errs))
	return err
}

// savePicture is --once's --save-png: the first page drawn as the
// screen would draw it at a usual size, saved with no terminal.
func (d *displayOptions) savePicture(pctx *model.ProgramContext, data *monitor.State) error {
	if d.savePNG == "" {
		return nil
	}
	m := model.New(pctx, data, nil, 0)
	m.Update(tea.WindowSizeMsg{Width: pictureScreen.W, Height: pictureScreen.H})
	page, text := m.Picture()
	path := model.PictureName(d.savePNG, 1, pctx.Now())
	if err := picture.Save(path, page, text, picture.DefaultSize); err != nil {
		return fmt.Errorf("--save-png: %w", err)
	}
	return nil
}

// pictureScreen is the screen --once's picture is laid out on (its text
// beside it is this size).
var pictureScreen = picture.Size{W: 160, H: 48}

// json says whether --once prints JSON.
func (d *displayOptions) json() bool { return d.format.value == "json" }

// choiceValue is a flag taking one of a few words.
type choiceValue struct {
	value   string
	choices []string
	set     bool // given on the command line
}

func (c *choiceValue) String() string { return c.value }
func (c *choiceValue) Type() string   { return strings.Join(c.choices, "|") }

func (c *choiceValue) Set(s string) error {
	for _, ch := range c.choices {
		if strings.EqualFold(s, ch) {
			c.value, c.set = ch, true
			return nil
		}
	}
	return fmt.Errorf("want %s", strings.Join(c.choices, " or "))
}
