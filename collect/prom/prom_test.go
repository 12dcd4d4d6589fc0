package prom

import (
	"compress/gzip"
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// promServer serves body at /metrics with the text format's content type.
func promServer(t *testing.T, body []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func fetchProm(t *testing.T, s *PromSource, keys ...string) (map[string]metrics.Sample, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, w, err := s.Fetch(ctx, keys)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return v, w
}

func TestPromFetch(t *testing.T) {
	srv := promServer(t, readProm(t, "node_exporter_1.5.0.txt"))
	src := NewPromSource(srv.URL + "/metrics")
	busy := `node_cpu_seconds_total{mode!="idle"}`
	values, warnings := fetchProm(t, src, "node_load1", busy, `node_nope`, `bad{`, "0.99", "node_load1")
	if got := values["node_load1"]; got.Value != 1.53 || !got.Float {
		t.Errorf("node_load1 = %+v", got)
	}
	if got := values[busy]; got.Value < 1000 {
		t.Errorf("%s = %+v", busy, got)
	}
	if got := values["0.99"]; got.Value != 0.99 {
		t.Errorf("constant key: %+v", got)
	}
	if _, ok := values["node_nope"]; ok {
		t.Error("value for a missing series")
	}
	joined := strings.Join(warnings, "\n")
	if len(warnings) != 2 || !strings.Contains(joined, "node_nope: no such series") || !strings.Contains(joined, `bad selector "bad{"`) {
		t.Errorf("warnings: %q", warnings)
	}
	// A bad selector is parsed once, and reported at every fetch.
	_, warnings = fetchProm(t, src, `bad{`)
	if len(warnings) != 1 || len(src.bad) != 1 {
		t.Errorf("second fetch: %q, %d remembered", warnings, len(src.bad))
	}
	if src.String() != "prom "+srv.URL+"/metrics" || src.Via() != "prom" {
		t.Errorf("String %q, Via %q", src.String(), src.Via())
	}
}

func TestPromFetchHistogramBuckets(t *testing.T) {
	srv := promServer(t, readProm(t, "histogram.txt"))
	src := NewPromSource(srv.URL + "/metrics")
	key := `http_request_duration_seconds{handler="/api"}`
	values, warnings := fetchProm(t, src, key, "0.99")
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	want := map[string]float64{
		key: 200, "0.99": 0.99,
		metrics.BucketKey(key, 0.05): 100, metrics.BucketKey(key, 0.1): 150, metrics.BucketKey(key, 0.5): 190,
		metrics.BucketKey(key, 1): 199, metrics.BucketKey(key, math.Inf(1)): 200,
	}
	if len(values) != len(want) {
		t.Errorf("got %d values, want %d: %v", len(values), len(want), values)
	}
	for k, v := range want {
		if values[k].Value != v {
			t.Errorf("%q = %v, want %g", k, values[k], v)
		}
	}

	// The quantile type reads them back: p99 of 200 observations, 100 of
	// them since the baseline, spread like the totals... here, 10 more,
	// all in (0.1, 0.5].
	d, err := metrics.NewDerivation("quantile", key, "0.5", "")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1000, 0)
	if _, ok := d.Observe(metrics.Snapshot{Time: t0, Values: values}); ok {
		t.Error("value from the baseline")
	}
	next := map[string]metrics.Sample{}
	for k, v := range values {
		if k != key && strings.HasPrefix(k, key) && !strings.HasSuffix(k, "le=0.05") && !strings.HasSuffix(k, "le=0.1") {
			v.Value += 10
		}
		next[k] = v
	}
	v, ok := d.Observe(metrics.Snapshot{Time: t0.Add(time.Second), Values: next})
	if !ok || math.Abs(v-0.3) > 1e-9 { // rank 5 of 10 in (0.1, 0.5]: half-way
		t.Errorf("p50 = %g, %v; want 0.3", v, ok)
	}
}

func TestPromFetchWarnings(t *testing.T) {
	srv := promServer(t, []byte(string(readProm(t, "histogram_no_inf.txt"))+string(readProm(t, "duplicates.txt"))+string(readProm(t, "histogram.txt"))))
	src := NewPromSource(srv.URL + "/metrics")
	_, warnings := fetchProm(t, src, "job_seconds", "rpc_duration_seconds")
	joined := strings.Join(warnings, "\n")
	for _, want := range []string{
		"job_seconds: histogram has no +Inf bucket",
		"rpc_duration_seconds: sums 2 quantiles",
		`duplicate series requests_total{code="200"}`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no warning %q in %q", want, warnings)
		}
	}
}

func TestPromFetchErrors(t *testing.T) {
	huge := strings.Repeat("x 1\n", 1000)
	mux := http.NewServeMux()
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(readProm(t, "malformed_html.txt"))
	})
	mux.HandleFunc("/garbage", func(w http.ResponseWriter, r *http.Request) {
		w.Write(readProm(t, "malformed_value.txt"))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(huge)) })
	mux.HandleFunc("/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		gz.Write([]byte(huge))
		gz.Close()
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "exporter broke\nsecond line", http.StatusInternalServerError)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("x 1\n"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/metrics"
	l.Close()

	tests := []struct {
		url  string
		kind error
		msg  string
	}{
		{srv.URL + "/html", collect.ErrMalformed, "got text/html, not the Prometheus text format"},
		{srv.URL + "/garbage", collect.ErrMalformed, "not the Prometheus text format: text format parsing error in line 1"},
		{srv.URL + "/huge", collect.ErrTooLarge, "reply larger than"},
		{srv.URL + "/gzip-bomb", collect.ErrTooLarge, "reply larger than"},
		{srv.URL + "/loop", collect.ErrMalformed, "stopped after 5 redirects"},
		{srv.URL + "/hang", collect.ErrTimeout, "no complete reply within"},
		{srv.URL + "/cut", collect.ErrNoReply, srv.URL + "/cut"},
		{closed, collect.ErrConnect, "cannot connect to " + closed},
	}
	for _, tc := range tests {
		src := NewPromSource(tc.url)
		src.MaxReplyBytes = int64(len(huge)) - 1
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, _, err := src.Fetch(ctx, []string{"x"})
		cancel()
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want %v containing %q", tc.url, err, tc.kind, tc.msg)
		}
	}

	src := NewPromSource(srv.URL + "/fail")
	_, _, err = src.Fetch(context.Background(), []string{"x"})
	var he *PromHTTPError
	if !errors.As(err, &he) || he.Status != "500 Internal Server Error" || he.Body != "exporter broke" {
		t.Errorf("HTTP 500: %#v", err)
	}
	src = NewPromSource(srv.URL + "/nothing-here")
	if _, _, err := src.Fetch(context.Background(), []string{"x"}); !errors.As(err, &he) || !strings.Contains(err.Error(), "HTTP 404 Not Found") {
		t.Errorf("HTTP 404: %v", err)
	}
}

func TestPromFollowsRedirects(t *testing.T) {
	target := promServer(t, []byte("x 42\n"))
	hops := 0
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hops++; hops < 3 {
			http.Redirect(w, r, "/again", http.StatusMovedPermanently)
			return
		}
		http.Redirect(w, r, target.URL+"/metrics", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	values, _ := fetchProm(t, NewPromSource(redirector.URL+"/metrics"), "x")
	if values["x"].Value != 42 {
		t.Errorf("x = %v after redirects", values["x"])
	}
}

func TestPromAsksForTextFormat(t *testing.T) {
	var accept, agent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept, agent = r.Header.Get("Accept"), r.Header.Get("User-Agent")
		w.Write([]byte("x 1\n"))
	}))
	t.Cleanup(srv.Close)
	fetchProm(t, NewPromSource(srv.URL), "x")
	if !strings.HasPrefix(accept, "text/plain;version=0.0.4") || agent != "traffic_grapher" {
		t.Errorf("Accept %q, User-Agent %q", accept, agent)
	}
}

func TestOpenProm(t *testing.T) {
	for arg, want := range map[string]string{
		"prom+http://10.0.0.5:9100/metrics":   "http://10.0.0.5:9100/metrics",
		"prom+http://10.0.0.5:9100":           "http://10.0.0.5:9100/metrics",
		"prom+https://edge1/":                 "https://edge1/metrics",
		"prom+http://edge1:8080/prometheus":   "http://edge1:8080/prometheus",
		"prom+http://u:secret@edge1:9100/x?a": "http://u:secret@edge1:9100/x?a",
	} {
		ep, err := collect.ParseEndpoint(arg)
		if err != nil || ep.Kind != "prom" {
			t.Fatalf("collect.ParseEndpoint(%s) = %+v, %v", arg, ep, err)
		}
		o, err := collect.Open(context.Background(), ep, collect.Env{})
		if err != nil {
			t.Fatalf("collect.Open(%s): %v", arg, err)
		}
		if got := o.Source.(*PromSource).URL; got != want {
			t.Errorf("%s: URL %s, want %s", arg, got, want)
		}
		if strings.Contains(o.Source.String(), "secret") {
			t.Errorf("%s: String shows the password: %s", arg, o.Source.String())
		}
		o.Close()
	}
	if k, ok := collect.LookupKind("prom"); !ok || k.Pages != "node" {
		t.Errorf("kind prom: %+v", k)
	}
}

func TestPromList(t *testing.T) {
	srv := promServer(t, readProm(t, "histogram.txt"))
	src := NewPromSource(srv.URL + "/metrics")
	infos, err := src.List(context.Background(), "DURATION")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range infos {
		names = append(names, i.Name+" "+i.Type+" "+i.Value)
	}
	want := []string{
		`http_request_duration_seconds_count{handler="/api"} histogram 200`,
		`http_request_duration_seconds_count{handler="/static"} histogram 10`,
		`http_request_duration_seconds_sum{handler="/api"} histogram 21.5`,
		`http_request_duration_seconds_sum{handler="/static"} histogram 0.2`,
		`http_request_duration_seconds{handler="/api"} histogram 200 observations`,
		`http_request_duration_seconds{handler="/static"} histogram 10 observations`,
		`rpc_duration_seconds_count summary 1000`,
		`rpc_duration_seconds_sum summary 17.5`,
		`rpc_duration_seconds{quantile="0.5"} summary 0.012`,
		`rpc_duration_seconds{quantile="0.99"} summary 0.25`,
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("List:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	if _, err := src.List(context.Background(), "("); err == nil {
		t.Error("bad pattern accepted")
	}
	all, err := src.List(context.Background(), "")
	if err != nil || len(all) != 19 {
		t.Errorf("List all: %d, %v", len(all), err)
	}
}
