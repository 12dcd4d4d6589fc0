// Package sshtest runs real OpenSSH programs (sshd, ssh-agent) for
// integration tests, each on 127.0.0.1 or a Unix socket in a temporary
// directory, stopped by PID when the test ends.
//
// It is meant for _test.go files: every function takes the test's
// testing.TB and fails (or skips) it rather than returning setup errors.
// A program that is not installed skips the test with a message naming its
// Debian package, except under CI=true, where it fails it: CI must not pass
// by skipping. scripts/install-test-deps installs everything used here.
//
// Nothing here reads or writes the real user's ~/.ssh: keys are generated in
// Go into temporary directories, sshd gets its own configuration, host keys
// and authorized_keys file, and TempHome points HOME at an empty directory
// for code under test that looks there.
package sshtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
)

// debianPackages names the package to install for each program used here.
var debianPackages = map[string]string{
	"sshd":       "openssh-server",
	"ssh":        "openssh-client",
	"ssh-agent":  "openssh-client",
	"ssh-add":    "openssh-client",
	"ssh-keygen": "openssh-client",
	"tmux":       "tmux",
}

// RequireProgram returns the absolute path of the program name, looked up in
// PATH and then in /usr/sbin, /sbin and /usr/local/sbin (where sshd lives,
// often not in a user's PATH), among others (see testproc.RequireProgram). If it is not found the test is skipped, or
// failed under CI=true, with a message naming the Debian package to install.
func RequireProgram(t testing.TB, name string) string {
	t.Helper()
	return testproc.RequireProgram(t, name, debianPackages[name])
}

// ShortTempDir returns a new empty directory with a short path, removed
// when the test ends. Unix socket paths must fit in 108 bytes, and
// t.TempDir() paths (which embed the test's name) often do not; use this
// for sockets.
func ShortTempDir(t testing.TB) string {
	t.Helper()
	return testproc.ShortTempDir(t)
}

// TempHome points HOME at a new temporary directory holding an empty .ssh
// directory (mode 0700) and unsets SSH_AUTH_SOCK, both until the test ends,
// so code under test never reads or writes the user's real ssh files or
// agent. It returns the new HOME. Like t.Setenv, it cannot be used in
// parallel tests.
func TempHome(t testing.TB) string {
	t.Helper()
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatalf("making %s/.ssh: %v", home, err)
	}
	t.Setenv("HOME", home)
	// t.Setenv records the old value for restoring; unsetting afterwards
	// makes the variable absent rather than empty, as on a machine without
	// an agent.
	t.Setenv("SSH_AUTH_SOCK", "")
	os.Unsetenv("SSH_AUTH_SOCK")
	return home
}
