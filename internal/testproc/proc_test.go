package testproc

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// startSh starts sh -c script and stops it when the test ends.
func startSh(t *testing.T, script string, grace time.Duration) (*Proc, *LogBuffer) {
	t.Helper()
	log := &LogBuffer{}
	p, err := Start(Cmd{Path: "/bin/sh", Args: []string{"-c", script}, Dir: t.TempDir(), Log: log, StopGrace: grace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p, log
}

func contains(s string) func(string) (bool, error) {
	return func(out string) (bool, error) { return strings.Contains(out, s), nil }
}

func TestWaitOutput(t *testing.T) {
	p, log := startSh(t, "echo one; read x; echo two >&2; exec sleep 60", 0)
	soon := time.Now().Add(10 * time.Second)
	if err := p.WaitOutput(0, soon, contains("one\n")); err != nil {
		t.Fatalf("waiting for one: %v", err)
	}
	from := log.Len()
	// Only output after from counts: "one" is no longer seen.
	if err := p.WaitOutput(from, time.Now().Add(50*time.Millisecond), contains("one")); !errors.Is(err, ErrTimeout) {
		t.Errorf("old output matched: %v", err)
	}
	if p.PID() <= 0 {
		t.Errorf("PID %d", p.PID())
	}
	p.Stop()
	select {
	case <-p.Exited():
	default:
		t.Error("Exited not closed after Stop")
	}
	if p.Err() == nil {
		t.Error("a killed shell exited without an error")
	}
}

func TestWaitOutputExited(t *testing.T) {
	p, _ := startSh(t, "echo almost; exit 3", 0)
	err := p.WaitOutput(0, time.Now().Add(10*time.Second), contains("ready"))
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("got %v, want ErrExited with the exit status", err)
	}
	// What it wrote before exiting still counts.
	p, _ = startSh(t, "echo ready; exit 0", 0)
	if err := p.WaitOutput(0, time.Now().Add(10*time.Second), contains("ready")); err != nil {
		t.Errorf("got %v for output written just before exiting", err)
	}
}

func TestLogBufferZeroValue(t *testing.T) {
	var l LogBuffer
	out, changed := l.Since(5)
	if out != "" {
		t.Errorf("Since on empty: %q", out)
	}
	l.Write([]byte("abc"))
	select {
	case <-changed:
	default:
		t.Error("Write did not signal")
	}
	if out, _ := l.Since(1); out != "bc" || l.String() != "abc" || l.Len() != 3 {
		t.Errorf("Since(1) %q, String %q, Len %d", out, l.String(), l.Len())
	}
}
