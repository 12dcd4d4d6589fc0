package atstest

import (
	"errors"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long Traffic Server gets to exit after SIGTERM before
// its process group is killed. traffic_manager passes the signal on to
// traffic_server and exits within a second or two.
const stopGrace = 15 * time.Second

// logBuffer collects a process's output for failure reports.
type logBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// proc is a started program in a process group of its own, reaped in the
// background so that its exit is an event (exited is closed).
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's result; read only after exited is closed
}

func startProc(dir, path string, args, env []string, out *logBuffer) (*proc, error) {
	cmd := exec.Command(path, args...)
	// In the instance's directory: a core dump or any stray file lands
	// there, not in the package under test.
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
	// traffic_server inherits traffic_manager's output; should it outlive
	// the manager, Wait must not block on the pipe for ever.
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

// pgid is the process group: the leader's PID (Setpgid).
func (p *proc) pgid() int { return p.cmd.Process.Pid }

// stopGroup ends the whole process group: traffic_manager, the
// traffic_server it started and any helper. SIGTERM first (the manager
// then stops traffic_server itself), SIGKILL for whatever is left after
// stopGrace or once the manager has gone, and it returns only when no
// member is alive, so the port and the files are free afterwards.
//
// The group is signalled while its leader is unreaped or members remain
// (checked in /proc just before): a process group ID is not reused while
// the group has members, so the signal cannot reach another program.
func (p *proc) stopGroup() {
	pg := p.pgid()
	select {
	case <-p.exited:
	default:
		syscall.Kill(-pg, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(stopGrace):
			syscall.Kill(-pg, syscall.SIGKILL)
			<-p.exited
		}
	}
	if len(groupMembers(pg)) > 0 {
		syscall.Kill(-pg, syscall.SIGKILL)
		waitGroupGone(pg, 5*time.Second)
	}
}

var errExited = errors.New("traffic_manager exited")
