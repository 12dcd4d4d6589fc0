package promtest

import (
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a program gets to exit after SIGTERM before it is
// killed. Prometheus flushes its head block on SIGTERM; with a few seconds
// of data that takes milliseconds.
const stopGrace = 5 * time.Second

// logBuffer collects a program's output, for failure reports, and lets a
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
	errBind    = errors.New("port in use")
)

// waitLog waits until match reports done (or an error) for the output
// written after offset from, the program exits (errExited) or the deadline
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

func startProc(path string, args []string, dir string, out *logBuffer) (*proc, error) {
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
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

// stop sends SIGTERM, waits up to stopGrace, then SIGKILLs and waits. Only
// this PID is signalled (neither program forks), and os.Process does not
// signal a process it has reaped, so a reused PID is never hit.
func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return
	case <-time.After(stopGrace):
	}
	p.cmd.Process.Kill()
	<-p.exited
}
