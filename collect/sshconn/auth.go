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
	agentSigners := p.agentKeys(agentSocket(t, s))
	fileSigners := p.fileKeys(t.IdentityFiles)
	if t.IdentitiesOnly && len(agentSigners) > 0 {
		// Only agent keys matching a configured file are offered, as ssh
		// does; without the public half we cannot match encrypted files,
		// so keep the agent keys whose file we could not read.
		agentSigners = filterAgentSigners(agentSigners, fileSigners, t.IdentityFiles)
	}
	if len(agentSigners) > 0 {
		p.tried = append([]string{fmt.Sprintf("%d key(s) from ssh-agent", len(agentSigners))}, p.tried...)
	}
	signers := append(agentSigners, fileSigners...)
	if len(signers) == 0 {
		p.close()
		return nil, p.noKeysError(t)
	}
	p.methods = []ssh.AuthMethod{ssh.PublicKeys(signers...)}
	return p, nil
}

// agentSocket is the ssh-agent to ask: the host's IdentityAgent, else
// Settings.AgentSocket, else $SSH_AUTH_SOCK; "none" or "" for none.
func agentSocket(t Target, s Settings) string {
	switch t.IdentityAgent {
	case "none":
		return "none"
	case "", "ssh_auth_sock":
	default:
		return t.IdentityAgent
	}
	if s.AgentSocket != "" {
		return s.AgentSocket
	}
	return os.Getenv("SSH_AUTH_SOCK")
}

// agentKeys asks the agent at sock for its keys, noting in p why there
// are none; the connection stays open for signing, until p.close.
func (p *authPlan) agentKeys(sock string) []ssh.Signer {
	switch sock {
	case "":
		p.agentNote = "no ssh-agent (SSH_AUTH_SOCK is not set)"
		return nil
	case "none":
		p.agentNote = "ssh-agent disabled"
		return nil
	}
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		p.agentNote = fmt.Sprintf("ssh-agent at %s unreachable: %v", sock, err)
		return nil
	}
	p.agentConn = c
	c.SetDeadline(time.Now().Add(2 * time.Second))
	ss, err := agent.NewClient(c).Signers()
	c.SetDeadline(time.Time{})
	if err != nil {
		p.agentNote = fmt.Sprintf("ssh-agent at %s: %v", sock, err)
		return nil
	}
	if len(ss) == 0 {
		p.agentNote = "ssh-agent holds no keys"
	}
	return ss
}

// fileKeys loads the unencrypted keys among files, noting in p each file
// tried, and which need a passphrase.
func (p *authPlan) fileKeys(files []string) []ssh.Signer {
	var signers []ssh.Signer
	for _, f := range files {
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
		signers = append(signers, sg)
		p.tried = append(p.tried, f)
	}
	return signers
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
