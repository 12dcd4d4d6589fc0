package collect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
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
	rpc   *JSONRPCSource
	ctl   *TrafficCtlSource
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

func (s *SSHSource) useTrafficCtl() *TrafficCtlSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rpc = nil
	s.ctl = &TrafficCtlSource{Run: s.runCommand, Bin: s.bin, Label: "traffic_ctl over ssh " + s.Client.Target().Alias}
	s.via = ViaSSHTrafficCtl
	s.ready = true
	return s.ctl
}

func (s *SSHSource) useJSONRPC(socket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rpc := &JSONRPCSource{SocketPath: socket, MaxReplyBytes: DefaultMaxReplyBytes}
	rpc.Dial = func(ctx context.Context) (net.Conn, error) { return s.Client.DialUnix(ctx, socket) }
	s.rpc, s.ctl, s.via, s.ready = rpc, nil, ViaSSHJSONRPC, true
}

// Prepare decides how to read the host, on the live connection: the
// JSON-RPC socket if a stream-local channel to it opens, else traffic_ctl
// over exec. The socket is --socket if given; otherwise, as on localhost,
// `traffic_ctl config get proxy.config.local_state_dir` then the usual
// locations.
func (s *SSHSource) Prepare(ctx context.Context) error {
	ctx, cancel := withDefaultDeadline(ctx, remoteProbeBudget)
	defer cancel()
	alias := s.Client.Target().Alias
	if s.TrafficCtlOnly {
		bin, _, _, why := s.findTrafficCtl(ctx)
		if bin == "" {
			return fmt.Errorf("ssh %s: %s", alias, why)
		}
		s.mu.Lock()
		s.bin = bin
		s.mu.Unlock()
		s.useTrafficCtl()
		return nil
	}
	if s.SocketPath != "" {
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
	var tried []string
	bin, prefix, ctlDir, why := s.findTrafficCtl(ctx)
	if bin == "" {
		tried = append(tried, why)
	}
	s.mu.Lock()
	s.bin = bin
	s.mu.Unlock()

	var candidates []string
	if s.SocketPath != "" {
		candidates = []string{s.SocketPath}
	} else {
		if ctlDir != "" {
			if !path.IsAbs(ctlDir) {
				ctlDir = path.Join(prefix, ctlDir)
			}
			candidates = append(candidates, path.Join(ctlDir, SocketName))
		}
		for _, pre := range s.prefixes() {
			candidates = append(candidates, path.Join(pre, "var", "trafficserver", SocketName))
		}
		candidates = append(candidates, extraSocketPaths...)
	}
	seen := map[string]bool{}
	refused := ""
	for _, p := range candidates {
		if seen[p] {
			continue
		}
		seen[p] = true
		conn, err := s.Client.DialUnix(ctx, p)
		if err == nil {
			conn.Close()
			s.useJSONRPC(p)
			return nil
		}
		var de *sshconn.DownError
		if errors.As(err, &de) || ctx.Err() != nil {
			return err
		}
		// OpenSSH gives the same answer for a missing socket and for
		// refused forwarding; a socket that exists settles it.
		if errors.Is(err, sshconn.StreamLocalRefused) || s.socketExists(ctx, p) {
			refused = p
			break
		}
		tried = append(tried, p+": "+err.Error())
	}
	switch {
	case refused != "" && bin == "":
		return fmt.Errorf("ssh %s: the server refuses stream-local forwarding to %s (AllowStreamLocalForwarding no, or a restricted key), and traffic_ctl was not found there to fall back on: %s", alias, refused, why)
	case bin != "":
		// Forwarding refused, or no socket but traffic_ctl runs (ATS
		// 9.x): read the host with traffic_ctl.
		s.useTrafficCtl()
		return nil
	}
	return fmt.Errorf("ssh %s: no Traffic Server found (use --socket PATH); tried:\n  %s", alias, strings.Join(tried, "\n  "))
}

// runCommand runs argv on the host and reports a failure the way
// ExecRunner reports a local one, with the stderr line that matters
// (CommandMessage): traffic_ctl's "failed to fetch NAME: [11]", not a login
// banner or a runroot note printed before it.
func (s *SSHSource) runCommand(ctx context.Context, argv []string) ([]byte, error) {
	out, err := s.Client.Run(ctx, argv)
	var ee *sshconn.ExitError
	if errors.As(err, &ee) && ee.Status != 127 {
		if msg := CommandMessage(ee.Stderr); msg != "" {
			return out, fmt.Errorf("exit status %d: %s", ee.Status, sanitize(msg, 300))
		}
	}
	return out, err
}

// socketExists asks the remote host whether p is a Unix socket.
func (s *SSHSource) socketExists(ctx context.Context, p string) bool {
	_, err := s.Client.Run(ctx, []string{"test", "-S", p})
	return err == nil
}

// findTrafficCtl looks for traffic_ctl on the remote host: on the remote
// PATH, then in each prefix's bin/. It returns the first that runs, its
// install prefix, and the local_state_dir it reports ("" if none).
func (s *SSHSource) findTrafficCtl(ctx context.Context) (bin, prefix, stateDir, why string) {
	var cands []string
	if s.TrafficCtl != "" {
		cands = []string{s.TrafficCtl}
	} else {
		// `command -v` is a constant command string: nothing of ours is
		// pasted into the remote shell here.
		if out, err := s.Client.Run(ctx, []string{"sh", "-c", "command -v traffic_ctl"}); err == nil {
			if p := strings.TrimSpace(string(out)); strings.HasPrefix(p, "/") && !strings.ContainsAny(p, "\n\x00") {
				cands = append(cands, p)
			}
		}
		for _, pre := range s.prefixes() {
			cands = append(cands, path.Join(pre, "bin", "traffic_ctl"))
		}
	}
	var errs []string
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c] || ctx.Err() != nil {
			continue
		}
		seen[c] = true
		cctx, cancel := context.WithTimeout(ctx, commandTimeout)
		out, err := s.Client.Run(cctx, []string{c, "config", "get", "proxy.config.local_state_dir"})
		cancel()
		var ee *sshconn.ExitError
		if errors.As(err, &ee) && ee.Status == 127 {
			continue // not installed there
		}
		pre := path.Dir(path.Dir(c))
		if err != nil {
			// It exists but failed (9.x without traffic_manager, say):
			// still usable later, and worth naming.
			errs = append(errs, c+": "+err.Error())
			if bin == "" {
				bin, prefix = c, pre
			}
			continue
		}
		dir, _ := ParseLocalStateDir(out)
		return c, pre, dir, ""
	}
	if bin != "" {
		return bin, prefix, "", strings.Join(errs, "; ")
	}
	return "", "", "", "traffic_ctl: not found on the remote PATH or in " + strings.Join(s.prefixes(), "/bin, ") + "/bin"
}

func (s *SSHSource) prefixes() []string {
	if s.Prefixes != nil {
		return s.Prefixes
	}
	return DefaultPrefixes
}
