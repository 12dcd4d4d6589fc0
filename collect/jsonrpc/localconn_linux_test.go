package jsonrpc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// localServer listens on a Unix socket in a private directory and runs
// serve for each connection, after reading the request's first bytes.
func localServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jsonrpc20.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64)
				if _, err := c.Read(buf); err != nil {
					return
				}
				serve(c)
			}()
		}
	}()
	return path
}

// onWait makes waitHook call fn for the rest of the test.
func onWait(t *testing.T, fn func(*localConn)) {
	waitHook = fn
	t.Cleanup(func() { waitHook = nil })
}

func TestLocalConnRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MB: more than a socket buffer holds
	tests := []struct {
		name string
		// reply is what the server sends, after ready is closed (at once
		// when the server is not to wait).
		reply []byte
		// afterWait: the server answers only once the client waits in the
		// poller, so the read must go there and come back with the reply.
		afterWait bool
		wantWait  bool
	}{
		{name: "reply there before the read", reply: []byte(`{"result":{}}`)},
		{name: "reply after the read began", reply: []byte(`{"result":{}}`), afterWait: true, wantWait: true},
		{name: "reply larger than the socket's buffer", reply: big},
		{name: "empty reply", reply: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			waiting := make(chan struct{})
			sent := make(chan struct{})
			path := localServer(t, func(c net.Conn) {
				if tt.afterWait {
					<-waiting
				}
				c.Write(tt.reply)
				c.Close()
				close(sent)
			})
			waited := false
			onWait(t, func(*localConn) {
				if !waited {
					waited = true
					close(waiting)
				}
			})
			conn, err := dialLocal(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, ok := conn.(*localConn); !ok {
				t.Fatalf("dialLocal(%s) is a %T, want a *localConn", path, conn)
			}
			if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Write([]byte(`{"jsonrpc":"2.0"}`)); err != nil {
				t.Fatal(err)
			}
			if !tt.afterWait && len(tt.reply) < 64<<10 {
				<-sent // all of it is in the socket before the first read
			}
			got, err := io.ReadAll(conn)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !bytes.Equal(got, tt.reply) {
				t.Errorf("got %d bytes, want %d", len(got), len(tt.reply))
			}
			if tt.wantWait && !waited {
				t.Error("the read never waited in the poller")
			}
			if !tt.wantWait && len(tt.reply) < 64<<10 && waited {
				t.Error("a reply already in the socket was waited for")
			}
		})
	}
}

func TestLocalConnWaitEnds(t *testing.T) {
	tests := []struct {
		name string
		// end ends the wait of c, called as the read starts to wait.
		end  func(c *localConn)
		want func(err error) bool
	}{
		{
			name: "deadline",
			end:  func(c *localConn) {},
			want: func(err error) bool {
				var ne net.Error
				return errors.As(err, &ne) && ne.Timeout()
			},
		},
		{
			name: "closed by another goroutine",
			end:  func(c *localConn) { go c.Close() },
			want: func(err error) bool { return errors.Is(err, net.ErrClosed) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := localServer(t, func(c net.Conn) { io.Copy(io.Discard, c) }) // never answers
			onWait(t, tt.end)
			conn, err := dialLocal(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
			if _, err := conn.Write([]byte("request")); err != nil {
				t.Fatal(err)
			}
			n, err := conn.Read(make([]byte, 100))
			if n != 0 || !tt.want(err) {
				t.Fatalf("Read = %d, %v", n, err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("%q does not name the socket", err)
			}
		})
	}
}

func TestLocalConnErrors(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	tests := []struct {
		path string
		want error
	}{
		{filepath.Join(dir, "missing.sock"), fs.ErrNotExist},
		{stale, syscall.ECONNREFUSED},
		{dir, syscall.ECONNREFUSED},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			conn, err := dialLocal(context.Background(), tt.path)
			if err == nil {
				conn.Close()
				t.Fatalf("dialLocal(%s) connected", tt.path)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("err = %v, want %v naming the path", err, tt.want)
			}
		})
	}
}

func TestLocalConnWriteToClosedPeer(t *testing.T) {
	closed := make(chan struct{})
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		close(closed)
	}()
	conn, err := dialLocal(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	<-closed
	// The first write may be taken before the reset is seen; the second
	// fails (no SIGPIPE ends the program).
	_, err = conn.Write([]byte("request"))
	if err == nil {
		_, err = conn.Write([]byte("request"))
	}
	if !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("write to a closed peer: %v", err)
	}
	if _, err := conn.Read(make([]byte, 10)); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read from a closed peer: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := conn.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second close: %v, want net.ErrClosed", err)
	}
	if _, err := conn.Read(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after close: %v, want net.ErrClosed", err)
	}
}

// Names the raw connect cannot take are net's to dial.
func TestLocalConnLeavesOtherNamesToNet(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("x", 120))
	for _, path := range []string{"@traffic-grapher-test-absent", long} {
		conn, err := dialLocal(context.Background(), path)
		if err == nil {
			conn.Close()
		}
		if _, ok := conn.(*localConn); ok {
			t.Errorf("dialLocal(%q) dialled it raw", path)
		}
		var oe *net.OpError
		if err == nil || !errors.As(err, &oe) || oe.Op != "dial" {
			t.Errorf("dialLocal(%q): %v, want net's dial error", path, err)
		}
	}
}
