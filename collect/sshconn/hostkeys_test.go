package sshconn

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func newKey(t *testing.T) (ssh.Signer, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

func TestHostKeyChecker(t *testing.T) {
	for _, hashed := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "hashed"}[hashed], func(t *testing.T) {
			home := t.TempDir()
			kh := filepath.Join(home, ".ssh", "known_hosts")
			target := Target{Alias: "edge1", HostName: "127.0.0.1", Port: 2222, KnownHostsFiles: []string{kh}, HashKnownHosts: hashed}
			key, _ := newKey(t)
			other, _ := newKey(t)
			remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}

			// Unknown host: refused, with the fingerprint and the fix.
			cb, _, err := hostKeyChecker(target)
			if err != nil {
				t.Fatal(err)
			}
			err = cb("127.0.0.1:2222", remote, key.PublicKey())
			if !IsHostKeyError(err) || !IsPermanent(err) {
				t.Fatalf("unknown host: err %v, want a HostKeyError", err)
			}
			for _, want := range []string{"not in known_hosts", ssh.FingerprintSHA256(key.PublicKey()), "--accept-new-host-keys", "ED25519", kh} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("unknown-host message lacks %q:\n%s", want, err)
				}
			}
			if _, statErr := os.Stat(kh); statErr == nil {
				t.Fatal("refusing must not write known_hosts")
			}

			// accept-new records the key (0600, in a 0700 ~/.ssh)...
			target.StrictHostKeyMode = "accept-new"
			cb, _, _ = hostKeyChecker(target)
			if err := cb("127.0.0.1:2222", remote, key.PublicKey()); err != nil {
				t.Fatalf("accept-new: %v", err)
			}
			fi, err := os.Stat(kh)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("known_hosts %v mode %v", err, fi)
			}
			data, _ := os.ReadFile(kh)
			if hashed != strings.HasPrefix(string(data), "|1|") || strings.Contains(string(data), "127.0.0.1") == hashed {
				t.Errorf("hashed=%v but known_hosts is %q", hashed, data)
			}

			// ...which later runs verify, even without accept-new...
			target.StrictHostKeyMode = ""
			cb, algos, _ := hostKeyChecker(target)
			if err := cb("127.0.0.1:2222", remote, key.PublicKey()); err != nil {
				t.Fatalf("recorded key refused: %v", err)
			}
			if len(algos) == 0 || !strings.Contains(strings.Join(algos, ","), "ed25519") {
				t.Errorf("host key algorithms %v: want the recorded key's type first", algos)
			}
			// ...and a different key is refused loudly, accept-new or not.
			target.StrictHostKeyMode = "accept-new"
			cb, _, _ = hostKeyChecker(target)
			err = cb("127.0.0.1:2222", remote, other.PublicKey())
			var he *HostKeyError
			if !IsHostKeyError(err) || !func() bool { he = err.(*HostKeyError); return he.Changed }() {
				t.Fatalf("changed key: err %v, want a changed HostKeyError", err)
			}
			for _, want := range []string{"HAS CHANGED", "man-in-the-middle", "ssh-keygen -R '[127.0.0.1]:2222'", ssh.FingerprintSHA256(other.PublicKey()), ssh.FingerprintSHA256(key.PublicKey())} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("changed-key message lacks %q:\n%s", want, err)
				}
			}
			after, _ := os.ReadFile(kh)
			if string(after) != string(data) {
				t.Error("a changed key must never be written")
			}
		})
	}
}

func TestPlanAuth(t *testing.T) {
	home := t.TempDir()
	signer, priv := newKey(t)
	plain := filepath.Join(home, "plain")
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, plain, string(pem.EncodeToMemory(block)))
	locked := filepath.Join(home, "locked")
	block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, locked, string(pem.EncodeToMemory(block)))
	_ = signer

	s := Settings{Home: home, AgentSocket: "none"}
	target := Target{Alias: "edge1", HostName: "edge1", Port: 22, User: "ops"}

	target.IdentityFiles = []string{locked, filepath.Join(home, "missing")}
	_, err = planAuth(target, s)
	if !IsPermanent(err) {
		t.Fatalf("only a locked key and no agent: err %v, want an AuthError", err)
	}
	for _, want := range []string{"passphrase-protected", "ssh-add " + locked, "never prompts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %s", want, err)
		}
	}

	target.IdentityFiles = []string{filepath.Join(home, "missing")}
	if _, err = planAuth(target, s); err == nil || !strings.Contains(err.Error(), "no identity file found") {
		t.Errorf("no keys at all: %v", err)
	}

	target.IdentityFiles = []string{locked, plain}
	p, err := planAuth(target, s)
	if err != nil {
		t.Fatalf("a usable key: %v", err)
	}
	defer p.close()
	if len(p.methods) != 1 || len(p.encrypted) != 1 {
		t.Errorf("methods %d encrypted %v", len(p.methods), p.encrypted)
	}
	msg := p.refusedError(target, os.ErrPermission).Error()
	if !strings.Contains(msg, plain) || !strings.Contains(msg, "ssh-add "+locked) {
		t.Errorf("refused message %q should name the key offered and the skipped one", msg)
	}

	s.AgentSocket = filepath.Join(home, "no-agent.sock")
	target.IdentityFiles = []string{locked}
	if _, err = planAuth(target, s); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("dead agent socket: %v", err)
	}
}
