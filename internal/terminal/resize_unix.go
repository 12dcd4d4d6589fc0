//go:build !windows

package terminal

import (
	"os"
	"os/signal"
	"syscall"
)

// WatchResize calls resized with the new size each time the window
// changes (SIGWINCH), until Close.
func (t *Terminal) WatchResize(resized func(width, height int)) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGWINCH)
	go func() {
		defer signal.Stop(sigs)
		for {
			select {
			case <-sigs:
				resized(t.resized())
			case <-t.done:
				return
			}
		}
	}()
}
