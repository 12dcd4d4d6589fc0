package sshconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/ssh"
)

// clientVersion identifies us in sshd's logs.
const clientVersion = "SSH-2.0-traffic_grapher"

type dialFunc func(ctx context.Context, addr string) (net.Conn, error)

// connect opens the connection to the target, through its ProxyJump hops
// if any: each hop is resolved through the SSH config and verified like
// any host, and the next hop is dialled through it (a direct-tcpip
// channel), as `ssh -J` does.
func (c *Client) connect(ctx context.Context) (*ssh.Client, []*ssh.Client, error) {
	dial := dialFunc(func(ctx context.Context, addr string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	})
	var jumps []*ssh.Client
	for _, hop := range c.target.ProxyJump {
		user, host, port, err := ParseJump(hop)
		if err != nil {
			closeAll(jumps)
			return nil, nil, &AuthError{err.Error()}
		}
		jt, err := c.settings.Resolve(host, user, port)
		if err != nil {
			closeAll(jumps)
			return nil, nil, &AuthError{err.Error()}
		}
		jc, err := handshake(ctx, c.settings, jt, dial, nil)
		if err != nil {
			closeAll(jumps)
			return nil, nil, fmt.Errorf("jump host %s: %w", hop, err)
		}
		jumps = append(jumps, jc)
		dial = func(ctx context.Context, addr string) (net.Conn, error) {
			return bounded(ctx, func() (net.Conn, error) { return jc.Dial("tcp", addr) }, func(n net.Conn) { n.Close() })
		}
	}
	cl, err := handshake(ctx, c.settings, c.target, dial, c)
	if err != nil {
		closeAll(jumps)
		return nil, nil, err
	}
	return cl, jumps, nil
}

// handshake dials t and runs the SSH handshake, bounded by ctx. count, if
// set, receives the wire byte counts.
func handshake(ctx context.Context, s Settings, t Target, dial dialFunc, count *Client) (*ssh.Client, error) {
	hostKeys, algos, err := hostKeyChecker(t)
	if err != nil {
		return nil, &AuthError{err.Error()}
	}
	plan, err := planAuth(t, s)
	if err != nil {
		return nil, err
	}
	defer plan.close()

	conn, err := dial(ctx, t.Addr())
	if err != nil {
		return nil, &unreachableError{addr: t.Addr(), err: err}
	}
	if count != nil {
		conn = &countingConn{Conn: conn, in: &count.BytesIn, out: &count.BytesOut}
	}
	// Channels through a jump host ignore deadlines, so the handshake is
	// bounded by closing the connection when ctx ends.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	cfg := &ssh.ClientConfig{
		User:              t.User,
		Auth:              plan.methods,
		HostKeyCallback:   hostKeys,
		HostKeyAlgorithms: algos,
		ClientVersion:     clientVersion,
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, t.Addr(), cfg)
	if !stop() {
		if sc != nil {
			sc.Close()
		}
		conn.Close()
		return nil, fmt.Errorf("ssh handshake with %s timed out", t.Addr())
	}
	if err != nil {
		conn.Close()
		var he *HostKeyError
		if errors.As(err, &he) {
			return nil, he
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, plan.refusedError(t, err)
		}
		return nil, fmt.Errorf("ssh handshake with %s: %s", t.Addr(), describeNetError(err))
	}
	return ssh.NewClient(sc, chans, reqs), nil
}

// unreachableError is a failed TCP connection (or jump-host channel).
type unreachableError struct {
	addr string
	err  error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %s", e.addr, describeNetError(e.err))
}

func (e *unreachableError) Unwrap() error { return e.err }

// IsUnknownHost says whether err is a host name that does not resolve: at
// start-up that is a typo to report, not an outage to wait out.
func IsUnknownHost(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

func describeNetError(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("unknown host %q", dnsErr.Name)
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		err = opErr.Err // "connect: connection refused", not the whole dial story
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "ssh: handshake failed: ")
	msg = strings.TrimPrefix(msg, "connect: ")
	return oneLine(msg)
}

// countingConn counts bytes through a connection.
type countingConn struct {
	net.Conn
	in, out *atomic.Int64
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.in.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.out.Add(int64(n))
	return n, err
}
