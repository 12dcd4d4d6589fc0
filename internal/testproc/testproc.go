// Package testproc holds what the integration-test harnesses
// (internal/sshtest, internal/atstest, internal/promtest) share for
// running real programs: finding a program or skipping the test, short
// temporary directories for Unix sockets, free ports, an output buffer
// that can be waited on, and a started process that is stopped by PID
// together with everything it started.
//
// Like the harnesses it is meant for _test.go files: functions that take a
// testing.TB fail (or skip) the test rather than return setup errors. The
// harnesses keep what is particular to each program (configuration,
// readiness probes, package names).
package testproc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Missing skips the test, or fails it under CI=true, for something the
// machine lacks (a program, a plugin, a directory, an account): CI must
// not pass by skipping.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true, so this fails instead of skipping)", msg)
	}
	t.Skip(msg)
}

// programDirs are searched after PATH: the union of where the harnesses'
// programs live when a user's PATH lacks them (sshd in /usr/sbin,
// Traffic Server built from source in /usr/local/bin or /opt/ts/bin).
var programDirs = []string{"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin", "/opt/ts/bin"}

// RequireProgram returns the absolute path of the program name, looked up
// in PATH and then in programDirs. If it is not found the test is
// skipped, or failed under CI=true, with a message naming debianPackage
// ("" for one named after the program's purpose) and the install script.
func RequireProgram(t testing.TB, name, debianPackage string) string {
	t.Helper()
	if testing.Short() {
		// The fast inner loop (go test -short ./...) leaves out every
		// test that starts a real program; scripts/test runs them all.
		t.Skipf("-short: this test starts %s", name)
	}
	if p, err := exec.LookPath(name); err == nil {
		// sshd re-executes itself and insists on an absolute path.
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	for _, dir := range programDirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	if debianPackage == "" {
		debianPackage = "providing " + name
	}
	Missing(t, "%s not installed (Debian package %s); run scripts/install-test-deps", name, debianPackage)
	return ""
}

// ShortTempDir returns a new empty directory with a short path, removed
// when the test ends. Unix socket paths must fit in 108 bytes, and
// t.TempDir() paths (which embed the test's name) often do not; use this
// for sockets.
func ShortTempDir(t testing.TB) string {
	t.Helper()
	base := os.TempDir()
	if len(base) > 40 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "tg")
	if err != nil {
		t.Fatalf("making a temporary directory: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
