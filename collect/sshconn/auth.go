package sshconn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// authPlan is how a connection authenticates: the agent's keys first, then
// the identity files that load without a passphrase. Encrypted keys are
// never prompted for (a prompt would break the full-screen display); they
// are named in the error instead, with the fix.
type authPlan struct {
	methods   []ssh.AuthMethod
	agentConn net.Conn // closed after the handshake
	tried     []string // for the error when the server refuses them all
	encrypted []string // passphrase-protected files skipped
	agentNote string   // why the agent was not used, if it was not
}

func (p *authPlan) close() {
	if p.agentConn != nil {
		p.agentConn.Close()
	}
}

// planAuth gathers the keys for t. It fails early, before any network
// traffic, when there is nothing to offer.
func planAuth(t Target, s Settings) (*authPlan, error) {
	p := &authPlan{}
	var signers []ssh.Signer

	sock := s.AgentSocket
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	switch t.IdentityAgent {
	case "none":
		sock = "none"
	case "", "ssh_auth_sock":
	default:
		sock = t.IdentityAgent
	}
	var agentSigners []ssh.Signer
	switch sock {
	case "":
		p.agentNote = "no ssh-agent (SSH_AUTH_SOCK is not set)"
	case "none":
		p.agentNote = "ssh-agent disabled"
	default:
		c, err := net.DialTimeout("unix", sock, 2*time.Second)
		if err != nil {
			p.agentNote = fmt.Sprintf("ssh-agent at %s unreachable: %v", sock, err)
			break
		}
		p.agentConn = c
		ag := agent.NewClient(c)
		c.SetDeadline(time.Now().Add(2 * time.Second))
		ss, err := ag.Signers()
		c.SetDeadline(time.Time{})
		if err != nil {
			p.agentNote = fmt.Sprintf("ssh-agent at %s: %v", sock, err)
			break
		}
		agentSigners = ss
		if len(ss) == 0 {
			p.agentNote = "ssh-agent holds no keys"
		}
	}

	var fileSigners []ssh.Signer
	for _, f := range t.IdentityFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				p.tried = append(p.tried, fmt.Sprintf("%s (%v)", f, err))
			}
			continue
		}
		sg, err := ssh.ParsePrivateKey(b)
		var pm *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &pm):
			p.encrypted = append(p.encrypted, f)
			continue
		case err != nil:
			p.tried = append(p.tried, fmt.Sprintf("%s (unreadable key: %v)", f, err))
			continue
		}
		fileSigners = append(fileSigners, sg)
		p.tried = append(p.tried, f)
	}

	if t.IdentitiesOnly && len(agentSigners) > 0 {
		// Only agent keys matching a configured file are offered, as ssh
		// does; without the public half we cannot match encrypted files,
		// so keep the agent keys whose file we could not read.
		agentSigners = filterAgentSigners(agentSigners, fileSigners, t.IdentityFiles)
	}
	if len(agentSigners) > 0 {
		p.tried = append([]string{fmt.Sprintf("%d key(s) from ssh-agent", len(agentSigners))}, p.tried...)
	}
	signers = append(agentSigners, fileSigners...)
	if len(signers) == 0 {
		p.close()
		return nil, p.noKeysError(t)
	}
	p.methods = []ssh.AuthMethod{ssh.PublicKeys(signers...)}
	return p, nil
}

// filterAgentSigners keeps agent keys whose public key matches a loaded file
// key or a <file>.pub next to a configured identity file.
func filterAgentSigners(agentSigners, fileSigners []ssh.Signer, files []string) []ssh.Signer {
	want := map[string]bool{}
	for _, s := range fileSigners {
		want[string(s.PublicKey().Marshal())] = true
	}
	for _, f := range files {
		if b, err := os.ReadFile(f + ".pub"); err == nil {
			if k, _, _, _, err := ssh.ParseAuthorizedKey(b); err == nil {
				want[string(k.Marshal())] = true
			}
		}
	}
	var out []ssh.Signer
	for _, s := range agentSigners {
		if want[string(s.PublicKey().Marshal())] {
			out = append(out, s)
		}
	}
	return out
}

// AuthError is a failure to find or use credentials; retrying cannot fix it.
type AuthError struct{ msg string }

func (e *AuthError) Error() string { return e.msg }

func (p *authPlan) noKeysError(t Target) error {
	var b strings.Builder
	fmt.Fprintf(&b, "no usable SSH key for %s: %s", t.String(), p.agentNote)
	if len(p.encrypted) > 0 {
		fmt.Fprintf(&b, "; %s is passphrase-protected and traffic_grapher never prompts (it would break the screen): start ssh-agent and run `ssh-add %s`",
			strings.Join(p.encrypted, ", "), p.encrypted[0])
	} else {
		fmt.Fprintf(&b, "; no identity file found (looked for %s)", strings.Join(t.IdentityFiles, ", "))
	}
	return &AuthError{b.String()}
}

// refusedError explains a server that turned every key down.
func (p *authPlan) refusedError(t Target, err error) error {
	msg := fmt.Sprintf("%s refused our keys (offered: %s)", t.String(), strings.Join(p.tried, ", "))
	if p.agentNote != "" {
		msg += "; " + p.agentNote
	}
	if len(p.encrypted) > 0 {
		msg += fmt.Sprintf("; skipped passphrase-protected %s (add it to ssh-agent with `ssh-add %s`)",
			strings.Join(p.encrypted, ", "), p.encrypted[0])
	}
	return &AuthError{msg + ": " + err.Error()}
}

// IsPermanent says whether err is one that retrying will not fix: a refused
// host key, or no usable credentials.
func IsPermanent(err error) bool {
	var ae *AuthError
	return IsHostKeyError(err) || errors.As(err, &ae)
}
