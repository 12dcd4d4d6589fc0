package sshtest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// login starts sshd with opts and returns a client logged in with a new
// authorized key, checking the host key with ssh.FixedHostKey.
func login(t *testing.T, opts Options) (*SSHD, *ssh.Client) {
	t.Helper()
	s := StartSSHD(t, opts)
	key := NewKey(t)
	s.AuthorizeKey(key.Public, "")
	cfg := &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey),
		Timeout:         10 * time.Second,
	}
	c, err := ssh.Dial("tcp", s.Addr, cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return s, c
}

func run(t *testing.T, c *ssh.Client, cmd string) string {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(cmd)
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	return string(out)
}

func TestExec(t *testing.T) {
	t.Parallel()
	s, c := login(t, Options{})
	if got := run(t, c, "echo hi"); got != "hi\n" {
		t.Errorf("echo hi printed %q", got)
	}
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") || s.Port == 0 || !strings.HasPrefix(s.HostKeyFingerprint, "SHA256:") {
		t.Errorf("Addr %q, Port %d, HostKeyFingerprint %q", s.Addr, s.Port, s.HostKeyFingerprint)
	}
}

// unixEcho listens on a Unix socket in a short directory and echoes one
// connection.
func unixEcho(t *testing.T) string {
	t.Helper()
	path := filepath.Join(ShortTempDir(t), "echo.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	Reachable(t, path)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	return path
}

func TestStreamLocalForwarding(t *testing.T) {
	t.Parallel()
	_, c := login(t, Options{})
	conn, err := c.Dial("unix", unixEcho(t))
	if err != nil {
		t.Fatalf("direct-streamlocal: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping\n" {
		t.Errorf("read %q, %v", buf, err)
	}
}

func TestStreamLocalForwardingRefused(t *testing.T) {
	t.Parallel()
	s, c := login(t, Options{NoStreamLocalForwarding: true})
	conn, err := c.Dial("unix", unixEcho(t))
	if err == nil {
		conn.Close()
		t.Fatal("direct-streamlocal succeeded with AllowStreamLocalForwarding no")
	}
	// OpenSSH 9.2 does not say "administratively prohibited" here: the
	// refusal reads like a failed connect (see below).
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != ssh.ConnectionFailed {
		t.Errorf("error %T %v, want an *ssh.OpenChannelError with reason ConnectionFailed", err, err)
	}
	if !strings.Contains(s.Log(), "refused streamlocal port forward") {
		t.Error("sshd did not log the refusal")
	}
}

// TestStreamLocalMissingSocket records what a client sees when forwarding
// is allowed but nothing listens at the path: the same error as a refusal,
// so a client cannot tell the two apart from the error alone.
func TestStreamLocalMissingSocket(t *testing.T) {
	t.Parallel()
	_, c := login(t, Options{})
	conn, err := c.Dial("unix", filepath.Join(ShortTempDir(t), "none.sock"))
	if err == nil {
		conn.Close()
		t.Fatal("direct-streamlocal to a missing socket succeeded")
	}
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != ssh.ConnectionFailed {
		t.Errorf("error %T %v, want an *ssh.OpenChannelError with reason ConnectionFailed", err, err)
	}
	t.Logf("missing socket: %v", err)
}

func TestRestart(t *testing.T) {
	t.Parallel()
	s, c := login(t, Options{})
	port, fp := s.Port, s.HostKeyFingerprint
	// A session that would run for a minute: Stop must end it, and the
	// connection with it.
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("echo $$; exec sleep 60"); err != nil {
		t.Fatal(err)
	}
	var shellPID int
	if _, err := fmt.Fscan(stdout, &shellPID); err != nil {
		t.Fatalf("reading the session's PID: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()

	s.Stop()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection outlived sshd's Stop")
	}
	if testproc.Alive(shellPID) {
		stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", shellPID))
		t.Errorf("the session's process %d outlived sshd's Stop: %s", shellPID, stat)
	}
	if _, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		t.Error("the port still accepts connections after Stop")
	}

	s.Restart()
	if s.Port != port || s.HostKeyFingerprint != fp {
		t.Errorf("after Restart port %d key %s, before %d %s", s.Port, s.HostKeyFingerprint, port, fp)
	}
	key := NewKey(t)
	s.AuthorizeKey(key.Public, "")
	c2, err := s.Dial(ssh.PublicKeys(key.Signer))
	if err != nil {
		t.Fatalf("dial after Restart: %v", err)
	}
	defer c2.Close()
	if got := run(t, c2, "echo again"); got != "again\n" {
		t.Errorf("got %q", got)
	}
}

func TestKnownHosts(t *testing.T) {
	s := StartSSHD(t, Options{})
	key := NewKey(t)
	s.AuthorizeKey(key.Public, "")
	file := filepath.Join(TempHome(t), ".ssh", "known_hosts")
	line := s.KnownHostsLine("")
	if !strings.HasPrefix(line, "[127.0.0.1]:") {
		t.Errorf("known_hosts line %q", line)
	}
	if err := os.WriteFile(file, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	check, err := knownhosts.New(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.ClientConfig(ssh.PublicKeys(key.Signer))
	cfg.HostKeyCallback = check
	c, err := ssh.Dial("tcp", s.Addr, cfg)
	if err != nil {
		t.Fatalf("dial with known_hosts: %v", err)
	}
	c.Close()

	// A changed host key: same port, another key.
	s.ReplaceHostKeys(NewKey(t))
	_, err = ssh.Dial("tcp", s.Addr, cfg)
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) || len(ke.Want) == 0 {
		t.Errorf("dial after the host key changed: %v, want a knownhosts.KeyError with Want", err)
	}
}

func TestEncryptedKey(t *testing.T) {
	t.Parallel()
	s := StartSSHD(t, Options{})
	key := NewEncryptedKey(t, "secret phrase")
	s.AuthorizeKey(key.Public, "restrict")
	pemBytes, err := os.ReadFile(key.Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ssh.ParsePrivateKey(pemBytes); err == nil {
		t.Error("the encrypted key parses without a passphrase")
	}
	signer, err := ssh.ParsePrivateKeyWithPassphrase(pemBytes, []byte("secret phrase"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Dial(ssh.PublicKeys(signer))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if got := run(t, c, "echo ok"); got != "ok\n" {
		t.Errorf("got %q", got)
	}
	// "restrict" forbids forwarding.
	if conn, err := c.Dial("unix", unixEcho(t)); err == nil {
		conn.Close()
		t.Error("forwarding allowed despite restrict")
	}
}

func TestAgentAuth(t *testing.T) {
	t.Parallel()
	s := StartSSHD(t, Options{})
	key := NewKey(t)
	s.AuthorizeKey(key.Public, "")
	sock := StartAgent(t)
	AddKeyToAgent(t, sock, key)
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := s.Dial(ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	if err != nil {
		t.Fatalf("dial with the agent's key: %v", err)
	}
	defer c.Close()
	if got := run(t, c, "echo agent"); got != "agent\n" {
		t.Errorf("got %q", got)
	}
}

func TestUnauthorizedKeyRefused(t *testing.T) {
	t.Parallel()
	s := StartSSHD(t, Options{})
	s.AuthorizeKey(NewKey(t).Public, "")
	if c, err := s.Dial(ssh.PublicKeys(NewKey(t).Signer)); err == nil {
		c.Close()
		t.Fatal("logged in with a key that is not authorized")
	}
}

func TestBindConflict(t *testing.T) {
	t.Parallel()
	s := StartSSHD(t, Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s.Stop()
	// StartSSHD retries on another port when start reports ErrBind.
	if err := s.start(l.Addr().(*net.TCPAddr).Port); !errors.Is(err, testproc.ErrBind) {
		t.Errorf("start on a taken port: %v, want testproc.ErrBind", err)
	}
}

// As root, sessions run as TestAccount with /bin/sh and its empty home:
// no start-up file of a real account runs in them, whatever the machine's
// accounts do at login.
func TestSessionsRunAsTheTestAccount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root's sshd can log in another account; as another user the sessions are that user's")
	}
	_, c := login(t, Options{})
	got := strings.Fields(run(t, c, `id -un; echo "$HOME"; ls -A "$HOME" | wc -l`))
	if len(got) != 3 || got[0] != TestAccount || got[1] != "/var/lib/"+TestAccount || got[2] != "0" {
		t.Fatalf("session is %q; want %s with an empty home /var/lib/%s", got, TestAccount, TestAccount)
	}
}
