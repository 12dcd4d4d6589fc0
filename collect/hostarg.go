package collect

import (
	"errors"
	"fmt"
	"net"
	"path"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
)

// SocketName is the file name of the ATS 10 JSON-RPC socket inside
// proxy.config.local_state_dir.
const SocketName = "jsonrpc20.sock"

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
