package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/internal/sshtest"
)

// TestRunRemoteHost drives the whole program (flags, SSH, discovery,
// collection, --once output) against a real sshd, as a user would: an
// alias in ~/.ssh/config, an unknown host key refused, then accepted with
// --accept-new-host-keys, then verified.
func TestRunRemoteHost(t *testing.T) {
	home := sshtest.TempHome(t)
	sim, err := simulator.Start(simulator.Options{Dir: sshtest.ShortTempDir(t), Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	sshd := sshtest.StartSSHD(t, sshtest.Options{PathDir: sshtest.FakeTrafficCtl(t, sshtest.BuildAtssim(t), sim.Path())})
	key := sshtest.NewKey(t)
	sshd.AuthorizeKey(key.Public, "")
	cfg := fmt.Sprintf("Host edge1\n    HostName 127.0.0.1\n    Port %d\n    User %s\n    IdentityFile %s\n", sshd.Port, sshd.User, key.Path)
	if err := os.WriteFile(filepath.Join(home, ".ssh", "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// At 1 s a request may take a second: at 0.3 s its 300 ms deadline was
	// missed over SSH by a loaded race run, in every round.
	args := []string{"--once", "--interval", "1", "--history", "10", "edge1"}

	var out, errb bytes.Buffer
	if status := run(args, &out, &errb); status != statusUnknown {
		t.Fatalf("unknown host key: status %d, want %d; stderr: %s", status, statusUnknown, errb.String())
	}
	for _, want := range []string{"not in known_hosts", sshd.HostKeyFingerprint, "--accept-new-host-keys"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("refusal lacks %q:\n%s", want, errb.String())
		}
	}
	if out.Len() != 0 {
		t.Errorf("refusal printed a snapshot: %q", out.String())
	}

	out.Reset()
	errb.Reset()
	if status := run(append([]string{"--accept-new-host-keys"}, args...), &out, &errb); status != 0 {
		t.Fatalf("--accept-new-host-keys: status %d; stderr: %s", status, errb.String())
	}
	if !strings.Contains(out.String(), "Requests") || !strings.Contains(out.String(), "edge1") {
		t.Errorf("snapshot lacks values for edge1:\n%s", out.String())
	}

	out.Reset()
	errb.Reset()
	if status := run(args, &out, &errb); status != 0 {
		t.Fatalf("second run, key now recorded: status %d; stderr: %s", status, errb.String())
	}
	if strings.Contains(out.String(), "—") && !strings.Contains(out.String(), "/s") {
		t.Errorf("second run has no rates:\n%s", out.String())
	}
}
