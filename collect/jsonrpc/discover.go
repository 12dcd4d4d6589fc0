package jsonrpc

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// SocketEnv names the environment variable that overrides discovery.
const SocketEnv = "TRAFFICSERVER_JSONRPC_SOCKET"

// DefaultPrefixes are the install prefixes searched for traffic_ctl and for
// <prefix>/var/trafficserver/jsonrpc20.sock, in order.
var DefaultPrefixes = []string{"/usr/local", "/opt/ats", "/opt/trafficserver", "/usr", "/opt/ts"}

// extraSocketPaths are distribution layouts (Debian/Ubuntu, Fedora) whose
// local_state_dir is not under a prefix.
var extraSocketPaths = []string{"/run/trafficserver/" + collect.SocketName, "/var/run/trafficserver/" + collect.SocketName}

// commandTimeout bounds each command discovery runs.
const commandTimeout = 3 * time.Second

// Discoverer finds the JSON-RPC socket of a Traffic Server install, and
// the traffic_ctl that belongs to it. Every interaction with the system
// goes through a field, so that tests and remote hosts (SSHSource) run the
// same search with their own hooks; nil fields use the local machine.
type Discoverer struct {
	Env      func(string) string                    // environment lookup; nil: os.Getenv
	Run      collect.CommandRunner                  // nil: ExecRunner
	Stat     func(name string) (fs.FileInfo, error) // nil: os.Stat
	LookPath func(file string) (string, error)      // nil: exec.LookPath
	Prefixes []string                               // nil: DefaultPrefixes
	// TrafficCtl, if set, is the only traffic_ctl asked (--traffic-ctl):
	// on a machine with two installs, PATH may lead to the wrong one.
	TrafficCtl string
	// Reach says whether a socket can be used; nil: Stat says it is a
	// socket. A remote host opens a stream-local channel to it. A non-nil
	// error stops the search (the host went down).
	Reach func(ctx context.Context, p string) (ok bool, why string, err error)
	// Sockets, if set, are the only sockets tried (a remote --socket),
	// instead of traffic_ctl's local_state_dir and the usual locations.
	Sockets []string
	// PathName names PATH in messages ("the remote PATH"); "" is "PATH".
	PathName string
}

// Discovery is what Discoverer.Find found.
type Discovery struct {
	// Socket is the socket to read ("" when none could be used) and How
	// the rule that found it ("--socket", "$TRAFFICSERVER_JSONRPC_SOCKET",
	// "traffic_ctl (/usr/local/bin/traffic_ctl)", "default location").
	Socket, How string
	// TrafficCtl is the traffic_ctl that answered or, when none did, the
	// first that exists: what can read the host when no socket can.
	TrafficCtl string
	// Tried says, for each place looked at in vain, why.
	Tried []string
}

// DiscoverSocket finds the JSON-RPC socket of the local Traffic Server, in
// this order:
//
//  1. flagValue (--socket), used as given;
//  2. $TRAFFICSERVER_JSONRPC_SOCKET, used as given;
//  3. `traffic_ctl config get proxy.config.local_state_dir` (traffic_ctl from
//     PATH, then <prefix>/bin for each of DefaultPrefixes) + "/jsonrpc20.sock",
//     if that socket exists;
//  4. <prefix>/var/trafficserver/jsonrpc20.sock for each prefix, then
//     /run/trafficserver and /var/run/trafficserver, first that exists.
//
// how says which rule matched. When nothing is found the error lists every
// place tried and why it failed.
func DiscoverSocket(ctx context.Context, flagValue string, env func(string) string, run collect.CommandRunner) (path string, how string, err error) {
	d := Discoverer{Env: env, Run: run}
	return d.Discover(ctx, flagValue)
}

// Discover is Find for a socket: its path and how it was found, or an
// error listing every place tried.
func (d Discoverer) Discover(ctx context.Context, flagValue string) (string, string, error) {
	found, err := d.Find(ctx, flagValue)
	if err != nil {
		return "", "", err
	}
	if found.Socket == "" {
		return "", "", fmt.Errorf("no Traffic Server JSON-RPC socket found (use --socket PATH or set $%s); tried:\n  %s",
			SocketEnv, strings.Join(found.Tried, "\n  "))
	}
	return found.Socket, found.How, nil
}

// Find runs the search of DiscoverSocket. err is only for a search that
// could not finish (ctx ended, Reach failed); not finding a socket is a
// Discovery without one.
func (d Discoverer) Find(ctx context.Context, flagValue string) (Discovery, error) {
	if flagValue != "" {
		return Discovery{Socket: flagValue, How: "--socket"}, nil
	}
	s := d.withDefaults()
	if v := s.Env(SocketEnv); v != "" {
		return Discovery{Socket: v, How: "$" + SocketEnv}, nil
	}
	var found Discovery
	if ok, err := s.askTrafficCtls(ctx, &found); ok || err != nil {
		return found, err
	}
	_, err := s.tryUsualSockets(ctx, &found)
	return found, err
}

// withDefaults fills the hooks left nil with the local machine's.
func (d Discoverer) withDefaults() Discoverer {
	if d.Env == nil {
		d.Env = os.Getenv
	}
	if d.Run == nil {
		d.Run = collect.ExecRunner
	}
	if d.Stat == nil {
		d.Stat = os.Stat
	}
	if d.LookPath == nil {
		d.LookPath = exec.LookPath
	}
	if d.Prefixes == nil {
		d.Prefixes = DefaultPrefixes
	}
	if d.Reach == nil {
		d.Reach = d.statSocket
	}
	return d
}

// statSocket is the local Reach: p is usable if it is a socket.
func (d Discoverer) statSocket(_ context.Context, p string) (bool, string, error) {
	fi, err := d.Stat(p)
	switch {
	case err == nil && fi.Mode()&fs.ModeSocket != 0:
		return true, "", nil
	case err == nil:
		return false, "exists but is not a socket", nil
	case errors.Is(err, fs.ErrNotExist):
		return false, "no such file", nil
	case errors.Is(err, fs.ErrPermission):
		return false, "permission denied", nil
	}
	return false, collect.Sanitize(err.Error(), 120), nil
}

// try records p in found if Reach can use it, else why not.
func (d Discoverer) try(ctx context.Context, found *Discovery, p, how, note string) (bool, error) {
	ok, why, err := d.Reach(ctx, p)
	if err != nil {
		return false, err
	}
	if ok {
		found.Socket, found.How = p, how
		return true, nil
	}
	found.Tried = append(found.Tried, p+note+": "+why)
	return false, nil
}

// ctlCandidate is a traffic_ctl to ask and the install prefix it belongs
// to (a relative local_state_dir is under it).
type ctlCandidate struct{ bin, prefix string }

// trafficCtls lists the traffic_ctls to ask: the one named, else PATH's
// first, then each prefix's bin/.
func (d Discoverer) trafficCtls() []ctlCandidate {
	if d.TrafficCtl != "" {
		return []ctlCandidate{{d.TrafficCtl, path.Dir(path.Dir(d.TrafficCtl))}}
	}
	var ctls []ctlCandidate
	seen := map[string]bool{}
	if p, err := d.LookPath("traffic_ctl"); err == nil {
		ctls = append(ctls, ctlCandidate{p, path.Dir(path.Dir(p))})
		seen[path.Clean(p)] = true
	}
	for _, pre := range d.Prefixes {
		p := path.Join(pre, "bin", "traffic_ctl")
		if seen[p] {
			continue
		}
		if fi, err := d.Stat(p); err == nil && !fi.IsDir() {
			ctls = append(ctls, ctlCandidate{p, pre})
			seen[p] = true
		}
	}
	return ctls
}

// askTrafficCtls asks each traffic_ctl for its local_state_dir and tries
// the socket there; it also settles found.TrafficCtl: the one whose
// socket was found, else the first that answered, else the first that
// exists.
func (d Discoverer) askTrafficCtls(ctx context.Context, found *Discovery) (bool, error) {
	ctls := d.trafficCtls()
	if len(ctls) == 0 {
		dirs := []string{cmp.Or(d.PathName, "PATH")}
		for _, pre := range d.Prefixes {
			dirs = append(dirs, path.Join(pre, "bin"))
		}
		found.Tried = append(found.Tried, "traffic_ctl: not found in "+strings.Join(dirs, ", "))
	}
	ranOK := false
	for _, c := range ctls {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		cctx, cancel := context.WithTimeout(ctx, commandTimeout)
		argv := []string{c.bin, "config", "get", "proxy.config.local_state_dir"}
		out, err := d.Run(cctx, argv)
		cancel()
		if err != nil {
			if collect.IsNotInstalled(err) {
				continue
			}
			// It exists but failed (9.x without traffic_manager, say):
			// still what reads the host if nothing answers better.
			found.Tried = append(found.Tried, fmt.Sprintf("%s: %s", strings.Join(argv, " "), collect.Sanitize(err.Error(), 160)))
			if found.TrafficCtl == "" {
				found.TrafficCtl = c.bin
			}
			continue
		}
		if !ranOK {
			found.TrafficCtl, ranOK = c.bin, true
		}
		dir, ok := ParseLocalStateDir(out)
		if !ok {
			found.Tried = append(found.Tried, fmt.Sprintf("%s: unexpected output %q", strings.Join(argv, " "), collect.Sanitize(firstLine(string(out)), 80)))
			continue
		}
		if d.Sockets != nil {
			continue // the sockets to try are given
		}
		if !path.IsAbs(dir) {
			dir = path.Join(c.prefix, dir)
		}
		if ok, err := d.try(ctx, found, path.Join(dir, collect.SocketName), "traffic_ctl ("+c.bin+")", " (local_state_dir from "+c.bin+")"); ok || err != nil {
			found.TrafficCtl = c.bin
			return ok, err
		}
	}
	return false, nil
}

// tryUsualSockets tries the given sockets, else each prefix's
// var/trafficserver and the distributions' run directories.
func (d Discoverer) tryUsualSockets(ctx context.Context, found *Discovery) (bool, error) {
	candidates := d.Sockets
	if candidates == nil {
		for _, pre := range d.Prefixes {
			candidates = append(candidates, path.Join(pre, "var", "trafficserver", collect.SocketName))
		}
		candidates = append(candidates, extraSocketPaths...)
	}
	done := map[string]bool{}
	for _, p := range candidates {
		if done[p] {
			continue
		}
		done[p] = true
		if ok, err := d.try(ctx, found, p, "default location", ""); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// ParseLocalStateDir extracts the value from `traffic_ctl config get
// proxy.config.local_state_dir` output, in either the 10.x form
// "proxy.config.local_state_dir: var/trafficserver" or the older
// "proxy.config.local_state_dir var/trafficserver".
func ParseLocalStateDir(out []byte) (string, bool) {
	const name = "proxy.config.local_state_dir"
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || !(rest[0] == ':' || rest[0] == ' ' || rest[0] == '\t') {
			continue
		}
		rest = strings.TrimPrefix(rest, ":")
		v := strings.Trim(strings.TrimSpace(rest), `"'`)
		if v == "" || strings.ContainsAny(v, "\x00\n") {
			return "", false
		}
		return v, true
	}
	return "", false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// FileMode is a file known only by its name and kind, for a Discoverer's
// Stat hook: what a remote host's test(1) says of a path, what tests make up.
func FileMode(name string, mode fs.FileMode) fs.FileInfo { return modeInfo{name: name, mode: mode} }

// modeInfo is a file known only by its kind (what remoteStat learns of a
// remote file, what tests make up).
type modeInfo struct {
	name string
	mode fs.FileMode
}

func (f modeInfo) Name() string       { return f.name }
func (f modeInfo) Size() int64        { return 0 }
func (f modeInfo) Mode() fs.FileMode  { return f.mode }
func (f modeInfo) ModTime() time.Time { return time.Time{} }
func (f modeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f modeInfo) Sys() any           { return nil }
