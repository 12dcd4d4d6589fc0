package model

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
)

// withColorProfile renders with a real colour profile for one test (the
// golden screens use ASCII, which hides colour whatever the styles say).
func withColorProfile(t *testing.T, p termenv.Profile) {
	lipgloss.SetColorProfile(p)
	t.Cleanup(func() { lipgloss.SetColorProfile(termenv.Ascii) })
}

var sgr = regexp.MustCompile("\x1b\\[([0-9;]*)m")

// colourCodes lists the SGR parameters in s that set a colour (foreground
// or background, any palette); bold, reverse and resets are not colours.
func colourCodes(s string) []string {
	var out []string
	for _, m := range sgr.FindAllStringSubmatch(s, -1) {
		params := strings.Split(m[1], ";")
		for i := 0; i < len(params); i++ {
			n, _ := strconv.Atoi(params[i])
			switch {
			case n == 38 || n == 48:
				out = append(out, m[0])
				i = len(params)
			case n >= 30 && n <= 37, n >= 40 && n <= 47, n >= 90 && n <= 97, n >= 100 && n <= 107:
				out = append(out, m[0])
			}
		}
	}
	return out
}

// everyScreen drives a model through charts, pause, absolute, help and the
// readout, returning each screen.
func everyScreen(f *fixture) []string {
	var screens []string
	snap := func() { screens = append(screens, f.m.View()) }
	snap()
	f.key("space")
	f.key("left")
	snap()
	f.key("space")
	f.key("a")
	snap()
	f.key("a")
	f.key("?")
	snap()
	f.key("esc")
	f.key("r")
	snap()
	f.key("r")
	for _, p := range []string{"2", "3", "4"} {
		f.key(p)
		snap()
	}
	return screens
}

func TestNoColorHasNoColourCodes(t *testing.T) {
	withColorProfile(t, termenv.TrueColor)
	// The default styles do use colour with this profile...
	f := newFixture(t, "edge1", "edge2")
	f.resize(120, 40)
	f.feed(20)
	if len(colourCodes(f.m.View())) == 0 {
		t.Fatal("the test cannot see colours: no colour codes with the default styles")
	}
	// ...the no-colour styles never do, on any screen, and bold survives.
	g := newFixtureWith(t, time.Minute, func(c *ProgramContext) { c.Styles = NoColorStyles() }, "edge1", "edge2")
	g.resize(120, 40)
	g.feed(20)
	for i, s := range everyScreen(g) {
		if codes := colourCodes(s); len(codes) > 0 {
			t.Fatalf("screen %d has colour codes %q:\n%s", i, codes[:min(len(codes), 5)], s)
		}
		if !strings.Contains(s, "\x1b[1m") {
			t.Fatalf("screen %d has no bold at all", i)
		}
	}
}

func TestNoColorTellsSeriesApartByMarkers(t *testing.T) {
	f := newFixtureWith(t, time.Minute, func(c *ProgramContext) { c.Styles = NoColorStyles() }, "edge1")
	f.resize(160, 45)
	f.feed(60)
	req := f.m.pages[0].panels[0].View()
	// Client ● and Origin ◆ each appear along their lines, not just at the
	// newest point, and the legend says which is which.
	if strings.Count(req, "●") < 4 || strings.Count(req, "◆") < 4 {
		t.Fatalf("markers along the lines missing:\n%s", req)
	}
	if !strings.Contains(req, "● Client") || !strings.Contains(req, "◆ Origin") {
		t.Fatalf("legend does not name the markers:\n%s", req)
	}
	// With colour, only the newest point is marked.
	g := newFixture(t, "edge1")
	g.resize(160, 45)
	g.feed(60)
	if n := strings.Count(g.m.pages[0].panels[0].View(), "●"); n != 2 {
		t.Fatalf("coloured chart has %d ● (newest point and legend)", n)
	}
}

func hasBraille(s string) bool {
	for _, r := range s {
		if r >= 0x2800 && r <= 0x28FF {
			return true
		}
	}
	return false
}

func TestGlyphModesDrawWithoutBraille(t *testing.T) {
	for _, set := range []chart.GlyphSet{chart.GlyphsBlock, chart.GlyphsASCII} {
		for _, size := range []struct{ w, h int }{{80, 24}, {160, 45}} {
			f := newFixtureWith(t, time.Minute, func(c *ProgramContext) { c.Glyphs = chart.GlyphsFor(set) }, "e1", "e2", "e3", "e4")
			f.resize(size.w, size.h)
			f.feed(40)
			for i, s := range everyScreen(f) {
				assertFrame(t, s, size.w, size.h)
				if hasBraille(s) {
					t.Fatalf("%v %dx%d screen %d has braille:\n%s", set, size.w, size.h, i, s)
				}
				if set == chart.GlyphsASCII {
					for _, r := range s {
						if r > 0x7e {
							t.Fatalf("ascii %dx%d screen %d has %q:\n%s", size.w, size.h, i, r, s)
						}
					}
				}
			}
		}
	}
	// And they do draw lines: the first chart has plot cells.
	for set, cells := range map[chart.GlyphSet]string{chart.GlyphsBlock: "▀▄█", chart.GlyphsASCII: "'-.|:"} {
		f := newFixtureWith(t, time.Minute, func(c *ProgramContext) { c.Glyphs = chart.GlyphsFor(set) }, "edge1")
		f.resize(120, 40)
		f.feed(40)
		if p := f.m.pages[0].panels[3].View(); !strings.ContainsAny(p, cells) {
			t.Fatalf("%v draws no line:\n%s", set, p)
		}
	}
}

// At 80x24 every page shows its four panels with their titles readable.
func TestEveryPageFits80x24(t *testing.T) {
	for _, hosts := range [][]string{{"edge1"}, {"e1", "e2", "e3", "e4"}} {
		for _, set := range []chart.GlyphSet{chart.GlyphsBraille, chart.GlyphsBlock, chart.GlyphsASCII} {
			f := newFixtureWith(t, time.Minute, func(c *ProgramContext) { c.Glyphs = chart.GlyphsFor(set) }, hosts...)
			f.resize(80, 24)
			f.feed(20)
			for pi, pg := range f.pctx.Dashboard.Pages {
				f.page(pi)
				view := f.m.View()
				assertFrame(t, view, 80, 24)
				for _, panel := range pg.Panels {
					if !strings.Contains(view, f.pctx.Glyphs.H+" "+panel.Title) {
						t.Fatalf("%v, %d hosts, page %d: title %q not readable:\n%s", set, len(hosts), pi+1, panel.Title, view)
					}
				}
				if n := strings.Count(view, f.pctx.Glyphs.TL+f.pctx.Glyphs.H+" "); n != len(pg.Panels) {
					t.Fatalf("%v page %d: %d panels", set, pi+1, n)
				}
			}
		}
	}
}

func TestChartLabelsWindowMinMaxOnTheYAxis(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(120, 40)
	f.feed(30)
	conn := f.m.pages[0].panels[3].View()
	// Client connections range 500..590 this minute; origin 100..190.
	for _, want := range []string{"590┤", "100┤"} {
		if !strings.Contains(conn, want) {
			t.Fatalf("y axis lacks %q:\n%s", want, conn)
		}
	}
}

// A colour is worked out once for each terminal profile, as lipgloss
// would at every Render.
func TestFixedColours(t *testing.T) {
	for _, in := range []string{"#FF4040", "#808080", "#00FFFF", "#8A6D00"} {
		c, ok := fixed(lipgloss.Color(in)).(lipgloss.CompleteColor)
		if !ok {
			t.Fatalf("fixed(%s) is not a complete colour", in)
		}
		for _, tc := range []struct {
			profile termenv.Profile
			got     string
		}{{termenv.TrueColor, c.TrueColor}, {termenv.ANSI256, c.ANSI256}, {termenv.ANSI, c.ANSI}} {
			want := tc.profile.Color(in).Sequence(false)
			if seq := tc.profile.Color(tc.got).Sequence(false); seq != want {
				t.Errorf("%s in profile %v: %q, lipgloss would give %q", in, tc.profile, seq, want)
			}
		}
	}
	if got := fixed("3"); got != lipgloss.Color("3") {
		t.Errorf("an ANSI number: %#v; want it as it is", got)
	}
}

func TestLightThemeDarkensBrightColours(t *testing.T) {
	for in, want := range map[string]string{
		"#FFFF00": "#606000", // yellow on white would vanish
		"#00FFFF": "#007171",
		"#FF0000": "#FF0000", // dark enough already
		"3":       "3",       // not #rrggbb: left alone
	} {
		if got := darkenForLight(lipgloss.Color(in)); string(got) != want {
			t.Errorf("darkenForLight(%s) = %s, want %s", in, got, want)
		}
	}
	light := LightStyles()
	if c, ok := light.SeriesStyle("#FFFF00", 0).GetForeground().(lipgloss.CompleteColor); !ok || c.TrueColor != "#606000" {
		t.Fatal("light theme does not darken dashboard colours")
	}
	if NoColorStyles().SeriesStyle("#FFFF00", 0).GetForeground() != (lipgloss.NoColor{}) {
		t.Fatal("no-colour styles colour a series")
	}
}

func TestParseGlyphSet(t *testing.T) {
	for in, want := range map[string]chart.GlyphSet{"braille": chart.GlyphsBraille, "BLOCK": chart.GlyphsBlock, "ascii": chart.GlyphsASCII} {
		if got, err := chart.ParseGlyphSet(in); err != nil || got != want {
			t.Errorf("chart.ParseGlyphSet(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := chart.ParseGlyphSet("emoji"); err == nil {
		t.Error("emoji accepted")
	}
}
