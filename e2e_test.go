package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/pages"
)

// requireProgram finds a program the test drives for real. Under CI it must
// be there (scripts/install-test-deps installs it); elsewhere the test skips
// and says what is missing.
func requireProgram(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; scripts/install-test-deps should have installed it", name)
	}
	t.Skipf("%s is not installed; install it (apt-get install %s) to run this test", name, name)
	return ""
}

// buildBinary compiles traffic_grapher once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "traffic_grapher")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tmuxSession runs a command in a detached tmux session on a private server
// socket, so the user's own tmux is never touched.
type tmuxSession struct {
	t      *testing.T
	tmux   string
	socket string
}

func startTmux(t *testing.T, w, h int, argv ...string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, tmux: requireProgram(t, "tmux"), socket: filepath.Join(t.TempDir(), "tmux.sock")}
	args := []string{"-S", s.socket, "-f", "/dev/null", "new-session", "-d", "-s", "e2e",
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "--"}
	args = append(args, argv...)
	cmd := exec.Command(s.tmux, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	// The session keeps its pane after the program exits, so the test can
	// see how it ended.
	s.run("set-option", "-t", "e2e", "remain-on-exit", "on")
	t.Cleanup(func() { exec.Command(s.tmux, "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.tmux, append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	s.run(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

func (s *tmuxSession) screen() string { return s.run("capture-pane", "-p", "-t", "e2e") }

// waitFor polls the screen until cond holds: the program draws when data
// arrives, and the pane is the only place the test can watch for that.
func (s *tmuxSession) waitFor(what string, timeout time.Duration, cond func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.screen()
		if cond(screen) {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("timed out after %s waiting for %s; screen:\n%s", timeout, what, screen)
	return ""
}

// pageHeader is how the header names page n (from 1) of the built-in
// dashboard: "Page 2/15 Response Codes", or without a name "Page 2/15".
func pageHeader(n int, name string) string {
	h := fmt.Sprintf("Page %d/%d", n, len(pages.Default().Pages))
	if name != "" {
		h += " " + name
	}
	return h
}

func TestEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	requireProgram(t, "tmux")
	bin := buildBinary(t)
	dir := t.TempDir()
	stderr, exitFile, pidFile := filepath.Join(dir, "stderr"), filepath.Join(dir, "exit"), filepath.Join(dir, "pid")
	// The shell records the program's pid and exit status in files the
	// test can wait on.
	s := startTmux(t, 160, 45, "sh", "-c", `"$0" --demo edge1 edge2 2>"$1" & echo $! >"$3"; wait $!; echo $? >"$2"`,
		bin, stderr, exitFile, pidFile)

	hasBraille := func(sc string) bool {
		for _, r := range sc {
			if r > 0x2800 && r <= 0x28FF {
				return true
			}
		}
		return false
	}
	screen := s.waitFor("page 1 with charts and values", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, pageHeader(1, "Traffic & Cache")) && hasBraille(sc) &&
			strings.Contains(sc, "Requests/sec · Client ") && !strings.Contains(sc, "Client –/–")
	})
	firstValues := time.Now()
	if !strings.Contains(screen, "edge1") || !strings.Contains(screen, "edge2") {
		t.Fatalf("hosts not named on screen:\n%s", screen)
	}

	s.keys("l")
	s.waitFor("page 2", 5*time.Second, func(sc string) bool {
		return strings.Contains(sc, pageHeader(2, "Response Codes")) && strings.Contains(sc, "2xx Responses/sec")
	})
	s.keys("Right")
	s.waitFor("page 3", 5*time.Second, func(sc string) bool { return strings.Contains(sc, pageHeader(3, "TLS & HTTP/2")) })
	s.keys("4")
	s.waitFor("page 4 with values", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, pageHeader(4, "Network & Errors")) && hasBraille(sc) && strings.Contains(sc, "Client Bytes/sec · Read ")
	})
	s.keys("h")
	s.waitFor("back to page 3", 5*time.Second, func(sc string) bool { return strings.Contains(sc, pageHeader(3, "")) })
	s.keys("1")
	// Hit rates come last (ATS syncs them every 5 s): once both hosts have
	// one there are ~10 s of history to scroll back through.
	hitRates := regexp.MustCompile(`Hit Rate [0-9.]+%/[0-9.]+%`)
	s.waitFor("page 1 with both hit rates", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, pageHeader(1, "")) && hitRates.MatchString(sc)
	})

	testZoom(t, s)
	testReadout(t, s, hasBraille)
	// Scrolling 6 s back needs more history than that.
	time.Sleep(time.Until(firstValues.Add(12 * time.Second)))
	testPauseAndScrollBack(t, s)

	// Resize the window: the page is laid out again for the new size.
	s.run("resize-window", "-t", "e2e", "-x", "100", "-y", "30")
	s.waitFor("relayout at 100x30", 5*time.Second, func(sc string) bool {
		lines := strings.Split(strings.TrimRight(sc, "\n"), "\n")
		top := []rune(lines[1])
		return len(lines) == 30 && len(top) == 100 && top[0] == '╭' && top[49] == '╮' && top[50] == '╭' && top[99] == '╮'
	})

	s.keys("q")
	var status string
	defer func() {
		if t.Failed() && status == "" {
			// Still running: a goroutine dump says where it is stuck.
			if pid, err := os.ReadFile(pidFile); err == nil {
				exec.Command("kill", "-QUIT", strings.TrimSpace(string(pid))).Run()
				time.Sleep(time.Second)
			}
			dump, _ := os.ReadFile(stderr)
			t.Logf("stderr of the stuck program:\n%s", dump)
		}
	}()
	s.waitFor("exit on q", 10*time.Second, func(string) bool {
		b, err := os.ReadFile(exitFile)
		status = strings.TrimSpace(string(b))
		return err == nil && status != ""
	})
	if status != "0" {
		t.Fatalf("exit status %s after q", status)
	}
}

// axisLine is the first chart's time axis labels.
var axisLine = regexp.MustCompile(`(?m)^│ +(-\S+) +(-\S+) +now `)

// testZoom: + and - change the time axis' span.
func testZoom(t *testing.T, s *tmuxSession) {
	t.Helper()
	span := func(sc string) string {
		if m := axisLine.FindStringSubmatch(sc); m != nil {
			return m[1] + " " + m[2]
		}
		return ""
	}
	s.waitFor("the 60 s axis", 5*time.Second, func(sc string) bool { return span(sc) == "-60s -30s" })
	s.keys("+")
	s.waitFor("the axis zoomed to 30 s", 5*time.Second, func(sc string) bool {
		return span(sc) == "-30s -15s" && strings.Contains(sc, "30s of 60s")
	})
	s.keys("-")
	s.waitFor("the axis back at 60 s", 5*time.Second, func(sc string) bool { return span(sc) == "-60s -30s" })
}

// readoutLine is a readout sentence with a number, unit words and a trend.
var readoutLine = regexp.MustCompile(`(?m)^  Requests per second, Client, edge1: [0-9.]+( thousand)?, (rising|falling|steady)\. Min [0-9.]+`)

// testReadout: r shows the page as sentences, without braille or boxes.
func testReadout(t *testing.T, s *tmuxSession, hasBraille func(string) bool) {
	t.Helper()
	s.keys("r")
	wants := []string{
		"Page 1 of 16: Traffic & Cache. Hosts: edge1, edge2.\nValues now. Min, average, max, percentiles and trend: last 60 seconds.\n",
		"\n  Requests per second, Client, edge2: ",
		"\n  Latency in milliseconds, Cache Hit, edge1: ",
		"\n  Cache Hit Rate percent, Hit Rate, edge2: ",
	}
	sc := s.waitFor("the readout's lines", 5*time.Second, func(sc string) bool {
		for _, w := range wants {
			if !strings.Contains(sc, w) {
				return false
			}
		}
		return readoutLine.MatchString(sc)
	})
	if hasBraille(sc) || strings.ContainsAny(sc, "╭╮╰╯│─") {
		t.Fatalf("readout has braille or box drawing:\n%s", sc)
	}
	s.keys("r")
	s.waitFor("the charts again", 5*time.Second, func(sc string) bool { return strings.Contains(sc, "╭─ Requests/sec") })
}

var (
	pausedHeader = regexp.MustCompile(`PAUSED +(\d\d:\d\d:\d\d) \(-(\d+)s\)`)
	connTitle    = regexp.MustCompile(`Connections · Client ([0-9.]+K?)/`)
	connReadout  = regexp.MustCompile(`Connections, Client, edge1: ([0-9.]+( thousand)?),`)
	pausedIntro  = regexp.MustCompile(`Paused at (\d\d:\d\d:\d\d)\.`)
)

// testPauseAndScrollBack: space pauses, [ scrolls back, and the chart title
// and the readout both show the value at the cursor's past instant.
func testPauseAndScrollBack(t *testing.T, s *tmuxSession) {
	t.Helper()
	s.keys("Space")
	s.waitFor("paused", 5*time.Second, func(sc string) bool { return pausedHeader.MatchString(sc) })
	for range 3 { // one at a time: keys sent together arrive as one message
		s.keys("[")
		time.Sleep(150 * time.Millisecond)
	}
	var cursor, title string
	s.waitFor("the cursor 6 s back", 5*time.Second, func(sc string) bool {
		m := pausedHeader.FindStringSubmatch(sc)
		tm := connTitle.FindStringSubmatch(sc)
		if m == nil || tm == nil {
			return false
		}
		behind, _ := strconv.Atoi(m[2])
		cursor, title = m[1], tm[1]
		return behind >= 6 && strings.Contains(sc, "┊") && !strings.Contains(sc, " now ")
	})
	// The past value is stable while paused, and the readout agrees.
	time.Sleep(1500 * time.Millisecond)
	if tm := connTitle.FindStringSubmatch(s.screen()); tm == nil || tm[1] != title {
		t.Fatalf("the paused value moved: %q, then %v", title, tm)
	}
	s.keys("r")
	sc := s.waitFor("the paused readout", 5*time.Second, func(sc string) bool {
		return pausedIntro.MatchString(sc) && connReadout.MatchString(sc)
	})
	if at := pausedIntro.FindStringSubmatch(sc)[1]; at != cursor {
		t.Fatalf("readout paused at %s, header cursor %s", at, cursor)
	}
	spoken := strings.Replace(title, "K", " thousand", 1)
	if got := connReadout.FindStringSubmatch(sc)[1]; got != spoken {
		t.Fatalf("at %s the chart title says %s, the readout %s", cursor, title, got)
	}
	s.keys("r")
	s.keys("Space")
	s.waitFor("live again", 5*time.Second, func(sc string) bool {
		return !strings.Contains(sc, "PAUSED") && strings.Contains(sc, " now ")
	})
}

// A fleet asks the hosts off its pages only what its table shows; a host
// opened from the table is asked everything from then on, so its other
// pages fill in within a few collections.
func TestFleetDrillDownInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	requireProgram(t, "tmux")
	bin := buildBinary(t)
	s := startTmux(t, 200, 50, bin, "--demo", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8")
	s.waitFor("the fleet table", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, "Fleet · 8 hosts") && strings.Contains(sc, "e7 ")
	})
	// e7 is not among the four hosts the pages show at start: until
	// opened, it is asked the table's records only.
	s.keys("/e7")
	s.waitFor("the filter", 5*time.Second, func(sc string) bool { return strings.Contains(sc, "1 of 8 (e7)") })
	s.keys("Enter")
	s.keys("Enter")
	s.waitFor("e7's first page", 5*time.Second, func(sc string) bool {
		return strings.Contains(sc, pageHeader(1, "")) && strings.Contains(strings.SplitN(sc, "\n", 2)[0], "· e7")
	})
	s.keys("4")
	bytes := regexp.MustCompile(`Client Bytes/sec · Read [0-9.]+[KMG]? · Write [0-9.]+`)
	s.waitFor("e7's bytes, not on the fleet table", 20*time.Second, func(sc string) bool {
		return strings.Contains(sc, pageHeader(4, "Network & Errors")) && bytes.MatchString(sc)
	})
}
