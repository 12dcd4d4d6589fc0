package sshconn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError explains a refused host key: unknown (never seen) or changed
// (a different key is on record: possibly a man-in-the-middle).
type HostKeyError struct {
	Target      Target
	Changed     bool
	Offered     ssh.PublicKey
	Known       []xknownhosts.KnownKey // the keys on record, when Changed
	RecordIn    string                 // where --accept-new-host-keys would write
	KnownFiles  []string               // files consulted
	cannotWrite error                  // accept-new failed to record the key
}

func (e *HostKeyError) Error() string {
	name := e.Target.Alias
	addr := e.Target.KnownHostsName()
	fp := ssh.FingerprintSHA256(e.Offered)
	kind := keyTypeName(e.Offered)
	if e.Changed {
		var on []string
		for _, k := range e.Known {
			on = append(on, fmt.Sprintf("%s %s (%s:%d)", keyTypeName(k.Key), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
		}
		return fmt.Sprintf("HOST KEY FOR %s (%s) HAS CHANGED: refusing to connect.\n"+
			"  The server offered %s key %s, but known_hosts has %s.\n"+
			"  Someone may be intercepting the connection (man-in-the-middle), or the host was reinstalled.\n"+
			"  If you have verified the change with the host's administrator, remove the old entry with:\n"+
			"    ssh-keygen -R %s\n"+
			"  and connect again (with ssh, or with --accept-new-host-keys).",
			name, addr, kind, fp, strings.Join(on, ", "), ShellQuote(knownhosts.Normalize(addr)))
	}
	if e.cannotWrite != nil {
		return fmt.Sprintf("host %s (%s) is not in known_hosts and its %s key %s could not be recorded in %s: %v",
			name, addr, kind, fp, e.RecordIn, e.cannotWrite)
	}
	checked := "checked " + strings.Join(e.KnownFiles, ", ")
	if len(e.KnownFiles) == 0 {
		checked = "there is no known_hosts file yet"
	}
	return fmt.Sprintf("host %s (%s) is not in known_hosts (%s): refusing to connect.\n"+
		"  It offered %s key %s.\n"+
		"  Check that fingerprint with the host's administrator (on the host: ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub),\n"+
		"  then trust it with `ssh %s` (answer yes), or run traffic_grapher with --accept-new-host-keys to record it in %s.",
		name, addr, checked, kind, fp, strings.ToLower(kind), name, e.RecordIn)
}

func keyTypeName(k ssh.PublicKey) string {
	if k == nil {
		return "unknown"
	}
	switch t := k.Type(); {
	case strings.Contains(t, "ed25519"):
		return "ED25519"
	case strings.HasPrefix(t, "ecdsa"):
		return "ECDSA"
	case strings.Contains(t, "rsa"):
		return "RSA"
	default:
		return strings.ToUpper(t)
	}
}

// IsHostKeyError says whether err is a refused host key, which retrying
// cannot fix.
func IsHostKeyError(err error) bool {
	var e *HostKeyError
	return errors.As(err, &e)
}

// knownHostsWriteMu serialises accept-new appends from concurrent
// connections in this process.
var knownHostsWriteMu sync.Mutex

// hostKeyChecker builds the callback and the preferred host key algorithms
// for t. The algorithms matter: x/crypto would otherwise negotiate, say, an
// RSA key when known_hosts only holds the host's ED25519 key, and then
// report a perfectly good host as changed.
func hostKeyChecker(t Target) (ssh.HostKeyCallback, []string, error) {
	var files []string
	for _, f := range append(append([]string(nil), t.KnownHostsFiles...), t.GlobalKnownHosts...) {
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("known_hosts %s: %w", f, err)
		}
	}
	recordIn := ""
	if len(t.KnownHostsFiles) > 0 {
		recordIn = t.KnownHostsFiles[0]
	}
	var db *knownhosts.HostKeyDB
	if len(files) > 0 {
		var err error
		db, err = knownhosts.NewDB(files...)
		if err != nil {
			return nil, nil, fmt.Errorf("reading known_hosts: %w", err)
		}
	}
	name := t.KnownHostsName()
	var algos []string
	if db != nil {
		algos = db.HostKeyAlgorithms(name)
	}
	cb := func(_ string, remote net.Addr, key ssh.PublicKey) error {
		var err error
		if db == nil {
			err = &xknownhosts.KeyError{}
		} else {
			// Check under the configured name, not what x/crypto was
			// given, so HostKeyAlias and jump-host dialling agree.
			err = db.HostKeyCallback()(name, remote, key)
		}
		if err == nil {
			return nil
		}
		var ke *xknownhosts.KeyError
		if !errors.As(err, &ke) {
			return fmt.Errorf("checking host key of %s: %w", t.Alias, err)
		}
		he := &HostKeyError{Target: t, Offered: key, RecordIn: recordIn, KnownFiles: files}
		if len(ke.Want) > 0 {
			he.Changed, he.Known = true, ke.Want
			return he
		}
		if t.StrictHostKeyMode != "accept-new" || recordIn == "" {
			return he
		}
		if err := recordHostKey(recordIn, name, key, t.HashKnownHosts); err != nil {
			he.cannotWrite = err
			return he
		}
		return nil
	}
	return cb, algos, nil
}

// recordHostKey appends a known_hosts line, creating ~/.ssh (0700) and the
// file (0600) if needed, as OpenSSH does.
func recordHostKey(file, name string, key ssh.PublicKey, hash bool) error {
	knownHostsWriteMu.Lock()
	defer knownHostsWriteMu.Unlock()
	// Several connections to one host (aliases, or a jump host that is
	// also a target) may accept the same new key: record it once.
	if _, err := os.Stat(file); err == nil {
		if db, err := knownhosts.NewDB(file); err == nil && db.HostKeyCallback()(name, &net.TCPAddr{}, key) == nil {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	host := knownhosts.Normalize(name)
	if hash {
		host = xknownhosts.HashHostname(host)
	}
	line := knownhosts.Line([]string{host}, key) + "\n"
	if hash {
		// Line would normalise the hash as if it were a host name.
		line = host + " " + strings.SplitN(knownhosts.Line([]string{"x"}, key), " ", 2)[1] + "\n"
	}
	_, werr := f.WriteString(line)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}
