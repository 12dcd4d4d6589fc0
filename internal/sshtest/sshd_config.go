package sshtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
)

// noPenalties records that this sshd (older than 9.8) does not know
// PerSourcePenalties, so it is no longer tried.
var noPenalties atomic.Bool

// validate writes the configuration and, the first time, checks it with
// `sshd -t`, which reports mistakes more clearly than a failed start. An
// sshd older than 9.8 does not know PerSourcePenalties (newer ones would
// penalize tests that fail logins on purpose): it is then left out.
func (s *SSHD) validate(cfg string) error {
	for {
		if err := os.WriteFile(cfg, []byte(s.config()), 0o600); err != nil {
			return err
		}
		if s.validated {
			return nil
		}
		outb, err := exec.Command(s.sshdPath, "-t", "-f", cfg).CombinedOutput()
		out := string(outb)
		if err == nil {
			s.validated = true
			return nil
		}
		if !noPenalties.Load() && strings.Contains(out, "PerSourcePenalties") {
			noPenalties.Store(true)
			continue
		}
		checkPrivsepDir(s.t, out)
		return fmt.Errorf("sshd -t rejects the configuration: %v\n%s", err, strings.TrimSpace(out))
	}
}

// config returns sshd_config for the current port and host keys.
func (s *SSHD) config() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# Written by internal/sshtest for one test.")
	for _, l := range s.opts.ExtraConfig {
		line("%s", l)
	}
	if s.noisyLogin != "" {
		line("ForceCommand %s", configQuote(s.noisyLogin))
	}
	line("ListenAddress %s", s.Addr)
	line("AddressFamily inet")
	s.mu.Lock()
	for i := range s.hostKeys {
		line("HostKey %s", configQuote(s.hostKeyPath(i)))
	}
	s.mu.Unlock()
	line("PidFile %s", configQuote(filepath.Join(s.dir, "sshd.pid")))
	line("AuthorizedKeysFile %s", configQuote(s.authKeys))
	line("AuthorizedPrincipalsFile none")
	// The temporary directories are not laid out the way StrictModes wants.
	line("StrictModes no")
	line("UsePAM no")
	line("PubkeyAuthentication yes")
	line("PasswordAuthentication no")
	line("KbdInteractiveAuthentication no")
	line("HostbasedAuthentication no")
	// CI runs as root.
	line("PermitRootLogin prohibit-password")
	line("PermitUserEnvironment no")
	line("AllowTcpForwarding yes")
	line("AllowStreamLocalForwarding %s", yesNo(!s.opts.NoStreamLocalForwarding))
	line("AllowAgentForwarding no")
	line("X11Forwarding no")
	line("PrintMotd no")
	line("PrintLastLog no")
	line("UseDNS no")
	// Tests connect in bursts (reconnect loops, parallel tests); the
	// default 10:30:100 randomly drops connections beyond 10 unauthenticated
	// ones.
	line("MaxStartups 200")
	line("MaxSessions 64")
	line("LoginGraceTime 30")
	line("LogLevel VERBOSE")
	if !noPenalties.Load() {
		line("PerSourcePenalties no")
	}
	env := s.opts.Env
	if s.opts.PathDir != "" {
		// SetEnv is applied after sshd sets its default PATH, so it wins
		// (checked with OpenSSH 9.2 by TestPathDir).
		env = append([]string{"PATH=" + s.opts.PathDir + ":/usr/local/bin:/usr/bin:/bin"}, env...)
	}
	if len(env) > 0 {
		b.WriteString("SetEnv")
		for _, e := range env {
			b.WriteString(" " + configQuote(e))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// checkPrivsepDir skips (or under CI fails) the test if sshd's output says
// its privilege separation directory is missing. Debian makes /run/sshd at
// boot (systemd-tmpfiles), which containers skip. The tests do not create it
// themselves: the install script is the one place that changes the system.
func checkPrivsepDir(t testing.TB, sshdOutput string) {
	t.Helper()
	const msg = "Missing privilege separation directory"
	if i := strings.Index(sshdOutput, msg); i >= 0 {
		line, _, _ := strings.Cut(sshdOutput[i:], "\n")
		testproc.Missing(t, "sshd cannot start: %s; run scripts/install-test-deps (it creates the directory)", strings.TrimSpace(line))
	}
}

// configQuote double-quotes a value for sshd_config, so spaces are kept;
// StartSSHD rejects values holding quotes, backslashes or newlines.
func configQuote(v string) string { return `"` + v + `"` }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
