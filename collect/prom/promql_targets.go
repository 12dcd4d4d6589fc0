package prom

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// Discovery: promql+http://prom:9090?targets=up{job="ats"} is every host
// the selector's series name, by their host label (instance, or the URL's
// label=), asked of the server once at start. up is the usual selector,
// since Prometheus writes it for every target, answering or not: a target
// that is down is listed, and shown down.

// discoverTimeout bounds the start-up queries.
const discoverTimeout = 10 * time.Second

func discoverPromQLTargets(ctx context.Context, ep collect.Endpoint, _ collect.Env) ([]collect.Endpoint, error) {
	o, err := parsePromQLURL(ep)
	if err != nil || o.targets == "" {
		return nil, err
	}
	if ep.Host != "" {
		return nil, fmt.Errorf("host %s: give either targets= (every host the server lists) or #HOST (one host), not both", ep.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, discoverTimeout)
	defer cancel()
	f := NewPromQLFleet(o.base, o.label, nil)
	defer f.client.CloseIdleConnections()
	var hosts []string
	groups := map[string]string{}
	seen := map[string]bool{}
	res, err := f.get(ctx, o.targets, "targets="+o.targets, time.Now(), func(l promLabels, _ float64) {
		if h, _ := l.Get(f.label()); h != "" && !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
			if o.group != "" {
				groups[h], _ = l.Get(o.group)
			}
		}
	})
	if err == nil && res.Err != nil {
		res.Err.Query = "targets=" + collect.Sanitize(o.targets, 120)
		err = res.Err
	}
	if err != nil {
		return nil, fmt.Errorf("host %s: listing the targets: %w", ep.Name, err)
	}
	switch {
	case len(hosts) == 0 && res.Series > 0:
		return nil, fmt.Errorf("host %s: %s has series, but none with a %s label to name a host by (choose the label with label=)", ep.Name, collect.Sanitize(o.targets, 120), f.label())
	case len(hosts) == 0:
		return nil, fmt.Errorf("host %s: %s at %s names no targets", ep.Name, collect.Sanitize(o.targets, 120), displayURL(o.base))
	}
	slices.SortFunc(hosts, collect.NaturalCompare)
	for _, h := range hosts {
		if err := checkPromQLHost(h); err != nil {
			return nil, fmt.Errorf("host %s: target %w", ep.Name, err)
		}
	}
	// Traffic Servers get the ATS pages, anything else the node pages.
	pages := "node-promql"
	f.Select = selectorMatchers(o.targets)
	if r, err := f.get(ctx, "count({__name__=\"proxy_process_http_incoming_requests\", "+f.hostMatchers()+"})", "a Traffic Server record", time.Now(), nil); err == nil && r.Err == nil && r.Series > 0 {
		pages = "ats"
	}
	out := make([]collect.Endpoint, len(hosts))
	for i, h := range hosts {
		out[i] = collect.Endpoint{Name: collect.DisplayName(h), Group: collect.Sanitize(groups[h], 64), Kind: ep.Kind, Arg: ep.Arg, URL: ep.URL, Host: h, Pages: pages}
	}
	return out, nil
}

// selectorMatchers is the label matchers of a selector, as PromQL text
// without braces (up{job="ats"} gives job="ats"), or "" when it is not a
// plain selector (then the hosts are matched by name).
func selectorMatchers(selector string) string {
	if selector == "" {
		return ""
	}
	sel, err := parseSelector(selector)
	if err != nil || len(sel.matchers) == 0 {
		return ""
	}
	parts := make([]string, len(sel.matchers))
	for i, m := range sel.matchers {
		parts[i] = m.label + m.op.String() + strconv.Quote(m.value)
	}
	return strings.Join(parts, ", ")
}
