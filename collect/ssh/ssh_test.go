package ssh_test

// Integration tests of remote hosts against a real OpenSSH sshd on
// 127.0.0.1, started per test with its own keys; HOME is a temporary
// directory, so the user's own ssh files are never read or written. The
// simulator plays the remote Traffic Server on a Unix socket.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/collect/ssh"
	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/internal/sshtest"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/pages"
	cryptossh "golang.org/x/crypto/ssh"
)

// remoteEnv is one remote host: sshd, the simulated ATS behind it, and a
// private HOME whose ~/.ssh/config names the host "edge1".
type remoteEnv struct {
	sshd     *sshtest.SSHD
	sim      *simulator.Server
	home     string
	key      *sshtest.Key
	settings sshconn.Settings
}

type envOptions struct {
	sshd        sshtest.Options
	fakeCtl     bool   // put a traffic_ctl backed by the simulator on the remote PATH
	knownHosts  bool   // record the host key in known_hosts beforehand
	configExtra string // more lines for the Host edge1 block
}

func newRemoteEnv(t *testing.T, o envOptions) *remoteEnv {
	t.Helper()
	sshtest.RequireProgram(t, "sshd")
	e := &remoteEnv{home: sshtest.TempHome(t)}
	var err error
	e.sim, err = simulator.Start(simulator.Options{Dir: sshtest.ShortTempDir(t), Seed: 7, ResetEvery: simulator.NoReset})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.sim.Close() })
	sshtest.Reachable(t, e.sim.Path()) // for the stream-local channel
	if o.fakeCtl {
		o.sshd.PathDir = sshtest.FakeTrafficCtl(t, sshtest.BuildAtssim(t), e.sim.Path())
	}
	e.sshd = sshtest.StartSSHD(t, o.sshd)
	e.key = sshtest.NewKey(t)
	e.sshd.AuthorizeKey(e.key.Public, "")
	e.writeConfig(t, "edge1", e.sshd, e.key.Path, o.configExtra)
	if o.knownHosts {
		e.trust(t, e.sshd)
	}
	e.settings = sshconn.Settings{Home: e.home, ConfigFiles: []string{filepath.Join(e.home, ".ssh", "config")}}
	return e
}

// writeConfig adds a Host block for alias reaching sshd with e's key.
func (e *remoteEnv) writeConfig(t *testing.T, alias string, sshd *sshtest.SSHD, identity, extra string) {
	t.Helper()
	block := fmt.Sprintf("Host %s\n    HostName 127.0.0.1\n    Port %d\n    User %s\n    IdentityFile %s\n    ServerAliveInterval 1\n    ServerAliveCountMax 2\n%s\n",
		alias, sshd.Port, sshd.User, identity, extra)
	appendFile(t, filepath.Join(e.home, ".ssh", "config"), block)
}

func (e *remoteEnv) trust(t *testing.T, sshd *sshtest.SSHD) {
	t.Helper()
	appendFile(t, filepath.Join(e.home, ".ssh", "known_hosts"), sshd.KnownHostsLine("")+"\n")
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// connect starts a client for alias and fails the test on error.
func (e *remoteEnv) connect(t *testing.T, alias string) *sshconn.Client {
	t.Helper()
	c, err := sshconn.New(e.settings, alias, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("connecting to %s: %v", alias, err)
	}
	return c
}

// (Its wildcard keys are tested on their own: these are the exact names.)
var dashboardKeys = pages.Default().ExactKeys()

// fetchOK fetches the dashboard's keys and checks that a core counter came
// back with a plausible value.
func fetchOK(t *testing.T, src collect.Source) map[string]metrics.Sample {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, _, err := src.Fetch(ctx, dashboardKeys)
	if err != nil {
		t.Fatalf("Fetch through %s: %v", src, err)
	}
	s, ok := v["proxy.process.http.incoming_requests"]
	if !ok || s.Value <= 0 {
		t.Fatalf("incoming_requests = %+v, %v; got %d values", s, ok, len(v))
	}
	return v
}

func TestSSHStreamLocalWithDiscovery(t *testing.T) {
	e := newRemoteEnv(t, envOptions{fakeCtl: true, knownHosts: true})
	c := e.connect(t, "edge1")
	if got := c.Target(); got.Port != e.sshd.Port || got.User != e.sshd.User || got.IdentityFiles[0] != e.key.Path {
		t.Errorf("ssh_config alias not applied: %+v", got)
	}
	src := ssh.NewSSHSource(c, "")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := src.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if src.Via() != ssh.ViaSSHJSONRPC || !strings.Contains(src.String(), e.sim.Path()) {
		t.Fatalf("via %q (%s): want the socket found by remote traffic_ctl, over stream-local", src.Via(), src)
	}
	before := e.sim.Requests()
	for i := 0; i < 5; i++ {
		fetchOK(t, src)
	}
	if got := e.sim.Requests() - before; got != 5 {
		t.Errorf("simulator saw %d requests for 5 fetches: want exactly one batched request per fetch", got)
	}
	if n := c.Connects.Load(); n != 1 {
		t.Errorf("%d SSH connections for 5 fetches: want one persistent connection", n)
	}
	e.sshd.WaitLog(10*time.Second, "Accepted publickey") // logged after the client saw the login
	if n := strings.Count(e.sshd.Log(), "Accepted publickey"); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1", n)
	}
}

func TestSSHExecFallbackWhenStreamLocalRefused(t *testing.T) {
	e := newRemoteEnv(t, envOptions{fakeCtl: true, knownHosts: true, sshd: sshtest.Options{NoStreamLocalForwarding: true}})
	src := ssh.NewSSHSource(e.connect(t, "edge1"), "")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := src.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if src.Via() != ssh.ViaSSHTrafficCtl {
		t.Fatalf("via %q, want %q when sshd says AllowStreamLocalForwarding no", src.Via(), ssh.ViaSSHTrafficCtl)
	}
	v := fetchOK(t, src)
	if _, ok := v["proxy.process.http.incoming_requests"]; !ok {
		t.Errorf("traffic_ctl path lost records: %d values", len(v))
	}
}

func TestSSHNoStreamLocalAndNoTrafficCtl(t *testing.T) {
	// A traffic_ctl that the remote shell finds but that is "not
	// installed" (exit 127), ahead of any real one on this machine.
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "traffic_ctl"), []byte("#!/bin/sh\necho 'traffic_ctl: command not found' >&2\nexit 127\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newRemoteEnv(t, envOptions{knownHosts: true, sshd: sshtest.Options{NoStreamLocalForwarding: true, PathDir: bin}})
	src := ssh.NewSSHSource(e.connect(t, "edge1"), e.sim.Path())
	src.Prefixes = []string{}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := src.Prepare(ctx)
	if err == nil || !strings.Contains(err.Error(), "refuses stream-local") {
		t.Fatalf("err %v: want one saying stream-local is refused and traffic_ctl is missing", err)
	}
}

func TestSSHUnknownHostRefusedThenAcceptedThenVerified(t *testing.T) {
	e := newRemoteEnv(t, envOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	c, err := sshconn.New(e.settings, "edge1", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Start(ctx)
	c.Close()
	if !sshconn.IsHostKeyError(err) || !strings.Contains(err.Error(), e.sshd.HostKeyFingerprint) || !strings.Contains(err.Error(), "--accept-new-host-keys") {
		t.Fatalf("unknown host: err %v, want a refusal naming the fingerprint %s and the flag", err, e.sshd.HostKeyFingerprint)
	}
	kh := filepath.Join(e.home, ".ssh", "known_hosts")
	if _, err := os.Stat(kh); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("refusal wrote known_hosts: %v", err)
	}

	accept := e.settings
	accept.AcceptNewHostKeys = true
	c, err = sshconn.New(accept, "edge1", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("--accept-new-host-keys: %v", err)
	}
	c.Close()
	data, err := os.ReadFile(kh)
	if err != nil || !strings.Contains(string(data), strings.SplitN(e.sshd.KnownHostsLine(""), " ", 2)[1]) {
		t.Fatalf("known_hosts after accept-new: %q, %v", data, err)
	}

	// A later run without the flag verifies against the recorded key.
	e.connect(t, "edge1").Close()

	// And once recorded, a different key is refused even with the flag.
	e.sshd.ReplaceHostKeys(sshtest.NewKey(t))
	c, _ = sshconn.New(accept, "edge1", "", 0)
	err = c.Start(ctx)
	c.Close()
	if !sshconn.IsPermanent(err) || !strings.Contains(err.Error(), "HAS CHANGED") {
		t.Fatalf("changed key with accept-new: err %v, want a loud refusal", err)
	}
}

func TestSSHChangedHostKeyRefused(t *testing.T) {
	e := newRemoteEnv(t, envOptions{knownHosts: true})
	e.sshd.ReplaceHostKeys(sshtest.NewKey(t))
	c, err := sshconn.New(e.settings, "edge1", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = c.Start(ctx)
	for _, want := range []string{"HAS CHANGED", "man-in-the-middle", "ssh-keygen -R", e.sshd.HostKeyFingerprint} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("changed key: err %v lacks %q", err, want)
		}
	}
	if !sshconn.IsPermanent(err) {
		t.Error("a changed host key must not be retried")
	}
	if err := c.Down(); err == nil || !strings.Contains(err.Error(), "not retrying") {
		t.Errorf("after a changed key the client says %v, want it to have given up", err)
	}
}

func TestSSHHostKeyTypeMismatchIsNotAChange(t *testing.T) {
	// The server has ED25519 and ECDSA keys; known_hosts holds only the
	// ECDSA one. A client that negotiated ED25519 would see an "unknown"
	// or "changed" key; ours asks for the type on record.
	ecdsa := sshtest.NewKeyOf(t, sshtest.ECDSA, "")
	e := newRemoteEnv(t, envOptions{sshd: sshtest.Options{HostKeys: []*sshtest.Key{sshtest.NewKey(t), ecdsa}}})
	appendFile(t, filepath.Join(e.home, ".ssh", "known_hosts"),
		strings.Replace(e.sshd.KnownHostsLine(""), strings.SplitN(e.sshd.KnownHostsLine(""), " ", 2)[1], strings.TrimSpace(ecdsa.AuthorizedKey()), 1)+"\n")
	e.connect(t, "edge1")
}

func TestSSHProxyJump(t *testing.T) {
	e := newRemoteEnv(t, envOptions{knownHosts: true, configExtra: "    ProxyJump bastion"})
	jump := sshtest.StartSSHD(t, sshtest.Options{})
	jump.AuthorizeKey(e.key.Public, "")
	e.writeConfig(t, "bastion", jump, e.key.Path, "")
	e.trust(t, jump)
	c := e.connect(t, "edge1")
	src := ssh.NewSSHSource(c, e.sim.Path())
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := src.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	fetchOK(t, src)
	if !strings.Contains(jump.Log(), "Accepted publickey") {
		t.Errorf("the jump host saw no login: the connection did not go through it")
	}
	if !strings.Contains(c.Target().String(), "via bastion") {
		t.Errorf("target %s should name the jump host", c.Target())
	}
}

func TestSSHAgentAuthentication(t *testing.T) {
	e := newRemoteEnv(t, envOptions{knownHosts: true})
	// The identity file is passphrase-protected: only the agent can use
	// it, and we never prompt.
	locked := sshtest.NewEncryptedKey(t, "secret")
	e.sshd.AuthorizeKey(locked.Public, "")
	e.writeConfig(t, "agented", e.sshd, locked.Path, "")

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	noAgent := e.settings
	noAgent.AgentSocket = "none"
	c, _ := sshconn.New(noAgent, "agented", "", 0)
	start := time.Now()
	err := c.Start(ctx)
	c.Close()
	if !sshconn.IsPermanent(err) || !strings.Contains(err.Error(), "passphrase-protected") || !strings.Contains(err.Error(), "ssh-add") {
		t.Fatalf("locked key, no agent: err %v, want a clear error naming ssh-add", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("locked key, no agent took %s: must fail at once, not hang", time.Since(start))
	}

	sock := sshtest.StartAgent(t)
	sshtest.AddKeyToAgent(t, sock, locked)
	withAgent := e.settings
	withAgent.AgentSocket = sock
	c, _ = sshconn.New(withAgent, "agented", "", 0)
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("agent authentication: %v", err)
	}
	if fp := cryptossh.FingerprintSHA256(locked.Public); !e.sshd.WaitLog(10*time.Second, "Accepted publickey", fp) {
		t.Errorf("sshd did not log a login with the agent's key %s", fp)
	}
}

// TestSSHTrafficCtlStderrBehindBanner: over SSH, a login banner and a
// runroot note on stderr come before traffic_ctl 9.x's "failed to fetch
// NAME: [11]"; the unknown record must still be recognised (a warning for
// that record), not fail the whole fetch.
func TestSSHTrafficCtlStderrBehindBanner(t *testing.T) {
	bin := t.TempDir()
	script := `#!/bin/sh
echo "Welcome to edge1. Authorised use only. ` + strings.Repeat("This banner goes on. ", 12) + `" >&2
echo "NOTE: using the environment variable TS_RUNROOT" >&2
shift 2
for n in "$@"; do
  case "$n" in
    proxy.process.no_such_record) echo "Traffic Server: failed to fetch $n: [11] Invalid parameters passed into function call." >&2; exit 2;;
    *) echo "$n 7";;
  esac
done
`
	if err := os.WriteFile(filepath.Join(bin, "traffic_ctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newRemoteEnv(t, envOptions{knownHosts: true, sshd: sshtest.Options{NoStreamLocalForwarding: true, PathDir: bin}})
	src := ssh.NewSSHSource(e.connect(t, "edge1"), "")
	src.Prefixes = []string{}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := src.Prepare(ctx); err != nil || src.Via() != ssh.ViaSSHTrafficCtl {
		t.Fatalf("prepare: %v, via %q", err, src.Via())
	}
	v, warnings, err := src.Fetch(ctx, []string{"proxy.process.http.incoming_requests", "proxy.process.no_such_record"})
	if err != nil {
		t.Fatalf("Fetch: %v (the unknown record should be a warning)", err)
	}
	if v["proxy.process.http.incoming_requests"].Value != 7 || !strings.Contains(strings.Join(warnings, "; "), "proxy.process.no_such_record") {
		t.Errorf("values %v, warnings %v", v, warnings)
	}
}

// Real remote accounts start slowly and noisily (conda, pyenv, motd
// scripts print lines and take seconds). Discovery, the stream-local path
// and the traffic_ctl path must still read the right values, with the
// slow start paid once per connection, not once per command or tick.
func TestSSHSlowNoisyLogin(t *testing.T) {
	const login = 3 * time.Second
	for _, tc := range []struct {
		name string
		opts sshtest.Options
		via  string
	}{
		{"stream-local", sshtest.Options{SlowNoisyLogin: login}, ssh.ViaSSHJSONRPC},
		{"traffic_ctl", sshtest.Options{SlowNoisyLogin: login, NoStreamLocalForwarding: true}, ssh.ViaSSHTrafficCtl},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newRemoteEnv(t, envOptions{fakeCtl: true, knownHosts: true, sshd: tc.opts})
			c := e.connect(t, "edge1")
			src := ssh.NewSSHSource(c, "")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			if err := src.Prepare(ctx); err != nil {
				t.Fatal(err)
			}
			t.Logf("discovery took %s with a %s login", time.Since(start).Round(time.Millisecond), login)
			if src.Via() != tc.via {
				t.Fatalf("via %q, want %q", src.Via(), tc.via)
			}
			var slowest time.Duration
			for i := 0; i < 5; i++ {
				begin := time.Now()
				v := fetchOK(t, src)
				slowest = max(slowest, time.Since(begin))
				// Read directly afterwards, the counter can only be ahead.
				local := fetchOK(t, jsonrpc.NewJSONRPCSource(e.sim.Path()))
				const k = "proxy.process.http.incoming_requests"
				if v[k].Value > local[k].Value || len(v) < len(dashboardKeys)-2 {
					t.Errorf("over SSH %s = %v (%d records), read directly just after: %v", k, v[k].Value, len(v), local[k].Value)
				}
			}
			if slowest >= login {
				t.Errorf("a fetch took %s: the %s login was paid again", slowest.Round(time.Millisecond), login)
			}
			if n := e.sshd.Logins(); n != 1 {
				t.Errorf("%d slow logins for discovery and 5 fetches; want 1 per connection", n)
			}
		})
	}
}
