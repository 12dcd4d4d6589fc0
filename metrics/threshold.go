package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Thresholds: a dashboard metric may say when its values are a warning
// or critical (warn: and crit:, optionally held for: a while). Whether a
// series is alerting is judged here, from its history, and nowhere else:
// the screen, the readout, --once and --batch all ask Limits.Judge.
// Judging from the history rather than keeping state per tick means a
// replay, a paused view and a --once all see the alert the live screen
// saw at that instant.

// Threshold is a limit a series' values cross by going above it or, with
// Below, under it.
type Threshold struct {
	Value float64
	Below bool
}

// Crossed says v is beyond the limit. NaN crosses nothing.
func (t Threshold) Crossed(v float64) bool {
	if t.Below {
		return v < t.Value
	}
	return v > t.Value
}

// Op is "<" or ">", as the footer writes the crossing.
func (t Threshold) Op() string {
	if t.Below {
		return "<"
	}
	return ">"
}

// Spoken is "above 2" or "below 80", for the readout.
func (t Threshold) Spoken(u Unit) string {
	w := "above "
	if t.Below {
		w = "below "
	}
	return w + Spoken(t.Value, u)
}

// ParseThreshold reads a limit: a number (crossed above it), or a number
// after ">", "<", "above" or "below": "2", "> 2", "<80", "below 80".
func ParseThreshold(s string) (Threshold, error) {
	t := strings.TrimSpace(s)
	var th Threshold
	switch {
	case strings.HasPrefix(t, ">"):
		t = t[1:]
	case strings.HasPrefix(t, "<"):
		t, th.Below = t[1:], true
	case strings.HasPrefix(strings.ToLower(t), "above"):
		t = t[len("above"):]
	case strings.HasPrefix(strings.ToLower(t), "below"):
		t, th.Below = t[len("below"):], true
	}
	if strings.HasPrefix(t, "=") {
		return Threshold{}, fmt.Errorf("%q: >= and <= are not limits here; write > or < (a value equal to the limit does not cross it)", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Threshold{}, fmt.Errorf("%q is not a limit: want a number, crossed above it, or \"> N\", \"< N\", \"above N\", \"below N\"", s)
	}
	th.Value = v
	return th, nil
}

// Level is how bad a series is against its limits.
type Level int8

const (
	LevelOK Level = iota
	LevelWarn
	LevelCrit
)

func (l Level) String() string {
	switch l {
	case LevelWarn:
		return "warning"
	case LevelCrit:
		return "critical"
	}
	return "ok"
}

// Limits are a metric's thresholds: either may be unset. For is how long
// every sample must have crossed a limit before the series is alerting.
type Limits struct {
	Warn, Crit *Threshold
	For        time.Duration
}

// Set says the metric has a limit at all.
func (l Limits) Set() bool { return l.Warn != nil || l.Crit != nil }

// Check says what is wrong with a pair of limits, or "": a critical
// limit that a warning one lies beyond would make the warning unreachable
// or the directions disagree.
func (l Limits) Check() string {
	if l.Warn == nil || l.Crit == nil {
		return ""
	}
	w, c := *l.Warn, *l.Crit
	switch {
	case w.Below != c.Below:
		return fmt.Sprintf("warn: is crossed %s %g and crit: %s %g; both must be crossed the same way", dir(w), w.Value, dir(c), c.Value)
	case !w.Below && c.Value < w.Value, w.Below && c.Value > w.Value:
		return fmt.Sprintf("crit: %s %g is less severe than warn: %s %g; swap them", dir(c), c.Value, dir(w), w.Value)
	}
	return ""
}

func dir(t Threshold) string {
	if t.Below {
		return "below"
	}
	return "above"
}

// Alert is what a series' history says against its limits at an
// instant: its Level, the limit crossed and since when every sample has
// crossed it, and the value then.
type Alert struct {
	Level     Level
	Threshold Threshold
	Since     time.Time
	Value     float64
	// Crossed says the latest value crosses a limit, whether or not it
	// has done so for long enough (Level is then LevelOK).
	Crossed bool
}

// AlertLookback is how far back Judge looks for the start of a crossing:
// a run older than this is said to have lasted this long ("for 1h+").
const AlertLookback = time.Hour

// Judge reads h up to at: the series is alerting at a level when its
// samples have crossed that level's limit without a break since at least
// l.For before at, up to a sample no more than maxGap before at. A gap longer
// than maxGap (the host was down) ends a run: the crossing starts again
// when the samples do. No sample within maxGap of at: nothing to judge,
// LevelOK.
func (l Limits) Judge(h *History, at time.Time, maxGap time.Duration) Alert {
	if !l.Set() || h == nil {
		return Alert{}
	}
	from := at.Add(-max(AlertLookback, 2*l.For))
	var last Point
	var lastStep time.Duration
	have := false
	var warnSince, critSince time.Time
	h.WalkAt(from, at, 0, func(p Point, step time.Duration) {
		if p.T.After(at) || math.IsNaN(p.V) {
			return
		}
		if have && p.T.Sub(last.T) > maxGap+max(step, lastStep) {
			warnSince, critSince = time.Time{}, time.Time{}
		}
		run := func(t *Threshold, since *time.Time) {
			switch {
			case t == nil || !t.Crossed(p.V):
				*since = time.Time{}
			case since.IsZero():
				*since = p.T
			}
		}
		run(l.Warn, &warnSince)
		run(l.Crit, &critSince)
		last, lastStep, have = p, step, true
	})
	if !have || at.Sub(last.T) > maxGap+lastStep {
		return Alert{}
	}
	a := Alert{Value: last.V}
	for _, c := range []struct {
		t     *Threshold
		since time.Time
		level Level
	}{{l.Crit, critSince, LevelCrit}, {l.Warn, warnSince, LevelWarn}} {
		if c.since.IsZero() {
			continue
		}
		a.Crossed = true
		// Held from the first crossing sample until the instant judged
		// (the last sample is current, within maxGap), give or take the
		// samples' jitter: four samples a second apart, each taken a few
		// milliseconds off the second, have held 3 s.
		if at.Sub(c.since)+forJitter(l.For) >= l.For {
			a.Level, a.Threshold, a.Since = c.level, *c.t, c.since
			return a
		}
	}
	return a
}

// forJitter is how much short of for: a run may be and still hold it: a
// tenth of it, at most half a second.
func forJitter(d time.Duration) time.Duration { return min(d/10, 500*time.Millisecond) }

// Worst is the higher of two levels.
func Worst(a, b Level) Level { return max(a, b) }
