package model

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
)

// feedOnly delivers n more ticks for the given hosts only; the others have
// stopped answering (their collector reports errors).
func (f *fixture) feedOnly(n int, answering ...int) {
	for i := 0; i < n; i++ {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		for h := range f.pctx.Hosts {
			r := collect.Result{Host: h, Err: errors.New("connection refused")}
			for _, a := range answering {
				if a == h {
					r = collect.Result{Host: h, Snapshot: synth.Snapshot(h, f.tick, f.now)}
				}
			}
			f.send(ResultMsg(r))
		}
		f.send(clockMsg(f.now))
	}
}

// A host that stops answering must not have its last numbers shown as
// current: its values in titles are marked, the legend and the readout
// say for how long there has been no data, while the healthy host's values
// stay plain.
func TestDeadHostValuesAreShownStale(t *testing.T) {
	f := newFixture(t, "f1", "f2")
	f.resize(160, 45)
	f.feed(12)
	if s := f.m.View(); strings.Contains(s, StaleMark+"/") || strings.Contains(s, "no data") {
		t.Fatalf("stale marks while both hosts answer:\n%s", s)
	}
	f.feedOnly(14, 0) // f2 is gone for 14 s
	screen := f.m.View()
	client := regexp.MustCompile(`Client ([0-9.]+K)/([0-9.]+K)\` + StaleMark + ` `)
	if !client.MatchString(screen) {
		t.Fatalf("title does not mark f2's last value stale:\n%s", screen)
	}
	if !strings.Contains(screen, StaleMark+" no data: f2 14s") {
		t.Fatalf("legend does not say f2 has had no data for 14s:\n%s", screen)
	}
	f.key("r")
	text := f.m.View()
	if !regexp.MustCompile(`Client, f2: no data for 14 seconds; last [0-9.]+ thousand`).MatchString(text) {
		t.Fatalf("readout does not say f2's value is old:\n%s", text)
	}
	if !regexp.MustCompile(`Client, f1: [0-9.]+ thousand`).MatchString(text) {
		t.Fatalf("readout lost f1's current value:\n%s", text)
	}
}

// With one host, an outage must not freeze the screen: the time axis
// follows the clock, so the line ends before "now" and a gap grows, and
// the values are marked stale, even though no result arrives at all.
func TestSingleHostOutageMovesTheTimeAxis(t *testing.T) {
	f := newFixture(t, "edge1")
	f.resize(120, 40)
	f.feed(20)
	before := f.m.View()
	markerCol := func(screen string) int {
		for _, l := range strings.Split(screen, "\n") {
			if strings.Contains(l, "┤") || strings.Contains(l, "│") {
				if i := strings.IndexRune(l, '●'); i >= 0 {
					return len([]rune(l[:i]))
				}
			}
		}
		return -1
	}
	col0 := markerCol(before)
	// 10 s with no result at all, only the clock.
	for i := 0; i < 10; i++ {
		f.tick++
		f.now = t0.Add(time.Duration(f.tick) * time.Second)
		f.send(clockMsg(f.now))
	}
	after := f.m.View()
	if col1 := markerCol(after); col0 < 0 || col1 < 0 || col1 >= col0 {
		t.Fatalf("newest point stayed at column %d (was %d): the time axis did not follow the clock\nbefore:\n%s\nafter:\n%s", col1, col0, before, after)
	}
	if !strings.Contains(after, "Client ") || !regexp.MustCompile(`Client [0-9.]+K\?`).MatchString(after) {
		t.Fatalf("values not marked stale after 10 s without data:\n%s", after)
	}
	if !strings.Contains(after, StaleMark+" no data 10s") {
		t.Fatalf("legend does not say there has been no data for 10s:\n%s", after)
	}
	// The host comes back: marks go at once.
	f.feedOnly(3, 0)
	if s := f.m.View(); strings.Contains(s, "no data") {
		t.Fatalf("stale marks stayed after the host came back:\n%s", s)
	}
}
