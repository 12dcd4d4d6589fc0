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

// Run runs argv on the remote host over an exec channel of the persistent
// connection and returns its standard output. The remote user's shell
// parses the command, so every argument is quoted (ShellJoin). It has the
// shape of collect.CommandRunner: ctx bounds the whole run, and on expiry
// the channel is closed, which ends the remote command.
func (c *Client) Run(ctx context.Context, argv []string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	cl, err := c.current()
	if err != nil {
		return nil, err
	}
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
