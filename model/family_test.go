package model

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pageNamed is the index of the built-in page called name.
func (f *fixture) pageNamed(t *testing.T, name string) int {
	t.Helper()
	for i, p := range f.pctx.Dashboard.Pages {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no page %q", name)
	return -1
}

// The per-origin and per-remap pages over two simulated hosts after 70 s,
// when every remap rule and origin has appeared: charts draw the top
// members and the rest as one line, tables list every member, and o
// changes the tables' order.
func TestFamilyPages(t *testing.T) {
	if testing.Short() {
		t.Skip("drives two simulators for 70 s of simulated time")
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x60", 200, 60}} {
		f := newFixtureWith(t, time.Minute, nil, "edge1", "edge2")
		f.resize(size.w, size.h)
		f.feedFromSimulators(t, 70)
		for _, name := range []string{"Origins", "Remaps"} {
			f.page(f.pageNamed(t, name))
			got := f.m.View()
			assertFrame(t, got, size.w, size.h)
			checkGolden(t, filepath.Join("testdata", "family", name+"_"+size.name+".golden"), got)
		}
	}

	f := newFixtureWith(t, time.Minute, nil, "edge1")
	f.resize(200, 60)
	f.feedFromSimulators(t, 70)
	f.page(f.pageNamed(t, "Remaps"))
	view := f.m.View()
	// Six rules, four drawn: two taken together.
	if !strings.Contains(view, "★ 2 other") {
		t.Errorf("the charts do not take the rest together:\n%s", view)
	}
	// api.example.com, the sick one, heads the table by mean and by value
	// now; by name, api still leads (a < b < i < s < v < w).
	rowsOf := func(view string) []string {
		var out []string
		for _, l := range strings.Split(view, "\n") {
			i := strings.Index(l, "╭─ 5xx % by remap, worst first")
			if i < 0 && len(out) == 0 {
				continue
			}
			if len(out) == 0 {
				out = append(out, l)
				continue
			}
			right := l[strings.LastIndex(l, "││")+1:] // the table is the right-hand panel
			for _, h := range []string{"api.example.com", "beta.example.com", "img.example.com", "static.example.org", "video.example.net", "www.example.com"} {
				if strings.Contains(right, h) {
					out = append(out, h)
				}
			}
			if len(out) == 7 {
				break
			}
		}
		return out
	}
	for _, want := range []struct {
		key, order, first, last string
	}{
		{"", "by window mean", "api.example.com", ""},
		{"o", "by current value", "api.example.com", ""},
		{"o", "by name", "api.example.com", "www.example.com"},
		{"o", "by window mean", "api.example.com", ""},
	} {
		if want.key != "" {
			f.key(want.key)
		}
		rows := rowsOf(f.m.View())
		if len(rows) != 7 {
			t.Fatalf("%s: table rows %q", want.order, rows)
		}
		if !strings.Contains(rows[0], want.order) || rows[1] != want.first || (want.last != "" && rows[6] != want.last) {
			t.Errorf("after %q: %q", want.key, rows)
		}
	}
}
