package model

import (
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// zoomLevels are the windows + and - step through, besides the history
// itself (the widest) and 30 s (the narrowest).
var zoomLevels = []time.Duration{
	30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour,
	12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour, 168 * time.Hour,
}

// TimeView is the time navigation state: the zoom window, and while
// paused, where the view ends and where the cursor is. Collection goes on
// while paused; only what is shown stands still.
type TimeView struct {
	history time.Duration // the widest window: all that is kept
	window  time.Duration
	paused  bool
	end     time.Time
	cursor  time.Time
}

// NewTimeView shows the whole history, live.
func NewTimeView(history time.Duration) TimeView {
	return TimeView{history: history, window: history}
}

// Span is what to draw, live data ending at newest.
func (t *TimeView) Span(newest time.Time, absolute bool) metrics.Span {
	if t.paused {
		return metrics.Span{End: t.end, Window: t.window, Paused: true, Cursor: t.cursor, Absolute: absolute}
	}
	return metrics.Span{End: newest, Window: t.window, Absolute: absolute}
}

// Paused reports whether the view stands still.
func (t *TimeView) Paused() bool { return t.paused }

// Window is the zoom window.
func (t *TimeView) Window() time.Duration { return t.window }

// Pause freezes the view at newest with the cursor there.
func (t *TimeView) Pause(newest time.Time) {
	t.paused, t.end, t.cursor = true, newest, newest
}

// PauseAt freezes the view with the cursor at t, t on the view (a replay's
// jump back in time).
func (t *TimeView) PauseAt(at, newest time.Time) {
	if !t.paused {
		t.paused, t.end = true, newest
	}
	t.cursor = at
	if at.After(newest) {
		t.cursor = newest
	}
	t.follow(newest)
}

// Resume goes back to the live view.
func (t *TimeView) Resume() { t.paused = false }

// Step is how far one scroll key moves the cursor: a thirtieth of the
// window (2 s of a minute, 48 min of a day), at least one interval.
func (t *TimeView) Step(interval time.Duration) time.Duration {
	return max(t.window/30, interval)
}

// Scroll moves the cursor by steps (negative: back in time), staying
// between oldest and newest (what the history holds); the view pans when
// the cursor reaches an edge.
func (t *TimeView) Scroll(steps int, interval time.Duration, oldest, newest time.Time) {
	if !t.paused {
		return
	}
	c := t.cursor.Add(time.Duration(steps) * t.Step(interval))
	if !oldest.IsZero() && c.Before(oldest) {
		c = oldest
	}
	if c.After(newest) {
		c = newest
	}
	t.cursor = c
	t.follow(newest)
}

// follow pans the paused view so that the cursor is on it.
func (t *TimeView) follow(newest time.Time) {
	switch {
	case t.cursor.Before(t.end.Add(-t.window)):
		t.end = t.cursor.Add(t.window)
	case t.cursor.After(t.end):
		t.end = t.cursor
	}
	if t.end.After(newest) {
		t.end = newest
	}
}

// ZoomIn narrows the window one level, to 30 s at least (or the history if
// shorter).
func (t *TimeView) ZoomIn(newest time.Time) {
	w := t.window
	for i := len(zoomLevels) - 1; i >= 0; i-- {
		if zoomLevels[i] < t.window {
			w = zoomLevels[i]
			break
		}
	}
	t.window = min(w, t.history)
	if t.paused {
		// keep the cursor in view, centred if it would fall off
		if t.cursor.Before(t.end.Add(-t.window)) {
			t.end = t.cursor.Add(t.window / 2)
			t.follow(newest)
		}
	}
}

// ZoomOut widens the window one level, up to the history.
func (t *TimeView) ZoomOut() {
	w := t.history
	for _, l := range zoomLevels {
		if l > t.window {
			w = l
			break
		}
	}
	t.window = min(w, t.history)
}
