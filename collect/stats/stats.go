package stats

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/trafficctl"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// The stats_over_http plugin, read over HTTP(S).
func init() {
	collect.Register(collect.Kind{
		Name:     "stats",
		Schemes:  []string{"stats+http", "stats+https"},
		Pages:    "ats",
		Describe: "stats_over_http plugin JSON (ATS 9.x and 10.x): stats+http://host:port/_stats",
		Open:     openStats,
	})
}

func openStats(_ context.Context, ep collect.Endpoint, _ collect.Env) (collect.Opened, error) {
	src, err := NewStatsSource(ep.URL)
	if err != nil {
		return collect.Opened{}, fmt.Errorf("host %s: %w", ep.Name, err)
	}
	return collect.Opened{Source: src, Close: src.Close}, nil
}

// MaxStatsRedirects is how many redirects one poll follows (http → https,
// a moved path); the next one is reported as an HTTP error, so a redirect
// loop costs four requests, not Go's default ten.
const MaxStatsRedirects = 3

// DefaultStatsPath is the plugin's default path, used when the URL has none.
const DefaultStatsPath = "/_stats"

// StatsSource reads records from Traffic Server's stats_over_http plugin:
// one GET of http://host:port/_stats per Fetch, answered with every
// record as {"global": {"name": "value", ...}} (see testdata).
//
// Facts it relies on, from the plugin's source and a real ATS 9.2:
//
//   - Values are JSON strings printed by the record's type: "%" PRIu64 for
//     INT and COUNTER, "%f" for FLOAT ("0.048000"), the text for STRING.
//     With the plugin's --integer-counters option they are bare JSON
//     numbers. Either way the text goes through trafficctl.ParseTrafficCtlValue, the
//     rule collect.TrafficCtlSource uses, so Sample.Float marks 9.x's float-second
//     transaction_totaltime.* exactly as traffic_ctl's output does and
//     latency panels pick the unit the same way.
//   - 10.x adds "current_time_epoch_ms" (a record like any other here);
//     9.x has no timestamp. "server" is the version string.
//   - STRING values are not escaped by the plugin: a quote or backslash in
//     one makes the whole body invalid JSON. Such a body is still read,
//     line by line (the plugin writes one record per line), with a
//     warning, rather than failing the host for good.
//   - It answers with Content-Encoding gzip when asked (Go's transport
//     asks and decompresses): ~4.5 KB instead of ~36 KB per poll on 9.2.
//   - Every poll is itself an HTTP transaction that Traffic Server counts.
//     Measured on 9.2.9, each poll adds 1 to proxy.process.http.
//     incoming_requests, outgoing_requests (the plugin's intercept counts as
//     the origin), completed_requests, 2xx_responses, 200_responses,
//     cache_total_misses and transaction_counts.miss_not_cacheable, and
//     the body's size (as sent: ~4.5 KB gzipped) to the client and origin
//     byte counters. Polling every second thus shows ~1 request/s, 1
//     origin request/s and one cache miss/s on an idle server, and pulls
//     an idle server's hit rate down.
//     Nothing is subtracted here: those counters are synced every few
//     seconds, so which polls a value already includes is only known to
//     within one poll, and other clients may poll too. Polls says how many
//     requests this source made, for whoever wants to correct or explain.
//
// Connections go straight to the host: HTTP_PROXY and friends are ignored,
// because a Traffic Server proxy in between would answer /_stats itself
// (the plugin matches the path only) with its own statistics. A kept-alive
// connection is reused between polls.
type StatsSource struct {
	// URL is the plugin's address, "http://127.0.0.1:8080/_stats".
	URL string
	// Client makes the requests; NewStatsSource sets one with no proxy,
	// no overall timeout (each Fetch's context bounds it) and at most
	// MaxStatsRedirects redirects.
	Client *http.Client
	// MaxBodyBytes bounds a reply after decompression; <= 0 means
	// collect.DefaultMaxReplyBytes.
	MaxBodyBytes int64

	redacted string // URL without a password, for messages
	polls    atomic.Uint64
}

// NewStatsSource returns a source for the plugin at rawURL (http or https;
// an empty path means DefaultStatsPath). Credentials in the URL are sent as
// Basic authentication and never shown in messages.
func NewStatsSource(rawURL string) (*StatsSource, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("stats: %q is not an http(s) URL", collect.Sanitize(rawURL, 120))
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = DefaultStatsPath
	}
	u.Fragment = ""
	tr := &http.Transport{
		Proxy:               nil, // see StatsSource
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 1, // one request in flight per host
		IdleConnTimeout:     90 * time.Second,
	}
	s := &StatsSource{URL: u.String(), redacted: collect.Sanitize(u.Redacted(), 200)}
	s.Client = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxStatsRedirects {
				// Hand back the redirect itself: Fetch reports it with
				// its status and Location.
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	return s, nil
}

// String describes the source: "stats http://127.0.0.1:8080/_stats".
func (s *StatsSource) String() string { return "stats " + s.display() }

// Via names the transport for status lines.
func (s *StatsSource) Via() string { return "stats" }

// Polls returns how many Fetch and List calls got an HTTP answer: each
// was a request the server also counted in its own statistics (see
// StatsSource; a followed redirect is one more).
func (s *StatsSource) Polls() uint64 { return s.polls.Load() }

// Close drops the kept-alive connection.
func (s *StatsSource) Close() {
	if s.Client != nil {
		s.Client.CloseIdleConnections()
	}
}

func (s *StatsSource) display() string {
	if s.redacted != "" {
		return s.redacted
	}
	if u, err := url.Parse(s.URL); err == nil {
		return collect.Sanitize(u.Redacted(), 200)
	}
	return collect.Sanitize(s.URL, 200)
}

// Fetch implements collect.Source with one GET. Requested records missing from
// the reply (under their own name and their trafficctl.RecordAliases) are warnings,
// as are values that are not numbers.
//
// Errors: collect.ErrConnect (refused, unresolvable, TLS, or no connection within
// the deadline), collect.ErrTimeout (connected, no complete reply in time),
// collect.ErrNoReply (connection closed or reset without a reply), collect.ErrTooLarge
// (past MaxBodyBytes), collect.ErrMalformed (not the plugin's JSON), or an
// *HTTPStatusError for a non-2xx answer (including a redirect past
// MaxStatsRedirects).
func (s *StatsSource) Fetch(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
	keys = collect.Dedupe(keys)
	if len(keys) == 0 {
		return map[string]metrics.Sample{}, nil, nil
	}
	body, err := s.get(ctx)
	if err != nil {
		return nil, nil, err
	}
	values, warnings, err := ParseStatsReply(body, keys)
	if err != nil {
		return nil, nil, collect.NewError(collect.ErrMalformed, err, "malformed reply from %s: %v", s.display(), err)
	}
	return values, warnings, nil
}

// List implements Lister: every record of one reply whose name matches
// pattern, typed "int", "float" or "string" from its text as for
// collect.TrafficCtlSource (the plugin says no more).
func (s *StatsSource) List(ctx context.Context, pattern string) ([]collect.MetricInfo, error) {
	re, err := collect.CompileFilter(pattern)
	if err != nil {
		return nil, err
	}
	body, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	recs, _, err := parseStatsRecords(body)
	if err != nil {
		return nil, collect.NewError(collect.ErrMalformed, err, "malformed reply from %s: %v", s.display(), err)
	}
	infos := make([]collect.MetricInfo, 0, len(recs))
	for name, v := range recs {
		if re != nil && !re.MatchString(name) {
			continue
		}
		typ := "string"
		if sample, ok := trafficctl.ParseTrafficCtlValue(v); ok {
			typ = "int"
			if sample.Float {
				typ = "float"
			}
		}
		infos = append(infos, collect.MetricInfo{Name: collect.Sanitize(name, 256), Type: typ, Value: collect.Sanitize(v, 80)})
	}
	return collect.SortInfos(infos), nil
}

// get makes one request and returns the body of a 2xx reply.
func (s *StatsSource) get(ctx context.Context) ([]byte, error) {
	ctx, cancel := collect.WithDefaultDeadline(ctx, collect.DefaultTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	budget := time.Until(deadline)

	// Whether a connection was made tells "cannot connect" from "no
	// answer" when the deadline ends the request.
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, s.URL, nil)
	if err != nil {
		return nil, collect.NewError(collect.ErrConnect, err, "stats: bad URL %s: %v", s.display(), err)
	}
	// Any Accept but text/csv selects JSON; say so explicitly.
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "traffic_grapher")

	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, s.requestError(ctx, err, connected.Load(), budget)
	}
	defer resp.Body.Close()
	s.polls.Add(1)
	// The request's context also bounds reading the body.

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, newHTTPStatusError(s.display(), resp, head)
	}
	max := s.MaxBodyBytes
	if max <= 0 {
		max = collect.DefaultMaxReplyBytes
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, max+1))
	if n > max {
		return nil, collect.NewError(collect.ErrTooLarge, nil, "reply from %s larger than %s", s.display(), collect.FormatBytes(max))
	}
	if err != nil {
		if ctx.Err() != nil || collect.IsTimeout(err) {
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil, collect.NewError(collect.ErrTimeout, ctx.Err(), "request to %s cancelled", s.display())
			}
			return nil, collect.NewError(collect.ErrTimeout, context.DeadlineExceeded, "incomplete reply from %s within %s (%d bytes received)", s.display(), collect.RoundDuration(budget), n)
		}
		var corrupt flate.CorruptInputError
		if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &corrupt) {
			return nil, collect.NewError(collect.ErrMalformed, err, "malformed reply from %s: bad gzip encoding: %s", s.display(), collect.Sanitize(err.Error(), 120))
		}
		return nil, collect.NewError(collect.ErrNoReply, err, "reading reply from %s: %s (after %d bytes)", s.display(), collect.Sanitize(err.Error(), 160), n)
	}
	return buf.Bytes(), nil
}

// requestError classifies a failed client.Do.
func (s *StatsSource) requestError(ctx context.Context, err error, connected bool, budget time.Duration) error {
	u := s.display()
	var dnsErr *net.DNSError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return collect.NewError(collect.ErrTimeout, ctx.Err(), "request to %s cancelled", u)
	case ctx.Err() != nil || collect.IsTimeout(err):
		if !connected {
			return collect.NewError(collect.ErrConnect, context.DeadlineExceeded, "cannot connect to %s: timed out after %s", u, collect.RoundDuration(budget))
		}
		return collect.NewError(collect.ErrTimeout, context.DeadlineExceeded, "no reply from %s within %s", u, collect.RoundDuration(budget))
	case errors.Is(err, syscall.ECONNREFUSED):
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: connection refused (is traffic_server running, and is this its HTTP port?)", u)
	case errors.As(err, &dnsErr):
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: cannot resolve %s", u, collect.Sanitize(dnsErr.Name, 100))
	case !connected:
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: %s", u, collect.Sanitize(unwrapURLError(err).Error(), 200))
	case collect.IsClosedByPeer(err):
		return collect.NewError(collect.ErrNoReply, err, "%s closed the connection without replying", u)
	}
	return collect.NewError(collect.ErrNoReply, err, "request to %s: %s", u, collect.Sanitize(unwrapURLError(err).Error(), 200))
}

// unwrapURLError drops the "Get \"URL\": " prefix the client adds (the URL
// is in our message already, redacted).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// HTTPStatusError is a non-2xx answer from the stats endpoint.
type HTTPStatusError struct {
	URL        string // redacted
	StatusCode int
	Status     string // "404 Not Found"
	Location   string // for a redirect past MaxStatsRedirects
	// Excerpt is the start of the body, quoted and sanitized ("" if none).
	Excerpt string
}

func newHTTPStatusError(u string, resp *http.Response, head []byte) *HTTPStatusError {
	e := &HTTPStatusError{URL: u, StatusCode: resp.StatusCode, Status: collect.Sanitize(resp.Status, 60)}
	if e.Status == "" {
		e.Status = strconv.Itoa(resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		e.Location = collect.Sanitize(loc, 120)
	}
	if h := bytes.TrimSpace(head); len(h) > 0 {
		e.Excerpt = collect.Excerpt(h)
	}
	return e
}

func (e *HTTPStatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered %s", e.URL, e.Status)
	switch {
	case e.StatusCode >= 300 && e.StatusCode < 400:
		fmt.Fprintf(&b, " after %d redirects", MaxStatsRedirects)
		if e.Location != "" {
			fmt.Fprintf(&b, " (to %s)", e.Location)
		}
	case e.StatusCode == http.StatusNotFound:
		b.WriteString(" (is the stats_over_http plugin in plugin.config, and is its path this one?)")
	case e.StatusCode == http.StatusForbidden:
		b.WriteString(" (not allowed from this address: see the plugin's allow_ip and ip_allow.yaml)")
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusProxyAuthRequired:
		b.WriteString(" (credentials needed: https://user:password@host/...)")
	}
	if e.Excerpt != "" {
		b.WriteString(": ")
		b.WriteString(e.Excerpt)
	}
	return b.String()
}
