package testproc

import (
	"fmt"
	"os"
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
	wg.Go(func() { f(r) })
	wg.Wait()
	return r
}

func TestRequireProgramMissing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: RequireProgram skips every caller then")
	}
	t.Setenv("CI", "")
	r := runTB(func(tb testing.TB) { RequireProgram(tb, "tg-no-such-program", "") })
	if !strings.Contains(r.skipped, "tg-no-such-program not installed (Debian package providing tg-no-such-program)") ||
		!strings.Contains(r.skipped, "scripts/install-test-deps") || r.fatal != "" {
		t.Errorf("skipped %q, fatal %q", r.skipped, r.fatal)
	}

	t.Setenv("CI", "true")
	r = runTB(func(tb testing.TB) { RequireProgram(tb, "tg-no-such-program", "tg-package") })
	if !strings.Contains(r.fatal, "not installed (Debian package tg-package)") ||
		!strings.Contains(r.fatal, "CI=true") || r.skipped != "" {
		t.Errorf("under CI: skipped %q, fatal %q", r.skipped, r.fatal)
	}
}

func TestRequireProgramFindsSbin(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: RequireProgram skips every caller then")
	}
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		t.Skip("no /usr/sbin/sshd")
	}
	// sshd is found even when /usr/sbin is not in PATH.
	t.Setenv("PATH", "/usr/bin:/bin")
	if got := RequireProgram(t, "sshd", "openssh-server"); got != "/usr/sbin/sshd" {
		t.Errorf("RequireProgram(sshd) = %q", got)
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
