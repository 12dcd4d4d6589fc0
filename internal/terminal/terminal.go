package terminal

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// MinFrame is the least time between two writes of the screen: frames
// asked for sooner are merged, the last one written. A key's answer is on
// the screen within one MinFrame; a burst of results is one write.
const MinFrame = time.Second / 60

// closeBound is how long Close waits for a write in progress (a terminal
// that stopped reading, over a hung SSH link) before putting the terminal
// back regardless.
const closeBound = 500 * time.Millisecond

// Options are the terminal modes the screen asks for.
type Options struct {
	Mouse bool // report the mouse wheel and clicks (SGR mode)
}

// Terminal is the terminal while the screen is up: raw input, the
// alternate screen, no cursor, and a goroutine that writes a frame only
// when one was asked for, as the cells that changed (Painter). It never
// wakes while nothing changes.
type Terminal struct {
	in    *os.File // raw mode is on this
	ownIn bool     // in is /dev/tty, opened here
	state *term.State
	out   *os.File  // the screen, for its size
	w     io.Writer // where frames go (out, or a writer sharing it)
	opts  Options

	mu      sync.Mutex
	painter *Painter
	frame   string // the last frame asked for
	pending bool   // frame is not on the screen yet

	wake    chan struct{} // cap 1: a frame is pending
	done    chan struct{}
	stopped chan struct{} // the writer has returned
	once    sync.Once
}

// Open puts the terminal in the screen's modes: raw input (from in, or
// from /dev/tty when in is not a terminal, as when something is piped
// in), the alternate screen, the cursor hidden, bracketed paste and, if
// asked, mouse reporting. Frames are written to w, which must reach out.
// Close puts everything back.
func Open(in, out *os.File, w io.Writer, opts Options) (*Terminal, error) {
	input, ownIn := in, false
	if !term.IsTerminal(in.Fd()) {
		f, err := os.Open("/dev/tty")
		if err != nil {
			return nil, fmt.Errorf("the screen needs a terminal to read keys from (standard input is not one, and /dev/tty: %v); --once and --batch need none", err)
		}
		input, ownIn = f, true
	}
	state, err := term.MakeRaw(input.Fd())
	if err != nil {
		if ownIn {
			input.Close()
		}
		return nil, fmt.Errorf("the screen needs a terminal: %s: %v; --once and --batch need none", input.Name(), err)
	}
	width, height := sizeOf(out)
	t := start(w, width, height, opts)
	t.in, t.ownIn, t.state, t.out = input, ownIn, state, out
	return t, nil
}

// start enters the screen's modes on w and starts the writer: a Terminal
// with no input or size of its own yet (Open gives them; tests do not).
func start(w io.Writer, width, height int, opts Options) *Terminal {
	t := &Terminal{w: w, opts: opts, painter: NewPainter(width, height),
		wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	io.WriteString(t.w, t.enterModes())
	go t.writeFrames()
	return t
}

// Input is where keys are read from: what Bubble Tea reads (tea.WithInput).
func (t *Terminal) Input() *os.File { return t.in }

// Size is the screen's size in cells.
func (t *Terminal) Size() (width, height int) { return sizeOf(t.out) }

// sizeOf is a terminal's size in cells; 80x24 when it does not say (a
// terminal that does not answer is still drawn on, at a size most are).
func sizeOf(f *os.File) (width, height int) {
	if f == nil {
		return 80, 24
	}
	width, height, err := term.GetSize(f.Fd())
	if err != nil || width <= 0 || height <= 0 {
		return 80, 24
	}
	return width, height
}

// Frame asks for frame to be on the screen. It returns at once: the
// writer goroutine paints the last frame asked for, at most once per
// MinFrame. A frame equal to the last one asked for is nothing to do.
func (t *Terminal) Frame(frame string) {
	t.mu.Lock()
	if frame == t.frame && !t.pending {
		t.mu.Unlock()
		return
	}
	t.frame, t.pending = frame, true
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default: // a wake is pending already
	}
}

// resized is the new size after the window changed: the next frame is
// painted whole, the old screen cleared (terminals reflow or crop it).
func (t *Terminal) resized() (width, height int) {
	width, height = t.Size()
	t.mu.Lock()
	t.painter.Resize(width, height)
	t.pending = true
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
	return width, height
}

// writeFrames is the one writer of frames. It sleeps until a frame is
// asked for, and keeps MinFrame between writes so that a burst is one.
// The write itself is outside the lock: a terminal that reads slowly
// delays the screen, never the program asking for frames.
func (t *Terminal) writeFrames() {
	defer close(t.stopped)
	var buf bytes.Buffer
	var last time.Time
	timer := time.NewTimer(0)
	<-timer.C
	for {
		select {
		case <-t.wake:
		case <-t.done:
			return
		}
		if d := MinFrame - time.Since(last); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-t.done:
				timer.Stop()
				return
			}
		}
		buf.Reset()
		t.mu.Lock()
		if t.pending {
			t.painter.Paint(&buf, t.frame)
			t.pending = false
		}
		t.mu.Unlock()
		if buf.Len() > 0 {
			t.w.Write(buf.Bytes())
			last = time.Now()
		}
	}
}

// Close stops the writer and puts the terminal back: modes off, the main
// screen, the cursor shown, the input's mode as it was. A write that does
// not end within closeBound (a terminal that stopped reading, over a hung
// SSH link) is left behind: the input's mode is put back regardless and
// Close returns. Calling it again does nothing.
func (t *Terminal) Close() error {
	var err error
	t.once.Do(func() {
		close(t.done)
		left := make(chan struct{})
		go func() {
			<-t.stopped // the writer's last write is done
			io.WriteString(t.w, t.leaveModes())
			close(left)
		}()
		select {
		case <-left:
		case <-time.After(closeBound):
		}
		err = t.restoreInput()
	})
	return err
}

// Emergency puts the terminal back at once, for an exit that cannot wait
// for Close (the program did not end in time after a signal): it takes
// no lock and waits for nothing, writing straight to the screen.
func (t *Terminal) Emergency() {
	if t.out != nil {
		io.WriteString(t.out, t.leaveModes())
	}
	t.restoreInput()
}

func (t *Terminal) restoreInput() error {
	if t.state == nil {
		return nil // not in raw mode (a test's terminal)
	}
	err := term.Restore(t.in.Fd(), t.state)
	if t.ownIn {
		t.in.Close()
	}
	if err != nil {
		return fmt.Errorf("putting the terminal's mode back: %w", err)
	}
	return nil
}

// enterModes and leaveModes are the escape codes in and out of the
// screen's modes. Leaving turns off every mouse mode, not only the one
// set: it also serves the emergency exit. The cursor is shown after the
// main screen is back, as terminals keep its visibility per screen.
func (t *Terminal) enterModes() string {
	s := ansi.SetAltScreenSaveCursorMode + ansi.HideCursor + ansi.SetBracketedPasteMode
	if t.opts.Mouse {
		s += ansi.SetButtonEventMouseMode + ansi.SetSgrExtMouseMode
	}
	return s
}

func (t *Terminal) leaveModes() string {
	return ansi.ResetButtonEventMouseMode + ansi.ResetAnyEventMouseMode + ansi.ResetNormalMouseMode +
		ansi.ResetSgrExtMouseMode + ansi.ResetBracketedPasteMode + ansi.ResetAltScreenSaveCursorMode + ansi.ShowCursor
}
