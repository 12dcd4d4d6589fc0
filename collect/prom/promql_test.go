package prom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// fakePrometheus answers /api/v1/query from a table of query → reply
// body (status 200 unless the body is an error reply), and records what
// was asked.
type fakePrometheus struct {
	*httptest.Server
	replies map[string]string

	mu       sync.Mutex
	queries  []string
	times    map[string]bool
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	hold     chan struct{} // if set, each query waits for it
}

func newFakePrometheus(t *testing.T, replies map[string]string) *fakePrometheus {
	t.Helper()
	f := &fakePrometheus{replies: replies, times: map[string]bool{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePrometheus) serve(w http.ResponseWriter, r *http.Request) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxSeen.Load()
		if n <= m || f.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/v1/label/__name__/values":
		if m := r.URL.Query().Get("match[]"); m != `{instance="edge1:9100"}` {
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"unexpected match[]"}`)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":["node_load1","node_cpu_seconds_total","up"]}`)
		return
	case "/api/v1/metadata":
		fmt.Fprint(w, `{"status":"success","data":{"node_load1":[{"type":"gauge","help":"1m load average.","unit":""}]}}`)
		return
	case "/api/v1/query":
	default:
		http.NotFound(w, r)
		return
	}
	q := r.FormValue("query")
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.times[r.FormValue("time")] = true
	f.mu.Unlock()
	body, ok := f.replies[q]
	if !ok {
		body = `{"status":"success","data":{"resultType":"vector","result":[]}}`
	}
	if strings.Contains(body, `"status":"error"`) {
		w.WriteHeader(http.StatusBadRequest)
	}
	fmt.Fprint(w, body)
}

func vectorReply(values ...string) string {
	var samples []string
	for i, v := range values {
		samples = append(samples, fmt.Sprintf(`{"metric":{"__name__":"x","cpu":"%d"},"value":[1700000000.123,%q]}`, i, v))
	}
	return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(samples, ",") + `]}}`
}

func TestPromQLFetch(t *testing.T) {
	fake := newFakePrometheus(t, map[string]string{
		`node_load1{instance="edge1:9100"}`:       vectorReply("1.5"),
		`sum(rate(x{instance="edge1:9100"}[1m]))`: vectorReply("2", "3.5"),
		`scalar(y)`: `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"7"]}}`,
		`nan`:       vectorReply("NaN"),
		`inf`:       vectorReply("+Inf"),
		`x[1m]`:     `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}}`,
		`"s"`:       `{"status":"success","data":{"resultType":"string","result":[1,"s"]}}`,
		`rate(x`:    `{"status":"error","errorType":"bad_data","error":"1:8: parse error: unclosed left parenthesis"}`,
		`warned`:    `{"status":"success","warnings":["results truncated"],"data":{"resultType":"vector","result":[{"metric":{},"value":[1,"4"]}]}}`,
	})
	src := NewPromQLSource(fake.URL+"/", "edge1:9100")
	src.Now = func() time.Time { return time.UnixMilli(1700000000123) }
	keys := []string{
		`node_load1{instance="$host"}`, `sum(rate(x{instance="$host"}[1m]))`, `scalar(y)`, `nan`, `inf`,
		`x[1m]`, `"s"`, `rate(x`, `warned`, `absent_metric`, "0.99", `node_load1{instance="$host"}`,
	}
	values, warnings, err := src.Fetch(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		`node_load1{instance="$host"}`: 1.5, `sum(rate(x{instance="$host"}[1m]))`: 5.5, `scalar(y)`: 7,
		`warned`: 4, "0.99": 0.99,
	}
	for k, v := range want {
		if got, ok := values[k]; !ok || got.Value != v || !got.Float {
			t.Errorf("%s = %+v, %v; want %g", k, got, ok, v)
		}
	}
	if v := values["nan"].Value; v == v {
		t.Errorf("nan = %g", v)
	}
	if v := values["inf"].Value; v < 1e308 {
		t.Errorf("inf = %g", v)
	}
	if len(values) != len(want)+2 {
		t.Errorf("values: %v", values)
	}
	joined := strings.Join(warnings, "\n")
	for _, w := range []string{
		"x[1m]: a range vector, not a value",
		`"s": a string, not a number`,
		"rate(x: Prometheus bad_data: 1:8: parse error: unclosed left parenthesis",
		"warned: Prometheus warns: results truncated",
		"absent_metric: no data",
	} {
		if !strings.Contains(joined, w) {
			t.Errorf("no warning %q in:\n%s", w, joined)
		}
	}
	if len(warnings) != 5 {
		t.Errorf("%d warnings:\n%s", len(warnings), joined)
	}
	// One query per distinct key, none for the constant, all at one time.
	if len(fake.queries) != 10 {
		t.Errorf("%d queries: %q", len(fake.queries), fake.queries)
	}
	if len(fake.times) != 1 || !fake.times["1700000000.123"] {
		t.Errorf("time= values: %v", fake.times)
	}
}

func TestPromQLNoHost(t *testing.T) {
	fake := newFakePrometheus(t, map[string]string{`up`: vectorReply("1")})
	src := NewPromQLSource(fake.URL, "")
	values, warnings, err := src.Fetch(context.Background(), []string{`up`, `node_load1{instance="$host"}`})
	if err != nil || values["up"].Value != 1 {
		t.Fatalf("Fetch: %v, %v", values, err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "no host for $host") || len(fake.queries) != 1 {
		t.Errorf("warnings %q, queries %q", warnings, fake.queries)
	}
}

func TestPromQLFailures(t *testing.T) {
	bad := `{"status":"error","errorType":"bad_data","error":"parse error"}`
	fake := newFakePrometheus(t, map[string]string{"a(": bad, "b(": bad, "ok": vectorReply("1")})

	// Every query rejected: the first error is the Fetch's.
	src := NewPromQLSource(fake.URL, "h")
	_, _, err := src.Fetch(context.Background(), []string{"a(", "b("})
	var pe *PromQLError
	if !errors.As(err, &pe) || pe.Type != "bad_data" || pe.Query != "a(" {
		t.Errorf("all rejected: %v", err)
	}
	// Some rejected: warnings.
	values, warnings, err := src.Fetch(context.Background(), []string{"a(", "ok"})
	if err != nil || values["ok"].Value != 1 || len(warnings) != 1 || !strings.Contains(warnings[0], "a(: Prometheus bad_data: parse error") {
		t.Errorf("one rejected: %v, %q, %v", values, warnings, err)
	}
	// Not Prometheus at all.
	src = NewPromQLSource(fake.URL+"/wrong/prefix", "h")
	_, _, err = src.Fetch(context.Background(), []string{"ok"})
	var he *PromHTTPError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "HTTP 404 Not Found") || strings.Contains(err.Error(), "query=") {
		t.Errorf("wrong path: %v", err)
	}
	// Nobody there.
	src = NewPromQLSource("http://127.0.0.1:1", "h")
	if _, _, err := src.Fetch(context.Background(), []string{"ok", "up"}); !errors.Is(err, collect.ErrConnect) {
		t.Errorf("no server: %v", err)
	}
	// No keys, no requests.
	if v, w, err := src.Fetch(context.Background(), nil); err != nil || len(v) != 0 || len(w) != 0 {
		t.Errorf("no keys: %v %v %v", v, w, err)
	}
}

func TestPromQLMalformedAndLargeReplies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/garbage/api/v1/query", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>hi</html>") })
	mux.HandleFunc("/huge/api/v1/query", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[`+strings.Repeat(`{"metric":{},"value":[1,"1"]},`, 1000)+`]}}`)
	})
	mux.HandleFunc("/proxy/api/v1/query", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
	})
	mux.HandleFunc("/slow/api/v1/query", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		prefix string
		kind   error
		msg    string
	}{
		{"/garbage", collect.ErrMalformed, "malformed reply to up: invalid JSON"},
		{"/huge", collect.ErrTooLarge, "reply larger than 16 KiB"},
		{"/slow", collect.ErrTimeout, "no complete reply within"},
	} {
		src := NewPromQLSource(srv.URL+tc.prefix, "h")
		src.MaxReplyBytes = 16 << 10
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, _, err := src.Fetch(ctx, []string{"up"})
		cancel()
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %v containing %q", tc.prefix, err, tc.kind, tc.msg)
		}
	}
	src := NewPromQLSource(srv.URL+"/proxy", "h")
	_, _, err := src.Fetch(context.Background(), []string{"up"})
	var he *PromHTTPError
	if !errors.As(err, &he) || he.Status != "502 Bad Gateway" {
		t.Errorf("proxy error: %v", err)
	}
}

func TestPromQLFollowsRedirects(t *testing.T) {
	fake := newFakePrometheus(t, map[string]string{"up": vectorReply("1")})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fake.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	t.Cleanup(front.Close)
	values, _, err := NewPromQLSource(front.URL, "h").Fetch(context.Background(), []string{"up"})
	if err != nil || values["up"].Value != 1 {
		t.Errorf("through a redirect: %v, %v", values, err)
	}
}

func TestPromQLConcurrencyBounded(t *testing.T) {
	fake := newFakePrometheus(t, nil)
	fake.hold = make(chan struct{})
	src := NewPromQLSource(fake.URL, "h")
	src.Concurrency = 3
	var keys []string
	for i := range 10 {
		keys = append(keys, fmt.Sprintf("q%d", i))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Fetch(context.Background(), keys)
	}()
	// Release the queries one by one once three are waiting: the server
	// must never see a fourth at once.
	for released := 0; released < len(keys); {
		select {
		case fake.hold <- struct{}{}:
			released++
		case <-done:
			t.Fatal("Fetch returned early")
		}
	}
	<-done
	if m := fake.maxSeen.Load(); m > 3 || m < 1 {
		t.Errorf("%d queries in flight at once, want at most 3", m)
	}
	if len(fake.queries) != len(keys) {
		t.Errorf("%d queries answered", len(fake.queries))
	}
}

func TestPromQLDeadlineBoundsFetch(t *testing.T) {
	fake := newFakePrometheus(t, nil)
	fake.hold = make(chan struct{}) // never released
	src := NewPromQLSource(fake.URL, "h")
	src.Concurrency = 1
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := src.Fetch(ctx, []string{"a", "b", "c"})
	if took := time.Since(start); took > time.Second {
		t.Errorf("Fetch took %v past a 200ms deadline", took)
	}
	if !errors.Is(err, collect.ErrTimeout) {
		t.Errorf("err = %v", err)
	}
}

func TestOpenPromQL(t *testing.T) {
	ep, err := collect.ParseEndpoint("promql+http://prom:9090/prefix#edge1:9100")
	if err != nil {
		t.Fatal(err)
	}
	o, err := collect.Open(context.Background(), ep, collect.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	src := o.Source.(*PromQLSource)
	if src.URL != "http://prom:9090/prefix" || src.Host != "edge1:9100" || src.String() != "promql http://prom:9090/prefix $host=edge1:9100" {
		t.Errorf("source %+v, %s", src, src)
	}
	for _, bad := range []string{`promql+http://prom:9090#edge1"}`, `promql+http://prom:9090#a\b`, "promql+http://prom:9090/?x=1#h"} {
		ep, err := collect.ParseEndpoint(bad)
		if err != nil {
			continue
		}
		if _, err := collect.Open(context.Background(), ep, collect.Env{}); err == nil {
			t.Errorf("collect.Open(%s) accepted", bad)
		}
	}
	if k, ok := collect.LookupKind("promql"); !ok || k.Pages != "node-promql" {
		t.Errorf("kind promql: %+v", k)
	}
}

func TestPromQLList(t *testing.T) {
	fake := newFakePrometheus(t, nil)
	infos, err := NewPromQLSource(fake.URL, "edge1:9100").List(context.Background(), "^node")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Name != "node_cpu_seconds_total" || infos[1].Name != "node_load1" || infos[1].Type != "gauge" {
		t.Errorf("List: %+v", infos)
	}
	if _, err := NewPromQLSource(fake.URL, "other:1").List(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "bad_data") {
		t.Errorf("API error: %v", err)
	}
}

// A label wildcard is one query for every value of the label; each answer's
// value names a member. Answers that lost the label (aggregated away) are
// a warning, and a record-name wildcard is not asked at all.
func TestPromQLLabelWildcard(t *testing.T) {
	vec := `{"status":"success","data":{"resultType":"vector","result":[` +
		`{"metric":{"device":"eth0"},"value":[1,"10"]},{"metric":{"device":"lo"},"value":[1,"2"]},` +
		`{"metric":{"device":"lo","x":"y"},"value":[1,"3"]},{"metric":{},"value":[1,"7"]}]}}`
	f := newFakePrometheus(t, map[string]string{`sum by (device) (rate(rx{device=~".+"}[1m]))`: vec})
	src := NewPromQLSource(f.URL, "")
	key := `sum by (device) (rate(rx{device="*"}[1m]))`
	v, w, err := src.Fetch(context.Background(), []string{key, "plugin.remap_stats.*.status_5xx"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 2 || v[`sum by (device) (rate(rx{device="eth0"}[1m]))`].Value != 10 || v[`sum by (device) (rate(rx{device="lo"}[1m]))`].Value != 5 {
		t.Errorf("values %v", v)
	}
	if len(w) != 2 || !strings.Contains(w[0], "expands only a label's wildcard") || !strings.Contains(w[1], "no device label") {
		t.Errorf("warnings %q", w)
	}
	if len(f.queries) != 1 {
		t.Errorf("queries %q", f.queries)
	}
}
