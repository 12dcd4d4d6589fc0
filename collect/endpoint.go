package collect

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
)

// ParseEndpoint parses a host argument:
//
//   - localhost, unix:/path/jsonrpc20.sock, /path/x.sock, [user@]host[:port]:
//     ATS 10 JSON-RPC, locally or over SSH (see ParseHostArg);
//   - ctl:localhost, ctl:[user@]host[:port]: `traffic_ctl metric get`, run
//     locally or over SSH (ATS 9.x and 10.x);
//   - KIND+http://... or KIND+https://...: an HTTP source of a registered
//     kind: stats+http://127.0.0.1:8080/_stats (stats_over_http),
//     prom+http://10.0.0.5:9100/metrics (a Prometheus exporter),
//     promql+http://prom:9090#edge1:9100 (a Prometheus server; the fragment
//     is what $host stands for in the dashboard's queries).
//
// NAME=HOST names the host NAME on the screen.
func ParseEndpoint(arg string) (Endpoint, error) {
	if name, host, ok := splitExplicitName(arg); ok {
		ep, err := ParseEndpoint(host)
		ep.Name, ep.Named = name, true
		return ep, err
	}
	s := strings.TrimSpace(arg)
	if scheme, _, ok := strings.Cut(s, "://"); ok {
		return parseURLEndpoint(arg, scheme)
	}
	if rest, ok := strings.CutPrefix(s, "ctl:"); ok {
		spec, err := ParseHostArg(rest)
		if err != nil {
			return Endpoint{}, err
		}
		if spec.SocketPath != "" {
			return Endpoint{}, fmt.Errorf("host %q: ctl: takes a host name (ctl:localhost, ctl:edge1), not a socket", Sanitize(arg, 80))
		}
		ep := Endpoint{Name: spec.Name, Kind: "traffic_ctl", Arg: arg}
		if spec.Remote {
			ep.SSH = spec.addr()
		}
		return ep, nil
	}
	spec, err := ParseHostArg(s)
	if err != nil {
		return Endpoint{}, err
	}
	ep := Endpoint{Name: spec.Name, Kind: "jsonrpc", Arg: arg, Socket: spec.SocketPath}
	if spec.Remote {
		ep.SSH = spec.addr()
	}
	return ep, nil
}

func (spec HostSpec) addr() sshconn.Addr {
	return sshconn.Addr{User: spec.User, Host: spec.Host, Port: spec.Port}
}

func parseURLEndpoint(arg, scheme string) (Endpoint, error) {
	kind, ok := kindForScheme(scheme)
	if !ok {
		return Endpoint{}, fmt.Errorf("host %q: unknown source scheme %q (use stats+http://, prom+http://, promql+http:// or an https variant)", Sanitize(arg, 80), Sanitize(scheme, 20))
	}
	_, httpURL, _ := strings.Cut(strings.TrimSpace(arg), "+")
	u, err := url.Parse(httpURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return Endpoint{}, fmt.Errorf("host %q: not a valid http(s) URL", Sanitize(arg, 80))
	}
	ep := Endpoint{Kind: kind, Arg: arg}
	if u.Fragment != "" {
		ep.Host = u.Fragment
	}
	u.Fragment = ""
	ep.URL = u.String()
	name := ep.Host
	if name == "" {
		name = u.Hostname()
	}
	ep.Name = DisplayName(name)
	return ep, nil
}

// DisplayName shortens a host name for the screen: an IP address in full,
// else the first label ("edge1" for edge1.example.com:9100).
func DisplayName(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	if net.ParseIP(h) != nil {
		return h
	}
	first, _, _ := strings.Cut(h, ".")
	if first == "" {
		return h
	}
	return first
}
