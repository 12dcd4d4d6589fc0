package sshtest

import (
	"os"
	"path/filepath"
	"testing"
)

// RequireProgram, ShortTempDir and the process handling are tested in
// internal/testproc, which they come from.

func TestTempHome(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "/somewhere/agent.sock")
	home := TempHome(t)
	if os.Getenv("HOME") != home {
		t.Errorf("HOME = %q, want %q", os.Getenv("HOME"), home)
	}
	if _, ok := os.LookupEnv("SSH_AUTH_SOCK"); ok {
		t.Error("SSH_AUTH_SOCK still set")
	}
	fi, err := os.Stat(filepath.Join(home, ".ssh"))
	if err != nil || fi.Mode().Perm() != 0o700 || !fi.IsDir() {
		t.Errorf(".ssh: %v, %v", fi, err)
	}
	if d, err := os.UserHomeDir(); err != nil || d != home {
		t.Errorf("os.UserHomeDir() = %q, %v", d, err)
	}
}
