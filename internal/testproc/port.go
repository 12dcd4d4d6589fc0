package testproc

import (
	"errors"
	"net"
	"testing"
)

// ErrBind is what a start function passed to OnFreePort returns (wrapped)
// when its program could not bind the port: another process took it.
var ErrBind = errors.New("port in use")

// portAttempts bounds OnFreePort's retries; a taken port is rare, five
// in a row means something else is wrong.
const portAttempts = 5

// FreePort asks the kernel for a free port on 127.0.0.1. It is closed
// again before the program binds it, so another process may take it
// meanwhile: OnFreePort retries then.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// OnFreePort calls start with a free port until it succeeds, and again
// with another port while it fails with ErrBind. Any other failure, or
// too many taken ports, fails the test with "starting what: error".
func OnFreePort(t testing.TB, what string, start func(port int) error) {
	t.Helper()
	var lastErr error
	for range portAttempts {
		port, err := FreePort()
		if err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		if lastErr = start(port); lastErr == nil {
			return
		}
		if !errors.Is(lastErr, ErrBind) {
			break
		}
	}
	t.Fatalf("starting %s: %v", what, lastErr)
}
