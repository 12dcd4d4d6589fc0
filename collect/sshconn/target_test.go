package sshconn

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".ssh", "config")
	writeFile(t, cfg, `
# an alias with everything
Host edge1
    HostName 10.0.0.5
    User ops
    Port 2222
    IdentityFile ~/.ssh/edge_key
    IdentityFile keys/%h_%r
    ProxyJump jump@bastion:2200
    ServerAliveInterval 7
    ServerAliveCountMax 2

Match host edge1 exec "false"
    User nobody

Host *.example.com
    HostName %h.internal
    ConnectTimeout 3

Host tokens
    HostName %n.lan
    UserKnownHostsFile ~/kh/%n ~/kh/all
    StrictHostKeyChecking accept-new
    HashKnownHosts yes

Host *
    User everyone
`)
	sys := filepath.Join(home, "system_config")
	writeFile(t, sys, "Host *\n    Port 2022\n    User system\n")
	s := Settings{Home: home, ConfigFiles: []string{cfg, sys}, LocalUser: "me"}

	tests := []struct {
		name, alias, user string
		port              int
		check             func(t *testing.T, got Target)
	}{
		{"alias", "edge1", "", 0, func(t *testing.T, got Target) {
			want := Target{HostName: "10.0.0.5", User: "ops", Port: 2222,
				IdentityFiles: []string{filepath.Join(home, ".ssh/edge_key"), filepath.Join(home, ".ssh/keys/10.0.0.5_ops")},
				ProxyJump:     []string{"jump@bastion:2200"}, AliveInterval: 7 * time.Second, AliveCountMax: 2}
			if got.HostName != want.HostName || got.User != want.User || got.Port != want.Port ||
				!reflect.DeepEqual(got.IdentityFiles, want.IdentityFiles) || !reflect.DeepEqual(got.ProxyJump, want.ProxyJump) ||
				got.AliveInterval != want.AliveInterval || got.AliveCountMax != want.AliveCountMax {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
			if got.Addr() != "10.0.0.5:2222" || got.KnownHostsName() != "10.0.0.5:2222" {
				t.Errorf("Addr %q KnownHostsName %q", got.Addr(), got.KnownHostsName())
			}
		}},
		{"command line beats config", "ops2@edge1:2300", "root", 2300, func(t *testing.T, got Target) {
			if got.User != "root" || got.Port != 2300 {
				t.Errorf("user %q port %d", got.User, got.Port)
			}
		}},
		{"pattern with token", "cache.example.com", "", 0, func(t *testing.T, got Target) {
			if got.HostName != "cache.example.com.internal" || got.ConnectTimeout != 3*time.Second {
				t.Errorf("HostName %q timeout %s", got.HostName, got.ConnectTimeout)
			}
			if got.User != "everyone" || got.Port != 2022 {
				t.Errorf("user %q port %d: want the user file's Host * then the system file", got.User, got.Port)
			}
		}},
		{"defaults", "plain", "", 0, func(t *testing.T, got Target) {
			if got.AliveInterval != defaultAliveInterval || got.AliveCountMax != defaultAliveCountMax || got.ConnectTimeout != defaultConnectTimeout {
				t.Errorf("timeouts %+v", got)
			}
			if len(got.IdentityFiles) != 3 || !strings.HasSuffix(got.IdentityFiles[0], "/.ssh/id_ed25519") {
				t.Errorf("default identities %v", got.IdentityFiles)
			}
			if got.KnownHostsFiles[0] != filepath.Join(home, ".ssh/known_hosts") || got.StrictHostKeyMode != "" {
				t.Errorf("known hosts %v mode %q", got.KnownHostsFiles, got.StrictHostKeyMode)
			}
		}},
		{"known hosts and accept-new from config", "tokens", "", 0, func(t *testing.T, got Target) {
			if got.HostName != "tokens.lan" || got.StrictHostKeyMode != "accept-new" || !got.HashKnownHosts {
				t.Errorf("%+v", got)
			}
			if want := []string{filepath.Join(home, "kh/tokens"), filepath.Join(home, "kh/all")}; !reflect.DeepEqual(got.KnownHostsFiles, want) {
				t.Errorf("known hosts %v, want %v", got.KnownHostsFiles, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alias := tt.alias
			if i := strings.IndexByte(alias, '@'); i >= 0 {
				alias = alias[i+1:]
			}
			if i := strings.IndexByte(alias, ':'); i >= 0 {
				alias = alias[:i]
			}
			got, err := s.Resolve(alias, tt.user, tt.port)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

func TestResolveErrors(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	writeFile(t, cfg, "Host badport\n  Port 99999\nHost badname\n  HostName -oProxyCommand=x\nHost baduser\n  User 'x;y'\n")
	s := Settings{Home: home, ConfigFiles: []string{cfg}, LocalUser: "me"}
	for _, alias := range []string{"badport", "badname", "baduser"} {
		if _, err := s.Resolve(alias, "", 0); err == nil || !strings.Contains(err.Error(), alias) {
			t.Errorf("%s: err %v, want one naming the host", alias, err)
		}
	}
	writeFile(t, cfg, "Host x\n  Port = = =\n\"unterminated\n")
	if _, err := s.Resolve("x", "", 0); err == nil || !strings.Contains(err.Error(), cfg) {
		t.Logf("malformed config: %v", err) // the library is lenient; it must at least not panic
	}
}

func TestParseJump(t *testing.T) {
	tests := []struct {
		in       string
		user     string
		host     string
		port     int
		wantFail bool
	}{
		{"bastion", "", "bastion", 0, false},
		{"ops@bastion:2200", "ops", "bastion", 2200, false},
		{"[::1]:22", "", "::1", 22, false},
		{"-oProxyCommand=evil", "", "", 0, true},
		{"a@b@c", "", "", 0, true},
		{"host:notaport", "", "", 0, true},
	}
	for _, tt := range tests {
		u, h, p, err := ParseJump(tt.in)
		if (err != nil) != tt.wantFail || u != tt.user || h != tt.host || p != tt.port {
			t.Errorf("ParseJump(%q) = %q %q %d %v", tt.in, u, h, p, err)
		}
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"traffic_ctl":                  "traffic_ctl",
		"/usr/local/bin/traffic_ctl":   "/usr/local/bin/traffic_ctl",
		"proxy.process.http.completed": "proxy.process.http.completed",
		"":                             "''",
		"a b":                          "'a b'",
		"$(reboot)":                    "'$(reboot)'",
		"it's":                         `'it'\''s'`,
		"~root":                        "'~root'",
		"a;b|c&d>e":                    "'a;b|c&d>e'",
	}
	for in, want := range tests {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if got := ShellJoin([]string{"traffic_ctl", "metric", "get", "x y"}); got != "traffic_ctl metric get 'x y'" {
		t.Errorf("ShellJoin = %s", got)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
}
