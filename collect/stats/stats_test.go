package stats

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/trafficctl"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

var statsCaptureDir = "testdata"

func statsFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(statsCaptureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	statsTotalHit = "proxy.process.http.transaction_totaltime.hit_fresh"
	statsCountHit = "proxy.process.http.transaction_counts.hit_fresh"
)

func TestParseStatsReplyATS92Capture(t *testing.T) {
	body := statsFixture(t, "stats_full_after.json")
	keys := []string{ctlIncoming, statsTotalHit, statsCountHit, ctlTotalMiss, ctlConnFail,
		"proxy.process.version.server.short", "proxy.process.no.such.record", ctlIncoming}
	values, warnings, err := ParseStatsReply(body, keys)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]metrics.Sample{
		ctlIncoming:   {Value: 621},
		statsTotalHit: {Value: 0.048, Float: true}, // 9.x: float seconds
		statsCountHit: {Value: 326},
		ctlTotalMiss:  {Value: 19.827999, Float: true},
		ctlConnFail:   {Value: 0}, // from its 9.x name, ..._stat
	}
	if len(values) != len(want) {
		t.Errorf("got %d values, want %d: %v", len(values), len(want), values)
	}
	for k, w := range want {
		if g, ok := values[k]; !ok || g != w {
			t.Errorf("%s = %+v (present %v), want %+v", k, g, ok, w)
		}
	}
	wantWarn := []string{
		`not a number: proxy.process.version.server.short = "9.2.9"`,
		"record not found: proxy.process.no.such.record",
	}
	if !slices.Equal(warnings, wantWarn) {
		t.Errorf("warnings %q, want %q", warnings, wantWarn)
	}
}

// The stats source and traffic_ctl read the same records from the same
// 9.2 server: the same text must give the same Sample, Float included.
func TestParseStatsReplyAgreesWithTrafficCtl(t *testing.T) {
	capture := ctlFixture(t, "ats92_metric_get.txt")
	var keys []string
	for _, line := range strings.Split(string(capture), "\n") {
		if name, _, ok := trafficctl.ParseTrafficCtlLine(line); ok {
			keys = append(keys, name)
		}
	}
	ctl, _, err := trafficctl.ParseTrafficCtlOutput(capture, keys)
	if err != nil {
		t.Fatal(err)
	}
	stats, _, err := ParseStatsReply(statsFixture(t, "stats_full_after.json"), keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ctl) == 0 {
		t.Fatal("no values from the traffic_ctl capture")
	}
	for k, c := range ctl {
		if s, ok := stats[k]; !ok || s != c {
			t.Errorf("%s: stats %+v (present %v), traffic_ctl %+v", k, s, ok, c)
		}
	}
}

// statsBody writes a body as the plugin does: one record per line.
func statsBody(recs ...string) []byte {
	return []byte("{ \"global\": {\n" + strings.Join(recs, ",\n") + "\n  }\n}\n")
}

func TestParseStatsReplyShapes(t *testing.T) {
	keys := []string{ctlIncoming, statsTotalHit, "current_time_epoch_ms"}
	cases := []struct {
		name string
		body []byte
		want map[string]metrics.Sample
		warn []string // substrings, in order
	}{
		{
			// ATS 10.x: integer milliseconds, and a timestamp.
			name: "ats10",
			body: statsBody(`"proxy.process.http.incoming_requests": "621"`,
				`"proxy.process.http.transaction_totaltime.hit_fresh": "48"`,
				`"current_time_epoch_ms": "1795328147123"`, `"server": "10.1.0"`),
			want: map[string]metrics.Sample{ctlIncoming: {Value: 621}, statsTotalHit: {Value: 48}, "current_time_epoch_ms": {Value: 1795328147123}},
		},
		{
			// --integer-counters: bare JSON numbers, "%f" kept as written.
			name: "integer-counters",
			body: statsBody(`"proxy.process.http.incoming_requests": 621`,
				`"proxy.process.http.transaction_totaltime.hit_fresh": 0.048000`, `"server": "9.2.9"`),
			want: map[string]metrics.Sample{ctlIncoming: {Value: 621}, statsTotalHit: {Value: 0.048, Float: true}},
			warn: []string{"record not found: current_time_epoch_ms"},
		},
		{
			// The plugin does not escape STRING values.
			name: "unescaped string",
			body: statsBody(`"proxy.node.hostname": "a"b\c"`, `"proxy.process.http.incoming_requests": "7"`,
				`"proxy.process.http.transaction_totaltime.hit_fresh": "1.500000"`, `"server": "9.2.9"`),
			want: map[string]metrics.Sample{ctlIncoming: {Value: 7}, statsTotalHit: {Value: 1.5, Float: true}},
			warn: []string{"not valid JSON", "record not found: current_time_epoch_ms"},
		},
		{
			name: "nan-ish",
			body: statsBody(`"proxy.process.http.incoming_requests": "nan"`,
				`"proxy.process.http.transaction_totaltime.hit_fresh": "-inf"`, `"current_time_epoch_ms": ""`),
			want: map[string]metrics.Sample{},
			warn: []string{`not a number: proxy.process.http.incoming_requests = "nan"`, `= "-inf"`, `current_time_epoch_ms = ""`},
		},
		{
			name: "odd values",
			body: statsBody(`"proxy.process.http.incoming_requests": true`,
				`"proxy.process.http.transaction_totaltime.hit_fresh": {"a": 1}`, `"current_time_epoch_ms": "1e999"`),
			want: map[string]metrics.Sample{},
			warn: []string{"= \"true\"", `= "{\"a\": 1}"`, `= "1e999"`},
		},
		{
			name: "other members and duplicates",
			body: []byte(`{"meta": {"x": [1, 2]}, "global": {"proxy.process.http.incoming_requests": "1", "proxy.process.http.incoming_requests": "2"}, "n": null}`),
			want: map[string]metrics.Sample{ctlIncoming: {Value: 2}},
			warn: []string{"record not found: " + statsTotalHit, "record not found: current_time_epoch_ms"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			values, warnings, err := ParseStatsReply(c.body, keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(values) != len(c.want) {
				t.Errorf("values %v, want %v", values, c.want)
			}
			for k, w := range c.want {
				if g := values[k]; g != w {
					t.Errorf("%s = %+v, want %+v", k, g, w)
				}
			}
			if len(warnings) != len(c.warn) {
				t.Fatalf("warnings %q, want %d like %q", warnings, len(c.warn), c.warn)
			}
			for i, w := range c.warn {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %d %q does not contain %q", i, warnings[i], w)
				}
			}
		})
	}
}

func TestParseStatsReplyMalformed(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"empty", "", "empty reply"},
		{"blank", " \n\t", "empty reply"},
		{"html", "<html><body>Not Found on Accelerator</body></html>", `expected a JSON object, got "<html>`},
		{"array", `[{"global": {}}]`, "expected a JSON object"},
		{"global not object", `{"global": "x"}`, `"global" is not an object`},
		{"no global", `{"stats": {"a": "1"}}`, `no "global" object`},
		{"truncated", `{ "global": {` + "\n" + `"proxy.process.http.incoming_requests": "62`, "truncated JSON"},
		{"truncated plugin shape", string(statsBody(`"a.b": "1"`))[:20], "truncated JSON"},
		{"trailing garbage", `{"global": {"a.b": "1"}} <html>`, "invalid JSON"},
		{"control chars", "\x1b[31m{oops", `got "?[31m{oops"`},
		{"control chars in object", "{\x1b[31m", "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ParseStatsReply([]byte(c.body), []string{"a.b"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
			if strings.ContainsAny(err.Error(), "\x1b\n") {
				t.Errorf("unsanitized error %q", err)
			}
		})
	}
}

// statsServer serves the 9.2 capture (gzip when asked, as the plugin does)
// and counts requests and connections.
type statsServer struct {
	*httptest.Server
	requests, conns atomic.Int64
	lastHeader      atomic.Pointer[http.Header]
}

func newStatsServer(t *testing.T, h http.HandlerFunc) *statsServer {
	t.Helper()
	s := &statsServer{}
	body := statsFixture(t, "stats_full_after.json")
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/json")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				w.Header().Set("Content-Encoding", "gzip")
				zw := gzip.NewWriter(w)
				zw.Write(body)
				zw.Close()
				return
			}
			w.Write(body)
		}
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		hdr := r.Header.Clone()
		s.lastHeader.Store(&hdr)
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func newTestStatsSource(t *testing.T, u string) *StatsSource {
	t.Helper()
	src, err := NewStatsSource(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	return src
}

func fetchWithin(t *testing.T, src collect.Source, d time.Duration, keys ...string) (map[string]metrics.Sample, []string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return src.Fetch(ctx, keys)
}

func TestStatsFetchOK(t *testing.T) {
	srv := newStatsServer(t, nil)
	src := newTestStatsSource(t, srv.URL+"/_stats")
	const polls = 4
	for i := 1; i <= polls; i++ {
		values, warnings, err := fetchWithin(t, src, 2*time.Second, ctlIncoming, statsTotalHit, ctlConnFail)
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 0 {
			t.Errorf("warnings %q", warnings)
		}
		if values[ctlIncoming] != (metrics.Sample{Value: 621}) || !values[statsTotalHit].Float || values[ctlConnFail] != (metrics.Sample{}) {
			t.Errorf("values %v", values)
		}
		if got := src.Polls(); got != uint64(i) {
			t.Errorf("Polls() = %d after %d fetches", got, i)
		}
	}
	h := *srv.lastHeader.Load()
	if h.Get("Accept") != "application/json" || !strings.Contains(h.Get("Accept-Encoding"), "gzip") || h.Get("User-Agent") != "traffic_grapher" {
		t.Errorf("request headers %v", h)
	}
	// Kept-alive connections are reused: a new connection per poll would
	// also show in the server's connection counters. Not exactly one:
	// net/http puts a connection back in its pool asynchronously after the
	// body's EOF, so a poll made at once may dial a second one meanwhile.
	if n := srv.conns.Load(); n >= polls {
		t.Errorf("%d connections for %d polls: none reused", n, polls)
	}
	if got := src.String(); got != "stats "+srv.URL+"/_stats" {
		t.Errorf("String() = %q", got)
	}
}

func TestStatsFetchNoKeysNoRequest(t *testing.T) {
	srv := newStatsServer(t, nil)
	src := newTestStatsSource(t, srv.URL)
	values, warnings, err := fetchWithin(t, src, time.Second)
	if err != nil || len(values) != 0 || len(warnings) != 0 || srv.requests.Load() != 0 {
		t.Errorf("got %v %q %v, %d requests", values, warnings, err, srv.requests.Load())
	}
}

func TestStatsFetchHTTPErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"404", 404, "<HTML><BODY>Not Found on Accelerator\x1b[2J</BODY></HTML>",
			[]string{"404 Not Found", "stats_over_http plugin in plugin.config", `"<HTML><BODY>Not Found on Accelerator?[2J`}},
		{"403", 403, "", []string{"403 Forbidden", "allow_ip"}},
		{"500", 500, strings.Repeat("x", 5000), []string{"500 Internal Server Error", "(", " bytes)"}},
		{"401", 401, "", []string{"401 Unauthorized", "credentials"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newStatsServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			})
			src := newTestStatsSource(t, srv.URL+"/_stats")
			_, _, err := fetchWithin(t, src, 2*time.Second, ctlIncoming)
			var he *HTTPStatusError
			if !errors.As(err, &he) || he.StatusCode != c.status {
				t.Fatalf("err = %v (%T), want an HTTPStatusError %d", err, err, c.status)
			}
			msg := err.Error()
			for _, w := range append([]string{srv.URL + "/_stats answered"}, c.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not contain %q", msg, w)
				}
			}
			if strings.ContainsAny(msg, "\x1b\n") || len(msg) > 400 {
				t.Errorf("message not sanitized or too long (%d): %q", len(msg), msg)
			}
		})
	}
}

func TestStatsFetchRedirects(t *testing.T) {
	// One redirect (a moved path) is followed.
	srv := newStatsServer(t, nil)
	moved := newStatsServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+"/_stats", http.StatusMovedPermanently)
	})
	src := newTestStatsSource(t, moved.URL+"/old")
	if _, _, err := fetchWithin(t, src, 2*time.Second, ctlIncoming); err != nil {
		t.Fatalf("after one redirect: %v", err)
	}

	// A loop stops after MaxStatsRedirects.
	loop := newStatsServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/_stats?n="+fmt.Sprint(time.Now().UnixNano()), http.StatusFound)
	})
	src = newTestStatsSource(t, loop.URL+"/_stats")
	_, _, err := fetchWithin(t, src, 2*time.Second, ctlIncoming)
	var he *HTTPStatusError
	if !errors.As(err, &he) || he.StatusCode != http.StatusFound || !strings.Contains(err.Error(), "after 3 redirects (to /_stats?n=") {
		t.Fatalf("err = %v", err)
	}
	if n := loop.requests.Load(); n != MaxStatsRedirects+1 {
		t.Errorf("%d requests for a redirect loop, want %d", n, MaxStatsRedirects+1)
	}
}

func TestStatsFetchTooLarge(t *testing.T) {
	chunk := bytes.Repeat([]byte(`"proxy.process.x.y": "1",`+"\n"), 1000)
	srv := newStatsServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "{ \"global\": {\n")
		for i := 0; i < 100 && r.Context().Err() == nil; i++ { // ~2.5 MB
			w.Write(chunk)
		}
	})
	src := newTestStatsSource(t, srv.URL)
	src.MaxBodyBytes = 256 << 10
	_, _, err := fetchWithin(t, src, 5*time.Second, ctlIncoming)
	if !errors.Is(err, collect.ErrTooLarge) || !strings.Contains(err.Error(), "larger than 256 KiB") {
		t.Fatalf("err = %v", err)
	}
}

func TestStatsFetchMalformed(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"html", "<html>hello</html>", `malformed reply from `},
		{"empty", "", "empty reply"},
		{"json array", "[]", "expected a JSON object"},
		{"bad gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff", "bad gzip encoding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newStatsServer(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(c.body, "\x1f\x8b") {
					w.Header().Set("Content-Encoding", "gzip")
				}
				io.WriteString(w, c.body)
			})
			src := newTestStatsSource(t, srv.URL)
			_, _, err := fetchWithin(t, src, 2*time.Second, ctlIncoming)
			if !errors.Is(err, collect.ErrMalformed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want collect.ErrMalformed containing %q", err, c.want)
			}
		})
	}
}

func TestStatsFetchSlow(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	cases := []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"no headers", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}, "no reply from"},
		{"slow body", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "{ \"global\": {\n")
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}, "incomplete reply from"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newStatsServer(t, c.h)
			src := newTestStatsSource(t, srv.URL)
			const budget = 300 * time.Millisecond
			start := time.Now()
			_, _, err := fetchWithin(t, src, budget, ctlIncoming)
			took := time.Since(start)
			if !errors.Is(err, collect.ErrTimeout) || !strings.Contains(err.Error(), c.want) || !regexp.MustCompile(`within (300|2[0-9]0)ms`).MatchString(err.Error()) {
				t.Fatalf("err = %v", err)
			}
			if took > budget+ctlPromptSlack {
				t.Errorf("took %v for a %v deadline", took, budget)
			}
		})
	}
}

func TestStatsFetchConnectErrors(t *testing.T) {
	// A port nobody listens on: bind one and close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	src := newTestStatsSource(t, "http://"+addr+"/_stats")
	_, _, err = fetchWithin(t, src, 2*time.Second, ctlIncoming)
	if !errors.Is(err, collect.ErrConnect) || !strings.Contains(err.Error(), "connection refused (is traffic_server running") {
		t.Fatalf("refused: err = %v", err)
	}
	if src.Polls() != 0 {
		t.Errorf("Polls() = %d without a server", src.Polls())
	}

	// A server that accepts and hangs up without answering.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hang.Close() })
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			c.Read(make([]byte, 4096))
			c.Close()
		}
	}()
	src = newTestStatsSource(t, "http://"+hang.Addr().String())
	_, _, err = fetchWithin(t, src, 2*time.Second, ctlIncoming)
	if !errors.Is(err, collect.ErrNoReply) {
		t.Fatalf("hang-up: err = %v", err)
	}
}

func TestStatsFetchCancelled(t *testing.T) {
	srv := newStatsServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	src := newTestStatsSource(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, _, err := src.Fetch(ctx, []string{ctlIncoming})
	if !errors.Is(err, collect.ErrTimeout) || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("err = %v", err)
	}
}

func TestStatsCredentialsNotShown(t *testing.T) {
	var user, pass atomic.Value
	srv := newStatsServer(t, func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		user.Store(u)
		pass.Store(p)
		w.WriteHeader(http.StatusInternalServerError)
	})
	u := strings.Replace(srv.URL, "http://", "http://ops:s3cret@", 1)
	src := newTestStatsSource(t, u)
	_, _, err := fetchWithin(t, src, 2*time.Second, ctlIncoming)
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(src.String(), "s3cret") {
		t.Fatalf("password shown: %v / %s", err, src)
	}
	if user.Load() != "ops" || pass.Load() != "s3cret" {
		t.Errorf("basic auth %v:%v", user.Load(), pass.Load())
	}
}

func TestStatsList(t *testing.T) {
	srv := newStatsServer(t, nil)
	src := newTestStatsSource(t, srv.URL+"/_stats")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	all, err := src.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 670 {
		t.Errorf("listed %d records, want the capture's 670", len(all))
	}
	infos, err := src.List(ctx, `transaction_totaltime\.hit_fresh$|^server$|http\.incoming_requests$`)
	if err != nil {
		t.Fatal(err)
	}
	want := []collect.MetricInfo{
		{Name: "proxy.process.http.incoming_requests", Type: "int", Value: "621"},
		{Name: statsTotalHit, Type: "float", Value: "0.048000"},
		{Name: "server", Type: "string", Value: "9.2.9"},
	}
	if !slices.Equal(infos, want) {
		t.Errorf("List = %+v, want %+v", infos, want)
	}
	if _, err := src.List(ctx, "("); err == nil {
		t.Error("a bad pattern was accepted")
	}
}

func TestStatsEndpointAndOpen(t *testing.T) {
	for arg, wantURL := range map[string]string{
		"stats+http://127.0.0.1:8080/_stats": "http://127.0.0.1:8080/_stats",
		"stats+https://edge1.example.com":    "https://edge1.example.com/_stats",
		"stats+http://[::1]:8080/":           "http://[::1]:8080/_stats",
		"stats+http://edge1:8080/my/stats":   "http://edge1:8080/my/stats",
	} {
		ep, err := collect.ParseEndpoint(arg)
		if err != nil || ep.Kind != "stats" {
			t.Fatalf("%s: %+v %v", arg, ep, err)
		}
		o, err := collect.Open(context.Background(), ep, collect.Env{})
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		src, ok := o.Source.(*StatsSource)
		if !ok || src.URL != wantURL {
			t.Errorf("%s: source %#v, want URL %s", arg, o.Source, wantURL)
		}
		o.Close()
	}
	k, ok := collect.LookupKind("stats")
	if !ok || k.Pages != "ats" || k.Describe == "" {
		t.Errorf("kind %+v", k)
	}
	if _, err := NewStatsSource("ftp://x/_stats"); err == nil {
		t.Error("ftp URL accepted")
	}
}

// The source ignores HTTP_PROXY: a Traffic Server proxy in between would
// answer /_stats with its own statistics.
func TestStatsIgnoresProxyEnvironment(t *testing.T) {
	src := newTestStatsSource(t, "http://edge1:8080/_stats")
	tr, ok := src.Client.Transport.(*http.Transport)
	if !ok || tr.Proxy != nil {
		t.Fatalf("transport %#v uses a proxy", src.Client.Transport)
	}
}

func BenchmarkParseStatsReply(b *testing.B) {
	body := statsFixture(b, "stats_full_after.json")
	keys := []string{ctlIncoming, statsTotalHit, statsCountHit, ctlTotalMiss, ctlConnFail}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := ParseStatsReply(body, keys); err != nil {
			b.Fatal(err)
		}
	}
}

// An idle ATS 10.2 counts the plugin's own request in its connection
// gauges (the JSON reads 1 where traffic_ctl reads 0, captured together in
// the shared census); the source takes it out. 9.x's reply does not count
// it, and is left alone.
func TestOwnPollIsNotAConnection(t *testing.T) {
	census := filepath.Join("..", "..", "..", "shared", "samples", "ats10", "census")
	body, err := os.ReadFile(filepath.Join(census, "stats_over_http.json"))
	if err != nil {
		t.Skipf("no ATS 10.2 census in %s: %v", census, err)
	}
	values, _, err := ParseStatsReply(body, OwnPollGauges)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range OwnPollGauges {
		if v, ok := values[k]; !ok || v.Value != 0 {
			t.Errorf("10.2: %s = %v (present %v), want 0 as traffic_ctl says", k, v.Value, ok)
		}
	}
	for _, tc := range []struct {
		version string
		want    float64
	}{{"10.2.0", 3}, {"12.0.1", 3}, {"9.2.9", 4}, {"", 4}, {"x", 4}} {
		body := fmt.Sprintf(`{"global": {"proxy.process.version.server.short": %q, "proxy.process.http.current_client_connections": "4"}}`, tc.version)
		v, _, err := ParseStatsReply([]byte(body), []string{"proxy.process.http.current_client_connections"})
		if err != nil || v["proxy.process.http.current_client_connections"].Value != tc.want {
			t.Errorf("version %q: %v, %v; want %v", tc.version, v, err, tc.want)
		}
	}
}

// A key with a wildcard keeps every record of the reply that matches it,
// numbers only, and a pattern matching nothing is no warning.
func TestParseStatsReplyPatterns(t *testing.T) {
	body := []byte(`{"global": {
		"proxy.process.http.incoming_requests": "10",
		"plugin.remap_stats.www.example.com.status_5xx": "3",
		"plugin.remap_stats.api.example.com.status_5xx": "8",
		"plugin.remap_stats.api.example.com.status_2xx": "80",
		"plugin.remap_stats.odd.status_5xx": "n/a"
	}}`)
	v, w, err := ParseStatsReply(body, []string{"proxy.process.http.incoming_requests", "plugin.remap_stats.*.status_5xx", "proxy.process.http.per_server.current_connection.*"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]metrics.Sample{
		"proxy.process.http.incoming_requests":          {Value: 10},
		"plugin.remap_stats.www.example.com.status_5xx": {Value: 3},
		"plugin.remap_stats.api.example.com.status_5xx": {Value: 8},
	}
	if !reflect.DeepEqual(v, want) || len(w) != 0 {
		t.Errorf("values %v, warnings %q", v, w)
	}
}
