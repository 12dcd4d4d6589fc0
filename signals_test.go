package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// paneRun is one run of the binary in its own tmux session, its pid and
// exit status written to files by the shell around it.
type paneRun struct {
	name, pidFile, exitFile string
}

// startPane starts argv in session name on s's server (the pane stays after
// the program exits, so its terminal state can be read).
func startPane(t *testing.T, s *tmuxSession, dir, name string, argv ...string) paneRun {
	t.Helper()
	r := paneRun{name: name, pidFile: filepath.Join(dir, name+".pid"), exitFile: filepath.Join(dir, name+".exit")}
	// The shell stays after the program, so the pane keeps the terminal
	// state the program left (tmux resets a dead pane's modes), and
	// prints a marker: once the marker is on screen, tmux has applied
	// every byte the program wrote.
	script := `"$0" "$@" 2>/dev/null & echo $! >"` + r.pidFile + `"; wait $!; s=$?; echo $s >"` + r.exitFile + `"; echo "exited $s"; exec sleep 600`
	args := append([]string{"new-session", "-d", "-s", name, "-x", "100", "-y", "30", "--", "sh", "-c", script}, argv...)
	s.run(args...)
	return r
}

// waitFile waits for a file to have content: the shell writes it when the
// event happened.
func waitFile(path string, timeout time.Duration) (string, bool) {
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			return strings.TrimSpace(string(b)), true
		}
		if time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Operators stop the program with kill, systemd, timeout or by closing the
// terminal. Every such signal must end it within a second, with the
// terminal back as it was, and say which signal in the exit status. Each
// signal is sent to 30 runs (ten at a time): the hang this guards against
// struck two runs in five.
func TestSignalsEndTheScreenCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	s := startTmux(t, 80, 24, "sh", "-c", "sleep 600")
	const runs, together = 30, 10
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		for batch := 0; batch < runs; batch += together {
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failures []string
			for i := batch; i < batch+together; i++ {
				r := startPane(t, s, dir, fmt.Sprintf("%s-%d", strings.ToLower(sig.String()[:4]), i), bin, "--demo")
				wg.Add(1)
				go func() {
					defer wg.Done()
					if msg := signalRun(s, r, sig); msg != "" {
						mu.Lock()
						failures = append(failures, r.name+": "+msg)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(failures) > 0 {
				t.Fatalf("%s: %d of %d runs went wrong:\n%s", sig, len(failures), together, strings.Join(failures, "\n"))
			}
			for i := batch; i < batch+together; i++ {
				s.run("kill-session", "-t", fmt.Sprintf("%s-%d", strings.ToLower(sig.String()[:4]), i))
			}
		}
	}
}

// signalRun waits until the run shows its first page, sends sig, and says
// what went wrong ("" for nothing).
func signalRun(s *tmuxSession, r paneRun, sig syscall.Signal) string {
	pidText, ok := waitFile(r.pidFile, 10*time.Second)
	if !ok {
		return "never started"
	}
	pid, _ := strconv.Atoi(pidText)
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := exec.Command(s.tmux, "-S", s.socket, "capture-pane", "-p", "-t", r.name).Output()
		if strings.Contains(string(out), pageHeader(1, "")) {
			break
		}
		if time.Now().After(deadline) {
			return "no first page in 20 s:\n" + string(out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sent := time.Now()
	if err := syscall.Kill(pid, sig); err != nil {
		return "kill: " + err.Error()
	}
	status, ok := waitFile(r.exitFile, 3*time.Second)
	took := time.Since(sent)
	if !ok {
		syscall.Kill(pid, syscall.SIGKILL)
		return fmt.Sprintf("still running 3 s after %s", sig)
	}
	var problems []string
	if took > 1500*time.Millisecond { // one second, plus a busy machine's scheduling
		problems = append(problems, fmt.Sprintf("took %s to exit", took.Round(time.Millisecond)))
	}
	if want := strconv.Itoa(128 + int(sig)); status != want {
		problems = append(problems, "exit status "+status+", want "+want)
	}
	var got string
	for end := time.Now().Add(5 * time.Second); ; {
		screen, _ := exec.Command(s.tmux, "-S", s.socket, "capture-pane", "-p", "-t", r.name).Output()
		state, _ := exec.Command(s.tmux, "-S", s.socket, "display-message", "-p", "-t", r.name,
			"#{alternate_on} #{cursor_flag} #{mouse_any_flag}").Output()
		got = strings.TrimSpace(string(state))
		if strings.Contains(string(screen), "exited "+status) || time.Now().After(end) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got != "0 1 0" {
		problems = append(problems, "terminal left as alternate_on cursor_flag mouse_any_flag = "+got+", want 0 1 0")
	}
	return strings.Join(problems, "; ")
}

// A dashboard path that blocks on open (a FIFO nobody writes) must not make
// the program deaf to signals before its screen opens.
func TestSignalDuringStartupBlockedOnConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "dash.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		cmd := exec.Command(bin, "--demo", "-c", fifo)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The program is blocked in open(2) once it has the FIFO open for
		// reading; /proc says when a process waits in a FIFO open.
		waitBlocked(t, cmd.Process.Pid)
		sent := time.Now()
		cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%s: still blocked on the FIFO 3 s after the signal", sig)
		}
		if took := time.Since(sent); took > 1500*time.Millisecond {
			t.Errorf("%s: took %s", sig, took)
		}
		if got, want := cmd.ProcessState.ExitCode(), 128+int(sig); got != want {
			t.Errorf("%s: exit status %d, want %d", sig, got, want)
		}
	}
}

// waitBlocked waits until one of pid's threads waits in open(2) for a
// FIFO's writer (the kernel's wait_for_partner).
func waitBlocked(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
		for _, f := range tasks {
			if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), "wait_for_partner") {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("pid %d was never seen waiting in open(2) on the FIFO", pid)
}

// The metrics browser goes through the same signal path: a host that
// never answers does not keep it past a SIGTERM.
func TestSignalEndsTheMetricsBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	bin := buildBinary(t)
	sock := filepath.Join(t.TempDir(), "hung.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- c // held open, never answered
		}
	}()
	cmd := exec.Command(bin, "metrics", "--timeout", "60s", "unix:"+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-accepted:
		defer c.Close()
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the browser never connected")
	}
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still running 3 s after SIGTERM")
	}
	if took := time.Since(sent); took > 1500*time.Millisecond {
		t.Errorf("took %s to end", took)
	}
	if got := cmd.ProcessState.ExitCode(); got != 143 {
		t.Errorf("exit status %d, want 143", got)
	}
}
