package sshconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"
)

// Reconnect backoff: 1s, 2s, 4s ... at most 30s.
const (
	minBackoff = time.Second
	maxBackoff = 30 * time.Second
)

// Client is one persistent SSH connection to a host. A supervisor goroutine
// keeps it up: it sends keepalives, notices when the connection dies, and
// reconnects with backoff. Callers never wait for a reconnect; while the
// connection is down their calls fail at once with a *DownError saying
// when the next attempt is.
type Client struct {
	settings Settings
	target   Target

	mu       sync.Mutex
	cur      *ssh.Client
	jumps    []*ssh.Client
	lastErr  error
	retryAt  time.Time
	failures int
	stopped  bool // gave up: a permanent error (host key, credentials)

	cancel  context.CancelFunc
	done    chan struct{}
	changed chan struct{} // closed and replaced on every state change

	// BytesIn and BytesOut count bytes on the wire to this host (SSH
	// framing and encryption included), for measurements.
	BytesIn, BytesOut atomic.Int64
	// Connects counts successful connections (1 plus reconnects).
	Connects atomic.Int64

	// shell is the persistent remote shell commands run in (shell.go);
	// noShell says the server would not give one.
	shellMu sync.Mutex
	shell   *remoteShell
	noShell bool

	now func() time.Time
}

// New resolves host (an alias or name, as in ~/.ssh/config) without
// connecting. user and port override the config when non-empty/non-zero.
func New(s Settings, host, user string, port int) (*Client, error) {
	t, err := s.Resolve(host, user, port)
	if err != nil {
		return nil, err
	}
	return &Client{settings: s, target: t, now: time.Now, changed: make(chan struct{})}, nil
}

// Changed returns a channel closed at the next change of state
// (connected, lost, reconnect failed), so callers can wait for one
// without polling.
func (c *Client) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// notify wakes Changed waiters; c.mu must be held.
func (c *Client) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Target returns the resolved connection parameters.
func (c *Client) Target() Target { return c.target }

// Start makes the first connection, bounded by ctx and ConnectTimeout,
// then keeps the connection up in the background until Close. The error
// is the first attempt's: with IsPermanent(err) (host key refused, no
// usable key) the client has given up and should be closed; any other
// error means the host is unreachable for now and will be retried.
func (c *Client) Start(ctx context.Context) error {
	sctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.done = make(chan struct{})
	err := c.attempt(ctx)
	go c.supervise(sctx)
	return err
}

// attempt connects once and records the outcome.
func (c *Client) attempt(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.target.ConnectTimeout*time.Duration(1+len(c.target.ProxyJump)))
	defer cancel()
	cl, jumps, err := c.connect(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.failures++
		c.lastErr = err
		if IsPermanent(err) {
			c.stopped = true
		}
		c.retryAt = c.now().Add(backoff(c.failures))
		c.notify()
		return err
	}
	if c.cancel == nil { // closed meanwhile
		cl.Close()
		closeAll(jumps)
		return errors.New("closed")
	}
	c.cur, c.jumps = cl, jumps
	c.failures, c.lastErr = 0, nil
	c.Connects.Add(1)
	c.notify()
	return nil
}

func backoff(failures int) time.Duration {
	d := minBackoff
	for i := 1; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// supervise alternates between watching a live connection and waiting to
// reconnect, until ctx ends.
func (c *Client) supervise(ctx context.Context) {
	defer close(c.done)
	for {
		c.mu.Lock()
		cl, stopped, retryAt := c.cur, c.stopped, c.retryAt
		c.mu.Unlock()
		if stopped {
			<-ctx.Done()
			return
		}
		if cl != nil {
			err := c.watch(ctx, cl)
			if ctx.Err() != nil {
				return
			}
			c.mu.Lock()
			if c.cur == cl {
				c.cur = nil
				closeAll(c.jumps)
				c.jumps = nil
			}
			c.failures = 1
			c.lastErr = lostError(err)
			c.retryAt = c.now().Add(minBackoff)
			c.notify()
			c.mu.Unlock()
			continue
		}
		wait := time.NewTimer(max(retryAt.Sub(c.now()), 0))
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case <-wait.C:
		}
		c.attempt(ctx)
	}
}

// watch returns when cl dies: the server closed it, or keepalives went
// unanswered AliveCountMax times in a row (then watch closes it).
func (c *Client) watch(ctx context.Context, cl *ssh.Client) error {
	died := make(chan error, 1)
	go func() {
		err := cl.Wait()
		if err == nil {
			err = errors.New("closed by the server")
		}
		died <- err
	}()
	tick := time.NewTicker(c.target.AliveInterval)
	defer tick.Stop()
	misses := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-died:
			return err
		case <-tick.C:
		}
		// The reply (success or failure: OpenSSH answers unknown
		// requests with failure) is what proves the peer alive; the
		// request itself is bounded so a black-holed link cannot block
		// the supervisor.
		reply := make(chan error, 1)
		go func() {
			_, _, err := cl.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		timer := time.NewTimer(c.target.AliveInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case err := <-died:
			timer.Stop()
			return err
		case err := <-reply:
			timer.Stop()
			if err != nil {
				cl.Close()
				return fmt.Errorf("keepalive failed: %w", err)
			}
			misses = 0
		case <-timer.C:
			misses++
			if misses >= c.target.AliveCountMax {
				cl.Close()
				return fmt.Errorf("no keepalive reply for %s", time.Duration(misses)*c.target.AliveInterval*2)
			}
		}
	}
}

// lostError words why a live connection ended.
func lostError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("connection lost (closed by the server or the network): %w", err)
	}
	return fmt.Errorf("connection lost: %w", err)
}

// DownError is returned while the connection is down.
type DownError struct {
	Host    string
	Err     error
	RetryIn time.Duration
	GaveUp  bool
}

func (e *DownError) Error() string {
	if e.GaveUp {
		return fmt.Sprintf("ssh: %v (not retrying)", e.Err)
	}
	return fmt.Sprintf("ssh: %v; reconnecting in %s", e.Err, roundUpSecond(e.RetryIn))
}

func (e *DownError) Unwrap() error { return e.Err }

func roundUpSecond(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// current returns the live connection or a *DownError.
func (c *Client) current() (*ssh.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		return c.cur, nil
	}
	err := c.lastErr
	if err == nil {
		err = errors.New("not connected")
	}
	return nil, &DownError{Host: c.target.Alias, Err: err, RetryIn: c.retryAt.Sub(c.now()), GaveUp: c.stopped}
}

// Down returns a *DownError while the connection is down, else nil.
func (c *Client) Down() error {
	_, err := c.current()
	return err
}

// Connected says whether the connection is up now.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur != nil
}

// Close ends the connection and the supervisor.
func (c *Client) Close() error {
	c.mu.Lock()
	cancel := c.cancel
	c.cancel = nil
	cl, jumps := c.cur, c.jumps
	c.cur, c.jumps = nil, nil
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if cl != nil {
		cl.Close()
	}
	closeAll(jumps)
	if cancel != nil && c.done != nil {
		<-c.done
	}
	return nil
}

func closeAll(cs []*ssh.Client) {
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i].Close()
	}
}

// dropConnection closes the live connection as if the network had failed;
// the supervisor notices and reconnects. For tests.
func (c *Client) dropConnection() {
	c.mu.Lock()
	cl := c.cur
	c.mu.Unlock()
	if cl != nil {
		cl.Close()
	}
}

// bounded runs fn (which may block on the network) and gives up when ctx
// ends; a result that arrives after that is disposed of by cleanup. SSH
// channels ignore deadlines, so this is how every channel operation is
// bounded.
func bounded[T any](ctx context.Context, fn func() (T, error), cleanup func(T)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.err == nil && cleanup != nil {
				cleanup(r.v)
			}
		}()
		var zero T
		return zero, ctx.Err()
	}
}

// StreamLocalRefused means the server does not allow stream-local
// forwarding (AllowStreamLocalForwarding no, or a restrict key).
var StreamLocalRefused = errors.New("stream-local forwarding refused by the server")

// DialUnix opens a stream-local channel to a Unix socket on the remote
// host (OpenSSH's direct-streamlocal@openssh.com). The returned conn
// ignores deadlines; closing it is how a caller bounds a request.
func (c *Client) DialUnix(ctx context.Context, path string) (net.Conn, error) {
	cl, err := c.current()
	if err != nil {
		return nil, err
	}
	conn, err := bounded(ctx, func() (net.Conn, error) { return cl.Dial("unix", path) },
		func(n net.Conn) { n.Close() })
	if err != nil {
		var oce *ssh.OpenChannelError
		if errors.As(err, &oce) {
			if oce.Reason == ssh.Prohibited {
				return nil, fmt.Errorf("%w (%s)", StreamLocalRefused, oce.Message)
			}
			// OpenSSH answers "open failed" (ConnectionFailed) alike for
			// a missing socket, one nobody listens on, and forwarding
			// refused by AllowStreamLocalForwarding no: only the server
			// log tells them apart.
			return nil, fmt.Errorf("remote socket %s: %s (no such socket, traffic_server not running, or stream-local forwarding refused by sshd)", path, oneLine(oce.Message))
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh %s: opening a channel to %s timed out", c.target.Alias, path)
		}
		return nil, fmt.Errorf("ssh %s: %w", c.target.Alias, err)
	}
	return conn, nil
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		// Cut at a character boundary, not inside one.
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
