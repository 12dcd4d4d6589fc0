package sshtest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// readyTimeout bounds the wait for a started sshd (or ssh-agent) to serve.
const readyTimeout = 10 * time.Second

// Options configures StartSSHD. The zero value is a server with one new
// ed25519 host key that allows TCP and Unix socket forwarding.
type Options struct {
	// HostKeys are the server's host keys; none means one new ed25519 key.
	// With several, HostKey is the first; a client negotiates which one the
	// server proves (set ssh.ClientConfig.HostKeyAlgorithms to choose).
	HostKeys []*Key
	// NoStreamLocalForwarding sets AllowStreamLocalForwarding no, so opening
	// a direct-streamlocal channel (ssh.Client.Dial("unix", path)) is
	// refused. sshd's default, and ours, allows it.
	NoStreamLocalForwarding bool
	// PathDir, if set, is put first in the PATH of commands run over SSH
	// (SetEnv PATH=PathDir:/usr/local/bin:/usr/bin:/bin), e.g. a directory
	// from FakeTrafficCtl. The login shell's own startup files can still
	// prepend to it: Debian's bash reads ~/.bashrc for commands run by sshd.
	PathDir string
	// Env holds more NAME=VALUE variables for commands run over SSH (sshd
	// takes only its first SetEnv line, so they share the one for PATH).
	Env []string
	// SlowNoisyLogin, if positive, makes every session start the way a
	// real account's heavy login does (conda, pyenv, motd scripts): a line
	// on stdout, one on stderr, then this long a pause, before the
	// command runs. SSHD.Logins counts such starts.
	SlowNoisyLogin time.Duration
	// ExtraConfig lines are put first in sshd_config, so they override
	// the settings here (sshd keeps the first value of a keyword). No
	// SetEnv (use Env) and no Match blocks.
	ExtraConfig []string
}

// SSHD is a running OpenSSH server (see StartSSHD).
type SSHD struct {
	// Addr is "127.0.0.1:Port".
	Addr string
	Port int
	// User is the account to log in as: TestAccount when the tests run
	// as root, so that no real account's shell start-up files run in the
	// sessions; else the current user, since sshd then runs as that user
	// and can only start sessions as it.
	User string

	// HostKey is the server's (first) host key, and HostKeyFingerprint its
	// "SHA256:..." fingerprint as ssh prints it. ReplaceHostKeys changes
	// them: read them from the test's goroutine.
	HostKey            ssh.PublicKey
	HostKeyFingerprint string

	mu       sync.Mutex
	hostKeys []*Key // guarded by mu: checkHostKey runs on clients' goroutines

	t         testing.TB
	opts      Options
	sshdPath  string
	dir       string
	authKeys  string
	log       *testproc.LogBuffer
	proc      *testproc.Proc
	validated bool

	noisyLogin, loginsFile string // Options.SlowNoisyLogin
}

// StartSSHD starts `sshd -D -e -f CONFIG` on 127.0.0.1 and a free port, and
// returns once it answers with an SSH banner. It is stopped (with every
// connection it serves) when the test ends; if the test failed, its log
// (LogLevel VERBOSE) is printed then.
//
// Authentication is by public key only, from an authorized_keys file of its
// own that starts empty (see AuthorizeKey); root may log in that way, since
// CI runs as root. TCP forwarding is allowed, Unix socket forwarding as
// Options say; StrictModes is off so keys in temporary directories are
// accepted.
func StartSSHD(t testing.TB, opts Options) *SSHD {
	t.Helper()
	s := &SSHD{t: t, opts: opts, sshdPath: RequireProgram(t, "sshd")}
	for _, v := range append([]string{opts.PathDir}, opts.Env...) {
		if strings.ContainsAny(v, "\"\\\n") {
			t.Fatalf("sshtest: %q cannot be written to sshd_config", v)
		}
	}
	s.User = loginUser(t)
	if opts.PathDir != "" {
		Reachable(t, opts.PathDir)
	}

	// A short directory of its own: sshd_config is written with these
	// paths, and t.TempDir() names may contain spaces or '%', which
	// AuthorizedKeysFile would expand.
	s.dir = ShortTempDir(t)
	s.authKeys = filepath.Join(s.dir, "authorized_keys")
	writeFile(t, s.authKeys, nil)
	// sshd reads it as the account logging in.
	Reachable(t, s.authKeys)
	if opts.SlowNoisyLogin > 0 {
		s.writeNoisyLogin(t)
	}
	s.log = &testproc.LogBuffer{}
	keys := opts.HostKeys
	if len(keys) == 0 {
		keys = []*Key{NewKey(t)}
	}
	s.setHostKeys(keys)

	// Cleanups run last-registered first: stop, then show the final log.
	t.Cleanup(func() {
		if log := s.log.String(); t.Failed() && log != "" {
			t.Logf("sshd %s log:\n%s", s.Addr, log)
		}
	})
	t.Cleanup(s.Stop)

	testproc.OnFreePort(t, "sshd", s.start)
	return s
}

// TestAccount is the account the test sshd logs sessions in as when the
// tests run as root (scripts/install-test-deps creates it): its shell is
// /bin/sh and its home empty, so sessions run no shell start-up file of
// root's or anyone's (a .bashrc that runs pyenv once made eight tests
// time out).
const TestAccount = "tg-ssh-test"

// loginUser is the account sessions log in as (see SSHD.User).
func loginUser(t testing.TB) string {
	t.Helper()
	if os.Geteuid() == 0 {
		if _, err := user.Lookup(TestAccount); err != nil {
			testproc.Missing(t, "no %s account for the SSH tests' sessions (%v); run scripts/install-test-deps as root (it creates it)", TestAccount, err)
		}
		return TestAccount
	}
	u, err := user.Current()
	if err != nil {
		testproc.Missing(t, "the current user has no account (%v): sshd cannot log it in", err)
	}
	return u.Username
}

// Reachable lets the account sessions run as use paths the test made: a
// socket it connects to through a stream-local channel, a directory of
// programs for PathDir, a program. Each path is made readable (and
// writable, for a socket) by everyone, a directory's entries too, and
// every directory above it in the temporary directory searchable. Test
// files live in private temporary directories, which the test account
// could otherwise not enter.
func Reachable(t testing.TB, paths ...string) {
	t.Helper()
	tmp := filepath.Clean(os.TempDir())
	for _, p := range paths {
		p = filepath.Clean(p)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("sshtest.Reachable: %v", err)
		}
		open := func(p string, fi os.FileInfo) {
			mode := fi.Mode().Perm() | 0o044
			if fi.IsDir() || fi.Mode()&0o100 != 0 {
				mode |= 0o011
			}
			if fi.Mode()&os.ModeSocket != 0 {
				mode |= 0o066
			}
			if err := os.Chmod(p, mode); err != nil {
				t.Fatalf("sshtest.Reachable: %v", err)
			}
		}
		open(p, fi)
		if fi.IsDir() {
			entries, _ := os.ReadDir(p)
			for _, e := range entries {
				if efi, err := os.Stat(filepath.Join(p, e.Name())); err == nil {
					open(filepath.Join(p, e.Name()), efi)
				}
			}
		}
		for d := filepath.Dir(p); underTemp(d, tmp); d = filepath.Dir(d) {
			if dfi, err := os.Stat(d); err == nil {
				os.Chmod(d, dfi.Mode().Perm()|0o011)
			}
		}
	}
}

// underTemp says whether d is strictly inside tmp or /tmp (ShortTempDir's
// base): only directories the tests made are opened up.
func underTemp(d, tmp string) bool {
	for _, root := range []string{tmp, "/tmp"} {
		if strings.HasPrefix(d, root+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// writeNoisyLogin writes the ForceCommand that Options.SlowNoisyLogin
// runs for every session, and the file it counts starts in.
func (s *SSHD) writeNoisyLogin(t testing.TB) {
	t.Helper()
	s.loginsFile = filepath.Join(s.dir, "logins")
	writeFile(t, s.loginsFile, nil)
	if err := os.Chmod(s.loginsFile, 0o666); err != nil { // the login account appends to it
		t.Fatal(err)
	}
	secs := strconv.FormatFloat(s.opts.SlowNoisyLogin.Seconds(), 'f', 3, 64)
	script := "#!/bin/sh\n" +
		"echo start >>" + shellQuote(s.loginsFile) + "\n" +
		"echo 'Welcome to edge1. Last login: yesterday (a motd line on stdout)'\n" +
		"echo '(base) conda: environment activated (a start-up line on stderr)' >&2\n" +
		"sleep " + secs + "\n" +
		"if [ -n \"$SSH_ORIGINAL_COMMAND\" ]; then exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"; fi\n" +
		"exec /bin/sh\n"
	s.noisyLogin = filepath.Join(s.dir, "noisy-login")
	writeFile(t, s.noisyLogin, []byte(script))
	if err := os.Chmod(s.noisyLogin, 0o755); err != nil {
		t.Fatal(err)
	}
	Reachable(t, s.noisyLogin)
}

// Logins counts the sessions started through Options.SlowNoisyLogin.
func (s *SSHD) Logins() int {
	b, err := os.ReadFile(s.loginsFile)
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "start\n")
}

// Log returns what sshd has logged so far.
func (s *SSHD) Log() string { return s.log.String() }

// WaitLog waits until sshd has logged every one of want, at most timeout,
// and says whether it did. sshd may log a login after the client has seen
// it succeed: a test awaits the line rather than reading the log at once.
func (s *SSHD) WaitLog(timeout time.Duration, want ...string) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		log, changed := s.log.Since(0)
		missing := false
		for _, w := range want {
			missing = missing || !strings.Contains(log, w)
		}
		if !missing {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

// AuthorizeKey appends pub to the server's authorized_keys, with the given
// options (e.g. "restrict" or "no-port-forwarding,command=\"...\""; "" for
// none). sshd reads the file at each login: no restart needed.
func (s *SSHD) AuthorizeKey(pub ssh.PublicKey, options string) {
	s.t.Helper()
	line := string(ssh.MarshalAuthorizedKey(pub))
	if options != "" {
		line = options + " " + line
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.authKeys, os.O_APPEND|os.O_WRONLY, 0o600)
	if err == nil {
		_, err = f.WriteString(line)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		s.t.Fatalf("writing %s: %v", s.authKeys, err)
	}
}

// KnownHostsLine returns the known_hosts line for the server's host key
// under hostname, normalized as OpenSSH writes it ("[127.0.0.1]:2222" for a
// port other than 22); hostname "" means Addr. It has no trailing newline.
func (s *SSHD) KnownHostsLine(hostname string) string {
	if hostname == "" {
		hostname = s.Addr
	}
	return knownhosts.Line([]string{knownhosts.Normalize(hostname)}, s.HostKey)
}

// ClientConfig returns a client configuration for this server: its User,
// the given authentication methods, a host key check accepting only the
// server's current host keys, and a 10 s connection timeout.
func (s *SSHD) ClientConfig(auth ...ssh.AuthMethod) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            s.User,
		Auth:            auth,
		HostKeyCallback: s.checkHostKey,
		Timeout:         readyTimeout,
	}
}

// Dial connects to the server with ClientConfig(auth...).
func (s *SSHD) Dial(auth ...ssh.AuthMethod) (*ssh.Client, error) {
	return ssh.Dial("tcp", s.Addr, s.ClientConfig(auth...))
}

func (s *SSHD) checkHostKey(_ string, _ net.Addr, key ssh.PublicKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.hostKeys {
		if bytes.Equal(k.Public.Marshal(), key.Marshal()) {
			return nil
		}
	}
	return fmt.Errorf("sshtest: unexpected host key %s", ssh.FingerprintSHA256(key))
}

// Stop stops sshd and kills every process serving a connection, so
// established connections drop as if the machine had gone away: they
// setsid() out of sshd's process group, and testproc.Proc.Stop finds them
// through /proc. It waits for sshd to exit (SIGTERM, then SIGKILL after
// 5 s). Stopping a stopped server does nothing.
func (s *SSHD) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.Stop()
	}
}

// Restart stops sshd (dropping its connections, as Stop) and starts it
// again on the same port with the same host keys and authorized_keys: a
// reboot, or an sshd restart, as a client sees it. It must be called from
// the test's goroutine (it fails the test if sshd does not come back).
func (s *SSHD) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(s.Port); err != nil {
		s.t.Fatalf("restarting sshd on port %d: %v", s.Port, err)
	}
}

// ReplaceHostKeys restarts sshd (as Restart) with other host keys, so a
// client that knew the old key sees a changed host key.
func (s *SSHD) ReplaceHostKeys(keys ...*Key) {
	s.t.Helper()
	if len(keys) == 0 {
		s.t.Fatal("sshtest: ReplaceHostKeys needs a key")
	}
	s.Stop()
	s.setHostKeys(keys)
	s.validated = false
	if err := s.start(s.Port); err != nil {
		s.t.Fatalf("restarting sshd on port %d with new host keys: %v", s.Port, err)
	}
}

// setHostKeys copies the keys into sshd's directory (their own may have a
// path sshd_config cannot hold) and makes the first one HostKey.
func (s *SSHD) setHostKeys(keys []*Key) {
	for i, k := range keys {
		writeFile(s.t, s.hostKeyPath(i), k.PEM)
	}
	s.mu.Lock()
	s.hostKeys = keys
	s.mu.Unlock()
	s.HostKey = keys[0].Public
	s.HostKeyFingerprint = ssh.FingerprintSHA256(keys[0].Public)
}

func (s *SSHD) hostKeyPath(i int) string {
	return filepath.Join(s.dir, fmt.Sprintf("ssh_host_key_%d", i))
}

// start writes the configuration for port, starts sshd and waits until it
// serves: its "Server listening" line, then an SSH banner read from the port.
// A taken port is reported as testproc.ErrBind, for OnFreePort to retry.
func (s *SSHD) start(port int) error {
	s.Port = port
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cfg := filepath.Join(s.dir, "sshd_config")
	if err := s.validate(cfg); err != nil {
		return err
	}
	from := s.log.Len()
	p, err := testproc.Start(testproc.Cmd{Path: s.sshdPath, Args: []string{"-D", "-e", "-f", cfg}, Log: s.log})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()

	deadline := time.Now().Add(readyTimeout)
	listening := fmt.Sprintf("Server listening on 127.0.0.1 port %d.", port)
	err = p.WaitOutput(from, deadline, func(out string) (bool, error) {
		switch {
		case strings.Contains(out, listening):
			return true, nil
		case strings.Contains(out, "Address already in use"):
			return false, testproc.ErrBind
		}
		return false, nil
	})
	if err == nil {
		err = readBanner(s.Addr, deadline)
	}
	if err != nil {
		s.Stop()
		out, _ := s.log.Since(from)
		checkPrivsepDir(s.t, out)
		return fmt.Errorf("sshd on port %d: %w", port, err)
	}
	return nil
}

// readBanner connects to addr and reads the server's identification line,
// which sshd sends only from a fully started per-connection process.
func readBanner(addr string, deadline time.Time) error {
	c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading the SSH banner: %w", err)
	}
	if !strings.HasPrefix(line, "SSH-2.0-") {
		return fmt.Errorf("unexpected banner %q", line)
	}
	return nil
}
