package sshconn

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in   string
		want Addr
		str  string // String(), when not in
		err  string
	}{
		{in: "edge1", want: Addr{Host: "edge1"}},
		{in: "ops@edge1.example.com:2222", want: Addr{User: "ops", Host: "edge1.example.com", Port: 2222}},
		{in: "edge1.example.com.", want: Addr{Host: "edge1.example.com"}, str: "edge1.example.com"},
		{in: "10.0.0.5:22", want: Addr{Host: "10.0.0.5", Port: 22}},
		{in: "[::1]:2222", want: Addr{Host: "::1", Port: 2222}},
		{in: "::1", want: Addr{Host: "::1"}},
		{in: "[::1]", want: Addr{Host: "::1"}, str: "::1"},
		{in: "fe80::1", want: Addr{Host: "fe80::1"}},
		{in: "root@[fe80::1%eth0]:22", want: Addr{User: "root", Host: "fe80::1%eth0", Port: 22}},
		{in: "fe80::1%eth0", want: Addr{Host: "fe80::1%eth0"}},
		{in: "", err: "not a valid hostname"},
		{in: "-oProxyCommand=evil", err: "not a valid hostname"},
		{in: "host;rm -rf /", err: "not a valid hostname"},
		{in: "-l@host", err: "invalid user name"},
		{in: "a@b@c", err: "invalid user name"},
		{in: "host:0", err: "invalid port"},
		{in: "host:", err: "invalid port"},
		{in: "host:99999", err: "invalid port"},
		{in: "[::1]:ssh", err: "invalid port"},
		{in: "a:b:c", err: "not a valid hostname or IPv6 address"},
		{in: "[edge1]:22", err: "only an IPv6 address goes in brackets"},
		{in: "[::1", err: "unclosed ["},
		{in: "[::1]x", err: "unexpected text after ]"},
		{in: "fe80::1%eth0;ls", err: "not a valid hostname"},
		{in: "a..b", err: "not a valid hostname"},
		{in: "café", err: "not a valid hostname"},
	}
	for _, tt := range tests {
		got, err := ParseAddr(tt.in)
		if tt.err != "" {
			var ae *AddrError
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &ae) || !strings.Contains(ae.Why, tt.err) {
				t.Errorf("ParseAddr(%q) = %+v, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAddr(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		str := tt.str
		if str == "" {
			str = tt.in
		}
		if got.String() != str {
			t.Errorf("ParseAddr(%q).String() = %q, want %q", tt.in, got.String(), str)
		}
		if again, err := ParseAddr(got.String()); err != nil || again != got {
			t.Errorf("%q does not read back: %+v, %v", got.String(), again, err)
		}
	}
	// ProxyJump hops are read the same way.
	if u, h, p, err := ParseJump("ops@[::1]:2222"); err != nil || u != "ops" || h != "::1" || p != 2222 {
		t.Errorf("ParseJump: %q %q %d %v", u, h, p, err)
	}
}
