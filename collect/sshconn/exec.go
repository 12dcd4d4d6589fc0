package sshconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// MaxOutput caps what Run keeps of a command's standard output; more is
// an error, not a memory blow-up.
const MaxOutput = 8 << 20

// ErrOutputTooLarge is returned when a command prints more than MaxOutput.
var ErrOutputTooLarge = errors.New("command output too large")

// Run runs argv on the remote host and returns its standard output: in the
// connection's persistent remote shell (see shell.go), so that a slow
// login is paid once, or, where no such shell can be had, over an exec
// channel of its own. A shell parses the command, so every argument is
// quoted (ShellJoin). It has the shape of collect.CommandRunner: ctx
// bounds the whole run; a command still running then is ended with its
// shell (or channel).
func (c *Client) Run(ctx context.Context, argv []string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	cl, err := c.current()
	if err != nil {
		return nil, err
	}
	sh := c.shellFor(ctx, cl)
	if sh == nil {
		return c.runExec(ctx, cl, argv)
	}
	stdout, stderr, status, broken, err := sh.run(ctx, argv)
	if broken {
		c.dropShell(sh)
	}
	switch {
	case errors.Is(err, ErrOutputTooLarge):
		return nil, fmt.Errorf("ssh %s: %s: %w (over %d bytes)", c.target.Alias, argv[0], ErrOutputTooLarge, MaxOutput)
	case err != nil && ctx.Err() != nil:
		return nil, fmt.Errorf("ssh %s: %s did not finish in time: %w", c.target.Alias, argv[0], ctx.Err())
	case errors.Is(err, errShellGone):
		return nil, fmt.Errorf("ssh %s: connection lost while running %s", c.target.Alias, argv[0])
	case err != nil:
		return nil, fmt.Errorf("ssh %s: %s: %w", c.target.Alias, argv[0], err)
	}
	if len(stderr) > 4096 {
		stderr = stderr[len(stderr)-4096:] // the end says what went wrong
	}
	switch status {
	case 0:
		return stdout, nil
	case 127:
		return stdout, &ExitError{Status: 127, Stderr: string(stderr), notFound: argv[0]}
	}
	return stdout, &ExitError{Status: status, Stderr: string(stderr)}
}

// shellFor returns the persistent shell on cl, starting one if there is
// none (or the last one ended), or nil where none can be had.
func (c *Client) shellFor(ctx context.Context, cl *ssh.Client) *remoteShell {
	c.shellMu.Lock()
	defer c.shellMu.Unlock()
	if c.noShell {
		return nil
	}
	if sh := c.shell; sh != nil && sh.cl == cl && sh.alive() {
		return sh
	}
	if c.shell != nil {
		c.shell.close()
		c.shell = nil
	}
	sh, err := startShell(ctx, cl)
	if err != nil {
		if ctx.Err() == nil {
			c.noShell = true // the server refuses it: exec channels then
		}
		return nil
	}
	c.shell = sh
	return sh
}

// dropShell forgets sh (ended, or closed after a command overran).
func (c *Client) dropShell(sh *remoteShell) {
	c.shellMu.Lock()
	defer c.shellMu.Unlock()
	sh.close()
	if c.shell == sh {
		c.shell = nil
	}
}

// runExec runs argv over an exec channel of its own.
func (c *Client) runExec(ctx context.Context, cl *ssh.Client, argv []string) ([]byte, error) {
	sess, err := bounded(ctx, cl.NewSession, func(s *ssh.Session) { s.Close() })
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh %s: opening a session timed out", c.target.Alias)
		}
		return nil, fmt.Errorf("ssh %s: cannot open a session: %w", c.target.Alias, err)
	}
	defer sess.Close()
	stdout := &cappedBuffer{max: MaxOutput}
	stderr := &cappedBuffer{max: 4096}
	sess.Stdout, sess.Stderr = stdout, stderr
	if err := sess.Start(ShellJoin(argv)); err != nil {
		return nil, fmt.Errorf("ssh %s: cannot run %s: %w", c.target.Alias, argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case <-ctx.Done():
		sess.Signal(ssh.SIGKILL)
		sess.Close()
		return nil, fmt.Errorf("ssh %s: %s did not finish in time: %w", c.target.Alias, argv[0], ctx.Err())
	case err = <-done:
	}
	if stdout.overflow {
		return nil, fmt.Errorf("ssh %s: %s: %w (over %d bytes)", c.target.Alias, argv[0], ErrOutputTooLarge, MaxOutput)
	}
	if err != nil {
		var ee *ssh.ExitError
		var missing *ssh.ExitMissingError
		msg := stderr.String()
		switch {
		case errors.As(err, &ee) && ee.ExitStatus() == 127:
			return stdout.Bytes(), &ExitError{Status: 127, Stderr: msg, notFound: argv[0]}
		case errors.As(err, &ee):
			return stdout.Bytes(), &ExitError{Status: ee.ExitStatus(), Stderr: msg}
		case errors.As(err, &missing):
			return stdout.Bytes(), fmt.Errorf("ssh %s: connection lost while running %s", c.target.Alias, argv[0])
		}
		return stdout.Bytes(), fmt.Errorf("ssh %s: %s: %w", c.target.Alias, argv[0], err)
	}
	return stdout.Bytes(), nil
}

// ExitError is a remote command that exited non-zero. Its text has the
// shape of os/exec's ("exit status 2: first stderr line") so callers treat
// local and remote commands alike.
type ExitError struct {
	Status int
	// Stderr is what the command wrote to its standard error (at most
	// 4 KiB), as it was: callers that know the program pick the line that
	// matters (collect.CommandMessage); Error folds it onto one line.
	Stderr   string
	notFound string
}

func (e *ExitError) Error() string {
	if e.notFound != "" {
		return fmt.Sprintf("exit status 127: %s: command not found on the remote host", e.notFound)
	}
	if e.Stderr != "" {
		return fmt.Sprintf("exit status %d: %s", e.Status, stderrSummary(e.Stderr))
	}
	return fmt.Sprintf("exit status %d", e.Status)
}

// ExitStatus is the remote command's exit status.
func (e *ExitError) ExitStatus() int { return e.Status }

// stderrSummary folds a command's error output onto one bounded line: all
// of it, not just the first line, because a login banner or traffic_ctl
// 10's "Error found:" header would otherwise hide the reason.
func stderrSummary(s string) string {
	return oneLine(strings.Join(strings.Fields(s), " "))
}

// cappedBuffer keeps at most max bytes and notes overflow, while still
// accepting writes so the remote command is never blocked by us.
type cappedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.overflow = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
