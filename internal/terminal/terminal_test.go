package terminal

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a terminal's output: every write, and a signal after each.
type recorder struct {
	mu     sync.Mutex
	writes []string
	wrote  chan struct{}
	block  chan struct{} // when not nil, writes after the first wait on it
}

func newRecorder() *recorder { return &recorder{wrote: make(chan struct{}, 1000)} }

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	first := len(r.writes) == 0
	r.writes = append(r.writes, string(b))
	r.mu.Unlock()
	if r.block != nil && !first {
		<-r.block
	}
	r.wrote <- struct{}{}
	return len(b), nil
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes...)
}

// waitFor waits until the writes put frame on a w x h screen, and returns
// the writes (the modes' first).
func (r *recorder) waitFor(t *testing.T, frame string, w, h int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		writes := r.all()
		screen := newEmulator(w, h)
		for _, s := range writes[1:] {
			screen.write([]byte(s))
		}
		if screen.err != nil {
			t.Fatal(screen.err)
		}
		if screen.differs(emulateFrame(frame, w, h)) == "" {
			return writes
		}
		select {
		case <-r.wrote:
		case <-deadline:
			t.Fatalf("the screen never showed %q; writes %q", frame, writes)
		}
	}
}

// A burst of frames is painted as few writes, MinFrame apart, the last
// frame on the screen.
func TestFramesInABurstAreMerged(t *testing.T) {
	rec := newRecorder()
	term := start(rec, 20, 3, Options{})
	defer term.Close()
	start := time.Now()
	var last string
	for i := range 100 {
		last = strings.Repeat("x", i%20) + "\nframe " + string(rune('a'+i%26))
		term.Frame(last)
	}
	writes := rec.waitFor(t, last, 20, 3)
	took := time.Since(start)
	if n := len(writes) - 1; n > 1+int(took/MinFrame) {
		t.Errorf("%d writes for 100 frames in %s: more than one per MinFrame", n, took)
	}
	if writes[0] != term.enterModes() {
		t.Errorf("first write %q, want the modes %q", writes[0], term.enterModes())
	}
}

// Close puts the terminal back: its last write leaves the modes.
func TestCloseLeavesTheModes(t *testing.T) {
	rec := newRecorder()
	term := start(rec, 20, 3, Options{Mouse: true})
	term.Frame("hello")
	rec.waitFor(t, "hello", 20, 3)
	if err := term.Close(); err != nil {
		t.Fatal(err)
	}
	writes := rec.all()
	if got := writes[len(writes)-1]; got != term.leaveModes() {
		t.Errorf("last write %q, want %q", got, term.leaveModes())
	}
	if !strings.Contains(writes[0], "\x1b[?1002h") || !strings.Contains(term.leaveModes(), "\x1b[?1002l") {
		t.Errorf("mouse reporting is not turned on and off: %q, %q", writes[0], term.leaveModes())
	}
	term.Close() // a second Close does nothing
	if n := len(rec.all()); n != len(writes) {
		t.Errorf("a second Close wrote %d more", n-len(writes))
	}
}

// A terminal that stopped reading (a hung SSH link) must not hold up the
// program's exit: Close returns after closeBound.
func TestCloseDoesNotWaitForAHungTerminal(t *testing.T) {
	rec := newRecorder()
	rec.block = make(chan struct{})
	defer close(rec.block)
	term := start(rec, 20, 3, Options{})
	term.Frame("stuck")
	<-rec.wrote // the modes
	closed := make(chan struct{})
	go func() {
		term.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waiting for a terminal that does not read, 10 s on")
	}
}

// Frame returns at once even while the terminal does not read: the
// program answers keys whatever the link does.
func TestFrameDoesNotWaitForTheTerminal(t *testing.T) {
	rec := newRecorder()
	rec.block = make(chan struct{})
	defer close(rec.block)
	term := start(rec, 20, 3, Options{})
	defer term.Close()
	term.Frame("first")
	<-rec.wrote // the modes; "first" is being written, and blocks
	done := make(chan struct{})
	go func() {
		for i := range 1000 {
			term.Frame(strings.Repeat("y", i%20))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Frame blocked behind a terminal that does not read")
	}
}
