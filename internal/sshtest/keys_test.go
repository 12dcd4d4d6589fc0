package sshtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestKeyFilesReadByOpenSSH checks the generated files with ssh-keygen:
// OpenSSH itself must accept them (mode 0600, OpenSSH format, passphrase).
func TestKeyFilesReadByOpenSSH(t *testing.T) {
	t.Parallel()
	keygen := RequireProgram(t, "ssh-keygen")
	// Encrypting is slow (bcrypt, more so under -race): one encrypted key.
	enc := NewEncryptedKey(t, "pass word")
	for _, k := range []*Key{NewKey(t), NewKeyOf(t, ECDSA, ""), enc} {
		fi, err := os.Stat(k.Path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", k.Path, fi.Mode().Perm())
		}
		// -P "" for an unencrypted key; a wrong passphrase fails.
		out, err := exec.Command(keygen, "-y", "-P", k.Passphrase, "-f", k.Path).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen -y %s (%s): %v\n%s", k.Path, k.Type, err, out)
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey(out)
		if err != nil || string(pub.Marshal()) != string(k.Public.Marshal()) {
			t.Errorf("%s: ssh-keygen derived %q (%v)", k.Type, out, err)
		}
		pubFile, err := os.ReadFile(k.PublicPath)
		if err != nil || !strings.HasPrefix(string(pubFile), k.Public.Type()+" ") {
			t.Errorf("%s: %q, %v", k.PublicPath, pubFile, err)
		}
	}
	if err := exec.Command(keygen, "-y", "-P", "wrong", "-f", enc.Path).Run(); err == nil {
		t.Error("ssh-keygen accepted a wrong passphrase")
	}
}

func TestSSHDWithECDSAHostKey(t *testing.T) {
	t.Parallel()
	hk := NewKeyOf(t, ECDSA, "")
	s := StartSSHD(t, Options{HostKeys: []*Key{hk}})
	if s.HostKey.Type() != ssh.KeyAlgoECDSA256 {
		t.Errorf("HostKey type %s", s.HostKey.Type())
	}
	user := NewKey(t)
	s.AuthorizeKey(user.Public, "")
	cfg := s.ClientConfig(ssh.PublicKeys(user.Signer))
	cfg.HostKeyCallback = ssh.FixedHostKey(hk.Public)
	c, err := ssh.Dial("tcp", s.Addr, cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.Close()
}
