// Package simulator runs a simulated Apache Traffic Server 10 JSON-RPC
// endpoint on a Unix socket, for --demo and for tests.
//
// It speaks the protocol the way ATS 10.2 does (see shared/samples/ats10):
// one request per connection, read until the peer is idle for a moment, one
// reply without a trailing newline, then close; replies formatted like the
// real server's (field order, ", " and ": " separators, every value a
// string, ids echoed as strings, recordList and errorList always present);
// errorList entries for unknown names ("2000") and invalid regexes
// ("2005"); JSON-RPC errors -32700, -32600, -32601 and ATS's own codes.
// Regexes match unanchored and case-insensitively, as on the real server.
//
// The records move like a busy cache: a few thousand requests/s following a
// compressed "day" with noise, hit ratio 80-90 %, realistic latencies,
// connection counts and byte volumes, every host (seed) different. Derived
// records (cache_total_*, *_total_*_bytes, ...) change only at each sync
// (every 5 s), and the server occasionally "restarts", resetting every
// counter.
package simulator

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// SocketName is the socket's file name inside Options.Dir.
const SocketName = "jsonrpc20.sock"

const (
	// DefaultSyncEvery is how often derived records are recomputed, like
	// ATS's periodic stats sync.
	DefaultSyncEvery = 5 * time.Second
	// DefaultResetEvery is the mean time between simulated restarts when
	// Options.ResetEvery is 0.
	DefaultResetEvery = 10 * time.Minute
	// NoReset disables simulated restarts (Options.ResetEvery).
	NoReset time.Duration = -1
	// SlowDelay is how long FaultSlow waits before replying: longer than
	// any collection deadline.
	SlowDelay = 30 * time.Second
)

const (
	// maxRequestBytes is ATS's request buffer: a request that fills it gets
	// no reply at all.
	maxRequestBytes = 32000
	// readIdle ends a request: ATS stops reading when no more data arrives
	// within ~1 ms; a little slack keeps loaded test machines honest.
	readIdle = 2 * time.Millisecond
	// firstByteTimeout drops connections that never send anything.
	firstByteTimeout = 10 * time.Second
	// writeTimeout bounds writing a reply to a peer that does not read.
	writeTimeout = 30 * time.Second
	// oversizeBytes is how much FaultOversize streams.
	oversizeBytes = 17 << 20
)

// Fault makes the server misbehave, for tests.
type Fault int32

const (
	FaultNone        Fault = iota // behave
	FaultSlow                     // reply after SlowDelay
	FaultHang                     // read the request, never reply, keep the connection open
	FaultTruncate                 // send the first half of the reply, then close
	FaultGarbage                  // send bytes that are not JSON (with control characters), then close
	FaultOversize                 // stream a reply of more than 16 MiB
	FaultErrorObject              // answer with error 10 "Unauthorized action"
	FaultCrash                    // close without sending anything, like a crashed server
	FaultErrorList                // report every requested name as not found (errorList code "2000")
)

var faultNames = [...]string{"none", "slow", "hang", "truncate", "garbage", "oversize", "error-object", "crash", "error-list"}

func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// garbageReply is what FaultGarbage sends: an HTTP answer with a terminal
// escape sequence and binary bytes, to check clients sanitize excerpts.
var garbageReply = []byte("HTTP/1.1 400 Bad Request\r\n\x1b[31mContent-Type: text/html\x1b[0m\r\n\r\n\x00\xff\xfe<html>nope</html>")

// Options configures Start.
type Options struct {
	// Dir is where the socket is created ("jsonrpc20.sock"); "" makes a
	// temporary directory (short, under os.TempDir or /tmp, since Unix
	// socket paths are limited to ~104 bytes) that Close removes.
	Dir string
	// Seed makes the traffic of one simulated host; different seeds give
	// different hosts, the same seed the same traffic for the same clock.
	Seed int64
	// ResetEvery is the mean time between simulated restarts (each
	// jittered ±20 %); 0 means DefaultResetEvery, negative (NoReset) never.
	ResetEvery time.Duration
	// SyncEvery is the period of derived-record updates; 0 means
	// DefaultSyncEvery.
	SyncEvery time.Duration
	// Clock drives the simulated traffic; nil means time.Now. Network
	// timeouts always use the real clock.
	Clock func() time.Time
	// EmulateStringRegexCrash reproduces released ATS 10.2.0: a regex
	// lookup matching a STRING metric (proxy.process.version.server.*)
	// closes the connection with no reply.
	EmulateStringRegexCrash bool
	// ReplyDelay holds every reply that long: a slow host.
	ReplyDelay time.Duration
	// RisingErrors makes 5xx climb from the usual share to 8 % of the
	// requests over five minutes from the start: a host going bad.
	RisingErrors bool
}

// Server is a running simulated traffic_server JSON-RPC endpoint.
type Server struct {
	opts   Options
	clock  func() time.Time
	ln     *net.UnixListener
	path   string
	dir    string
	ownDir bool

	mu    sync.Mutex // guards model
	model *model

	fault    atomic.Int32
	requests atomic.Int64
	bytesOut atomic.Int64

	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
	connMu    sync.Mutex
	conns     map[net.Conn]struct{}
	closing   bool
}

// Start creates the socket and serves until Close.
func Start(opts Options) (*Server, error) {
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	syncEvery := opts.SyncEvery
	if syncEvery <= 0 {
		syncEvery = DefaultSyncEvery
	}
	resetEvery := opts.ResetEvery
	switch {
	case resetEvery == 0:
		resetEvery = DefaultResetEvery
	case resetEvery < 0:
		resetEvery = 0
	}

	dir, ownDir := opts.Dir, false
	if dir == "" {
		d, err := os.MkdirTemp("", "tg")
		if err != nil {
			return nil, fmt.Errorf("simulator: %w", err)
		}
		if len(filepath.Join(d, SocketName)) > 100 {
			os.Remove(d)
			if d, err = os.MkdirTemp("/tmp", "tg"); err != nil {
				return nil, fmt.Errorf("simulator: %w", err)
			}
		}
		dir, ownDir = d, true
	}
	path := filepath.Join(dir, SocketName)
	cleanup := func() {
		if ownDir {
			os.RemoveAll(dir)
		}
	}
	if len(path) > 103 {
		cleanup()
		return nil, fmt.Errorf("simulator: socket path %s too long (%d bytes, Unix sockets allow ~104)", path, len(path))
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			cleanup()
			return nil, fmt.Errorf("simulator: %s exists and is not a socket", path)
		}
		os.Remove(path) // stale socket, as traffic_server does
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("simulator: %w", err)
	}
	ln.SetUnlinkOnClose(true)

	s := &Server{
		opts:   opts,
		clock:  clock,
		ln:     ln,
		path:   path,
		dir:    dir,
		ownDir: ownDir,
		model:  newModel(opts.Seed, clock(), syncEvery, resetEvery),
		done:   make(chan struct{}),
		conns:  make(map[net.Conn]struct{}),
	}
	s.model.risingErrors = opts.RisingErrors
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Path returns the socket path.
func (s *Server) Path() string { return s.path }

// SetFault changes how the server answers from the next request on.
func (s *Server) SetFault(f Fault) { s.fault.Store(int32(f)) }

// Requests counts the requests read so far (whatever the answer).
func (s *Server) Requests() int64 { return s.requests.Load() }

// ResetCounters simulates a traffic_server restart now: every counter back
// to a small value, derived records 0 until the next sync.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	s.model.advance(now)
	s.model.reset(now)
}

// Resets counts the simulated restarts so far.
func (s *Server) Resets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.model.resets
}

// RecordNames lists every record the server knows, in reply order.
func RecordNames() []string {
	names := make([]string, len(records))
	for i, r := range records {
		names[i] = r.name
	}
	return names
}

// Close stops the server, ends open connections, and removes the socket
// (and the directory if Start created it). It is safe to call twice.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.closeErr = s.ln.Close()
		s.connMu.Lock()
		s.closing = true
		for c := range s.conns {
			c.Close()
		}
		s.connMu.Unlock()
		s.wg.Wait()
		if s.ownDir {
			if err := os.RemoveAll(s.dir); err != nil && s.closeErr == nil {
				s.closeErr = err
			}
		} else {
			os.Remove(s.path)
		}
	})
	return s.closeErr
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(5 * time.Millisecond) // e.g. EMFILE: back off
			continue
		}
		s.connMu.Lock()
		if s.closing {
			s.connMu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.connMu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.connMu.Lock()
				delete(s.conns, c)
				s.connMu.Unlock()
				c.Close()
			}()
			s.serve(c)
		}()
	}
}

// serve answers one connection: one request, one reply, close.
func (s *Server) serve(c net.Conn) {
	body, ok := readRequest(c)
	if !ok {
		return
	}
	s.requests.Add(1)
	f := Fault(s.fault.Load())
	switch f {
	case FaultCrash:
		return
	case FaultHang:
		s.waitGone(c, 0)
		return
	case FaultSlow:
		if !s.waitGone(c, SlowDelay) {
			return
		}
	default:
		if d := s.opts.ReplyDelay; d > 0 && !s.waitGone(c, d) {
			return
		}
	case FaultGarbage:
		s.write(c, garbageReply)
		return
	case FaultOversize:
		s.streamOversize(c)
		return
	case FaultErrorObject:
		s.write(c, unauthorizedReply(requestID(body), os.Getuid(), os.Getgid()))
		return
	}
	mode := lookupMode{allNotFound: f == FaultErrorList, crashOnString: s.opts.EmulateStringRegexCrash}
	reply, ok := s.respond(body, mode)
	if !ok {
		return
	}
	if f == FaultTruncate {
		reply = reply[:len(reply)/2]
	}
	s.write(c, reply)
}

// write sends b in one write, as ATS does, bounded in time.
func (s *Server) write(c net.Conn, b []byte) {
	_ = c.SetWriteDeadline(time.Now().Add(writeTimeout))
	n, _ := c.Write(b)
	s.bytesOut.Add(int64(n))
}

// BytesOut counts the reply bytes sent (faults' streams aside), for
// benchmarks that report what a tick costs on the wire.
func (s *Server) BytesOut() int64 { return s.bytesOut.Load() }

// readRequest reads like ATS's IPCSocketServer::Client::read_all: wait for
// data, then keep reading while more arrives within readIdle. EOF (the peer
// shut down its write side or left), a full buffer or no data at all mean
// no request and no reply.
func readRequest(c net.Conn) ([]byte, bool) {
	buf := make([]byte, maxRequestBytes)
	n := 0
	_ = c.SetReadDeadline(time.Now().Add(firstByteTimeout))
	for {
		m, err := c.Read(buf[n:])
		n += m
		if n >= maxRequestBytes {
			return nil, false
		}
		if err != nil {
			var ne net.Error
			if n > 0 && errors.As(err, &ne) && ne.Timeout() {
				return buf[:n], true
			}
			return nil, false
		}
		if m > 0 {
			_ = c.SetReadDeadline(time.Now().Add(readIdle))
		}
	}
}

// waitGone waits d (forever if d is 0) while watching the connection. It
// returns true if the time passed with the peer still connected, false if
// the peer left or the server is closing.
func (s *Server) waitGone(c net.Conn, d time.Duration) bool {
	gone := make(chan struct{})
	_ = c.SetReadDeadline(time.Time{})
	go func() {
		defer close(gone)
		var buf [512]byte
		for {
			if _, err := c.Read(buf[:]); err != nil {
				return
			}
		}
	}()
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-gone:
		return false
	case <-s.done:
		c.Close()
		<-gone
		return false
	case <-timeout:
		_ = c.SetReadDeadline(time.Unix(1, 0))
		<-gone
		return true
	}
}

// streamOversize sends the start of a well-formed reply and then records
// until more than 16 MiB have gone out (or the peer gives up).
func (s *Server) streamOversize(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(writeTimeout))
	var chunk bytes.Buffer
	for chunk.Len() < 64<<10 {
		chunk.WriteString(", ")
		chunk.Write(appendRecord(nil, 0, rectProcess, "0"))
	}
	head := []byte(`{"jsonrpc": "2.0", "result": {"recordList": [`)
	head = appendRecord(head, 0, rectProcess, "0")
	if _, err := c.Write(head); err != nil {
		return
	}
	for sent := len(head); sent <= oversizeBytes; sent += chunk.Len() {
		select {
		case <-s.done:
			return
		default:
		}
		if _, err := c.Write(chunk.Bytes()); err != nil {
			return
		}
	}
}
