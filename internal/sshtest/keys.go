package sshtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
)

// KeyType is the algorithm of a generated key.
type KeyType string

const (
	Ed25519 KeyType = "ed25519" // the default: fast to generate, what OpenSSH prefers
	ECDSA   KeyType = "ecdsa"   // P-256, e.g. as a second host key of another type
	RSA     KeyType = "rsa"     // 2048 bits; slow to generate, use sparingly
)

// Key is a generated key pair, also written to files in OpenSSH's formats.
type Key struct {
	Type KeyType
	// Private is the raw private key: ed25519.PrivateKey, *ecdsa.PrivateKey
	// or *rsa.PrivateKey (what agent.AddedKey and ssh.NewSignerFromKey take).
	Private crypto.Signer
	Signer  ssh.Signer
	Public  ssh.PublicKey
	// Path is the private key file, OpenSSH format ("-----BEGIN OPENSSH
	// PRIVATE KEY-----"), mode 0600, encrypted with Passphrase if that is
	// not empty. PublicPath (Path + ".pub") holds the authorized_keys line.
	Path       string
	PublicPath string
	Passphrase string
	// PEM is the content of Path.
	PEM []byte
}

// NewKey generates an unencrypted ed25519 key in a new t.TempDir().
func NewKey(t testing.TB) *Key {
	t.Helper()
	return NewKeyOf(t, Ed25519, "")
}

// NewEncryptedKey generates an ed25519 key whose file is encrypted with
// passphrase (as `ssh-keygen -N passphrase` would).
func NewEncryptedKey(t testing.TB, passphrase string) *Key {
	t.Helper()
	if passphrase == "" {
		t.Fatal("sshtest.NewEncryptedKey: empty passphrase")
	}
	return NewKeyOf(t, Ed25519, passphrase)
}

// NewKeyOf generates a key of the given type in a new t.TempDir(), its file
// encrypted with passphrase unless that is empty. Host keys for StartSSHD
// are made the same way.
func NewKeyOf(t testing.TB, typ KeyType, passphrase string) *Key {
	t.Helper()
	var priv crypto.Signer
	var err error
	switch typ {
	case Ed25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case ECDSA:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		t.Fatalf("sshtest: unknown key type %q", typ)
	}
	if err != nil {
		t.Fatalf("generating %s key: %v", typ, err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatalf("ssh signer for %s key: %v", typ, err)
	}
	comment := "sshtest-" + string(typ)
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, comment)
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, comment, []byte(passphrase))
	}
	if err != nil {
		t.Fatalf("encoding %s key: %v", typ, err)
	}
	k := &Key{
		Type:       typ,
		Private:    priv,
		Signer:     signer,
		Public:     signer.PublicKey(),
		Passphrase: passphrase,
		PEM:        pem.EncodeToMemory(block),
	}
	k.Path = filepath.Join(t.TempDir(), "id_"+string(typ))
	k.PublicPath = k.Path + ".pub"
	writeFile(t, k.Path, k.PEM)
	writeFile(t, k.PublicPath, []byte(k.AuthorizedKey()))
	return k
}

// AuthorizedKey returns the key as one authorized_keys (or .pub) line,
// ending in a newline.
func (k *Key) AuthorizedKey() string {
	return string(ssh.MarshalAuthorizedKey(k.Public))
}

// writeFile writes a file readable by its owner only: OpenSSH refuses
// private keys that others can read.
func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}
