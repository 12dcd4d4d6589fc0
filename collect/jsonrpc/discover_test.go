package jsonrpc

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// fakeSystem is a filesystem, PATH and command outputs for Discoverer.
type fakeSystem struct {
	files   map[string]fs.FileMode // path → mode (fs.ModeSocket for sockets, 0 for files)
	denied  map[string]bool
	path    map[string]string // PATH lookups
	outputs map[string]string // traffic_ctl path → stdout
	fail    map[string]error  // traffic_ctl path → error
	env     map[string]string
	ran     [][]string
}

func (f *fakeSystem) discoverer() Discoverer {
	return Discoverer{
		Env: func(k string) string { return f.env[k] },
		Run: func(ctx context.Context, argv []string) ([]byte, error) {
			if _, ok := ctx.Deadline(); !ok {
				return nil, errors.New("runner called without a deadline")
			}
			f.ran = append(f.ran, argv)
			if err := f.fail[argv[0]]; err != nil {
				return nil, err
			}
			return []byte(f.outputs[argv[0]]), nil
		},
		Stat: func(name string) (fs.FileInfo, error) {
			if f.denied[name] {
				return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrPermission}
			}
			m, ok := f.files[name]
			if !ok {
				return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
			}
			return FileMode(name, m), nil
		},
		LookPath: func(file string) (string, error) {
			if p, ok := f.path[file]; ok {
				return p, nil
			}
			return "", exec.ErrNotFound
		},
	}
}

func TestDiscoverSocket(t *testing.T) {
	sock := fs.ModeSocket
	tests := []struct {
		name     string
		flag     string
		ctl      string // Discoverer.TrafficCtl
		sys      fakeSystem
		want     string
		how      string
		errParts []string
		ran      [][]string
	}{
		{name: "flag wins", flag: "/x/j.sock", sys: fakeSystem{env: map[string]string{SocketEnv: "/env.sock"}},
			want: "/x/j.sock", how: "--socket"},
		{name: "env", sys: fakeSystem{env: map[string]string{SocketEnv: "/env.sock"}, path: map[string]string{"traffic_ctl": "/usr/bin/traffic_ctl"}},
			want: "/env.sock", how: "$TRAFFICSERVER_JSONRPC_SOCKET"},
		{name: "traffic_ctl on PATH, relative dir (10.x output)", sys: fakeSystem{
			path:    map[string]string{"traffic_ctl": "/usr/local/bin/traffic_ctl"},
			outputs: map[string]string{"/usr/local/bin/traffic_ctl": "proxy.config.local_state_dir: var/trafficserver\n"},
			files:   map[string]fs.FileMode{"/usr/local/var/trafficserver/jsonrpc20.sock": sock},
		}, want: "/usr/local/var/trafficserver/jsonrpc20.sock", how: "traffic_ctl (/usr/local/bin/traffic_ctl)",
			ran: [][]string{{"/usr/local/bin/traffic_ctl", "config", "get", "proxy.config.local_state_dir"}}},
		{name: "traffic_ctl absolute dir", sys: fakeSystem{
			path:    map[string]string{"traffic_ctl": "/usr/bin/traffic_ctl"},
			outputs: map[string]string{"/usr/bin/traffic_ctl": "proxy.config.local_state_dir: /run/ts\n"},
			files:   map[string]fs.FileMode{"/run/ts/jsonrpc20.sock": sock, "/usr/local/var/trafficserver/jsonrpc20.sock": sock},
		}, want: "/run/ts/jsonrpc20.sock", how: "traffic_ctl (/usr/bin/traffic_ctl)"},
		{name: "traffic_ctl under a prefix, old output format", sys: fakeSystem{
			files: map[string]fs.FileMode{
				"/opt/ats/bin/traffic_ctl":                  0o755,
				"/opt/ats/var/trafficserver/jsonrpc20.sock": sock,
			},
			outputs: map[string]string{"/opt/ats/bin/traffic_ctl": "proxy.config.local_state_dir var/trafficserver"},
		}, want: "/opt/ats/var/trafficserver/jsonrpc20.sock", how: "traffic_ctl (/opt/ats/bin/traffic_ctl)"},
		{name: "traffic_ctl fails, default location", sys: fakeSystem{
			path:  map[string]string{"traffic_ctl": "/usr/local/bin/traffic_ctl"},
			fail:  map[string]error{"/usr/local/bin/traffic_ctl": errors.New("exit status 1: server not running")},
			files: map[string]fs.FileMode{"/opt/trafficserver/var/trafficserver/jsonrpc20.sock": sock},
		}, want: "/opt/trafficserver/var/trafficserver/jsonrpc20.sock", how: "default location"},
		{name: "traffic_ctl dir without socket, then default", sys: fakeSystem{
			path:    map[string]string{"traffic_ctl": "/usr/local/bin/traffic_ctl"},
			outputs: map[string]string{"/usr/local/bin/traffic_ctl": "proxy.config.local_state_dir: /nowhere\n"},
			files:   map[string]fs.FileMode{"/opt/ts/var/trafficserver/jsonrpc20.sock": sock},
		}, want: "/opt/ts/var/trafficserver/jsonrpc20.sock", how: "default location"},
		{name: "regular file is not a socket", sys: fakeSystem{
			files: map[string]fs.FileMode{
				"/usr/local/var/trafficserver/jsonrpc20.sock": 0,
				"/run/trafficserver/jsonrpc20.sock":           sock,
			},
		}, want: "/run/trafficserver/jsonrpc20.sock", how: "default location"},
		{name: "nothing found", sys: fakeSystem{
			files:   map[string]fs.FileMode{"/usr/local/var/trafficserver/jsonrpc20.sock": 0, "/usr/bin/traffic_ctl": 0o755},
			denied:  map[string]bool{"/var/run/trafficserver/jsonrpc20.sock": true},
			outputs: map[string]string{"/usr/bin/traffic_ctl": "\x1b[31mgarbage\n"},
		}, errParts: []string{
			"no Traffic Server JSON-RPC socket found (use --socket PATH or set $TRAFFICSERVER_JSONRPC_SOCKET); tried:",
			"\n  /usr/bin/traffic_ctl config get proxy.config.local_state_dir: unexpected output \"?[31mgarbage\"",
			"\n  /usr/local/var/trafficserver/jsonrpc20.sock: exists but is not a socket",
			"\n  /opt/ats/var/trafficserver/jsonrpc20.sock: no such file",
			"\n  /var/run/trafficserver/jsonrpc20.sock: permission denied",
		}},
		{name: "the traffic_ctl named, not the one on PATH", ctl: "/opt/ts10/bin/traffic_ctl", sys: fakeSystem{
			path:    map[string]string{"traffic_ctl": "/usr/bin/traffic_ctl"},
			outputs: map[string]string{"/usr/bin/traffic_ctl": "proxy.config.local_state_dir: /var/run/ts92\n", "/opt/ts10/bin/traffic_ctl": "proxy.config.local_state_dir: var/trafficserver\n"},
			files:   map[string]fs.FileMode{"/var/run/ts92/jsonrpc20.sock": sock, "/opt/ts10/var/trafficserver/jsonrpc20.sock": sock},
		}, want: "/opt/ts10/var/trafficserver/jsonrpc20.sock", how: "traffic_ctl (/opt/ts10/bin/traffic_ctl)",
			ran: [][]string{{"/opt/ts10/bin/traffic_ctl", "config", "get", "proxy.config.local_state_dir"}}},
		{name: "no traffic_ctl anywhere", sys: fakeSystem{}, errParts: []string{
			"traffic_ctl: not found in PATH, /usr/local/bin, /opt/ats/bin, /opt/trafficserver/bin, /usr/bin, /opt/ts/bin",
			"/opt/ts/var/trafficserver/jsonrpc20.sock: no such file",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := tt.sys
			d := sys.discoverer()
			d.TrafficCtl = tt.ctl
			got, how, err := d.Discover(context.Background(), tt.flag)
			if tt.errParts != nil {
				if err == nil {
					t.Fatalf("found %s (%s), want an error", got, how)
				}
				for _, p := range tt.errParts {
					if !strings.Contains(err.Error(), p) {
						t.Errorf("error\n%s\nlacks %q", err, p)
					}
				}
				if strings.Contains(err.Error(), "\x1b") {
					t.Error("escape character in error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || how != tt.how {
				t.Errorf("got %q (%s), want %q (%s)", got, how, tt.want, tt.how)
			}
			if tt.ran != nil && !equalArgv(sys.ran, tt.ran) {
				t.Errorf("ran %q, want %q", sys.ran, tt.ran)
			}
		})
	}
}

func equalArgv(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

func TestDiscoverSocketWrapper(t *testing.T) {
	env := func(k string) string {
		if k == SocketEnv {
			return "/e.sock"
		}
		return ""
	}
	p, how, err := DiscoverSocket(context.Background(), "", env, nil)
	if p != "/e.sock" || how != "$"+SocketEnv || err != nil {
		t.Errorf("got %q %q %v", p, how, err)
	}
}

func TestParseLocalStateDir(t *testing.T) {
	for in, want := range map[string]string{
		"proxy.config.local_state_dir: var/trafficserver\n":            "var/trafficserver",
		"proxy.config.local_state_dir var/trafficserver":               "var/trafficserver",
		"warning: x\nproxy.config.local_state_dir: /run/ts  \n":        "/run/ts",
		"proxy.config.local_state_dir: \"var/trafficserver\"\n":        "var/trafficserver",
		"proxy.config.local_state_dir_other: x\n":                      "",
		"proxy.config.local_state_dir:\n":                              "",
		"":                                                             "",
		"error: could not connect to /usr/local/var/trafficserver/...": "",
	} {
		got, ok := ParseLocalStateDir([]byte(in))
		if got != want || ok != (want != "") {
			t.Errorf("ParseLocalStateDir(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestExecRunner(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := collect.ExecRunner(ctx, []string{"sh", "-c", `printf '%s\n' "$0"`, "a b; echo injected"})
	if err != nil || string(out) != "a b; echo injected\n" {
		t.Errorf("got %q, %v (arguments must not go through a shell)", out, err)
	}
	_, err = collect.ExecRunner(ctx, []string{"sh", "-c", "echo boom >&2; exit 3"})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v, want stderr in it", err)
	}
	if _, err := collect.ExecRunner(ctx, []string{"/nonexistent/traffic_ctl"}); err == nil {
		t.Error("no error for a missing program")
	}
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	start := time.Now()
	if _, err := collect.ExecRunner(short, []string{"sleep", "10"}); err == nil {
		t.Error("no error for a command past its deadline")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("runner returned %v after its deadline", d)
	}
}

func TestParseHostArg(t *testing.T) {
	tests := []struct {
		in   string
		want collect.HostSpec
		err  string
	}{
		{in: "localhost", want: collect.HostSpec{Name: "localhost", Arg: "localhost"}},
		{in: "LocalHost", want: collect.HostSpec{Name: "localhost", Arg: "LocalHost"}},
		{in: "unix:/run/ats2/jsonrpc20.sock", want: collect.HostSpec{Name: "ats2", Arg: "unix:/run/ats2/jsonrpc20.sock", SocketPath: "/run/ats2/jsonrpc20.sock"}},
		{in: "/opt/ats2/var/trafficserver/jsonrpc20.sock", want: collect.HostSpec{Name: "ats2", Arg: "/opt/ats2/var/trafficserver/jsonrpc20.sock", SocketPath: "/opt/ats2/var/trafficserver/jsonrpc20.sock"}},
		{in: "/usr/local/var/trafficserver/jsonrpc20.sock", want: collect.HostSpec{Name: "trafficserver", Arg: "/usr/local/var/trafficserver/jsonrpc20.sock", SocketPath: "/usr/local/var/trafficserver/jsonrpc20.sock"}},
		{in: "/tmp/edge-3.sock", want: collect.HostSpec{Name: "edge-3", Arg: "/tmp/edge-3.sock", SocketPath: "/tmp/edge-3.sock"}},
		{in: "unix:/tmp//x/../ts9/jsonrpc20.sock", want: collect.HostSpec{Name: "ts9", Arg: "unix:/tmp//x/../ts9/jsonrpc20.sock", SocketPath: "/tmp/ts9/jsonrpc20.sock"}},
		{in: "cache1.example.com", want: collect.HostSpec{Name: "cache1", Arg: "cache1.example.com", Remote: true, Host: "cache1.example.com"}},
		{in: "ops@cache2.example.com:2222", want: collect.HostSpec{Name: "cache2", Arg: "ops@cache2.example.com:2222", Remote: true, User: "ops", Host: "cache2.example.com", Port: 2222}},
		{in: "10.0.0.5", want: collect.HostSpec{Name: "10.0.0.5", Arg: "10.0.0.5", Remote: true, Host: "10.0.0.5"}},
		{in: "10.0.0.5:22", want: collect.HostSpec{Name: "10.0.0.5", Arg: "10.0.0.5:22", Remote: true, Host: "10.0.0.5", Port: 22}},
		{in: "fe80::1", want: collect.HostSpec{Name: "fe80::1", Arg: "fe80::1", Remote: true, Host: "fe80::1"}},
		{in: "::1", want: collect.HostSpec{Name: "::1", Arg: "::1", Remote: true, Host: "::1"}},
		{in: "ops@[::1]:2222", want: collect.HostSpec{Name: "::1", Arg: "ops@[::1]:2222", Remote: true, User: "ops", Host: "::1", Port: 2222}},
		{in: "[fe80::1%eth0]:22", want: collect.HostSpec{Name: "fe80::1%eth0", Arg: "[fe80::1%eth0]:22", Remote: true, Host: "fe80::1%eth0", Port: 22}},
		{in: "edge", want: collect.HostSpec{Name: "edge", Arg: "edge", Remote: true, Host: "edge"}},
		{in: "", err: "empty host argument"},
		{in: "-oProxyCommand=evil", err: "not a valid hostname"},
		{in: "host;rm -rf /", err: "not a valid hostname"},
		{in: "host name", err: "not a valid hostname"},
		{in: "-l@host", err: "invalid user name"},
		{in: "a@b@c", err: "invalid user name"},
		{in: "host:0", err: "invalid port"},
		{in: "host:99999", err: "invalid port"},
		{in: "host:ssh", err: "invalid port"},
		{in: "a:b:c", err: "not a valid hostname or IPv6 address"},
		{in: "a..b", err: "not a valid hostname"},
		{in: "unix:", err: "empty socket path"},
		{in: "/etc/passwd", err: "must end in .sock"},
		{in: "run/ts.sock", err: "relative socket paths"},
		{in: "café", err: "not a valid hostname"},
		{in: "host\x1b[31m", err: `host "host?[31m"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := collect.ParseHostArg(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseHostArg(%q) = %+v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParseHostArg(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestCommandMessage(t *testing.T) {
	for in, want := range map[string]string{
		"NOTE: using the environment variable TS_RUNROOT\nTraffic Server: failed to fetch x: [11] Invalid parameters passed into function call.\n": "Traffic Server: failed to fetch x: [11] Invalid parameters passed into function call.",
		"NOTE: using command line path as RUNROOT\n":    "",
		"Error found:\n  connect: no such file\n":       "Error found: connect: no such file",
		"\n  [5] Error establishing socket connection.": "[5] Error establishing socket connection.",
		"first\nsecond\n": "second",
	} {
		if got := collect.CommandMessage(in); got != want {
			t.Errorf("CommandMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExecRunnerWithEnv(t *testing.T) {
	out, err := collect.ExecRunnerWithEnv("TG_TEST_VAR=hello")(context.Background(), []string{"sh", "-c", `echo "$TG_TEST_VAR"`})
	if err != nil || strings.TrimSpace(string(out)) != "hello" {
		t.Fatalf("got %q, %v", out, err)
	}
	_, err = collect.ExecRunner(context.Background(), []string{"sh", "-c", "echo 'NOTE: using the environment variable TS_RUNROOT' >&2; echo 'real problem' >&2; exit 2"})
	if err == nil || !strings.Contains(err.Error(), "exit status 2: real problem") {
		t.Fatalf("err %v, want the real problem, not the runroot note", err)
	}
}
