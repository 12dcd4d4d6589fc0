package prom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// HTTP plumbing shared by the prom and promql sources: a client per source
// that keeps its connections alive between ticks, follows a few redirects,
// and reads bodies only up to a bound, with errors sorted into the kinds
// of jsonrpc.go (collect.ErrConnect, collect.ErrTimeout, collect.ErrNoReply, collect.ErrTooLarge,
// collect.ErrMalformed) or a *PromHTTPError.

// promMaxRedirects bounds the redirects followed per request: enough for
// http→https plus a path move, few enough that a loop fails fast.
const promMaxRedirects = 5

var errPromRedirects = fmt.Errorf("stopped after %d redirects", promMaxRedirects)

// PromHTTPError is a reply from a prom or promql server with a status
// other than 200 that is not an answer of the API itself (a 404 for a wrong
// path, a proxy's 502).
type PromHTTPError struct {
	URL    string
	Status string // "404 Not Found"
	Body   string // the start of the body, sanitized, for the message
}

func (e *PromHTTPError) Error() string {
	s := fmt.Sprintf("%s: HTTP %s", e.URL, e.Status)
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// newPromHTTPClient returns a client for one source. Its transport is its
// own (so closing one source's idle connections leaves the others alone)
// and keeps up to idle connections to the server between ticks: a promql
// source runs several queries at once every tick, and the default of 2
// would reconnect the rest each time. Deadlines come from each request's
// context, not from the client.
//
// HTTP_PROXY and friends are ignored, as Prometheus itself does for its
// scrapes and as the stats source does: an exporter is scraped where it
// is, and ATS's /prometheus path behind a Traffic Server proxy would be
// answered by the proxy.
func newPromHTTPClient(idle int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConnsPerHost = idle
	return &http.Client{
		Transport: t,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > promMaxRedirects {
				return errPromRedirects
			}
			return nil
		},
	}
}

// promReply is a response read whole.
type promReply struct {
	status      int
	statusText  string
	contentType string
	body        []byte
	url         string // for messages
}

// promGet GETs rawURL and reads the reply's body, at most maxBytes of it
// (after transparent gzip decoding, so a compressed bomb is bounded too).
// The caller's ctx bounds the whole exchange; without a deadline it gets
// collect.DefaultTimeout. Messages name the URL as display says (without a
// password, or a query string that is said elsewhere).
func promGet(ctx context.Context, client *http.Client, rawURL, display string, header http.Header, maxBytes int64) (*promReply, error) {
	return promDo(ctx, client, http.MethodGet, rawURL, "", display, header, maxBytes)
}

// promDo is promGet with a method, and for a POST a form as its body.
func promDo(ctx context.Context, client *http.Client, method, rawURL, form, display string, header http.Header, maxBytes int64) (*promReply, error) {
	ctx, cancel := collect.WithDefaultDeadline(ctx, collect.DefaultTimeout)
	defer cancel()
	start := time.Now()
	// Whether a connection was made tells "cannot connect" from "no
	// answer" when the deadline ends the request.
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, rawURL, body)
	if err != nil {
		return nil, collect.NewError(collect.ErrConnect, err, "%s: %v", display, err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "traffic_grapher")
	resp, err := client.Do(req)
	if err != nil {
		return nil, classifyPromHTTPError(ctx, display, err, connected.Load(), start)
	}
	defer resp.Body.Close()
	r := &promReply{
		status:      resp.StatusCode,
		statusText:  resp.Status,
		contentType: resp.Header.Get("Content-Type"),
		url:         display,
	}
	r.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, classifyPromHTTPError(ctx, display, err, true, start)
	}
	if int64(len(r.body)) > maxBytes {
		return nil, collect.NewError(collect.ErrTooLarge, nil, "%s: reply larger than %s", display, collect.FormatBytes(maxBytes))
	}
	return r, nil
}

// statusError describes a reply with an unexpected status.
func (r *promReply) statusError() error {
	body := strings.TrimSpace(string(r.body))
	if line, _, ok := strings.Cut(body, "\n"); ok {
		body = line
	}
	return &PromHTTPError{URL: r.url, Status: collect.Sanitize(strings.TrimSpace(r.statusText), 60), Body: collect.Sanitize(body, 120)}
}

// classifyPromHTTPError sorts a failed exchange into the error kinds;
// connected says whether a connection was made at all.
func classifyPromHTTPError(ctx context.Context, u string, err error, connected bool, start time.Time) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // without net/http's `Get "URL": ` prefix
	}
	var dnsErr *net.DNSError
	took := collect.RoundDuration(time.Since(start))
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return collect.NewError(collect.ErrTimeout, ctx.Err(), "%s: request cancelled", u)
	case (ctx.Err() != nil || collect.IsTimeout(err)) && !connected:
		return collect.NewError(collect.ErrConnect, context.DeadlineExceeded, "cannot connect to %s: timed out after %v", u, took)
	case ctx.Err() != nil || collect.IsTimeout(err):
		return collect.NewError(collect.ErrTimeout, context.DeadlineExceeded, "%s: no complete reply within %v", u, took)
	case errors.Is(err, errPromRedirects):
		return collect.NewError(collect.ErrMalformed, err, "%s: %v", u, cause)
	case errors.As(err, &dnsErr):
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: cannot resolve %s", u, collect.Sanitize(dnsErr.Name, 100))
	case !connected:
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: %s", u, collect.Sanitize(cause.Error(), 200))
	}
	return collect.NewError(collect.ErrNoReply, err, "%s: %s", u, collect.Sanitize(cause.Error(), 200))
}

// displayURL is rawURL for messages: without a password or query string,
// sanitized.
func displayURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return collect.Sanitize(rawURL, 120)
	}
	u.RawQuery, u.Fragment = "", ""
	return collect.Sanitize(u.Redacted(), 120)
}
