package prom

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/stats"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// The prom source: any Prometheus exporter's text exposition
// (node_exporter's /metrics, ATS stats_over_http's /prometheus, ...),
// scraped once per tick. Keys are selectors (see prom_selector.go).
func init() {
	collect.Register(collect.Kind{
		Name:     "prom",
		Schemes:  []string{"prom+http", "prom+https"},
		Pages:    "node",
		PagesFor: atsPages,
		Describe: "a Prometheus exporter's /metrics (node_exporter; ATS stats_over_http: prom+http://edge:8080/_stats/prometheus shows the ATS pages)",
		Open:     openProm,
	})
}

func openProm(_ context.Context, ep collect.Endpoint, _ collect.Env) (collect.Opened, error) {
	u, err := url.Parse(ep.URL)
	if err != nil || u.Host == "" {
		return collect.Opened{}, fmt.Errorf("host %s: not a valid URL %q", ep.Name, collect.Sanitize(ep.URL, 120))
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/metrics" // every exporter's default
	}
	src := NewPromSource(u.String())
	return collect.Opened{Source: src, Close: src.client.CloseIdleConnections}, nil
}

// PromSource scrapes a Prometheus text-format endpoint.
//
// Each Fetch is one GET of the whole exposition, parsed with expfmt; every
// key is then a selector evaluated against it: the sum of the series it
// matches (see prom_selector.go). Counters come back as their running
// totals, for the `counter` type to rate; all values are floats
// (Sample.Float), so `latency` on a seconds _sum reads it as seconds.
//
// A key naming a histogram family itself ("http_request_duration_seconds",
// not "..._bucket") answers its _count and, under metrics.BucketKey, each
// bucket's cumulative count summed over the matching series: what the
// `quantile` type needs. A key that is a number ("0.99", the quantile in a
// quantile metric's key2) is answered with that number, so it is never
// reported missing.
type PromSource struct {
	URL string
	// MaxReplyBytes bounds the exposition; <= 0 means collect.DefaultMaxReplyBytes.
	// node_exporter's is 30-300 KB.
	MaxReplyBytes int64

	client *http.Client

	mu        sync.Mutex
	selectors map[string]*promSelector // keys parsed so far
	bad       map[string]error         // keys that do not parse, and why
	records   map[string]string        // ATS record name → the series it is found in
}

// NewPromSource returns a source scraping url.
func NewPromSource(url string) *PromSource {
	return &PromSource{URL: url, MaxReplyBytes: collect.DefaultMaxReplyBytes, client: newPromHTTPClient(2)}
}

// String describes the source: "prom http://10.0.0.5:9100/metrics".
func (s *PromSource) String() string { return "prom " + displayURL(s.URL) }

// Via names the source kind in the header.
func (s *PromSource) Via() string { return "prom" }

// promAccept asks for the text format, version 0.0.4: exporters that also
// speak OpenMetrics or protobuf pick it then, with legacy (escaped) names.
const promAccept = "text/plain;version=0.0.4;q=1,*/*;q=0.1"

// scrape fetches and parses the exposition.
func (s *PromSource) scrape(ctx context.Context) (*exposition, []string, error) {
	limit := s.MaxReplyBytes
	if limit <= 0 {
		limit = collect.DefaultMaxReplyBytes
	}
	r, err := promGet(ctx, s.client, s.URL, displayURL(s.URL), http.Header{"Accept": {promAccept}}, limit)
	if err != nil {
		return nil, nil, err
	}
	if r.status != http.StatusOK {
		return nil, nil, r.statusError()
	}
	ct := strings.ToLower(r.contentType)
	if strings.HasPrefix(ct, "application/vnd.google.protobuf") || strings.HasPrefix(ct, "text/html") {
		return nil, nil, collect.NewError(collect.ErrMalformed, nil, "%s: got %s, not the Prometheus text format (is this the metrics path?)", r.url, collect.Sanitize(r.contentType, 60))
	}
	e, warnings, err := parseExposition(r.body)
	if err != nil {
		return nil, nil, collect.NewError(collect.ErrMalformed, err, "%s: not the Prometheus text format: %s", r.url, collect.Sanitize(err.Error(), 160))
	}
	return e, warnings, nil
}

// Fetch implements Source: one scrape, then each key is selected from it.
func (s *PromSource) Fetch(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
	keys = collect.Dedupe(keys)
	if len(keys) == 0 {
		return map[string]metrics.Sample{}, nil, nil
	}
	e, warnings, err := s.scrape(ctx)
	if err != nil {
		return nil, nil, err
	}
	values := make(map[string]metrics.Sample, len(keys))
	atsRecords := false
	for _, key := range keys {
		if p, err := metrics.ParsePattern(key); err == nil {
			s.fetchPattern(e, key, p, values)
			atsRecords = atsRecords || isRecordName(metrics.Bind(key, "x"))
			continue
		}
		if v, ok := constantKey(key); ok {
			values[key] = metrics.Sample{Value: v, Float: true}
			continue
		}
		if isRecordName(key) {
			atsRecords = true
			if v, ok := s.record(e, key); ok {
				values[key] = v
			} else {
				warnings = append(warnings, fmt.Sprintf("%s: no such record", collect.Sanitize(key, 120)))
			}
			continue
		}
		sel, err := s.selector(key)
		if err != nil {
			warnings = append(warnings, err.Error())
			continue
		}
		got := e.sel(sel)
		if got.n == 0 {
			warnings = append(warnings, fmt.Sprintf("%s: no such series", collect.Sanitize(key, 120)))
			continue
		}
		values[key] = metrics.Sample{Value: got.sum, Float: true}
		if len(got.quants) > 1 {
			warnings = append(warnings, fmt.Sprintf("%s: sums %d quantiles of summary %s, which means nothing; add {quantile=\"0.99\"} (or another)", collect.Sanitize(key, 120), len(got.quants), got.family))
		}
		if got.buckets != nil {
			if _, ok := got.buckets[math.Inf(+1)]; !ok && len(got.buckets) > 0 {
				warnings = append(warnings, fmt.Sprintf("%s: histogram has no +Inf bucket, so no quantile", collect.Sanitize(key, 120)))
			}
			for le, n := range got.buckets {
				values[metrics.BucketKey(key, le)] = metrics.Sample{Value: n, Float: true}
			}
		}
	}
	if atsRecords {
		// Only ATS 10.1 and later serve these forms, and they count
		// the plugin's own request as a connection, as 10's JSON does.
		stats.DiscountOwnPoll(values)
	}
	return values, warnings, nil
}

// record reads an ATS record from stats_over_http's Prometheus output
// (see ats.go); where each record is found is remembered, and looked for
// again when it is not there.
func (s *PromSource) record(e *exposition, record string) (metrics.Sample, bool) {
	s.mu.Lock()
	text, known := s.records[record]
	s.mu.Unlock()
	for try := 0; try < 2; try++ {
		if !known || try == 1 {
			if text = e.atsSeries(record); text == "" {
				return metrics.Sample{}, false
			}
			s.mu.Lock()
			if s.records == nil {
				s.records = map[string]string{}
			}
			s.records[record] = text
			s.mu.Unlock()
		}
		sel, err := s.selector(text)
		if err != nil {
			return metrics.Sample{}, false
		}
		if got := e.sel(sel); got.n > 0 {
			return metrics.Sample{Value: got.sum, Float: !isWhole(got.sum)}, true
		}
		known = false
	}
	return metrics.Sample{}, false
}

// selector parses key once and remembers it (or why it is bad).
func (s *PromSource) selector(key string) (*promSelector, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sel, ok := s.selectors[key]; ok {
		return sel, nil
	}
	if err, ok := s.bad[key]; ok {
		return nil, err
	}
	sel, err := parseSelector(key)
	if s.selectors == nil {
		s.selectors, s.bad = map[string]*promSelector{}, map[string]error{}
	}
	if err != nil {
		s.bad[key] = err
		return nil, err
	}
	s.selectors[key] = sel
	return sel, nil
}

// constantKey reports whether key is a plain number, which a source
// answers with itself: the quantile type's key2 ("0.99") is one, and
// Dashboard.Keys lists key2s among the records to fetch.
func constantKey(key string) (float64, bool) {
	if key == "" || !(key[0] >= '0' && key[0] <= '9' || key[0] == '.' || key[0] == '-' || key[0] == '+') {
		return 0, false // not "Inf", "NaN": those are metric names
	}
	v, err := strconv.ParseFloat(key, 64)
	return v, err == nil
}

// List implements Lister: every series of one scrape whose text
// (name{labels}) matches pattern, with its family's TYPE and its value. A
// histogram is listed once per label set under its own name (the key a
// quantile metric uses), with its _sum and _count; its buckets are not.
func (s *PromSource) List(ctx context.Context, pattern string) ([]collect.MetricInfo, error) {
	re, err := collect.CompileFilter(pattern)
	if err != nil {
		return nil, err
	}
	e, _, err := s.scrape(ctx)
	if err != nil {
		return nil, err
	}
	var out []collect.MetricInfo
	add := func(name, typ, value string) {
		if re == nil || re.MatchString(name) {
			out = append(out, collect.MetricInfo{Name: collect.Sanitize(name, 400), Type: typ, Value: value})
		}
	}
	for name, series := range e.byName {
		for i := range series {
			ser := &series[i]
			hist := ser.typ == "histogram" || ser.typ == "gauge_histogram"
			switch {
			case hist && name == ser.family+"_bucket":
				continue
			case hist && name == ser.family+"_count":
				own := *ser
				own.name = ser.family
				add(own.String(), ser.typ, formatPromValue(ser.value)+" observations")
			}
			add(ser.String(), ser.typ, formatPromValue(ser.value))
		}
	}
	collect.SortInfos(out)
	return out, nil
}

func formatPromValue(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
