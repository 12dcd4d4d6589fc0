package jsonrpc

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// localConn is a connection to a local Unix socket that stays out of the
// runtime's poller while nothing has to wait, which for a JSON-RPC round
// trip is always: the request fits the socket's buffer, and the round
// reads the reply after it has arrived (collect.AwaitRoundRead).
//
// Why: a conn from net.Dial is in the poller from the start, so each
// reply woke the program two or three times while it was waiting for its
// timer (the socket writable, readable, hung up), and every read, write
// and close entered the scheduler's system-call path, which wakes its
// monitor thread to poll every 20 µs until the program is idle again.
// Here the socket, connect, read, write and close are raw, non-blocking
// system calls; the first that would block (a server still answering, a
// reply larger than the socket's buffer) hands the socket to the poller
// as an os.File, and from then on it waits there, under the deadline,
// like any other file.
type localConn struct {
	path string
	// mu serializes the raw calls with a Close from another goroutine
	// (the context ending): the descriptor is closed only between them,
	// so no call reads a number that has been given to another socket.
	mu       sync.Mutex
	fd       int      // -1 once closed or handed to file
	file     *os.File // the socket in the poller, once a call had to wait
	deadline time.Time
}

// dialLocal connects to the Unix socket at path. Paths net handles
// differently (abstract "@" names, too long for a sockaddr) and a connect
// that would block (the server's backlog full) are left to net.Dialer.
func dialLocal(ctx context.Context, path string) (net.Conn, error) {
	var sa syscall.RawSockaddrUnix
	if path == "" || path[0] == '@' || len(path) >= len(sa.Path) {
		return dialNet(ctx, path)
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "unix", Addr: unixAddr(path), Err: os.NewSyscallError("socket", err)}
	}
	sa.Family = syscall.AF_UNIX
	for i := range len(path) {
		sa.Path[i] = int8(path[i])
	}
	size := uintptr(2 + len(path) + 1) // the family, the path and its NUL
	for {
		_, _, e := syscall.RawSyscall(syscall.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), size)
		switch e {
		case 0:
			return &localConn{path: path, fd: fd}, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			closeFD(fd)
			return dialNet(ctx, path)
		}
		closeFD(fd)
		return nil, &net.OpError{Op: "dial", Net: "unix", Addr: unixAddr(path), Err: os.NewSyscallError("connect", e)}
	}
}

// waitHook, in tests, is told when a conn starts to wait in the poller.
var waitHook func(*localConn)

func unixAddr(path string) *net.UnixAddr { return &net.UnixAddr{Name: path, Net: "unix"} }

func closeFD(fd int) { syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0) }

// Read reads what the socket has; it waits (in the poller) only when
// there is nothing yet.
func (c *localConn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.mu.Lock()
	if c.file == nil {
		if c.fd < 0 {
			c.mu.Unlock()
			return 0, c.opError("read", net.ErrClosed)
		}
		for {
			n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(c.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			if e == syscall.EINTR {
				continue
			}
			if e == 0 && n == 0 {
				c.mu.Unlock()
				return 0, io.EOF
			}
			if e == 0 {
				c.mu.Unlock()
				return int(n), nil
			}
			if e != syscall.EAGAIN {
				c.mu.Unlock()
				return 0, c.opError("read", os.NewSyscallError("read", e))
			}
			break
		}
		c.toPoller()
	}
	f := c.file
	c.mu.Unlock()
	n, err := f.Read(b)
	if err != nil && err != io.EOF {
		err = c.opError("read", fileError(err))
	}
	return n, err
}

// Write writes all of b, waiting (in the poller) only if the socket's
// buffer is full.
func (c *localConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	done := 0
	if c.file == nil {
		if c.fd < 0 {
			c.mu.Unlock()
			return 0, c.opError("write", net.ErrClosed)
		}
		for done < len(b) {
			n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(c.fd), uintptr(unsafe.Pointer(&b[done])), uintptr(len(b)-done))
			if e == syscall.EINTR {
				continue
			}
			if e == syscall.EAGAIN {
				break
			}
			if e != 0 {
				c.mu.Unlock()
				return done, c.opError("write", os.NewSyscallError("write", e))
			}
			done += int(n)
		}
		if done == len(b) {
			c.mu.Unlock()
			return done, nil
		}
		c.toPoller()
	}
	f := c.file
	c.mu.Unlock()
	n, err := f.Write(b[done:])
	if err != nil {
		err = c.opError("write", fileError(err))
	}
	return done + n, err
}

// toPoller hands the descriptor to an os.File, which registers it with
// the runtime's poller (it is non-blocking) and keeps the deadline. c.mu
// is held.
func (c *localConn) toPoller() {
	if waitHook != nil {
		waitHook(c)
	}
	c.file = os.NewFile(uintptr(c.fd), c.path)
	c.fd = -1
	if !c.deadline.IsZero() {
		_ = c.file.SetDeadline(c.deadline)
	}
}

// Close closes the socket; a call waiting in the poller returns at once.
func (c *localConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file != nil {
		return c.file.Close()
	}
	if c.fd < 0 {
		return c.opError("close", net.ErrClosed)
	}
	closeFD(c.fd)
	c.fd = -1
	return nil
}

// fileError is what an os.File's call failed with, without the
// *fs.PathError around it that would name the path twice.
func fileError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		if errors.Is(pe.Err, os.ErrClosed) {
			return net.ErrClosed
		}
		return pe.Err
	}
	return err
}

// opError wraps err as net's conns do, so messages and errors.Is read
// the same as for them.
func (c *localConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "unix", Addr: unixAddr(c.path), Err: err}
}

func (c *localConn) LocalAddr() net.Addr  { return &net.UnixAddr{Net: "unix"} }
func (c *localConn) RemoteAddr() net.Addr { return unixAddr(c.path) }

// SetDeadline bounds every later wait; the raw calls never wait.
func (c *localConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = t
	if c.file != nil {
		return c.file.SetDeadline(t)
	}
	return nil
}

func (c *localConn) SetReadDeadline(t time.Time) error  { return c.SetDeadline(t) }
func (c *localConn) SetWriteDeadline(t time.Time) error { return c.SetDeadline(t) }
