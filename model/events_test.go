package model

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
)

// A restart (counters begin again) and a reconnect are marked on the time
// axis of every chart, and the legend says what the marks are.
func TestRestartAndReconnectMarkedOnTheTimeAxis(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(120, 40)
	f.feed(10)
	g := f.pctx.Glyphs
	if s := f.m.View(); strings.ContainsRune(s, g.Restart) || strings.ContainsRune(s, g.Reconnect) {
		t.Fatal("marks before anything happened")
	}
	// The server restarts: its counters are back near zero.
	f.tick++
	f.now = t0.Add(time.Duration(f.tick) * time.Second)
	f.send(ResultMsg(collect.Result{Host: 0, Snapshot: synth.Snapshot(0, 1, f.now)}))
	f.feedOnly(5) // then stops answering
	f.feed(3)     // and is back
	screen := ansi.Strip(f.m.View())
	axes := 0
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, "└") {
			axes += min(strings.Count(l, string(g.Restart)), strings.Count(l, string(g.Reconnect)))
		}
	}
	if axes != 4 {
		t.Errorf("%d time axes carry both marks, want all 4 charts':\n%s", axes, screen)
	}
	if strings.Count(screen, string(g.Restart)+" restart  "+string(g.Reconnect)+" reconnect") != 4 {
		t.Errorf("the legends do not say what the marks are:\n%s", screen)
	}
}
