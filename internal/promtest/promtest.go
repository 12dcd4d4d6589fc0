// Package promtest runs the real Prometheus programs for integration tests:
// prometheus-node-exporter and prometheus, each on 127.0.0.1 and a free
// port, with its own temporary files, stopped by PID (with its process
// group) when the test ends.
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
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
)

// readyTimeout bounds the wait for a started program to serve, and for
// Prometheus's first data.
const readyTimeout = 20 * time.Second

// debianPackages names the package to install for each program used here.
var debianPackages = map[string]string{
	"prometheus-node-exporter": "prometheus-node-exporter",
	"prometheus":               "prometheus",
}

// RequireProgram returns the absolute path of the program name, looked up
// in PATH and then in /usr/bin, /usr/sbin and a few more (see
// testproc.RequireProgram). If it is not found the test is skipped, or
// failed under CI=true, with a message naming the Debian package to
// install.
func RequireProgram(t testing.TB, name string) string {
	t.Helper()
	return testproc.RequireProgram(t, name, debianPackages[name])
}
