package sshconn

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Addr is an SSH destination, [user@]host[:port], parsed once: on the
// command line, in a config's ssh:, and in ProxyJump alike. Host is an
// ssh_config alias, a DNS name or an IP literal; an IPv6 literal is
// written in brackets when a port follows ([::1]:2222, [fe80::1%eth0]:22)
// and may stand bare without one (::1, fe80::1%eth0).
type Addr struct {
	User string
	Host string
	Port int // 0: from ssh_config, else 22
}

var (
	// A name can never be read as an option (no leading '-') or by a
	// shell (no metacharacters).
	nameRe = regexp.MustCompile(`^[a-zA-Z0-9_]([a-zA-Z0-9._-]*[a-zA-Z0-9_])?$`)
	zoneRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
)

// AddrError is what ParseAddr says of an address it cannot read.
type AddrError struct {
	Input string
	Why   string // "invalid port \"x\"", "not a valid hostname", ...
}

func (e *AddrError) Error() string {
	return fmt.Sprintf("%q is not [user@]host[:port]: %s", oneLine(e.Input), e.Why)
}

// ParseAddr parses [user@]host[:port].
func ParseAddr(s string) (Addr, error) {
	bad := func(why string) (Addr, error) {
		return Addr{}, &AddrError{Input: s, Why: why}
	}
	var a Addr
	rest := s
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		a.User, rest = rest[:i], rest[i+1:]
		if !userNameRe.MatchString(a.User) {
			return bad("invalid user name")
		}
	}
	port := ""
	switch {
	case strings.HasPrefix(rest, "["):
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return bad("unclosed [")
		}
		a.Host, rest = rest[1:end], rest[end+1:]
		if !isIPv6(a.Host) {
			return bad("only an IPv6 address goes in brackets")
		}
		switch {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			port = rest[1:]
		default:
			return bad("unexpected text after ]")
		}
	case strings.Count(rest, ":") == 1:
		a.Host, port, _ = strings.Cut(rest, ":")
	case strings.Count(rest, ":") > 1:
		if !isIPv6(rest) {
			return bad("not a valid hostname or IPv6 address")
		}
		a.Host = rest
	default:
		a.Host = rest
	}
	if port != "" || strings.HasSuffix(rest, ":") {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return bad(fmt.Sprintf("invalid port %q", oneLine(port)))
		}
		a.Port = p
	}
	if len(a.Host) > 1 {
		a.Host = strings.TrimSuffix(a.Host, ".") // a fully qualified name
	}
	if !isIPv6(a.Host) && (!nameRe.MatchString(a.Host) || strings.Contains(a.Host, "..")) {
		return bad("not a valid hostname")
	}
	return a, nil
}

// isIPv6 says whether s is an IPv6 literal, with an optional %zone.
func isIPv6(s string) bool {
	ip, zone, hasZone := strings.Cut(s, "%")
	if hasZone && !zoneRe.MatchString(zone) {
		return false
	}
	return strings.Contains(ip, ":") && net.ParseIP(ip) != nil
}

// String writes the address back in the form ParseAddr reads.
func (a Addr) String() string {
	h := a.Host
	if a.Port != 0 {
		if isIPv6(h) {
			h = "[" + h + "]"
		}
		h += ":" + strconv.Itoa(a.Port)
	}
	if a.User != "" {
		h = a.User + "@" + h
	}
	return h
}
