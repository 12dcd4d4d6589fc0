package sshconn

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Every exec channel starts the remote account's login shell, and on real
// hosts that can take seconds (rc files running conda or pyenv, motd
// scripts) and print lines of its own. So Run keeps one remote /bin/sh
// open on the connection and sends it each command: the start-up is paid
// once per connection, and its noise is read past once, before a marker.
//
// Each command is written as
//
//	{ CMD
//	} </dev/null; printf '\n%s %d\n' MARK $?; printf '\n%s\n' MARK >&2
//
// with a fresh random MARK: its output is what stdout holds before the
// marker line, its exit status what follows the marker, its error output
// what stderr holds before its own marker. A command that outlives its
// deadline cannot be stopped on its own, so the shell is closed (and a
// new one started for the next command).

// shellStartBound is how long a remote login may take before the shell is
// given up: slow, but not this slow.
const shellStartBound = 60 * time.Second

// remoteShell is one persistent `sh` on one connection.
type remoteShell struct {
	cl       *ssh.Client
	sess     *ssh.Session
	stdin    io.WriteCloser
	out, err *stream
	ready    chan struct{} // closed once the start-up noise is read past
	startErr error         // why it did not start; valid once ready is closed
	dead     chan struct{} // closed when the session ends
	mu       sync.Mutex    // one command at a time
}

// stream collects what the remote shell writes on one of its outputs;
// readers wait on changed.
type stream struct {
	mu      sync.Mutex
	buf     []byte
	max     int
	over    bool
	changed chan struct{} // closed and replaced at every write
}

func newStream(max int) *stream { return &stream{max: max, changed: make(chan struct{})} }

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf)+len(p) > s.max {
		s.over = true // keep reading, so the shell never blocks on us
	} else {
		s.buf = append(s.buf, p...)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return len(p), nil
}

// cut returns what comes before marker and drops it and the marker from
// the stream, with the rest of marker's line (up to "\n"); found is false
// while it has not all arrived.
func (s *stream) cut(marker []byte) (before, rest []byte, found, over bool, changed <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := bytes.Index(s.buf, marker); i >= 0 {
		if j := bytes.IndexByte(s.buf[i+len(marker):], '\n'); j >= 0 {
			end := i + len(marker) + j
			before = append([]byte(nil), s.buf[:i]...)
			rest = append([]byte(nil), s.buf[i+len(marker):end]...)
			s.buf = append(s.buf[:0], s.buf[end+1:]...)
			return before, rest, true, s.over, s.changed
		}
	}
	return nil, nil, false, s.over, s.changed
}

func newMark() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "__tg_" + hex.EncodeToString(b)
}

// startShell opens the session and starts reading past the login's
// output in the background.
func startShell(ctx context.Context, cl *ssh.Client) (*remoteShell, error) {
	sess, err := bounded(ctx, cl.NewSession, func(s *ssh.Session) { s.Close() })
	if err != nil {
		return nil, err
	}
	sh := &remoteShell{cl: cl, sess: sess, out: newStream(MaxOutput + 4096), err: newStream(64 << 10),
		ready: make(chan struct{}), dead: make(chan struct{})}
	sess.Stdout, sess.Stderr = sh.out, sh.err
	if sh.stdin, err = sess.StdinPipe(); err == nil {
		err = sess.Start("exec /bin/sh")
	}
	if err != nil {
		sess.Close()
		return nil, err
	}
	go func() {
		sess.Wait()
		close(sh.dead)
	}()
	mark := newMark()
	if _, err := io.WriteString(sh.stdin, "printf '\\n%s\\n' "+mark+"; printf '\\n%s\\n' "+mark+" >&2\n"); err != nil {
		sess.Close()
		return nil, err
	}
	go func() {
		defer close(sh.ready)
		wait, cancel := context.WithTimeout(context.Background(), shellStartBound)
		defer cancel()
		for _, s := range []*stream{sh.out, sh.err} {
			if _, _, err := sh.await(wait, s, "\n"+mark); err != nil {
				sh.startErr = fmt.Errorf("the remote shell did not start: %w", err)
				sh.close()
				return
			}
		}
	}()
	return sh, nil
}

// await waits for marker on s.
func (sh *remoteShell) await(ctx context.Context, s *stream, marker string) (before, rest []byte, err error) {
	for {
		before, rest, found, over, changed := s.cut([]byte(marker))
		switch {
		case over:
			return nil, nil, ErrOutputTooLarge
		case found:
			return before, rest, nil
		}
		select {
		case <-changed:
		case <-sh.dead:
			if before, rest, found, _, _ := s.cut([]byte(marker)); found {
				return before, rest, nil
			}
			return nil, nil, errShellGone
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}

var errShellGone = errors.New("the remote shell ended")

func (sh *remoteShell) close() { sh.sess.Close() }

// alive says whether the shell can take commands (or is still starting).
func (sh *remoteShell) alive() bool {
	select {
	case <-sh.dead:
		return false
	default:
		return true
	}
}

// run runs one command; broken says the shell must not be used again.
func (sh *remoteShell) run(ctx context.Context, argv []string) (stdout, stderr []byte, status int, broken bool, err error) {
	select {
	case <-sh.ready:
		if sh.startErr != nil {
			return nil, nil, 0, true, sh.startErr
		}
	case <-ctx.Done():
		return nil, nil, 0, false, fmt.Errorf("the remote login is still starting (a slow shell start-up?): %w", ctx.Err())
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	mark := newMark()
	script := "{ " + ShellJoin(argv) + "\n} </dev/null; printf '\\n%s %d\\n' " + mark + " $?; printf '\\n%s\\n' " + mark + " >&2\n"
	if _, err := io.WriteString(sh.stdin, script); err != nil {
		return nil, nil, 0, true, errShellGone
	}
	out, rest, err := sh.await(ctx, sh.out, "\n"+mark+" ")
	if err != nil {
		sh.close()
		return nil, nil, 0, true, err
	}
	status, convErr := strconv.Atoi(string(rest))
	if convErr != nil {
		sh.close()
		return nil, nil, 0, true, fmt.Errorf("the remote shell's answer is garbled (%q)", rest)
	}
	errOut, _, err := sh.await(ctx, sh.err, "\n"+mark)
	if err != nil {
		sh.close()
		return nil, nil, 0, true, err
	}
	return out, errOut, status, false, nil
}
