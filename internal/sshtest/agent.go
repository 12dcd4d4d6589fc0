package sshtest

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
	"golang.org/x/crypto/ssh/agent"
)

// StartAgent starts a real `ssh-agent -D -a SOCKET` with no keys and
// returns the socket's path (in a ShortTempDir). It returns once the agent
// accepts connections, and is stopped by PID when the test ends. It does not
// set SSH_AUTH_SOCK: do that with t.Setenv where the code under test should
// find it.
func StartAgent(t testing.TB) string {
	t.Helper()
	path := RequireProgram(t, "ssh-agent")
	sock := filepath.Join(ShortTempDir(t), "agent.sock")
	out := &testproc.LogBuffer{}
	p, err := testproc.Start(testproc.Cmd{Path: path, Args: []string{"-D", "-a", sock}, Log: out})
	if err != nil {
		t.Fatalf("starting ssh-agent: %v", err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("ssh-agent output:\n%s", out.String())
		}
	})
	// With -D the agent prints its environment lines ("SSH_AUTH_SOCK=...;
	// echo Agent pid N;") after it has bound and is listening on the
	// socket, and then serves: the last line is the readiness event.
	err = p.WaitOutput(0, time.Now().Add(readyTimeout), func(s string) (bool, error) {
		return strings.Contains(s, "echo Agent pid"), nil
	})
	if err == nil {
		var c net.Conn
		if c, err = net.DialTimeout("unix", sock, readyTimeout); err == nil {
			c.Close()
		}
	}
	if err != nil {
		t.Fatalf("ssh-agent on %s: %v\n%s", sock, err, out.String())
	}
	return sock
}

// AddKeyToAgent adds key to the agent listening on sock, over the agent
// protocol (no ssh-add needed).
func AddKeyToAgent(t testing.TB, sock string, key *Key) {
	t.Helper()
	c, err := net.DialTimeout("unix", sock, readyTimeout)
	if err != nil {
		t.Fatalf("connecting to the agent %s: %v", sock, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(readyTimeout))
	if err := agent.NewClient(c).Add(agent.AddedKey{PrivateKey: key.Private, Comment: fmt.Sprintf("sshtest %s", key.Type)}); err != nil {
		t.Fatalf("adding a %s key to the agent %s: %v", key.Type, sock, err)
	}
}
