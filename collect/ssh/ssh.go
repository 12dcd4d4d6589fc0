package ssh

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os/exec"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
	"github.com/traffic-grapher/traffic_grapher/collect/trafficctl"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// How a remote host is read, for the status line.
const (
	ViaSSHJSONRPC     = "ssh·jsonrpc"
	ViaSSHTrafficCtl  = "ssh·traffic_ctl"
	remoteProbeBudget = 10 * time.Second
)

// SSHSource reads a remote Traffic Server through one persistent SSH
// connection. It prefers the JSON-RPC socket, reached by a stream-local
// channel (nothing runs on the remote host but sshd); when the server
// refuses stream-local forwarding, or the host has no socket (ATS 9.x), it
// runs `traffic_ctl metric get` over an exec channel instead. Which of the
// two it uses is decided on the first successful connection and reported
// by Via.
type SSHSource struct {
	Client *sshconn.Client
	// SocketPath, if set, is the remote socket (--socket); otherwise it is
	// discovered on the remote host as for localhost.
	SocketPath string
	// Prefixes are the install prefixes searched on the remote host for
	// bin/traffic_ctl and var/trafficserver/jsonrpc20.sock; nil means
	// DefaultPrefixes.
	Prefixes []string
	// TrafficCtlOnly reads the host with traffic_ctl even if a socket is
	// reachable (the ctl: host syntax).
	TrafficCtlOnly bool
	// TrafficCtl, if set, is the remote traffic_ctl (--traffic-ctl, a
	// config's traffic_ctl:); otherwise it is searched for.
	TrafficCtl string

	mu    sync.Mutex
	ready bool
	via   string
	rpc   *jsonrpc.JSONRPCSource
	ctl   *trafficctl.TrafficCtlSource
	bin   string // remote traffic_ctl, when found
}

// NewSSHSource reads through client; socketPath may be empty.
func NewSSHSource(client *sshconn.Client, socketPath string) *SSHSource {
	return &SSHSource{Client: client, SocketPath: socketPath}
}

// String describes the source for messages.
func (s *SSHSource) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.Client.Target()
	switch {
	case s.rpc != nil:
		return fmt.Sprintf("jsonrpc %s over ssh %s", s.rpc.SocketPath, t)
	case s.ctl != nil:
		return fmt.Sprintf("%s over ssh %s", s.bin, t)
	}
	return "ssh " + t.String()
}

// Via says which path the host is read by: "ssh·jsonrpc",
// "ssh·traffic_ctl", or "ssh" before the first connection.
func (s *SSHSource) Via() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.via == "" {
		return "ssh"
	}
	return s.via
}

// execTimeout is the least time given to a traffic_ctl run over SSH: a
// new session starts the remote user's shell, which with a heavy login
// profile alone can take longer than a 1 s interval.
const execTimeout = 3 * time.Second

// MinTimeout gives traffic_ctl runs over SSH at least execTimeout; the
// JSON-RPC path needs no more than the collector's usual deadline.
func (s *SSHSource) MinTimeout() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctl != nil || !s.ready {
		return execTimeout
	}
	return 0
}

// Fetch implements Source.
func (s *SSHSource) Fetch(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
	if err := s.Client.Down(); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	ready, rpc, ctl := s.ready, s.rpc, s.ctl
	s.mu.Unlock()
	if !ready {
		// The host was unreachable at start: find its socket now, with
		// the tick's budget.
		if err := s.Prepare(ctx); err != nil {
			return nil, nil, err
		}
		s.mu.Lock()
		rpc, ctl = s.rpc, s.ctl
		s.mu.Unlock()
	}
	if rpc != nil {
		v, w, err := rpc.Fetch(ctx, keys)
		s.mu.Lock()
		haveCtl := s.bin != ""
		s.mu.Unlock()
		if err == nil || !errors.Is(err, sshconn.StreamLocalRefused) || !haveCtl {
			return v, w, err
		}
		// The server stopped allowing stream-local channels (a changed
		// sshd_config after a reconnect): switch to traffic_ctl.
		return s.useTrafficCtl().Fetch(ctx, keys)
	}
	return ctl.Fetch(ctx, keys)
}

func (s *SSHSource) useTrafficCtl() *trafficctl.TrafficCtlSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rpc = nil
	s.ctl = &trafficctl.TrafficCtlSource{Run: s.runCommand, Bin: s.bin, Label: "traffic_ctl over ssh " + s.Client.Target().Alias}
	s.via = ViaSSHTrafficCtl
	s.ready = true
	return s.ctl
}

func (s *SSHSource) useJSONRPC(socket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rpc := &jsonrpc.JSONRPCSource{SocketPath: socket, MaxReplyBytes: collect.DefaultMaxReplyBytes}
	rpc.Dial = func(ctx context.Context) (net.Conn, error) { return s.Client.DialUnix(ctx, socket) }
	s.rpc, s.ctl, s.via, s.ready = rpc, nil, ViaSSHJSONRPC, true
}

// Prepare decides how to read the host, on the live connection: the
// JSON-RPC socket if a stream-local channel to it opens, else traffic_ctl
// over exec. The socket is --socket if given; otherwise it is searched for
// as on localhost, by the same Discoverer with remote hooks: `traffic_ctl
// config get proxy.config.local_state_dir`, then the usual locations.
func (s *SSHSource) Prepare(ctx context.Context) error {
	ctx, cancel := collect.WithDefaultDeadline(ctx, remoteProbeBudget)
	defer cancel()
	alias := s.Client.Target().Alias
	if s.SocketPath != "" && !s.TrafficCtlOnly {
		// A socket given outright needs no discovery: one channel open
		// settles it, and traffic_ctl is looked for only to fall back.
		conn, err := s.Client.DialUnix(ctx, s.SocketPath)
		if err == nil {
			conn.Close()
			s.useJSONRPC(s.SocketPath)
			return nil
		}
		var de *sshconn.DownError
		if errors.As(err, &de) || ctx.Err() != nil {
			return err
		}
	}
	refused := ""
	d := s.discoverer(ctx, &refused)
	if s.SocketPath != "" {
		d.Sockets = []string{s.SocketPath}
	}
	if s.TrafficCtlOnly {
		d.Sockets = []string{} // ctl: reads with traffic_ctl, whatever sockets there are
	}
	found, err := d.Find(ctx, "")
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.bin = found.TrafficCtl
	s.mu.Unlock()
	switch {
	case s.TrafficCtlOnly && found.TrafficCtl == "":
		return fmt.Errorf("ssh %s: %s", alias, strings.Join(found.Tried, "; "))
	case found.Socket != "" && !s.TrafficCtlOnly:
		s.useJSONRPC(found.Socket)
		return nil
	case refused != "" && found.TrafficCtl == "":
		return fmt.Errorf("ssh %s: the server refuses stream-local forwarding to %s (AllowStreamLocalForwarding no, or a restricted key), and traffic_ctl was not found there to fall back on: %s",
			alias, refused, strings.Join(found.Tried, "; "))
	case found.TrafficCtl != "":
		// ctl:, forwarding refused, or no socket but traffic_ctl runs
		// (ATS 9.x): read the host with traffic_ctl.
		s.useTrafficCtl()
		return nil
	}
	return fmt.Errorf("ssh %s: no Traffic Server found (use --socket PATH); tried:\n  %s", alias, strings.Join(found.Tried, "\n  "))
}

// discoverer is the local search's Discoverer with remote hooks: commands
// run on the host, files are looked at with test(1) there, and a socket
// is usable when a stream-local channel to it opens. A socket that exists
// but the server will not forward to is noted in refused. The remote
// environment is not ours to read.
func (s *SSHSource) discoverer(ctx context.Context, refused *string) jsonrpc.Discoverer {
	return jsonrpc.Discoverer{
		Env:        func(string) string { return "" },
		Run:        s.runCommand,
		Stat:       func(p string) (fs.FileInfo, error) { return s.remoteStat(ctx, p) },
		LookPath:   func(string) (string, error) { return s.remoteLookPath(ctx) },
		Prefixes:   s.Prefixes,
		TrafficCtl: s.TrafficCtl,
		PathName:   "the remote PATH",
		Reach: func(ctx context.Context, p string) (bool, string, error) {
			conn, err := s.Client.DialUnix(ctx, p)
			if err == nil {
				conn.Close()
				return true, "", nil
			}
			var de *sshconn.DownError
			if errors.As(err, &de) || ctx.Err() != nil {
				return false, "", err
			}
			// OpenSSH gives the same answer for a missing socket and for
			// refused forwarding; a socket that exists settles it.
			if errors.Is(err, sshconn.StreamLocalRefused) || s.socketExists(ctx, p) {
				if *refused == "" {
					*refused = p
				}
				return false, "the server refuses stream-local forwarding to it", nil
			}
			return false, err.Error(), nil
		},
	}
}

// remoteLookPath finds traffic_ctl on the remote PATH. `command -v` is a
// constant command string: nothing of ours is pasted into the remote shell.
func (s *SSHSource) remoteLookPath(ctx context.Context) (string, error) {
	out, err := s.Client.Run(ctx, []string{"sh", "-c", "command -v traffic_ctl"})
	if p := strings.TrimSpace(string(out)); err == nil && strings.HasPrefix(p, "/") && !strings.ContainsAny(p, "\n\x00") {
		return p, nil
	}
	return "", exec.ErrNotFound
}

// remoteStat says what p is on the remote host. The path is an argument
// of sh (quoted like every argument), not part of its script.
func (s *SSHSource) remoteStat(ctx context.Context, p string) (fs.FileInfo, error) {
	const script = `if [ -S "$1" ]; then echo socket; elif [ -d "$1" ]; then echo dir; elif [ -e "$1" ]; then echo file; else echo none; fi`
	out, err := s.Client.Run(ctx, []string{"sh", "-c", script, "sh", p})
	if err != nil {
		return nil, err
	}
	var mode fs.FileMode
	switch strings.TrimSpace(string(out)) {
	case "socket":
		mode = fs.ModeSocket
	case "dir":
		mode = fs.ModeDir
	case "file":
	default:
		return nil, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrNotExist}
	}
	return jsonrpc.FileMode(path.Base(p), mode), nil
}

// runCommand runs argv on the host and reports a failure the way
// ExecRunner reports a local one, with the stderr line that matters
// (CommandMessage): traffic_ctl's "failed to fetch NAME: [11]", not a login
// banner or a runroot note printed before it.
func (s *SSHSource) runCommand(ctx context.Context, argv []string) ([]byte, error) {
	out, err := s.Client.Run(ctx, argv)
	var ee *sshconn.ExitError
	if errors.As(err, &ee) && ee.Status != 127 {
		if msg := collect.CommandMessage(ee.Stderr); msg != "" {
			return out, fmt.Errorf("exit status %d: %s", ee.Status, collect.Sanitize(msg, 300))
		}
	}
	return out, err
}

// socketExists asks the remote host whether p is a Unix socket.
func (s *SSHSource) socketExists(ctx context.Context, p string) bool {
	_, err := s.Client.Run(ctx, []string{"test", "-S", p})
	return err == nil
}
