package model

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/traffic-grapher/traffic_grapher/picture"
)

// s saves the visible page: a PNG of the stated size, whose plot holds
// the lines in their dashboard colours, and beside it the screen as text.
func TestSaveKeyWritesPictureAndText(t *testing.T) {
	dir := t.TempDir()
	pattern := filepath.Join(dir, "page-{iter}.png")
	f := newFixtureWith(t, time.Minute, func(c *ProgramContext) { c.SavePNG = pattern }, "edge1", "edge2")
	f.resize(120, 40)
	f.feed(30)
	cmd := f.key("s")
	if cmd == nil {
		t.Fatal("s returns no command")
	}
	// Every redraw of the feed saved one too (their commands not run);
	// s takes the next number.
	msg, ok := cmd().(savedMsg)
	if !ok || msg.err != nil || msg.path != filepath.Join(dir, "page-61.png") {
		t.Fatalf("save: %+v", msg)
	}
	f.send(msg)
	if foot := lastLine(ansi.Strip(f.m.View())); !strings.Contains(foot, "saved "+msg.path) {
		t.Errorf("footer %q", foot)
	}

	b, err := os.ReadFile(msg.path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != picture.DefaultSize.W || sz.Y != picture.DefaultSize.H {
		t.Errorf("picture %v, want %v", sz, picture.DefaultSize)
	}
	// Requests' Client line is #FFFF00 (pages/default.yaml), in the top
	// left panel; edge1's at 1K and edge2's at 2K make two rows of it.
	yellow := color.RGBA{0xff, 0xff, 0x00, 0xff}
	rows := map[int]int{}
	for y := 0; y < picture.DefaultSize.H/2; y++ {
		for x := 0; x < picture.DefaultSize.W/2; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == yellow {
				rows[y]++
			}
		}
	}
	long := 0
	for _, n := range rows {
		if n > 300 {
			long++
		}
	}
	if long < 2 {
		t.Errorf("the Client lines are not drawn across the plot: %d long rows of yellow", long)
	}

	text, err := os.ReadFile(picture.TextPath(msg.path))
	if err != nil {
		t.Fatal(err)
	}
	// The text is the screen when it was saved (the footer since says
	// where it went).
	screen := strings.Split(ansi.Strip(f.m.View()), "\n")
	saved := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(saved) != len(screen) || strings.Join(saved[:len(saved)-1], "\n") != strings.Join(screen[:len(screen)-1], "\n") {
		t.Errorf("the text beside the picture is not the screen:\n%s", string(text))
	}
}

// --save-png saves after each redraw, numbering by {iter}; paused, the
// screen stands still and nothing more is saved.
func TestSavePNGAfterEachRedraw(t *testing.T) {
	dir := t.TempDir()
	f := newFixtureWith(t, time.Minute, func(c *ProgramContext) { c.SavePNG = filepath.Join(dir, "p{iter}.png") }, "edge1")
	f.resize(100, 30)
	f.feed(2)
	cmd := f.m.handleRedraw()
	if cmd == nil {
		t.Fatal("a redraw saves nothing")
	}
	// The feed's two redraws were p1 and p2.
	if msg := cmd().(savedMsg); msg.err != nil || filepath.Base(msg.path) != "p3.png" {
		t.Fatalf("%+v", msg)
	}
	if msg := f.m.handleRedraw()().(savedMsg); filepath.Base(msg.path) != "p4.png" {
		t.Errorf("next picture %s", msg.path)
	}
	if _, err := os.Stat(filepath.Join(dir, "p3.txt")); err != nil {
		t.Errorf("no text beside the picture: %v", err)
	}
	f.key("space")
	if f.m.handleRedraw() != nil {
		t.Error("paused, a redraw still saves")
	}
}
