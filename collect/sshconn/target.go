// Package sshconn keeps one persistent, verified SSH connection per remote
// host, the way OpenSSH's client would make it: ~/.ssh/config is honoured,
// host keys are checked against known_hosts, the agent and identity files
// authenticate, and a dropped connection is re-established in the
// background. Collectors reach the remote Traffic Server through it, either
// by a stream-local channel to its JSON-RPC socket or by exec channels.
package sshconn

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
)

// Settings say where the user's SSH files are. The zero value means the
// usual places: $HOME/.ssh/config, /etc/ssh/ssh_config, $SSH_AUTH_SOCK.
// Tests point them at private directories so the user's real files are
// never read or written.
type Settings struct {
	// Home is the home directory; "" means $HOME, else the account's.
	Home string
	// ConfigFiles are read in order, first value wins (as ssh does); nil
	// means ~/.ssh/config then /etc/ssh/ssh_config. Missing files are
	// skipped.
	ConfigFiles []string
	// AgentSocket overrides $SSH_AUTH_SOCK; "none" disables the agent.
	AgentSocket string
	// LocalUser is the default remote user; "" means the current user.
	LocalUser string
	// AcceptNewHostKeys records the key of a host that has none in
	// known_hosts (OpenSSH's StrictHostKeyChecking=accept-new). A changed
	// key is refused regardless.
	AcceptNewHostKeys bool
}

func (s Settings) home() string {
	if s.Home != "" {
		return s.Home
	}
	if h := os.Getenv("HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "/"
}

func (s Settings) localUser() string {
	if s.LocalUser != "" {
		return s.LocalUser
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// Target is a host's connection parameters after ~/.ssh/config.
type Target struct {
	// Alias is the name the user gave ("edge1"); Host block patterns match
	// it and known_hosts is searched by HostName unless HostKeyAlias is set.
	Alias    string
	HostName string
	Port     int
	User     string
	// IdentityFiles are explicit (from the config) or the OpenSSH defaults.
	IdentityFiles     []string
	IdentitiesOnly    bool
	IdentityAgent     string // "" means $SSH_AUTH_SOCK
	ProxyJump         []string
	KnownHostsFiles   []string // user files, first is where new keys go
	GlobalKnownHosts  []string
	HostKeyAlias      string
	HashKnownHosts    bool
	ConnectTimeout    time.Duration
	AliveInterval     time.Duration
	AliveCountMax     int
	StrictHostKeyMode string // "yes", "accept-new" or "" (default: refuse unknown)
}

// Addr is host:port for dialling.
func (t Target) Addr() string {
	return joinHostPort(t.HostName, t.Port)
}

// KnownHostsName is the name known_hosts is searched for: HostKeyAlias, or
// host:port as dialled.
func (t Target) KnownHostsName() string {
	if t.HostKeyAlias != "" {
		return joinHostPort(t.HostKeyAlias, t.Port)
	}
	return t.Addr()
}

func joinHostPort(h string, p int) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]:" + strconv.Itoa(p)
	}
	return h + ":" + strconv.Itoa(p)
}

// String is "user@host:port" plus the jump hosts, for messages.
func (t Target) String() string {
	s := t.User + "@" + t.Addr()
	if len(t.ProxyJump) > 0 {
		s += " via " + strings.Join(t.ProxyJump, ",")
	}
	return s
}

// Defaults when the config says nothing. Keepalives are on by default
// (OpenSSH's are off): at a 1 s refresh a dead peer must show within
// seconds, not after TCP gives up minutes later.
const (
	defaultConnectTimeout = 10 * time.Second
	defaultAliveInterval  = 5 * time.Second
	defaultAliveCountMax  = 3
)

var userNameRe = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]*$`)

// validHost says whether h is a host name or IP literal (as ParseAddr
// accepts them): nothing a shell or ssh could read as anything else.
func validHost(h string) bool {
	return isIPv6(h) || (nameRe.MatchString(h) && !strings.Contains(h, ".."))
}

// Resolve applies the SSH config to a host given as [user@]alias[:port]
// (user and port 0 if not given; the command line wins over the config).
func (s Settings) Resolve(alias, user string, port int) (Target, error) {
	cfgs, err := s.loadConfigs()
	if err != nil {
		return Target{}, err
	}
	c := hostConfig{cfgs: cfgs, alias: alias}
	t := Target{Alias: alias}
	if err := s.resolveAddress(&t, c, user, port); err != nil {
		return Target{}, err
	}
	home := s.home()
	tokens := tokenSet{h: t.HostName, n: alias, r: t.User, u: s.localUser(), d: home, p: strconv.Itoa(t.Port)}
	resolveIdentities(&t, c, home, tokens)
	if pj := c.get("ProxyJump"); pj != "" && !strings.EqualFold(pj, "none") {
		for _, hop := range strings.Split(pj, ",") {
			if hop = strings.TrimSpace(hop); hop != "" {
				t.ProxyJump = append(t.ProxyJump, hop)
			}
		}
	}
	s.resolveHostKeys(&t, c, home, tokens)
	t.ConnectTimeout = c.seconds("ConnectTimeout", defaultConnectTimeout)
	t.AliveInterval = c.seconds("ServerAliveInterval", defaultAliveInterval)
	t.AliveCountMax = c.positive("ServerAliveCountMax", defaultAliveCountMax)
	return t, nil
}

// hostConfig reads one host's settings from the ssh_config files, the
// first file that sets a key winning.
type hostConfig struct {
	cfgs  []loadedConfig
	alias string
}

func (c hostConfig) get(key string) string {
	for _, f := range c.cfgs {
		if v, err := f.cfg.Get(c.alias, key); err == nil && v != "" {
			return v
		}
	}
	return ""
}

func (c hostConfig) getAll(key string) []string {
	for _, f := range c.cfgs {
		if v, err := f.cfg.GetAll(c.alias, key); err == nil && len(v) > 0 {
			return v
		}
	}
	return nil
}

// positive is key's value if it is a positive integer, else def.
func (c hostConfig) positive(key string, def int) int {
	if n, err := strconv.Atoi(c.get(key)); err == nil && n > 0 {
		return n
	}
	return def
}

// seconds is key's value as a positive number of seconds, else def.
func (c hostConfig) seconds(key string, def time.Duration) time.Duration {
	if n := c.positive(key, 0); n > 0 {
		return time.Duration(n) * time.Second
	}
	return def
}

// resolveAddress settles HostName, Port and User: the command line's
// user and port over the config's, the config's over the defaults.
func (s Settings) resolveAddress(t *Target, c hostConfig, user string, port int) error {
	t.HostName, t.Port, t.User = t.Alias, 22, s.localUser()
	if hn := c.get("HostName"); hn != "" {
		t.HostName = expandTokens(hn, tokenSet{h: t.Alias, n: t.Alias})
	}
	if !validHost(t.HostName) {
		return fmt.Errorf("ssh: host %q: HostName %q is not a valid host name", t.Alias, t.HostName)
	}
	if p := c.get("Port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("ssh: host %q: Port %q in ssh config is not a port number", t.Alias, p)
		}
		t.Port = n
	}
	if port != 0 {
		t.Port = port
	}
	if u := c.get("User"); u != "" {
		t.User = u
	}
	if user != "" {
		t.User = user
	}
	if !userNameRe.MatchString(t.User) {
		return fmt.Errorf("ssh: host %q: user name %q is not valid", t.Alias, t.User)
	}
	return nil
}

// resolveIdentities settles the keys to offer and the agent to ask.
func resolveIdentities(t *Target, c hostConfig, home string, tokens tokenSet) {
	files := c.getAll("IdentityFile")
	for _, f := range files {
		if strings.EqualFold(f, "none") {
			continue
		}
		t.IdentityFiles = append(t.IdentityFiles, expandPath(f, home, tokens))
	}
	if len(files) == 0 {
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			t.IdentityFiles = append(t.IdentityFiles, filepath.Join(home, ".ssh", n))
		}
	}
	t.IdentitiesOnly = strings.EqualFold(c.get("IdentitiesOnly"), "yes")
	if a := c.get("IdentityAgent"); a != "" {
		if strings.EqualFold(a, "none") || strings.EqualFold(a, "SSH_AUTH_SOCK") {
			t.IdentityAgent = strings.ToLower(a)
		} else {
			t.IdentityAgent = expandPath(strings.TrimPrefix(a, "$SSH_AUTH_SOCK"), home, tokens)
		}
	}
}

// resolveHostKeys settles where host keys are looked up and recorded, and
// how strictly.
func (s Settings) resolveHostKeys(t *Target, c hostConfig, home string, tokens tokenSet) {
	if v := c.get("UserKnownHostsFile"); v != "" {
		for _, f := range strings.Fields(v) {
			t.KnownHostsFiles = append(t.KnownHostsFiles, expandPath(f, home, tokens))
		}
	} else {
		t.KnownHostsFiles = []string{filepath.Join(home, ".ssh", "known_hosts"), filepath.Join(home, ".ssh", "known_hosts2")}
	}
	if v := c.get("GlobalKnownHostsFile"); v != "" {
		for _, f := range strings.Fields(v) {
			t.GlobalKnownHosts = append(t.GlobalKnownHosts, expandPath(f, home, tokens))
		}
	} else {
		t.GlobalKnownHosts = []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}
	}
	t.HostKeyAlias = c.get("HostKeyAlias")
	t.HashKnownHosts = strings.EqualFold(c.get("HashKnownHosts"), "yes")
	// "no" and "off" would accept changed keys silently; this tool never
	// does, so they are treated as accept-new at most.
	switch strings.ToLower(c.get("StrictHostKeyChecking")) {
	case "accept-new", "no", "off":
		t.StrictHostKeyMode = "accept-new"
	}
	if s.AcceptNewHostKeys {
		t.StrictHostKeyMode = "accept-new"
	}
}

// ParseJump splits a ProxyJump hop "[user@]host[:port]".
func ParseJump(hop string) (user, host string, port int, err error) {
	a, err := ParseAddr(hop)
	if err != nil {
		return "", "", 0, fmt.Errorf("ssh: ProxyJump hop %q is not [user@]host[:port]", hop)
	}
	return a.User, a.Host, a.Port, nil
}

type loadedConfig struct {
	path string
	cfg  *ssh_config.Config
}

func (s Settings) loadConfigs() ([]loadedConfig, error) {
	files := s.ConfigFiles
	if files == nil {
		files = []string{filepath.Join(s.home(), ".ssh", "config"), "/etc/ssh/ssh_config"}
	}
	var out []loadedConfig
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ssh config %s: %w", f, err)
		}
		cfg, err := decodeConfig(b)
		if err != nil {
			return nil, fmt.Errorf("ssh config %s: %v", f, err)
		}
		out = append(out, loadedConfig{f, cfg})
	}
	return out, nil
}

// decodeConfig parses an ssh_config file. The library does not know the
// Match keyword (OpenSSH does); rather than refuse a whole file for a block
// we cannot evaluate, such blocks are dropped up to the next Host line. A
// Match block only ever adds settings, so dropping it can only mean fewer
// options applied, never a weaker host-key check.
func decodeConfig(b []byte) (cfg *ssh_config.Config, err error) {
	var kept bytes.Buffer
	skipping := false
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) > 0 {
			kw := strings.ToLower(strings.SplitN(string(f[0]), "=", 2)[0])
			switch kw {
			case "match":
				skipping = true
				continue
			case "host":
				skipping = false
			}
		}
		if !skipping {
			kept.Write(line)
		}
	}
	return ssh_config.DecodeBytes(kept.Bytes())
}

// tokenSet holds the values of ssh_config's % tokens.
type tokenSet struct{ h, n, r, u, d, p string }

func expandTokens(s string, t tokenSet) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'h':
			b.WriteString(t.h)
		case 'n':
			b.WriteString(t.n)
		case 'r':
			b.WriteString(t.r)
		case 'u':
			b.WriteString(t.u)
		case 'd':
			b.WriteString(t.d)
		case 'p':
			b.WriteString(t.p)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// expandPath expands ~ and % tokens; relative paths are relative to ~/.ssh
// as OpenSSH treats them for IdentityFile and known_hosts.
func expandPath(p, home string, t tokenSet) string {
	p = strings.Trim(p, `"`)
	p = expandTokens(p, t)
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(home, ".ssh", p)
	}
	return p
}
