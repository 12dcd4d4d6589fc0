package sshtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var atssimBuild struct {
	once sync.Once
	path string
	err  error
	out  string
}

// BuildAtssim builds cmd/atssim (the simulated Traffic Server, whose `ctl`
// subcommand stands in for traffic_ctl) once per test binary and returns
// the executable's path.
//
// The executable goes next to the test binary when that is in `go test`'s
// own work directory (removed by go test when it ends); otherwise (a binary
// from `go test -c`) into a temporary directory that is left behind, since
// no single test owns it.
func BuildAtssim(t testing.TB) string {
	t.Helper()
	b := &atssimBuild
	b.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			b.err = err
			return
		}
		dir := testBinaryWorkDir()
		if dir == "" {
			if dir, err = os.MkdirTemp("", "tg-atssim"); err != nil {
				b.err = err
				return
			}
		}
		// go test puts its own go first in PATH.
		goBin, err := exec.LookPath("go")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "atssim")
		cmd := exec.Command(goBin, "build", "-o", b.path, "./cmd/atssim")
		cmd.Dir = root
		// TempHome may have moved HOME by now, and with it go's default
		// build cache: a cold cache turns a half-second build into twenty.
		if os.Getenv("GOCACHE") == "" && startHome != "" {
			cmd.Env = append(os.Environ(), "GOCACHE="+filepath.Join(startHome, ".cache", "go-build"))
		}
		out, err := cmd.CombinedOutput()
		b.out, b.err = string(out), err
	})
	if b.err != nil {
		t.Fatalf("building cmd/atssim: %v\n%s", b.err, b.out)
	}
	return b.path
}

// startHome is HOME as the test binary started, before any TempHome.
var startHome = os.Getenv("HOME")

// testBinaryWorkDir returns the test binary's directory if it is in go
// test's work directory ($TMPDIR/go-build.../b001), else "".
func testBinaryWorkDir() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	dir := filepath.Dir(exe)
	if strings.HasPrefix(filepath.Base(filepath.Dir(dir)), "go-build") {
		return dir
	}
	return ""
}

// moduleRoot walks up from the working directory (a package's directory
// under go test) to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// FakeTrafficCtl writes an executable `traffic_ctl` into a new directory
// and returns the directory (for Options.PathDir). The script runs
// `atssim ctl --socket socketPath ARGS...`, which answers `metric get` and
// `config get` the way traffic_ctl 10 does, from the simulator listening on
// socketPath. For discovery through `config get
// proxy.config.local_state_dir` to find that socket, name it
// jsonrpc20.sock.
func FakeTrafficCtl(t testing.TB, atssimBinary, socketPath string) string {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\nexec " + shellQuote(atssimBinary) + " ctl --socket " + shellQuote(socketPath) + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "traffic_ctl"), []byte(script), 0o755); err != nil {
		t.Fatalf("writing the fake traffic_ctl: %v", err)
	}
	Reachable(t, dir, atssimBinary)
	if _, err := os.Stat(socketPath); err == nil {
		Reachable(t, socketPath)
	}
	return dir
}

// shellQuote quotes s for sh: inside single quotes nothing is special
// except the single quote itself.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
