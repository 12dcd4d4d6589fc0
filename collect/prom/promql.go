package prom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// The promql source: a Prometheus server's HTTP API, one instant query per
// dashboard key per tick. The server has already scraped every exporter,
// so one server answers for any number of hosts; `$host` in a key stands
// for the endpoint's host (promql+http://prom:9090#edge1:9100 makes it
// "edge1:9100"), so one dashboard overlays hosts: each host argument is a
// collection host of its own, all asking the same server.
func init() {
	collect.Register(collect.Kind{
		Name:            "promql",
		Schemes:         []string{"promql+http", "promql+https"},
		Pages:           "node-promql",
		HostPlaceholder: true,
		Describe: "a Prometheus server's query API, one PromQL query per metric for all its hosts; $host in the queries is what follows #: promql+http://prom:9090#edge1:9100; " +
			"?targets=up{job=\"ats\"} lists the hosts from the server's targets, &label=host names them by another label than instance, &group=pop groups them by a label",
		Open:     openPromQL,
		OpenAll:  openPromQLFleets,
		Discover: discoverPromQLTargets,
	})
}

// promQLOptions are the parts of a promql URL: the server's base URL and
// what its query string says (targets=SELECTOR, label=LABEL).
type promQLOptions struct {
	base, label, targets, group string
}

func parsePromQLURL(ep collect.Endpoint) (promQLOptions, error) {
	u, err := url.Parse(ep.URL)
	if err != nil || u.Host == "" {
		return promQLOptions{}, fmt.Errorf("host %s: %q is not a Prometheus server's base URL (http://prom:9090, or with its path prefix)", ep.Name, collect.Sanitize(ep.URL, 120))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return promQLOptions{}, fmt.Errorf("host %s: bad query string in %q: %v", ep.Name, collect.Sanitize(ep.URL, 120), err)
	}
	o := promQLOptions{label: q.Get("label"), targets: q.Get("targets"), group: q.Get("group")}
	for k := range q {
		if k != "label" && k != "targets" && k != "group" {
			return promQLOptions{}, fmt.Errorf("host %s: unknown option %q in %q (a promql URL takes targets=, label= and group=)", ep.Name, collect.Sanitize(k, 40), collect.Sanitize(ep.URL, 120))
		}
	}
	for _, l := range []struct{ opt, v string }{{"label", o.label}, {"group", o.group}} {
		if l.v != "" && !validLabelName(l.v) {
			return promQLOptions{}, fmt.Errorf("host %s: %s=%q is not a Prometheus label name", ep.Name, l.opt, collect.Sanitize(l.v, 60))
		}
	}
	if o.group != "" && o.targets == "" {
		return promQLOptions{}, fmt.Errorf("host %s: group= names the label to group discovered targets by; it needs targets=", ep.Name)
	}
	u.RawQuery = ""
	o.base = strings.TrimSuffix(u.String(), "/")
	return o, nil
}

// validLabelName is Prometheus' rule for label names.
func validLabelName(s string) bool {
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func openPromQL(ctx context.Context, ep collect.Endpoint, env collect.Env) (collect.Opened, error) {
	o, errs := openPromQLFleets(ctx, []collect.Endpoint{ep}, env)
	return o[0], errs[0]
}

// openPromQLFleets opens the promql endpoints: those that ask the same
// server with the same host label are one fleet, asked once a tick for
// all (collect.Batch).
func openPromQLFleets(_ context.Context, eps []collect.Endpoint, _ collect.Env) ([]collect.Opened, []error) {
	opened := make([]collect.Opened, len(eps))
	errs := make([]error, len(eps))
	fleets := map[promQLOptions]*PromQLFleet{}
	for i, ep := range eps {
		o, err := parsePromQLURL(ep)
		if err == nil {
			err = checkPromQLHost(ep.Host)
			if err != nil {
				err = fmt.Errorf("host %s: %w", ep.Name, err)
			}
		}
		if err != nil {
			errs[i] = err
			continue
		}
		f := fleets[o]
		var closeFleet func()
		if f == nil {
			f = NewPromQLFleet(o.base, o.label, nil)
			f.Select = selectorMatchers(o.targets)
			fleets[o] = f
			closeFleet = f.client.CloseIdleConnections // once per fleet
		}
		// The fleet's client: one transport for all its hosts.
		src := &PromQLSource{URL: o.base, Host: ep.Host, Label: o.label, client: f.client, fleet: f, member: len(f.Hosts)}
		f.Hosts = append(f.Hosts, ep.Host)
		opened[i] = collect.Opened{Source: src, Close: closeFleet}
	}
	return opened, errs
}

// checkPromQLHost keeps $host's value to what instance labels hold (host
// names, IPv4 and bracketed IPv6 addresses, ports), because it is pasted
// into the middle of PromQL string literals: a quote or backslash would
// change the query.
func checkPromQLHost(h string) error {
	for _, c := range h {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.ContainsRune(".:_-[]", c)
		if !ok {
			return fmt.Errorf("$host %q may contain only letters, digits and . : _ - [ ]", collect.Sanitize(h, 80))
		}
	}
	return nil
}

// Defaults of a PromQLSource.
const (
	// DefaultPromQLConcurrency bounds the queries in flight per source: a
	// page of 4 panels has up to 32 metrics, and a Prometheus server
	// answers simple instant queries in about a millisecond each.
	DefaultPromQLConcurrency = 8
	// promQLMaxReplyBytes bounds one query's reply. The answers we can use
	// are a few series each; 4 MiB is a query gone wrong.
	promQLMaxReplyBytes = 4 << 20
)

// PromQLSource asks a Prometheus server's /api/v1/query for each key.
//
// Every key is a PromQL expression, evaluated at one instant per tick (the
// same time= for every query of a Fetch, so values of one tick belong
// together). A vector answer is the sum of its samples (a single series is
// itself), a scalar its value; a key that is a number is answered with
// itself, as by the prom source. Rates are the server's business: write
// rate(x[1m]) and graph it as a gauge. Counters read raw also work with the
// `counter` type, which rates over the time between changes, but they only
// change once per scrape interval.
//
// A query the server rejects (errorType bad_data, execution, ...) is a
// warning naming the key, and an empty answer is a "no data" warning: one
// bad panel must not blank the others. Only when no query produced a
// value does Fetch fail, with the first query's error.
type PromQLSource struct {
	// URL is the server's base URL: "http://prom:9090", or with the path
	// prefix it is served under; "/api/v1/query" is appended.
	URL string
	// Host replaces $host in every key; "" leaves keys with $host
	// unanswered (with a warning).
	Host string
	// Concurrency bounds queries in flight; <= 0 means
	// DefaultPromQLConcurrency.
	Concurrency int
	// MaxReplyBytes bounds each reply; <= 0 means 4 MiB.
	MaxReplyBytes int64
	// Now is the clock for the queries' time=; nil means time.Now.
	Now func() time.Time
	// Label is the label whose value Host is; "" means "instance".
	Label string

	client *http.Client
	fleet  *PromQLFleet // the fleet asked for all its members at once
	member int
}

// NewPromQLSource returns a source querying the server at baseURL with
// $host standing for host.
func NewPromQLSource(baseURL, host string) *PromQLSource {
	return &PromQLSource{
		URL:    strings.TrimSuffix(baseURL, "/"),
		Host:   host,
		client: newPromHTTPClient(DefaultPromQLConcurrency),
	}
}

// String describes the source: "promql http://prom:9090 $host=edge1:9100".
func (s *PromQLSource) String() string {
	d := "promql " + displayURL(s.URL)
	if s.Host != "" {
		d += " $host=" + s.Host
	}
	return d
}

// Via names the source kind in the header.
func (s *PromQLSource) Via() string { return "promql" }

// queryOutcome is what one key's query for one host gave.
type queryOutcome struct {
	value    float64
	ok       bool
	members  map[string]float64 // a label wildcard's values (nil for a plain key)
	warnings []string
	err      error
}

// Fetch implements Source: the host's part of a fleet of one (see
// PromQLFleet for what keys mean). A source that is a member of a larger
// fleet is asked through its Batch, once for all.
func (s *PromQLSource) Fetch(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
	alone := &PromQLFleet{URL: s.URL, Label: s.Label, Hosts: []string{s.Host},
		Concurrency: s.Concurrency, MaxReplyBytes: s.MaxReplyBytes, Now: s.Now, client: s.client}
	replies, err := alone.fetchAll(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	r := replies[0]
	if r.Err != nil {
		return nil, nil, r.Err
	}
	return r.Values, r.Warnings, nil
}

// Batch implements collect.Batched: the fleet the source is a member of,
// if it was opened as one.
func (s *PromQLSource) Batch() (collect.Batch, int) {
	if s.fleet == nil {
		return nil, 0
	}
	return s.fleet, s.member
}

// withoutRecordPatterns leaves out keys with a wildcard in a record name
// (metrics.Pattern): PromQL names no ATS records. A label wildcard
// (x{device="*"}) stays: its query asks for every value of the label.
// Each left out is a warning.
func withoutRecordPatterns(keys []string) (kept, warnings []string) {
	kept = keys[:0:0]
	for _, k := range keys {
		if p, err := metrics.ParsePattern(k); err == nil {
			if _, ok := wildcardLabel(p); !ok {
				warnings = append(warnings, fmt.Sprintf("%s: a promql source expands only a label's wildcard (x{device=\"*\"}), not a record name's", collect.Sanitize(k, 120)))
				continue
			}
		}
		kept = append(kept, k)
	}
	return kept, warnings
}
