package testproc

import (
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// DefaultStopGrace is how long a process gets to exit after SIGTERM
// before it is killed, unless Cmd.StopGrace says otherwise.
const DefaultStopGrace = 5 * time.Second

// Cmd describes a program for Start.
type Cmd struct {
	Path string
	Args []string
	// Dir is the working directory ("": the test's). A core dump or stray
	// file lands there, so harnesses point it into a temporary directory.
	Dir string
	// Env is the environment (nil: the test binary's).
	Env []string
	// Log receives stdout and stderr; required.
	Log *LogBuffer
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL
	// (0: DefaultStopGrace).
	StopGrace time.Duration
}

// Proc is a started program in a process group of its own, reaped in the
// background so that its exit is an event (Exited).
type Proc struct {
	cmd    *exec.Cmd
	log    *LogBuffer
	grace  time.Duration
	exited chan struct{}
	err    error      // Wait's result; read only after exited is closed
	stopMu sync.Mutex // one Stop at a time: a second finds the work done
}

// Start starts c.Path (see sysProcAttr for its process group and what
// happens if the test binary dies).
func Start(c Cmd) (*Proc, error) {
	p := &Proc{log: c.Log, grace: c.StopGrace, exited: make(chan struct{})}
	if p.grace <= 0 {
		p.grace = DefaultStopGrace
	}
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdout = c.Log
	cmd.Stderr = c.Log
	cmd.SysProcAttr = sysProcAttr()
	// Children (sshd's per-connection processes, traffic_server) inherit
	// the output pipe; should one escape being killed, Wait must not block
	// on it for ever.
	cmd.WaitDelay = p.grace
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.cmd = cmd
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// PID is the process's ID, which is also its process group's (Setpgid).
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Exited is closed once the process has exited and its output is copied.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Err is how the process ended (exec.Cmd.Wait's result); valid once
// Exited is closed.
func (p *Proc) Err() error {
	<-p.exited
	return p.err
}

// WaitOutput's failures, for callers that tell them apart (errors.Is).
var (
	ErrExited  = errors.New("exited before it was ready")
	ErrTimeout = errors.New("not ready in time")
)

// WaitOutput waits until match reports done (or an error) for the output
// written to the Log after offset from, the process exits (ErrExited) or
// the deadline passes (ErrTimeout). Programs that announce readiness in
// their output are so awaited without polling.
func (p *Proc) WaitOutput(from int, deadline time.Time, match func(out string) (bool, error)) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		out, changed := p.log.Since(from)
		if done, err := match(out); done || err != nil {
			return err
		}
		select {
		case <-changed:
		case <-p.exited:
			// Wait returns only after the output is copied: this is all.
			out, _ = p.log.Since(from)
			if done, err := match(out); done || err != nil {
				return err
			}
			return fmt.Errorf("%w (%v)", ErrExited, p.err)
		case <-timer.C:
			return ErrTimeout
		}
	}
}
