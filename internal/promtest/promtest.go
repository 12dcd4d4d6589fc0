// Package promtest runs the real Prometheus programs for integration tests:
// prometheus-node-exporter and prometheus, each on 127.0.0.1 and a free
// port, with its own temporary files, stopped by PID when the test ends.
//
// It is meant for _test.go files: every function takes the test's
// testing.TB and fails (or skips) it rather than returning setup errors. A
// program that is not installed skips the test with a message naming its
// Debian package, except under CI=true, where it fails it: CI must not pass
// by skipping. scripts/install-test-deps installs both.
//
// Readiness is awaited as events where the programs offer them (their
// "listening" and "ready" log lines, then one request to confirm); the
// only polling is for Prometheus's first scrape to be queryable, which
// nothing announces.
package promtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// readyTimeout bounds the wait for a started program to serve, and for
// Prometheus's first data.
const readyTimeout = 20 * time.Second

// debianPackages names the package to install for each program used here.
var debianPackages = map[string]string{
	"prometheus-node-exporter": "prometheus-node-exporter",
	"prometheus":               "prometheus",
}

// missing skips the test, or fails it under CI=true, for something the
// machine lacks.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true, so this fails instead of skipping)", msg)
	}
	t.Skip(msg)
}

// RequireProgram returns the absolute path of the program name, looked up
// in PATH and then in /usr/bin and /usr/sbin. If it is not found the test is
// skipped, or failed under CI=true, with a message naming the Debian
// package to install.
func RequireProgram(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	for _, dir := range []string{"/usr/bin", "/usr/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	pkg := debianPackages[name]
	if pkg == "" {
		pkg = "providing " + name
	}
	missing(t, "%s not installed (Debian package %s); run scripts/install-test-deps", name, pkg)
	return ""
}

// freePort asks the kernel for a free port on 127.0.0.1. It is closed
// again before the program binds it, so another process may take it
// meanwhile: the Start functions retry then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
