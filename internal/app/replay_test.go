package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/synth"
	"github.com/traffic-grapher/traffic_grapher/internal/textdiff"
	"github.com/traffic-grapher/traffic_grapher/model"
	"github.com/traffic-grapher/traffic_grapher/record"
	"github.com/traffic-grapher/traffic_grapher/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// recStart is when synthRecording's recordings begin.
var recStart = time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)

// synthRecording writes a recording of two hosts sampled every second for
// d, with synth's values (host 1 serving twice host 0's requests), and a
// 20 s outage of host 1 from 5 minutes in.
func synthRecording(t testing.TB, d time.Duration) string {
	t.Helper()
	return synthRecordingEvery(t, d, time.Second)
}

// synthRecordingEvery is synthRecording sampled every step.
func synthRecordingEvery(t testing.TB, d, step time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "day.tgrec")
	w, err := record.Create(path, []record.Host{{Name: "edge1", Source: "test"}, {Name: "edge2", Source: "test"}}, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range int(d / step) {
		at := recStart.Add(time.Duration(i) * step)
		for h := range 2 {
			if h == 1 && at.Sub(recStart) >= 5*time.Minute && at.Sub(recStart) < 5*time.Minute+20*time.Second {
				w.Failure(h, at, "connection refused")
				continue
			}
			if err := w.Sample(h, at, synth.Snapshot(h, i, at).Values); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// replayModel loads the recording as `replay` would, with args, and
// drives its screen at w x h by messages, as Bubble Tea would.
type replayScreen struct {
	t      *testing.T
	m      *model.Model
	player *player
	feed   <-chan collect.Result
}

func newReplayScreen(t *testing.T, path string, w, h int, args ...string) *replayScreen {
	t.Helper()
	o, err := parseReplayArgs(append(args, "--glyphs", "ascii", path), &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := loadReplay(o)
	if err != nil {
		t.Fatal(err)
	}
	p := &player{r: r, sum: r.sum, loc: r.loc, wake: make(chan struct{}, 1)}
	r.pctx.Player = p
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := &replayScreen{t: t, player: p, feed: p.feed(ctx)}
	s.m = model.New(r.pctx, r.data, nil, 0)
	s.m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return s
}

func (s *replayScreen) key(k string) {
	msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
	switch k {
	case "space":
		msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "enter":
		msg = tea.KeyMsg{Type: tea.KeyEnter}
	case "left":
		msg = tea.KeyMsg{Type: tea.KeyLeft}
	}
	s.m.Update(msg)
}

// deliver hands the screen the entries the player delivers up to t
// (both hosts' entries at t included).
func (s *replayScreen) deliver(t time.Time) {
	s.t.Helper()
	timeout := time.After(10 * time.Second)
	for got := 0; got < 2; {
		select {
		case r := <-s.feed:
			s.m.Update(model.ResultMsg(r))
			if r.Snapshot.Time.Equal(t) || r.Err != nil && !r.Snapshot.Time.Before(t) {
				got++
			}
		case <-timeout:
			s.t.Fatalf("the player delivered nothing up to %v", t)
		}
	}
	s.m.Update(model.RedrawMsg())
}

func (s *replayScreen) view() string { return s.m.View() }

func checkReplayGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/app -run Replay -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("screen differs from %s (-update rewrites it):\n%s", path, textdiff.Lines(string(want), got))
	}
}

// A replay shows a recording as it stood at --at, on the live screen:
// the header says so and where, the outage in it is a gap.
func TestReplayScreensAtGivenTimes(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	path := synthRecording(t, 10*time.Minute)
	for _, c := range []struct {
		name, at, state string
	}{
		{"replay_after_outage_100x30", "14:06", "stopped"},
		{"replay_end_100x30", "", "at the end"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--history", "10m"}
			if c.at != "" {
				args = append(args, "--at", c.at)
			}
			s := newReplayScreen(t, path, 100, 30, args...)
			screen := s.view()
			if !strings.Contains(strings.SplitN(screen, "\n", 2)[0], "ATS replay ("+c.state+")") {
				t.Errorf("header: %s", strings.SplitN(screen, "\n", 2)[0])
			}
			checkReplayGolden(t, c.name, screen)
		})
	}
}

// The replay's keys: space plays, > and < change the speed, t jumps
// forward (the entries up to there arrive at once) or back (the view
// pauses there), scroll-back and zoom work over what was replayed.
func TestReplayKeys(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	path := synthRecording(t, 10*time.Minute)
	s := newReplayScreen(t, path, 100, 30, "--at", "14:02", "--history", "10m")
	p := s.player
	head := func() string { return strings.SplitN(s.view(), "\n", 2)[0] }

	s.key(">")
	s.key(">")
	if p.Speed() != 5 || p.Playing() {
		t.Errorf("two > from x1, stopped: speed %v playing %v", p.Speed(), p.Playing())
	}
	s.key("space")
	if !p.Playing() || !strings.Contains(head(), "(playing x5)") {
		t.Errorf("space does not play: %s", head())
	}
	for range 10 {
		s.key(">")
	}
	s.key("<")
	if p.Speed() != 30 {
		t.Errorf("speed %v after ten > and one <, want 30 (x60 is the top)", p.Speed())
	}
	s.key("space")
	if p.Playing() || !strings.Contains(head(), "(stopped)") {
		t.Errorf("space does not stop: %s", head())
	}

	// Forward: entries up to 14:08 are delivered at once, stopped or not.
	s.key("t")
	for _, r := range "14:08" {
		s.key(string(r))
	}
	if !strings.Contains(lastLineOf(s.view()), "Jump to") {
		t.Errorf("t does not ask where to: %q", lastLineOf(s.view()))
	}
	s.key("enter")
	s.deliver(recStart.Add(8 * time.Minute))
	if got := p.r.clock.now(); !got.Equal(recStart.Add(8 * time.Minute)) {
		t.Errorf("clock at %v after jumping to 14:08", got)
	}
	if !strings.Contains(head(), "14:08:00") {
		t.Errorf("header after the jump: %s", head())
	}

	// Back into what is shown: the view pauses with the cursor there.
	s.key("t")
	for _, r := range "-7m" { // from the recording's end, 14:09:59
		s.key(string(r))
	}
	s.key("enter")
	if h := head(); !strings.Contains(h, "PAUSED") || !strings.Contains(h, "14:02:59") {
		t.Errorf("jumping back does not pause at 14:02:59: %s", h)
	}
	s.key("left")
	if h := head(); !strings.Contains(h, "14:02:39") {
		t.Errorf("scrolling back from the jump: %s", h)
	}

	// A time it cannot read is said, and the prompt stays.
	s.key("t")
	for _, r := range "soon" {
		s.key(string(r))
	}
	s.key("enter")
	if l := lastLineOf(s.view()); !strings.Contains(l, `"soon": want a time`) {
		t.Errorf("a bad time: %q", l)
	}
}

func lastLineOf(s string) string { return s[strings.LastIndexByte(s, '\n')+1:] }

// Over a replayed day: zoomed out to the whole day, scrolled back hours,
// the values are those of the recording at the cursor.
func TestReplayDayScrollAndZoom(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	path := synthRecordingEvery(t, 24*time.Hour, 10*time.Second)
	s := newReplayScreen(t, path, 120, 40)
	head := func() string { return strings.SplitN(s.view(), "\n", 2)[0] }
	if !strings.Contains(s.view(), "-24h") {
		t.Fatalf("a day's recording is not shown whole:\n%s", s.view())
	}
	for range 4 {
		s.key("+") // 24h (the history is a day and 20 s), 12h, 6h, 3h
	}
	if !strings.Contains(lastLineOf(s.view()), "3h of 24h") {
		t.Errorf("zoom: %s", lastLineOf(s.view()))
	}
	s.key("space") // plays: live, so pause with [ to scroll
	s.key("space")
	s.key("[")
	for range 30 {
		s.key("[") // a thirtieth of 3 h a step
	}
	if h := head(); !strings.Contains(h, "PAUSED") || !strings.Contains(h, "(-3h6m)") {
		t.Errorf("31 steps back of 6 min: %s", h)
	}
	if title := strings.SplitN(s.view(), "\n", 3)[1]; !strings.Contains(title, "Client 100/200") {
		t.Errorf("values at the cursor: %s", title)
	}
}

// --save-png needs no terminal: --once and replay --once save the first
// page's picture and its text.
func TestSavePNGHeadless(t *testing.T) {
	dir := t.TempDir()
	rec := synthRecording(t, 5*time.Minute)
	for _, args := range [][]string{
		{"--demo", "--once", "--interval", "1", "--save-png", filepath.Join(dir, "once.png")},
		{"replay", "--once", "--at", "14:03", "--save-png", filepath.Join(dir, "replay-{iter}.png"), rec},
	} {
		var out, errb strings.Builder
		if status := run(args, &out, &errb); status != 0 {
			t.Fatalf("%q: status %d: %s", args, status, errb.String())
		}
	}
	for _, name := range []string{"once", "replay-1"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != 1600 {
			t.Errorf("%s.png: %v %v", name, img.Bounds(), err)
		}
		text, err := os.ReadFile(filepath.Join(dir, name+".txt"))
		if err != nil || !strings.Contains(string(text), "Requests/sec") || len(strings.Split(string(text), "\n")) != 49 {
			t.Errorf("%s.txt: %v\n%s", name, err, text)
		}
	}
	text, _ := os.ReadFile(filepath.Join(dir, "replay-1.txt"))
	if !strings.Contains(strings.SplitN(string(text), "\n", 2)[0], "14:03:00") {
		t.Errorf("the replay's picture is not at --at: %s", strings.SplitN(string(text), "\n", 2)[0])
	}
}

// A replay applies no more of the recording than its history holds (and
// a minute before, for the rates' baselines): --history makes a long
// recording quick to open.
func TestReplayAppliesOnlyItsHistory(t *testing.T) {
	path := synthRecordingEvery(t, 2*time.Hour, 10*time.Second)
	o, err := parseReplayArgs([]string{"--history", "10m", path}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := loadReplay(o)
	if err != nil {
		t.Fatal(err)
	}
	// edge2's outage five minutes in was not applied: no reconnect.
	if ev := r.data.Store().Events(1, recStart, recStart.Add(3*time.Hour)); len(ev) != 0 {
		t.Errorf("events of the recording's start were applied: %+v", ev)
	}
	if v, ok := r.data.Store().Series(1, 0).Latest(); !ok || v != 200 {
		t.Errorf("edge2's requests/s at the end %v, %v; want 200", v, ok)
	}
}

// replay --batch prints a recording's rounds as a live --batch prints its
// own: a line a round from --at, JSON or columns, --count of them.
func TestReplayBatch(t *testing.T) {
	path := synthRecording(t, 10*time.Minute)
	var out, errb bytes.Buffer
	if status := run([]string{"replay", "--batch", "--format", "json", "--at", "14:02", "--count", "5", path}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5", len(lines))
	}
	for i, l := range lines {
		var r report.Readout
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if want := recStart.Add(2*time.Minute + time.Duration(i+1)*time.Second); !r.Time.Equal(want) {
			t.Errorf("line %d at %v, want %v", i+1, r.Time, want)
		}
		if v := r.Pages[0].Panels[0].Metrics[0].Readings[1].Value; v == nil || *v != 2000 {
			t.Errorf("line %d: edge2's requests/s %v", i+1, v)
		}
	}

	out.Reset()
	if status := run([]string{"replay", "--batch", path}, &out, &errb); status != 0 {
		t.Fatalf("text: status %d: %s", status, errb.String())
	}
	text := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	// 599 rounds after the first (a header every 20 lines).
	if rows := len(text) - (599+19)/20; rows != 599 || !strings.HasPrefix(strings.TrimSpace(text[0]), "time") {
		t.Errorf("%d lines (%d rows); first %q", len(text), rows, text[0])
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"replay", "--batch", "--once", path}, "choose one"},
		{[]string{"replay", "--count", "3", path}, "need --batch"},
	} {
		if status := run(c.args, &out, &errb); status != 2 || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("%q: status %d, %s", c.args, status, errb.String())
		}
	}
}
