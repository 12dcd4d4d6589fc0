package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"
)

// CommandRunner runs argv (argv[0] is the program; no shell is involved)
// and returns its standard output. It must give up when ctx ends. Tests and,
// later, SSH hosts substitute their own.
type CommandRunner func(ctx context.Context, argv []string) ([]byte, error)

// ExecRunner runs commands on this machine with os/exec.
func ExecRunner(ctx context.Context, argv []string) ([]byte, error) {
	return runCommand(ctx, argv, nil)
}

// ExecRunnerWithEnv is ExecRunner with extra KEY=VALUE environment
// variables, e.g. TS_RUNROOT for an ATS installed under a runroot.
func ExecRunnerWithEnv(env ...string) CommandRunner {
	return func(ctx context.Context, argv []string) ([]byte, error) {
		return runCommand(ctx, argv, env)
	}
}

func runCommand(ctx context.Context, argv, env []string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := CommandMessage(stderr.String()); msg != "" {
			return out, fmt.Errorf("%w: %s", err, Sanitize(msg, 300))
		}
		return out, err
	}
	return out, nil
}

// CommandMessage picks the line of a failed command's stderr that says
// what went wrong: the last one, since a login banner (over SSH) or
// traffic_ctl 9.x's "NOTE: using ... RUNROOT" comes first and the program's
// own error last; the note is skipped, and a line ending in ':' before it
// is kept as its heading (traffic_ctl 10 prints "Error found:" and the
// reason on the next line).
func CommandMessage(stderr string) string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || (strings.HasPrefix(l, "NOTE: using ") && strings.Contains(l, "RUNROOT")) {
			continue
		}
		lines = append(lines, l)
	}
	switch n := len(lines); {
	case n == 0:
		return ""
	case n > 1 && strings.HasSuffix(lines[n-2], ":"):
		return lines[n-2] + " " + lines[n-1]
	default:
		return lines[n-1]
	}
}

// IsNotInstalled says a command failed because there is no such program:
// not on PATH here, a path that does not exist, or the remote shell's 127.
func IsNotInstalled(err error) bool {
	var st interface{ ExitStatus() int }
	return errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) ||
		(errors.As(err, &st) && st.ExitStatus() == 127)
}
