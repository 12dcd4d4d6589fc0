package terminal

// WatchResize does nothing on Windows, which has no SIGWINCH: the screen
// keeps the size it started with.
func (t *Terminal) WatchResize(resized func(width, height int)) {}
