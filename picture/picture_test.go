package picture

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

func history(t0 time.Time, vs ...float64) *metrics.History {
	h := metrics.NewHistory(time.Hour, 1000)
	for i, v := range vs {
		h.Add(metrics.Point{T: t0.Add(time.Duration(i) * time.Second), V: v})
	}
	return h
}

func TestDrawsLinesLimitsAndSize(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	p := Page{Title: "ATS · test", Footer: "ALERT edge1 Client 9 > 5 for 10s", Panels: []Panel{{
		Title: "Requests/sec", Mark: "CRIT", Start: t0, End: t0.Add(59 * time.Second), MinY: 0, MaxY: 10, MaxGap: 6 * time.Second,
		Lines:  []Line{{Color: "#00ff00", Host: 0, Hist: history(t0, repeat(9, 60)...)}, {Color: "#00ff00", Host: 1, Hist: history(t0, repeat(2, 60)...)}},
		Limits: []Limit{{Value: 5, Crit: true}}, XLabels: [3]string{"-60s", "-30s", "now"},
		Legend: []LegendItem{{Text: "Client", Color: "#00ff00"}, {Text: "edge2", Color: "#cccccc", Host: 1}},
	}}}
	b, err := Bytes(p, Size{800, 500})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 800 || img.Bounds().Dy() != 500 {
		t.Fatalf("size %v", img.Bounds())
	}
	count := func(want [3]uint32) (n int) {
		for y := 0; y < 500; y++ {
			for x := 0; x < 800; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if [3]uint32{r >> 8, g >> 8, b >> 8} == want {
					n++
				}
			}
		}
		return n
	}
	if solid := count([3]uint32{0, 0xff, 0}); solid < 1000 {
		t.Errorf("%d green pixels: the lines are not drawn", solid)
	}
	if red := count([3]uint32{0xff, 0x40, 0x40}); red < 200 {
		t.Errorf("%d red pixels: the critical limit and footer are not drawn", red)
	}
	if _, err := Bytes(p, Size{10, 10}); err == nil {
		t.Error("a 10x10 picture is drawn")
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// Any values, any range, any size within bounds: a picture, no panic.
func FuzzDraw(f *testing.F) {
	f.Add(1.0, 2.0, 0.0, 10.0, 5.0, 400, 300)
	f.Add(math.Inf(1), math.NaN(), -1e308, 1e308, math.NaN(), 200, 150)
	f.Add(-5.0, 1e300, 3.0, 3.0, -1.0, 1000, 200)
	f.Fuzz(func(t *testing.T, a, b, lo, hi, limit float64, w, h int) {
		t0 := time.Unix(1e9, 0)
		p := Page{Title: "fuzz", Panels: []Panel{{
			Title: "x", Start: t0, End: t0.Add(3 * time.Second), MinY: lo, MaxY: hi, MaxGap: time.Second,
			Lines:  []Line{{Color: "#ffffff", Hist: history(t0, a, b, a, b)}},
			Limits: []Limit{{Value: limit}},
		}, {Title: "table", Rows: []string{"a row", "another"}}}}
		_, err := Bytes(p, Size{w%1200 + 1, h%900 + 1})
		if err != nil && (w%1200+1 >= 200 && h%900+1 >= 150) {
			t.Fatalf("size %dx%d: %v", w%1200+1, h%900+1, err)
		}
	})
}

// Where a picture cannot go is said plainly, naming the path, and
// nothing is left behind.
func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	p := Page{Title: "x"}
	for _, c := range []struct{ path, msg string }{
		{dir, "is a directory"},
		{dir + "/none/p.png", "the directory " + dir + "/none does not exist"},
	} {
		if err := Save(c.path, p, "text", Size{400, 300}); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Save(%s) = %v; want %q", c.path, err, c.msg)
		}
	}
	if err := Save(dir+"/p.png", p, "text", Size{400, 300}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left in the directory: %v (want p.png and p.txt)", entries)
	}
}
