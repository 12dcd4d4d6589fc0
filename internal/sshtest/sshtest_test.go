package sshtest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// recordingTB stands in for a testing.TB to observe Skip and Fatal, which
// stop the calling goroutine as the real ones do.
type recordingTB struct {
	testing.TB
	skipped, fatal string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runTB runs f with a recordingTB on its own goroutine (Goexit ends it).
func runTB(f func(testing.TB)) *recordingTB {
	r := &recordingTB{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f(r)
	}()
	wg.Wait()
	return r
}

func TestRequireProgramMissing(t *testing.T) {
	t.Setenv("CI", "")
	r := runTB(func(tb testing.TB) { RequireProgram(tb, "sshd-no-such-program") })
	if !strings.Contains(r.skipped, "sshd-no-such-program not installed") ||
		!strings.Contains(r.skipped, "scripts/install-test-deps") || r.fatal != "" {
		t.Errorf("skipped %q, fatal %q", r.skipped, r.fatal)
	}

	t.Setenv("CI", "true")
	r = runTB(func(tb testing.TB) { RequireProgram(tb, "tmux-no-such-program") })
	if !strings.Contains(r.fatal, "tmux-no-such-program not installed") || r.skipped != "" {
		t.Errorf("under CI: skipped %q, fatal %q", r.skipped, r.fatal)
	}
}

func TestRequireProgramFindsSbin(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		t.Skip("no /usr/sbin/sshd")
	}
	// sshd is found even when /usr/sbin is not in PATH.
	t.Setenv("PATH", "/usr/bin:/bin")
	if got := RequireProgram(t, "sshd"); got != "/usr/sbin/sshd" {
		t.Errorf("RequireProgram(sshd) = %q", got)
	}
}

func TestTempHome(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "/somewhere/agent.sock")
	home := TempHome(t)
	if os.Getenv("HOME") != home {
		t.Errorf("HOME = %q, want %q", os.Getenv("HOME"), home)
	}
	if _, ok := os.LookupEnv("SSH_AUTH_SOCK"); ok {
		t.Error("SSH_AUTH_SOCK still set")
	}
	fi, err := os.Stat(filepath.Join(home, ".ssh"))
	if err != nil || fi.Mode().Perm() != 0o700 || !fi.IsDir() {
		t.Errorf(".ssh: %v, %v", fi, err)
	}
	if d, err := os.UserHomeDir(); err != nil || d != home {
		t.Errorf("os.UserHomeDir() = %q, %v", d, err)
	}
}

func TestShortTempDir(t *testing.T) {
	d := ShortTempDir(t)
	// Room for a socket name within the 108-byte limit.
	if len(d) > 60 {
		t.Errorf("%q is %d bytes", d, len(d))
	}
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		t.Errorf("%q: %v", d, err)
	}
}

func TestParsePPID(t *testing.T) {
	for stat, want := range map[string]int{
		"1234 (sshd) S 99 1234 1234 0 -1":       99,
		"1234 (we ird) (x) R 7 1 1 0":           7,
		"5 (sshd: root@notty) S 4321 5 5 0 -1 ": 4321,
	} {
		if got, ok := parsePPID(stat); !ok || got != want {
			t.Errorf("parsePPID(%q) = %d, %v", stat, got, ok)
		}
	}
	for _, bad := range []string{"", "12 (x", "12 (x) S", "12 (x) S -1"} {
		if _, ok := parsePPID(bad); ok {
			t.Errorf("parsePPID(%q) ok", bad)
		}
	}
}
