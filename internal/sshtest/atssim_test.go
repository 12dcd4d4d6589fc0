package sshtest

import (
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"

	"golang.org/x/crypto/ssh"
)

func startSim(t *testing.T) *simulator.Server {
	t.Helper()
	sim, err := simulator.Start(simulator.Options{Dir: ShortTempDir(t), Seed: 2, ResetEvery: simulator.NoReset})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

// TestFakeTrafficCtl runs the script directly: output format and exit
// status as a process.
func TestFakeTrafficCtl(t *testing.T) {
	t.Parallel()
	atssim := BuildAtssim(t)
	sim := startSim(t)
	ctl := filepath.Join(FakeTrafficCtl(t, atssim, sim.Path()), "traffic_ctl")

	out, err := exec.Command(ctl, "metric", "get", "proxy.process.http.incoming_requests", "proxy.process.no.such").Output()
	if err != nil {
		t.Fatalf("%v", err)
	}
	if !regexp.MustCompile(`^proxy\.process\.http\.incoming_requests \d+\n$`).Match(out) {
		t.Errorf("metric get printed %q", out)
	}
	out, err = exec.Command(ctl, "config", "get", "proxy.config.local_state_dir").Output()
	if want := "proxy.config.local_state_dir: " + filepath.Dir(sim.Path()) + "\n"; err != nil || string(out) != want {
		t.Errorf("config get: %q, %v; want %q", out, err, want)
	}

	// A directory with a quote in its name survives the script's quoting;
	// nothing listens there: exit status 2 and "Error found:" on stderr.
	gone := filepath.Join(t.TempDir(), "it's gone", simulator.SocketName)
	cmd := exec.Command(filepath.Join(FakeTrafficCtl(t, atssim, gone), "traffic_ctl"), "metric", "get", "x")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || len(out) != 0 ||
		!strings.HasPrefix(stderr.String(), "Error found:\n") || !strings.Contains(stderr.String(), gone) {
		t.Errorf("missing socket: %v, stdout %q, stderr %q", err, out, stderr.String())
	}
}

// TestPathDir runs the fake traffic_ctl over SSH by its bare name: sshd's
// SetEnv PATH must reach commands of exec sessions.
func TestPathDir(t *testing.T) {
	t.Parallel()
	atssim := BuildAtssim(t)
	sim := startSim(t)
	dir := FakeTrafficCtl(t, atssim, sim.Path())
	s := StartSSHD(t, Options{PathDir: dir, Env: []string{"TG_TEST=a b"}})
	key := NewKey(t)
	s.AuthorizeKey(key.Public, "")
	c, err := s.Dial(ssh.PublicKeys(key.Signer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if got := run(t, c, "command -v traffic_ctl"); got != filepath.Join(dir, "traffic_ctl")+"\n" {
		t.Errorf("traffic_ctl resolves to %q (PATH: %q)", got, run(t, c, "echo $PATH"))
	}
	if got := run(t, c, `echo "$TG_TEST"`); got != "a b\n" {
		t.Errorf("TG_TEST=%q", got)
	}
	out := run(t, c, "traffic_ctl metric get proxy.process.http.incoming_requests proxy.process.http.2xx_responses")
	if !regexp.MustCompile(`^proxy\.process\.http\.incoming_requests \d+\nproxy\.process\.http\.2xx_responses \d+\n$`).MatchString(out) {
		t.Errorf("traffic_ctl over SSH printed %q", out)
	}

	// The exit status travels back as *ssh.ExitError.
	sim.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	_, err = sess.Output("traffic_ctl metric get proxy.process.http.incoming_requests")
	var ee *ssh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 2 {
		t.Errorf("with the simulator gone: %v, want exit status 2", err)
	}
}
