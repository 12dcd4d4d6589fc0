package prom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
		Describe:        "a Prometheus server's query API, one PromQL query per metric; $host in the queries is what follows #: promql+http://prom:9090#edge1:9100",
		Open:            openPromQL,
	})
}

func openPromQL(_ context.Context, ep collect.Endpoint, _ collect.Env) (collect.Opened, error) {
	u, err := url.Parse(ep.URL)
	if err != nil || u.Host == "" || u.RawQuery != "" {
		return collect.Opened{}, fmt.Errorf("host %s: %q is not a Prometheus server's base URL (http://prom:9090, or with its path prefix)", ep.Name, collect.Sanitize(ep.URL, 120))
	}
	if err := checkPromQLHost(ep.Host); err != nil {
		return collect.Opened{}, fmt.Errorf("host %s: %w", ep.Name, err)
	}
	src := NewPromQLSource(ep.URL, ep.Host)
	return collect.Opened{Source: src, Close: src.client.CloseIdleConnections}, nil
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

	client *http.Client
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

// queryOutcome is what one key's query gave.
type queryOutcome struct {
	value    float64
	ok       bool
	members  map[string]float64 // a label wildcard's values (nil for a plain key)
	warnings []string
	err      error
}

// Fetch implements Source: the keys' queries, concurrently (at most
// Concurrency at once), all within ctx.
func (s *PromQLSource) Fetch(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
	var unasked []string
	keys, unasked = withoutRecordPatterns(collect.Dedupe(keys))
	values := make(map[string]metrics.Sample, len(keys))
	if len(keys) == 0 {
		return values, unasked, nil
	}
	ctx, cancel := collect.WithDefaultDeadline(ctx, collect.DefaultTimeout)
	defer cancel()
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	limit := s.Concurrency
	if limit <= 0 {
		limit = DefaultPromQLConcurrency
	}
	outcomes := make([]queryOutcome, len(keys))
	slots := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				outcomes[i].err = collect.NewError(collect.ErrTimeout, ctx.Err(), "%s: query %s not sent before the deadline", displayURL(s.URL), collect.Sanitize(key, 80))
				return
			}
			defer func() { <-slots }()
			outcomes[i] = s.query(ctx, key, at)
		})
	}
	wg.Wait()

	warnings := unasked
	var firstErr error
	for i, o := range outcomes {
		for c, v := range o.members {
			values[metrics.Bind(keys[i], c)] = metrics.Sample{Value: v, Float: true}
		}
		if o.ok && o.members == nil {
			values[keys[i]] = metrics.Sample{Value: o.value, Float: true}
		}
		warnings = append(warnings, o.warnings...)
		if o.err != nil && firstErr == nil {
			firstErr = o.err
		}
	}
	if len(values) == 0 && firstErr != nil {
		return nil, nil, firstErr
	}
	for _, o := range outcomes {
		if o.err != nil {
			warnings = append(warnings, o.err.Error())
		}
	}
	return values, warnings, nil
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

// query runs one key.
func (s *PromQLSource) query(ctx context.Context, key string, at time.Time) queryOutcome {
	if v, ok := constantKey(key); ok {
		return queryOutcome{value: v, ok: true}
	}
	q, label := key, ""
	if p, err := metrics.ParsePattern(key); err == nil {
		// One query for every value of the label: "*" asks for it to
		// be there, and each answer's value of it names a member.
		label, _ = wildcardLabel(p)
		q = p.Prefix()[:len(p.Prefix())-2] + `=~".+"` + p.Suffix()[1:]
	}
	if strings.Contains(q, "$host") {
		if s.Host == "" {
			return queryOutcome{warnings: []string{fmt.Sprintf("%s: no host for $host (name it after #: promql+http://prom:9090#edge1:9100)", collect.Sanitize(key, 120))}}
		}
		q = strings.ReplaceAll(q, "$host", s.Host)
	}
	form := url.Values{
		"query": {q},
		// Milliseconds, as Prometheus stores them.
		"time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)},
	}
	limit := s.MaxReplyBytes
	if limit <= 0 {
		limit = promQLMaxReplyBytes
	}
	display := displayURL(s.URL)
	r, err := promGet(ctx, s.client, s.URL+"/api/v1/query?"+form.Encode(), display,
		http.Header{"Accept": {"application/json"}}, limit)
	if err != nil {
		return queryOutcome{err: err}
	}
	res, err := ParsePromQLReplyBy(r.body, label)
	if err != nil {
		if r.status != http.StatusOK {
			// Not the API answering: a proxy's error page, a wrong path.
			return queryOutcome{err: r.statusError()}
		}
		return queryOutcome{err: collect.NewError(collect.ErrMalformed, err, "%s: malformed reply to %s: %v", display, collect.Sanitize(key, 80), err)}
	}
	out := queryOutcome{}
	for _, w := range res.Warnings {
		out.warnings = append(out.warnings, fmt.Sprintf("%s: Prometheus warns: %s", collect.Sanitize(key, 120), collect.Sanitize(w, 160)))
	}
	switch {
	case res.Err != nil:
		res.Err.Query = collect.Sanitize(key, 120)
		out.err = res.Err
	case res.Series == 0:
		out.warnings = append(out.warnings, fmt.Sprintf("%s: no data", collect.Sanitize(key, 120)))
	case res.Unusable != "":
		out.warnings = append(out.warnings, fmt.Sprintf("%s: %s", collect.Sanitize(key, 120), res.Unusable))
	case label != "":
		out.ok = true
		out.members = res.ByLabel
		if _, ok := res.ByLabel[""]; ok {
			delete(res.ByLabel, "")
			out.warnings = append(out.warnings, fmt.Sprintf("%s: some answers have no %s label, so name no series; keep it with sum by (%s) (...)", collect.Sanitize(key, 120), label, label))
		}
	default:
		out.value, out.ok = res.Value, true
	}
	return out
}
