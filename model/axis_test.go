package model

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// topLabel is the label at the top of the first panel's y axis.
func (f *fixture) topLabel(t *testing.T) string {
	t.Helper()
	lines := strings.Split(ansi.Strip(f.m.View()), "\n")
	if len(lines) < 3 {
		t.Fatalf("no panel drawn:\n%s", strings.Join(lines, "\n"))
	}
	row := strings.TrimPrefix(lines[2], "│") // under the header and the top border
	label, _, _ := strings.Cut(row, "│")
	label, _, _ = strings.Cut(label, "┤")
	return strings.TrimSpace(label)
}

// The y axis holds while the rate wobbles across a step, and moves when
// the data outgrows it or needs half of it or less; each tick replaces the
// whole window, so only the new rate is in it.
func TestYAxisHoldsWhileTheDataWobbles(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(120, 40)
	for _, step := range []struct {
		rate float64
		want string
	}{
		{1190, "1.2K"},
		{1210, "1.5K"}, // grows at once
		{1190, "1.5K"}, // wobbles back: held (1.2K would do)
		{760, "1.5K"},  // needs 800 of it: more than half, held
		{1210, "1.5K"},
		{700, "1.5K"},
		{330, "400"}, // needs a quarter: shrinks
	} {
		f.feedRates(70, func(int) float64 { return step.rate })
		if got := f.topLabel(t); got != step.want {
			t.Fatalf("at %g/s the axis tops at %q, want %q", step.rate, got, step.want)
		}
	}
}
