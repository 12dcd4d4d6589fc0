package collect

import (
	"testing"
	"time"
)

func TestUntilTickFallsOnWholeIntervals(t *testing.T) {
	base := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at       time.Duration // after base
		interval time.Duration
		want     time.Duration
	}{
		{0, time.Second, time.Second},
		{300 * time.Millisecond, time.Second, 700 * time.Millisecond},
		{999 * time.Millisecond, time.Second, 1001 * time.Millisecond}, // too near: the next one
		{4 * time.Second, 10 * time.Second, 6 * time.Second},
		{9500 * time.Millisecond, 10 * time.Second, 10500 * time.Millisecond},
	} {
		if got := untilTick(base.Add(c.at), c.interval); got != c.want {
			t.Errorf("at +%s every %s: %s, want %s", c.at, c.interval, got, c.want)
		}
	}
}
