package app

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// stopGrace is how long the program has, after SIGINT, SIGTERM or SIGHUP,
// to end by itself (terminal restored, connections closed) before it exits
// regardless: an operator's kill, systemd's stop or a closed terminal must
// end it within a second whatever it is doing.
const stopGrace = 800 * time.Millisecond

// stopper is the program's one signal path. Signals cancel its context,
// which start-up, --once and the screen all watch; it also remembers the
// signal for the exit status (128 + its number). If the program has not
// finished stopGrace later, or a second signal comes, it runs the
// emergency restore (leave the alternate screen, show the cursor, raw
// mode off) and exits.
type stopper struct {
	ctx    context.Context
	cancel context.CancelFunc
	sigs   chan os.Signal
	done   chan struct{}
	once   sync.Once
	got    atomic.Int32
	// restore, when set, puts the terminal back for an exit that does
	// not go through Bubble Tea's own shutdown.
	restore atomic.Pointer[func()]
	exit    func(int) // os.Exit; tests replace it
}

// newStopper starts listening for SIGINT, SIGTERM and SIGHUP. Bubble Tea's
// own handler is off (tea.WithoutSignalHandler): two handlers race, and
// Bubble Tea's can block for ever sending its quit message to an event
// loop that has already stopped.
func newStopper() *stopper {
	s := &stopper{sigs: make(chan os.Signal, 2), done: make(chan struct{}), exit: os.Exit}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	signal.Notify(s.sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go s.watch()
	return s
}

func (s *stopper) watch() {
	var sig os.Signal
	select {
	case sig = <-s.sigs:
	case <-s.done:
		return
	}
	n := int32(15)
	if ss, ok := sig.(syscall.Signal); ok {
		n = int32(ss)
	}
	s.got.Store(n)
	s.cancel()
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-s.done:
		return // ended by itself, in time
	case <-s.sigs:
	case <-t.C:
	}
	if f := s.restore.Load(); f != nil {
		(*f)()
	}
	s.exit(128 + int(n))
}

// exitCode is code, or 128 + the signal that stopped the program.
func (s *stopper) exitCode(code int) int {
	if n := s.got.Load(); n != 0 {
		return 128 + int(n)
	}
	return code
}

// stop ends the listening; the program is exiting by itself.
func (s *stopper) stop() {
	s.once.Do(func() {
		signal.Stop(s.sigs)
		close(s.done)
		s.cancel()
	})
}
