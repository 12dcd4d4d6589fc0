package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// endpoints are the hosts to collect from: the command line's, else the
// config file's hosts: list, else localhost.
func endpoints(opts *options, cfg *config.Dashboard) ([]collect.Endpoint, error) {
	args := opts.hosts
	if opts.demo {
		if len(args) == 0 {
			args = []string{"localhost"}
		}
		eps := make([]collect.Endpoint, len(args))
		for i, arg := range args {
			eps[i] = collect.Endpoint{Name: arg, Arg: arg, Kind: "demo"}
		}
		if len(args) == 1 && args[0] == "localhost" {
			eps[0].Name = "demo"
		}
		return eps, collect.UniqueNames(eps)
	}
	if len(args) == 0 && cfg != nil && len(cfg.Hosts) > 0 {
		return configEndpoints(opts.config, cfg.Hosts)
	}
	if len(args) == 0 {
		args = []string{"localhost"}
	}
	eps := make([]collect.Endpoint, len(args))
	for i, arg := range args {
		ep, err := collect.ParseEndpoint(arg)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		eps[i] = ep
	}
	if err := collect.UniqueNames(eps); err != nil {
		return nil, usageError{err.Error()}
	}
	return eps, nil
}

// configEndpoints turns a config's hosts: entries into endpoints, checking
// what the config package cannot (sources, against the source registry,
// and addresses), with the entry's file and line.
func configEndpoints(file string, hosts []config.HostEntry) ([]collect.Endpoint, error) {
	eps := make([]collect.Endpoint, len(hosts))
	var errs config.ErrorList
	for i, h := range hosts {
		field := fmt.Sprintf("hosts[%d]", i)
		bad := func(f, format string, args ...any) {
			errs = append(errs, &config.Error{File: file, Line: h.Line, Field: field + f, Msg: fmt.Sprintf(format, args...)})
		}
		kind, known := collect.LookupKind(h.Kind())
		switch {
		case !known:
			bad(".source", "unknown source %q (known: %s)", h.Source, strings.Join(collect.KindNames(), ", "))
		case kind.ByURL() && h.URL == "":
			bad(".url", "a %s source needs url: (e.g. http://edge1:8080/_stats)", h.Source)
		case kind.ByURL() && (h.Socket != "" || h.SSH != "" || h.TrafficCtl != ""):
			bad("", "socket:, ssh: and traffic_ctl: are for sources reached on this machine or over SSH, not %s", h.Source)
		case !kind.ByURL() && h.URL != "":
			bad(".url", "url: is for sources reached over HTTP; %s uses socket: or ssh:", h.Kind())
		}
		if known && h.Host != "" && !kind.HostPlaceholder {
			bad(".host", "host: ($host in queries) is for query sources (promql) only")
		}
		ep := collect.Endpoint{Name: h.Name, Named: true, Group: h.Group, Kind: h.Kind(), Arg: h.Name, Socket: h.Socket, Host: h.Host, TrafficCtl: h.TrafficCtl}
		if h.SSH != "" {
			a, err := sshconn.ParseAddr(h.SSH)
			if err != nil {
				bad(".ssh", "%v", err)
			}
			ep.SSH = a
		}
		if h.URL != "" && known && kind.ByURL() {
			// The command line's parser, so url: means what it means there
			// (an http(s) URL; for promql a #host part is $host).
			u, err := collect.ParseEndpoint(ep.Kind + "+" + h.URL)
			if err != nil {
				bad(".url", "%v", err)
			}
			ep.URL = u.URL
			if ep.Host == "" {
				ep.Host = u.Host
			}
		}
		eps[i] = ep
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if err := collect.UniqueNames(eps); err != nil {
		return nil, &config.Error{File: file, Line: hosts[0].Line, Field: "hosts", Msg: err.Error()}
	}
	return eps, nil
}

// choosePages picks the dashboard: --pages NAME, else the config's pages:,
// else its builtin_pages:, else the built-in pages for the first host's
// source kind (ATS pages for ATS sources, node_exporter pages for prom).
func choosePages(flag, file string, cfg *config.Dashboard, eps []collect.Endpoint) (*config.Dashboard, error) {
	name := flag
	switch {
	case flag != "" && cfg != nil && len(cfg.Pages) > 0:
		return nil, usageError{fmt.Sprintf("--pages %s and pages: in the config file: choose one", flag)}
	case flag == "" && cfg != nil && len(cfg.Pages) > 0:
		return cfg, nil
	case flag == "" && cfg != nil && cfg.BuiltinPages != "":
		name = cfg.BuiltinPages
	case flag == "":
		name = pages.DefaultName
		if k, ok := collect.LookupKind(eps[0].Kind); ok && k.PagesOf(eps[0]) != "" {
			name = k.PagesOf(eps[0])
		}
	}
	d, ok := pages.Lookup(name)
	if !ok {
		msg := fmt.Sprintf("no built-in pages called %q (there are: %s)", name, strings.Join(pages.Names(), ", "))
		if flag == "" && cfg != nil && cfg.BuiltinPages == name {
			return nil, &config.Error{File: file, Line: cfg.BuiltinPagesLine, Field: "builtin_pages", Msg: msg}
		}
		return nil, usageError{"--pages: " + msg}
	}
	if cfg != nil {
		d.HistorySeconds, d.Timezone = cfg.HistorySeconds, cfg.Timezone
	}
	return d, nil
}

// openHosts opens every endpoint concurrently, so four remote hosts take
// one SSH handshake's time, not four.
func (a *app) openHosts(ctx context.Context, eps []collect.Endpoint, cfg *config.Dashboard) error {
	env := openEnv(a.opts.acceptNew, a.opts.socket, a.opts.trafficCtl)
	if env.TrafficCtl == "" && cfg != nil {
		env.TrafficCtl = cfg.TrafficCtl
	}
	opened, err := collect.OpenAll(ctx, eps, env)
	a.hosts = make([]collect.Host, len(eps))
	for i, ep := range eps {
		a.hosts[i] = collect.Host{Name: ep.Name, Source: opened[i].Source}
		if opened[i].Close != nil {
			a.closers = append(a.closers, opened[i].Close)
		}
	}
	return err
}

// discoverHosts puts the hosts a server lists (a Prometheus server's
// targets) in place of the endpoint that asks for them, and names them.
func discoverHosts(ctx context.Context, opts *options, eps []collect.Endpoint) ([]collect.Endpoint, error) {
	found, err := collect.DiscoverAll(ctx, eps, openEnv(opts.acceptNew, opts.socket, opts.trafficCtl), config.MaxFleet)
	if err != nil {
		return nil, err
	}
	if err := collect.UniqueNames(found); err != nil {
		return nil, usageError{err.Error()}
	}
	return found, nil
}

// exporterCheckBound is the one deadline for every exporter's start-up
// check: all run at once, so a hung exporter costs this once, not once per
// host.
const exporterCheckBound = 5 * time.Second

// checkExporterPages keeps a Prometheus exporter that is not node_exporter
// from opening on the node pages with every panel empty. Only the built-in
// node pages are checked, and only exporters that answer: one that is down
// is shown as down. When every answering exporter is something else, the
// program stops with a message saying what to do instead; when only some
// are, those hosts are shown failing with that message and the others run.
func checkExporterPages(ctx context.Context, d *config.Dashboard, eps []collect.Endpoint, hosts []collect.Host) error {
	if d.Builtin != "node" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, exporterCheckBound)
	defer cancel()
	notNode := make([]error, len(eps))
	answered := make([]bool, len(eps))
	var wg sync.WaitGroup
	for i, ep := range eps {
		l, ok := hosts[i].Source.(collect.Lister)
		if ep.Kind != "prom" || !ok {
			continue
		}
		wg.Go(func() {
			found, err := l.List(ctx, `^node_cpu_seconds_total\b`)
			answered[i] = err == nil
			if err == nil && len(found) == 0 {
				notNode[i] = fmt.Errorf("%s is not a node_exporter (it has no node_cpu_seconds_total), and the built-in prom pages are node_exporter's; "+
					"write pages for it and pass them with -c (`traffic_grapher metrics %s` lists what it offers)", ep.Arg, ep.Arg)
			}
		})
	}
	wg.Wait()
	var bad []error
	nodes := 0
	for i := range eps {
		switch {
		case notNode[i] != nil:
			bad = append(bad, notNode[i])
			hosts[i].Source = refusedSource{Source: hosts[i].Source, err: notNode[i]}
		case answered[i]:
			nodes++
		}
	}
	if len(bad) > 0 && nodes == 0 {
		return usageError{errors.Join(bad...).Error()}
	}
	return nil
}

// refusedSource is a host found unfit at start-up: every fetch fails with
// the reason, so the footer says it while the other hosts run.
type refusedSource struct {
	collect.Source
	err error
}

func (r refusedSource) Fetch(context.Context, []string) (map[string]metrics.Sample, []string, error) {
	return nil, nil, r.err
}

// dashboardTitle starts the header: "ATS" or "Node" for the built-in
// pages, the program's name for a file's own.
func dashboardTitle(d *config.Dashboard) string {
	if d.Builtin == "" {
		return "traffic_grapher"
	}
	return pages.Title(d.Builtin)
}

// openEnv is what opening a host needs from the command line, the same for
// the dashboard and for `traffic_grapher metrics`.
func openEnv(acceptNewHostKeys bool, socket, trafficCtl string) collect.Env {
	return collect.Env{SSH: sshconn.Settings{AcceptNewHostKeys: acceptNewHostKeys}, Socket: socket, TrafficCtl: trafficCtl, Getenv: os.Getenv}
}
