package sshtest

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a process gets to exit after SIGTERM before it is
// killed.
const stopGrace = 5 * time.Second

// logBuffer collects a process's output, for failure reports, and lets a
// caller wait for a line to appear: an event rather than a sleep.
type logBuffer struct {
	mu      sync.Mutex
	b       []byte
	changed chan struct{} // closed (and replaced) at every write
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

func (l *logBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.b)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// since returns what was written after offset from, and a channel closed at
// the next write.
func (l *logBuffer) since(from int) (string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b[min(from, len(l.b)):]), l.changed
}

var (
	errExited  = errors.New("exited before it was ready")
	errTimeout = errors.New("not ready in time")
)

// waitLog waits until match reports done (or an error) for the output
// written after offset from, the process exits (errExited) or the deadline
// passes (errTimeout).
func waitLog(l *logBuffer, from int, p *proc, deadline time.Time, match func(string) (bool, error)) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		out, changed := l.since(from)
		if done, err := match(out); done || err != nil {
			return err
		}
		select {
		case <-changed:
		case <-p.exited:
			// Wait returns only after the output is copied: this is all.
			out, _ = l.since(from)
			if done, err := match(out); done || err != nil {
				return err
			}
			return fmt.Errorf("%w (%v)", errExited, p.err)
		case <-timer.C:
			return errTimeout
		}
	}
}

// proc is a started program, reaped in the background so its exit is an
// event (exited is closed).
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's result; read only after exited is closed
}

func startProc(path string, args []string, out *logBuffer) (*proc, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
	// sshd's per-connection children inherit its stderr; should one escape
	// being killed, Wait must not block on the pipe for ever.
	cmd.WaitDelay = stopGrace
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM, waits up to stopGrace, then SIGKILLs and waits.
// os.Process does not signal a process it has reaped (and uses a pidfd on
// Linux), so a reused PID is never hit.
func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	// A stopped process (see stopTree) acts on SIGTERM only once
	// continued.
	p.cmd.Process.Signal(syscall.SIGCONT)
	select {
	case <-p.exited:
		return
	case <-time.After(stopGrace):
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// stopTree kills every process descended from p and then stops p. sshd's
// per-connection processes call setsid(), so they are in neither sshd's
// process group nor its session and killing the group would miss them; they
// are found through their parent PIDs instead. To make that snapshot
// complete, p and then each descendant found are frozen with SIGSTOP (a
// stopped process cannot fork), repeating until no new one appears; then
// all descendants get SIGKILL, and stopTree waits until they are dead, so
// that their connections are closed when it returns. p gets the usual
// SIGTERM.
func (p *proc) stopTree() {
	select {
	case <-p.exited:
		return
	default:
	}
	root := p.pid()
	p.cmd.Process.Signal(syscall.SIGSTOP)
	waitStopped(root)
	frozen := map[int]bool{}
	for {
		found := false
		for _, pid := range descendants(root) {
			if !frozen[pid] {
				syscall.Kill(pid, syscall.SIGSTOP)
				frozen[pid] = true
				found = true
			}
		}
		if !found {
			break
		}
		// Signals are delivered asynchronously: a process may still fork
		// until it has actually stopped. Rescan only once all have.
		for pid := range frozen {
			waitStopped(pid)
		}
	}
	for pid := range frozen {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for pid := range frozen {
		waitDead(pid)
	}
	p.stop()
}

// parsePPID reads the parent PID from the text of /proc/PID/stat: "pid
// (comm) state ppid ...", where comm may itself contain spaces and
// parentheses.
func parsePPID(stat string) (int, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	n := 0
	for _, c := range f[1] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// runOutput runs a program to completion and returns its combined output.
func runOutput(path string, args ...string) (string, error) {
	out, err := exec.Command(path, args...).CombinedOutput()
	return string(out), err
}
