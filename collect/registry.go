package collect

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
)

// Endpoint is one host to collect from, as given on the command line or in
// a dashboard's hosts: list, before anything is opened.
type Endpoint struct {
	// Name is the short display name ("edge1"); Named says the user gave
	// it (NAME=HOST, a config's name:), so it is kept as it is.
	Name  string
	Named bool
	// Group is what the host belongs to (a config's group:, or the label
	// a promql discovery's group= names): the fleet table has a line per
	// group; "" is none.
	Group string
	// Kind names the source kind ("jsonrpc", "traffic_ctl", "stats",
	// "prom", "promql"); see Register.
	Kind string
	// Arg is the argument as given, for messages.
	Arg string
	// URL is the HTTP(S) address of stats, prom and promql sources.
	URL string
	// Socket is the JSON-RPC socket (local, or on the SSH host); empty
	// means discover it.
	Socket string
	// SSH is where the host is reached over SSH (an ssh_config alias or a
	// host, with user and port); the zero Addr means this machine.
	SSH sshconn.Addr
	// Host is what $host stands for in promql queries.
	Host string
	// Pages is the built-in dashboard that discovering the host found
	// fitting ("ats" for Traffic Servers among a Prometheus server's
	// targets); "" leaves it to the kind.
	Pages string
	// TrafficCtl is the traffic_ctl binary for this host (a config's
	// traffic_ctl:); "" means Env.TrafficCtl, else searched.
	TrafficCtl string
}

// Remote says whether the host is reached over SSH.
func (ep Endpoint) Remote() bool { return ep.SSH.Host != "" }

// TrafficCtlToRun is the traffic_ctl a host is to run, "" to search for one.
func (ep Endpoint) TrafficCtlToRun(env Env) string {
	if ep.TrafficCtl != "" {
		return ep.TrafficCtl
	}
	return env.TrafficCtl
}

// Env is what opening a source may need from the program.
type Env struct {
	// SSH settings for remote hosts (known_hosts policy, files).
	SSH sshconn.Settings
	// Socket is --socket: the default JSON-RPC socket for every host.
	Socket string
	// TrafficCtl is --traffic-ctl: the traffic_ctl to run, here and on
	// remote hosts, when a host does not name its own; "" searches PATH
	// and the usual prefixes.
	TrafficCtl string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
}

// Opened is an opened endpoint.
type Opened struct {
	Source Source
	// Close releases what Open acquired (an SSH connection); may be nil.
	Close func()
}

// Kind is a source kind: how to open an Endpoint of it.
type Kind struct {
	// Name is what Endpoint.Kind and the config's `source:` say.
	Name string
	// Schemes are the command-line URL schemes that select this kind
	// ("stats+http", "stats+https").
	Schemes []string
	// Pages is the built-in dashboard shown by default ("ats", "node");
	// PagesFor, if set, may choose another for a host (an exporter's URL
	// that is Traffic Server's own).
	Pages    string
	PagesFor func(ep Endpoint) string
	// Describe is one line for --help.
	Describe string
	// HostPlaceholder says the kind's queries take $host (a config's
	// host:); only a query engine's do.
	HostPlaceholder bool
	// Open opens ep. Errors that retrying cannot fix (bad address,
	// refused host key) are returned; a host that is merely down should
	// open and report errors from Fetch, so it can come back.
	Open func(ctx context.Context, ep Endpoint, env Env) (Opened, error)
	// OpenAll, if set, opens every endpoint of the kind at once instead,
	// so that hosts one server answers for become members of one Batch;
	// the result for eps[i] is at index i.
	OpenAll func(ctx context.Context, eps []Endpoint, env Env) ([]Opened, []error)
	// Discover, if set, asks a server which hosts an endpoint stands for
	// (a Prometheus server's targets); it returns nil for an endpoint that
	// is one host.
	Discover func(ctx context.Context, ep Endpoint, env Env) ([]Endpoint, error)
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
	schemes = map[string]string{} // scheme → kind name
)

// Register adds a source kind; each source file registers its own in an
// init function. It panics on a duplicate name or scheme (a programming
// error).
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[k.Name]; dup || k.Name == "" || k.Open == nil {
		panic("collect: bad or duplicate source kind " + k.Name)
	}
	for _, s := range k.Schemes {
		if _, dup := schemes[s]; dup {
			panic("collect: duplicate scheme " + s)
		}
		schemes[s] = k.Name
	}
	kinds[k.Name] = k
}

// ByURL says hosts of the kind are an HTTP(S) address (url: in a config,
// KIND+http://… on the command line); the others are this machine or an
// SSH host (socket:, ssh:, traffic_ctl:).
func (k Kind) ByURL() bool { return len(k.Schemes) > 0 }

// PagesOf is the built-in dashboard shown by default for ep.
func (k Kind) PagesOf(ep Endpoint) string {
	if ep.Pages != "" {
		return ep.Pages
	}
	if k.PagesFor != nil {
		if p := k.PagesFor(ep); p != "" {
			return p
		}
	}
	return k.Pages
}

// LookupKind returns the registered kind called name.
func LookupKind(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// KindNames lists the registered kinds, sorted.
func KindNames() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// kindForScheme maps a URL scheme such as "prom+http" to its kind.
func kindForScheme(scheme string) (string, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := schemes[strings.ToLower(scheme)]
	return k, ok
}

// Open opens ep with its kind's opener.
func Open(ctx context.Context, ep Endpoint, env Env) (Opened, error) {
	k, ok := LookupKind(ep.Kind)
	if !ok {
		return Opened{}, fmt.Errorf("host %s: unknown source %q (known: %s)", ep.Name, ep.Kind, strings.Join(KindNames(), ", "))
	}
	return k.Open(ctx, ep, env)
}

// OpenAll opens every endpoint, all at once (so that four remote hosts
// take one SSH handshake's time, not four); kinds with their own OpenAll
// get all their endpoints together. The result for eps[i] is at index
// i; the errors are joined.
func OpenAll(ctx context.Context, eps []Endpoint, env Env) ([]Opened, error) {
	opened := make([]Opened, len(eps))
	errs := make([]error, len(eps))
	byKind := map[string][]int{}
	var wg sync.WaitGroup
	for i, ep := range eps {
		if k, ok := LookupKind(ep.Kind); ok && k.OpenAll != nil {
			byKind[ep.Kind] = append(byKind[ep.Kind], i)
			continue
		}
		wg.Go(func() { opened[i], errs[i] = Open(ctx, ep, env) })
	}
	for name, idx := range byKind {
		k, _ := LookupKind(name)
		group := make([]Endpoint, len(idx))
		for j, i := range idx {
			group[j] = eps[i]
		}
		wg.Go(func() {
			o, e := k.OpenAll(ctx, group, env)
			for j, i := range idx {
				if j < len(o) {
					opened[i] = o[j]
				}
				if j < len(e) {
					errs[i] = e[j]
				}
			}
		})
	}
	wg.Wait()
	return opened, errors.Join(errs...)
}

// DiscoverAll replaces each endpoint that stands for several hosts (see
// Kind.Discover) by those hosts, in place; more than limit hosts in all
// is an error that says which endpoint listed them.
func DiscoverAll(ctx context.Context, eps []Endpoint, env Env, limit int) ([]Endpoint, error) {
	var out []Endpoint
	for _, ep := range eps {
		k, ok := LookupKind(ep.Kind)
		if !ok || k.Discover == nil {
			out = append(out, ep)
			continue
		}
		found, err := k.Discover(ctx, ep, env)
		if err != nil {
			return nil, err
		}
		if found == nil {
			out = append(out, ep)
		}
		out = append(out, found...)
		if len(out) > limit {
			return nil, fmt.Errorf("host %s: lists %d hosts, which makes %d or more in all; at most %d are watched at once: narrow its selector", ep.Name, len(found), len(out), limit)
		}
	}
	return out, nil
}

// MetricInfo is one metric a source offers, for `traffic_grapher metrics`.
type MetricInfo struct {
	Name  string
	Type  string // "counter", "gauge", "histogram", ... as the source says
	Value string // current value, as text
}

// Lister is a Source that can list what it offers (all metrics whose name
// matches a regular expression; "" means all).
type Lister interface {
	List(ctx context.Context, pattern string) ([]MetricInfo, error)
}
