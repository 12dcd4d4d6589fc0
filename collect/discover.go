package collect

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"
)

// SocketName is the file name of the ATS 10 JSON-RPC socket inside
// proxy.config.local_state_dir.
const SocketName = "jsonrpc20.sock"

// SocketEnv names the environment variable that overrides discovery.
const SocketEnv = "TRAFFICSERVER_JSONRPC_SOCKET"

// DefaultPrefixes are the install prefixes searched for traffic_ctl and for
// <prefix>/var/trafficserver/jsonrpc20.sock, in order.
var DefaultPrefixes = []string{"/usr/local", "/opt/ats", "/opt/trafficserver", "/usr", "/opt/ts"}

// extraSocketPaths are distribution layouts (Debian/Ubuntu, Fedora) whose
// local_state_dir is not under a prefix.
var extraSocketPaths = []string{"/run/trafficserver/" + SocketName, "/var/run/trafficserver/" + SocketName}

// commandTimeout bounds each command discovery runs.
const commandTimeout = 3 * time.Second

// CommandRunner runs argv (argv[0] is the program; no shell is involved)
// and returns its standard output. It must give up when ctx ends. Tests and,
// later, SSH hosts substitute their own.
type CommandRunner func(ctx context.Context, argv []string) ([]byte, error)

// ExecRunner runs commands on this machine with os/exec.
func ExecRunner(ctx context.Context, argv []string) ([]byte, error) {
	return runCommand(ctx, argv, nil)
}

// ExecRunnerWithEnv is ExecRunner with extra KEY=VALUE environment
// variables, e.g. TS_RUNROOT for an ATS installed under a runroot.
func ExecRunnerWithEnv(env ...string) CommandRunner {
	return func(ctx context.Context, argv []string) ([]byte, error) {
		return runCommand(ctx, argv, env)
	}
}

func runCommand(ctx context.Context, argv, env []string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := CommandMessage(stderr.String()); msg != "" {
			return out, fmt.Errorf("%w: %s", err, Sanitize(msg, 300))
		}
		return out, err
	}
	return out, nil
}

// CommandMessage picks the line of a failed command's stderr that says
// what went wrong: the last one, since a login banner (over SSH) or
// traffic_ctl 9.x's "NOTE: using ... RUNROOT" comes first and the program's
// own error last; the note is skipped, and a line ending in ':' before it
// is kept as its heading (traffic_ctl 10 prints "Error found:" and the
// reason on the next line).
func CommandMessage(stderr string) string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || (strings.HasPrefix(l, "NOTE: using ") && strings.Contains(l, "RUNROOT")) {
			continue
		}
		lines = append(lines, l)
	}
	switch n := len(lines); {
	case n == 0:
		return ""
	case n > 1 && strings.HasSuffix(lines[n-2], ":"):
		return lines[n-2] + " " + lines[n-1]
	default:
		return lines[n-1]
	}
}

// Discoverer finds the JSON-RPC socket of a Traffic Server install, and
// the traffic_ctl that belongs to it. Every interaction with the system
// goes through a field, so that tests and remote hosts (SSHSource) run the
// same search with their own hooks; nil fields use the local machine.
type Discoverer struct {
	Env      func(string) string                    // environment lookup; nil: os.Getenv
	Run      CommandRunner                          // nil: ExecRunner
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
func DiscoverSocket(ctx context.Context, flagValue string, env func(string) string, run CommandRunner) (path string, how string, err error) {
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
	env, run, stat, lookPath, prefixes := d.Env, d.Run, d.Stat, d.LookPath, d.Prefixes
	if env == nil {
		env = os.Getenv
	}
	if run == nil {
		run = ExecRunner
	}
	if stat == nil {
		stat = os.Stat
	}
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	if prefixes == nil {
		prefixes = DefaultPrefixes
	}
	reach := d.Reach
	if reach == nil {
		reach = func(_ context.Context, p string) (bool, string, error) {
			fi, err := stat(p)
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
			return false, Sanitize(err.Error(), 120), nil
		}
	}

	var found Discovery
	if flagValue != "" {
		found.Socket, found.How = flagValue, "--socket"
		return found, nil
	}
	if v := env(SocketEnv); v != "" {
		found.Socket, found.How = v, "$"+SocketEnv
		return found, nil
	}
	try := func(p, how, context string) (bool, error) {
		ok, why, err := reach(ctx, p)
		if err != nil {
			return false, err
		}
		if ok {
			found.Socket, found.How = p, how
			return true, nil
		}
		found.Tried = append(found.Tried, p+context+": "+why)
		return false, nil
	}

	// traffic_ctl: the one named, else PATH first, then each prefix's bin/.
	type ctlCandidate struct{ bin, prefix string }
	var ctls []ctlCandidate
	seen := map[string]bool{}
	ctlPrefixes := prefixes
	if d.TrafficCtl != "" {
		ctls = append(ctls, ctlCandidate{d.TrafficCtl, path.Dir(path.Dir(d.TrafficCtl))})
		ctlPrefixes = nil
	} else if p, err := lookPath("traffic_ctl"); err == nil {
		ctls = append(ctls, ctlCandidate{p, path.Dir(path.Dir(p))})
		seen[path.Clean(p)] = true
	}
	for _, pre := range ctlPrefixes {
		p := path.Join(pre, "bin", "traffic_ctl")
		if seen[p] {
			continue
		}
		if fi, err := stat(p); err == nil && !fi.IsDir() {
			ctls = append(ctls, ctlCandidate{p, pre})
			seen[p] = true
		}
	}
	if len(ctls) == 0 {
		pathName := cmp.Or(d.PathName, "PATH")
		dirs := make([]string, 0, len(prefixes)+1)
		dirs = append(dirs, pathName)
		for _, pre := range prefixes {
			dirs = append(dirs, path.Join(pre, "bin"))
		}
		found.Tried = append(found.Tried, "traffic_ctl: not found in "+strings.Join(dirs, ", "))
	}
	ranOK := false
	for _, c := range ctls {
		if err := ctx.Err(); err != nil {
			return found, err
		}
		cctx, cancel := context.WithTimeout(ctx, commandTimeout)
		argv := []string{c.bin, "config", "get", "proxy.config.local_state_dir"}
		out, err := run(cctx, argv)
		cancel()
		if err != nil {
			if isNotInstalled(err) {
				continue
			}
			// It exists but failed (9.x without traffic_manager, say):
			// still what reads the host if nothing answers better.
			found.Tried = append(found.Tried, fmt.Sprintf("%s: %s", strings.Join(argv, " "), Sanitize(err.Error(), 160)))
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
			found.Tried = append(found.Tried, fmt.Sprintf("%s: unexpected output %q", strings.Join(argv, " "), Sanitize(firstLine(string(out)), 80)))
			continue
		}
		if d.Sockets != nil {
			continue // the sockets to try are given
		}
		if !path.IsAbs(dir) {
			dir = path.Join(c.prefix, dir)
		}
		if ok, err := try(path.Join(dir, SocketName), "traffic_ctl ("+c.bin+")", " (local_state_dir from "+c.bin+")"); ok || err != nil {
			found.TrafficCtl = c.bin
			return found, err
		}
	}

	candidates := d.Sockets
	if candidates == nil {
		for _, pre := range prefixes {
			candidates = append(candidates, path.Join(pre, "var", "trafficserver", SocketName))
		}
		candidates = append(candidates, extraSocketPaths...)
	}
	done := map[string]bool{}
	for _, p := range candidates {
		if done[p] {
			continue
		}
		done[p] = true
		if ok, err := try(p, "default location", ""); ok || err != nil {
			return found, err
		}
	}
	return found, nil
}

// isNotInstalled says a command failed because there is no such program:
// not on PATH here, a path that does not exist, or the remote shell's 127.
func isNotInstalled(err error) bool {
	var st interface{ ExitStatus() int }
	return errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) ||
		(errors.As(err, &st) && st.ExitStatus() == 127)
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

// HostSpec is one host argument, parsed.
type HostSpec struct {
	// Name is the short display name: "localhost", the first label of a
	// hostname ("cache1" for cache1.example.com; IP addresses in full), or
	// for a socket path the distinguishing directory ("ats2" for
	// /opt/ats2/var/trafficserver/jsonrpc20.sock).
	Name string
	// Arg is the argument as given.
	Arg string
	// SocketPath is the local socket for unix:/path and *.sock arguments;
	// empty for "localhost" (discover it) and for remote hosts.
	SocketPath string
	// Remote is true for a hostname: reached through SSH.
	Remote bool
	// User, Host and Port are the parts of a remote argument
	// [user@]host[:port]; Port is 0 when not given.
	User string
	Host string
	Port int
}

// ParseHostArg parses a host argument:
//
//   - "localhost": the local Traffic Server, socket to be discovered;
//   - "unix:/path/to/jsonrpc20.sock" or an absolute path ending in ".sock":
//     a local socket;
//   - "[user@]host[:port]": a remote host (Remote=true). Hostnames must
//     match ^[a-zA-Z0-9][a-zA-Z0-9._:-]*$ (so they can never be read as an
//     option by ssh); anything else is rejected.
func ParseHostArg(s string) (HostSpec, error) {
	arg := s
	s = strings.TrimSpace(s)
	if s == "" {
		return HostSpec{}, errors.New("empty host argument")
	}
	if strings.EqualFold(s, "localhost") {
		return HostSpec{Name: "localhost", Arg: arg}, nil
	}
	if p, ok := strings.CutPrefix(s, "unix:"); ok {
		if p == "" {
			return HostSpec{}, fmt.Errorf("host %q: empty socket path after unix:", Sanitize(arg, 80))
		}
		if strings.ContainsRune(p, 0) {
			return HostSpec{}, fmt.Errorf("host %q: invalid socket path", Sanitize(arg, 80))
		}
		p = path.Clean(p)
		return HostSpec{Name: socketShortName(p), Arg: arg, SocketPath: p}, nil
	}
	if strings.HasPrefix(s, "/") {
		if !strings.HasSuffix(s, ".sock") {
			return HostSpec{}, fmt.Errorf("host %q: a socket path must end in .sock (or use unix:%s)", Sanitize(arg, 80), Sanitize(s, 80))
		}
		if strings.ContainsRune(s, 0) {
			return HostSpec{}, fmt.Errorf("host %q: invalid socket path", Sanitize(arg, 80))
		}
		p := path.Clean(s)
		return HostSpec{Name: socketShortName(p), Arg: arg, SocketPath: p}, nil
	}
	if strings.ContainsRune(s, '/') && strings.HasSuffix(s, ".sock") {
		return HostSpec{}, fmt.Errorf("host %q: relative socket paths are not accepted; use an absolute path or unix:PATH", Sanitize(arg, 80))
	}

	a, err := sshconn.ParseAddr(s)
	if err != nil {
		why := err.Error()
		var ae *sshconn.AddrError
		if errors.As(err, &ae) {
			why = ae.Why
		}
		if why == "not a valid hostname" {
			why += " (expected localhost, unix:/path/jsonrpc20.sock, /path/*.sock or [user@]host[:port])"
		}
		return HostSpec{}, fmt.Errorf("host %q: %s", Sanitize(arg, 80), why)
	}
	spec := HostSpec{Arg: arg, Remote: true, User: a.User, Host: a.Host, Port: a.Port}
	if ip, _, _ := strings.Cut(spec.Host, "%"); net.ParseIP(ip) != nil {
		spec.Name = spec.Host
	} else {
		spec.Name, _, _ = strings.Cut(spec.Host, ".")
	}
	return spec, nil
}

// genericDirs are directory names that say nothing about which install a
// socket belongs to.
var genericDirs = map[string]bool{
	"trafficserver": true, "var": true, "run": true, "lib": true, "local": true,
	"usr": true, "opt": true, "tmp": true, "state": true, "runtime": true,
}

// socketShortName names a socket path for display: the file name without
// .sock unless it is the standard jsonrpc20.sock, else the nearest
// non-generic parent directory (/opt/ats2/var/trafficserver/jsonrpc20.sock
// → "ats2"), else the parent directory.
func socketShortName(p string) string {
	base := path.Base(p)
	if base != SocketName {
		if n := strings.TrimSuffix(base, ".sock"); n != "" && n != "/" && n != "." {
			return n
		}
	}
	dir := path.Dir(p)
	for d := dir; d != "/" && d != "." && d != ""; d = path.Dir(d) {
		if b := path.Base(d); !genericDirs[b] {
			return b
		}
	}
	if b := path.Base(dir); b != "/" && b != "." {
		return b
	}
	return base
}
