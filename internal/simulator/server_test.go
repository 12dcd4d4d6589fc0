package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/atscapture"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// dashboardKeys are the keys the built-in dashboard reads.
// (Its wildcard keys are tested on their own: these are the exact names.)
var dashboardKeys = pages.Default().ExactKeys()

// fakeClock is a settable clock for Options.Clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 22, 4, 40, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// exchange sends req in one write (optionally half-closing) and reads the
// reply to EOF.
func exchange(t testing.TB, path string, req []byte, halfClose bool) []byte {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		c.(*net.UnixConn).CloseWrite()
	}
	b, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) { // reset: closed with our data unread
		t.Fatalf("reading reply: %v", err)
	}
	return b
}

// lookup asks for names (anchored regex) and returns their values.
func lookup(t testing.TB, path string, names ...string) map[string]float64 {
	t.Helper()
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	out := lookupRegex(t, path, "^("+strings.Join(quoted, "|")+")$")
	if len(out) != len(names) {
		t.Fatalf("asked %d names, got %d", len(names), len(out))
	}
	return out
}

// lookupRegex is one regex lookup's values by name.
func lookupRegex(t testing.TB, path, regex string) map[string]float64 {
	t.Helper()
	req, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "method": "admin_lookup_records", "id": "t",
		"params": []any{map[string]any{"record_name_regex": regex, "rec_types": []string{"2", "4", "32"}}},
	})
	body := exchange(t, path, req, false)
	var r struct {
		Result struct {
			RecordList []struct {
				Record struct {
					Name  string `json:"record_name"`
					Value string `json:"current_value"`
				} `json:"record"`
			} `json:"recordList"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("reply %q: %v", body, err)
	}
	out := map[string]float64{}
	for _, rec := range r.Result.RecordList {
		v, err := strconv.ParseFloat(rec.Record.Value, 64)
		if err != nil {
			t.Fatalf("%s = %q", rec.Record.Name, rec.Record.Value)
		}
		out[rec.Record.Name] = v
	}
	return out
}

type capture struct {
	name     string
	request  []byte
	response []byte
	delay    time.Duration // split_write: pause between the two chunks
	split    bool
}

// loadCaptures reads the request/reply pairs of a capture directory (see
// atscapture.Load); replies captured without their request have nothing
// to replay.
func loadCaptures(t *testing.T, dir string) []capture {
	t.Helper()
	exs, err := atscapture.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []capture
	for _, x := range exs {
		if x.Request != nil {
			out = append(out, capture{name: x.Name, request: x.Request, response: x.Response, split: x.Split, delay: x.Delay})
		}
	}
	return out
}

var valueRe = regexp.MustCompile(`"current_value": "[^"]*"`)

func mask(b []byte) string { return valueRe.ReplaceAllString(string(b), `"current_value": "*"`) }

// TestRepliesMatchCaptures replays every captured request against the
// simulator: the reply must equal the real server's byte for byte, record
// values aside.
func TestRepliesMatchCaptures(t *testing.T) {
	dirs := []string{filepath.Join("..", "..", "collect", "jsonrpc", "testdata", "ats10")} // the JSON-RPC client's fixtures
	shared := filepath.Join("..", "..", "..", "shared", "samples", "ats10")
	if _, err := os.Stat(shared); err == nil {
		dirs = append(dirs, shared)
	} else {
		// The testdata copies are the fixtures; the shared originals are
		// only beside a developer's checkout, not in a clean clone.
		t.Logf("shared captures not found at %s: checking the testdata copies only", shared)
	}
	normal := StartForTest(t, Options{Seed: 1})
	unpatched := StartForTest(t, Options{Seed: 1, EmulateStringRegexCrash: true})
	for _, dir := range dirs {
		caps := loadCaptures(t, dir)
		if len(caps) < 10 {
			t.Fatalf("%s: %d captures", dir, len(caps))
		}
		for _, c := range caps {
			t.Run(filepath.Base(filepath.Dir(dir))+"/"+c.name, func(t *testing.T) {
				srv := normal
				if strings.HasPrefix(c.name, "crash_unpatched") {
					srv = unpatched
				}
				var got []byte
				switch {
				case c.split:
					got = splitExchange(t, srv.Path(), c.request, 40, c.delay)
				default:
					got = exchange(t, srv.Path(), c.request, strings.HasPrefix(c.name, "client_shutdown_wr"))
				}
				if mask(got) != mask(c.response) {
					t.Errorf("reply differs from the real server's\n got %s\nwant %s", got, c.response)
				}
			})
		}
	}
}

func splitExchange(t *testing.T, path string, req []byte, at int, delay time.Duration) []byte {
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(req[:at])
	if delay > 0 {
		time.Sleep(delay) // the delay is the point of this capture
	}
	c.Write(req[at:])
	b, _ := io.ReadAll(c)
	return b
}

func TestReplyFraming(t *testing.T) {
	s := StartForTest(t, Options{Seed: 3})
	req := []byte(`{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name_regex":"^(proxy\\.process\\.http\\.incoming_requests|proxy\\.process\\.version\\.server\\.short)$"}],"id":42}`)
	got := exchange(t, s.Path(), req, false)
	if bytes.HasSuffix(got, []byte("\n")) {
		t.Error("reply ends with a newline")
	}
	if !bytes.HasSuffix(got, []byte(`, "id": "42"}`)) {
		t.Errorf("numeric id not echoed as a string: %s", got)
	}
	want := `{"jsonrpc": "2.0", "result": {"recordList": [` +
		`{"record": {"record_name": "proxy.process.http.incoming_requests", "record_type": "4", "version": "0", "registered": "false", "raw_stat_block": "0", "order": "0", "stat_meta": {"persist_type": "0"}, "record_class": "2", "overridable": "false", "data_type": "COUNTER", "current_value": "*", "default_value": "0"}}, ` +
		`{"record": {"record_name": "proxy.process.version.server.short", "record_type": "3", "version": "0", "registered": "false", "raw_stat_block": "0", "order": "0", "stat_meta": {"persist_type": "0"}, "record_class": "2", "overridable": "false", "data_type": "STRING", "current_value": "*", "default_value": "null"}}` +
		`], "errorList": []}, "id": "42"}`
	if mask(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !bytes.Contains(got, []byte(`"current_value": "10.2.0"`)) {
		t.Errorf("version record: %s", got)
	}
}

func TestProtocolEdges(t *testing.T) {
	s := StartForTest(t, Options{Seed: 4})
	tests := []struct {
		name, req, want string
	}{
		{"case-insensitive regex", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name_regex":"^PROXY\\.PROCESS\\.HTTP\\.INCOMING_REQUESTS$"}],"id":"1"}`,
			`"record_name": "proxy.process.http.incoming_requests"`},
		{"regex matching nothing", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name_regex":"^nothing$"}],"id":"1"}`,
			`{"jsonrpc": "2.0", "result": {"recordList": [], "errorList": []}, "id": "1"}`},
		{"rec_types filters configs out", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name_regex":"server_ports","rec_types":["2","4","32"]}],"id":"1"}`,
			`{"jsonrpc": "2.0", "result": {"recordList": [], "errorList": []}, "id": "1"}`},
		{"exact name, type mismatch", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name":"proxy.process.http.incoming_requests","rec_types":["1"]}],"id":"1"}`,
			`"errorList": [{"code": "2007", "message": "Found record does not match the requested type", "record_name": "proxy.process.http.incoming_requests"}]`},
		{"bad rec_types", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name":"x","rec_types":["3"]}],"id":"1"}`,
			`"errorList": [{"code": "2008", "message": "Invalid request data provided"}]`},
		{"both name and regex", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name":"x","record_name_regex":"y"}],"id":"1"}`,
			`"errorList": [{"code": "2008", "message": "Invalid request data provided"}]`},
		{"null id", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[],"id":null}`,
			`{"jsonrpc": "2.0", "error": {"code": 8, "message": "Use of null as id is discouraged"}}`},
		{"empty id", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[],"id":""}`,
			`{"jsonrpc": "2.0", "error": {"code": 11, "message": "Use of an empty string as id is discouraged"}}`},
		{"object id", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[],"id":{}}`,
			`{"jsonrpc": "2.0", "error": {"code": 7, "message": "Invalid id type"}}`},
		{"float id", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[],"id":1.5}`,
			`{"jsonrpc": "2.0", "result": {"recordList": [], "errorList": []}, "id": "1.5"}`},
		{"wrong version", `{"jsonrpc":"1.0","method":"x","id":"1"}`,
			`{"jsonrpc": "2.0", "error": {"code": 1, "message": "Invalid version, 2.0 only"}, "id": "1"}`},
		{"version not a string", `{"jsonrpc":2,"method":"x","id":"1"}`,
			`{"jsonrpc": "2.0", "error": {"code": 2, "message": "Invalid version type, should be a string"}, "id": "1"}`},
		{"missing method", `{"jsonrpc":"2.0","id":"1"}`,
			`{"jsonrpc": "2.0", "error": {"code": 5, "message": "Missing method field"}, "id": "1"}`},
		{"method not a string", `{"jsonrpc":"2.0","method":5,"id":"1"}`,
			`{"jsonrpc": "2.0", "error": {"code": 4, "message": "Invalid method type, should be a string"}, "id": "1"}`},
		{"scalar params", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":"x","id":"1"}`,
			`{"jsonrpc": "2.0", "error": {"code": 6, "message": "Invalid params type. A Structured value is expected"}, "id": "1"}`},
		{"empty batch", `[]`, `{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}}`},
		{"unicode echoed like json.dumps", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name":"caf\u00e9\"\\\t😀"}],"id":"é"}`,
			`"record_name": "caf\u00e9\"\\\t\ud83d\ude00"}]}, "id": "\u00e9"}`},
		{"invalid regex", `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name_regex":"a(b"}],"id":"1"}`,
			`"errorList": [{"code": "2005", "message": "Error reading the record.", "record_name": "a(b"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(exchange(t, s.Path(), []byte(tt.req), false))
			if !strings.Contains(got, tt.want) {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}

	t.Run("request over 32000 bytes gets nothing", func(t *testing.T) {
		big := `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name_regex":"` + strings.Repeat("a", 32000) + `"}],"id":"1"}`
		if got := exchange(t, s.Path(), []byte(big), false); len(got) != 0 {
			t.Errorf("got %d bytes", len(got))
		}
	})
	t.Run("half-close gets nothing", func(t *testing.T) {
		req := `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name":"proxy.process.http.incoming_requests"}],"id":"1"}`
		if got := exchange(t, s.Path(), []byte(req), true); len(got) != 0 {
			t.Errorf("got %q", got)
		}
	})
}

func TestDashboardRecords(t *testing.T) {
	s := StartForTest(t, Options{Seed: 5})
	vals := lookup(t, s.Path(), dashboardKeys...)
	for _, k := range dashboardKeys {
		if vals[k] <= 0 && !strings.Contains(k, "parent") {
			t.Errorf("%s = %v", k, vals[k])
		}
	}
	for _, n := range RecordNames() {
		if !strings.HasPrefix(n, "proxy.") && !strings.HasPrefix(n, "plugin.remap_stats.") {
			t.Errorf("odd record name %q", n)
		}
	}
}

// TestSync: derived records change only at each sync, and then equal the
// sum of their parts.
func TestSync(t *testing.T) {
	clock := newFakeClock()
	s := StartForTest(t, Options{Seed: 6, Clock: clock.Now})
	parts := []string{"proxy.process.http.cache_hit_fresh", "proxy.process.http.cache_hit_revalidated",
		"proxy.process.http.cache_hit_ims", "proxy.process.http.cache_hit_stale_served"}
	derived := []string{"proxy.process.cache_total_hits", "proxy.process.cache_total_misses",
		"proxy.process.http.user_agent_total_response_bytes", "proxy.process.http.origin_server_total_request_bytes"}
	names := append(append([]string{"proxy.process.http.incoming_requests", "proxy.process.http.2xx_responses"}, parts...), derived...)
	sum := func(v map[string]float64) float64 {
		var s float64
		for _, p := range parts {
			s += v[p]
		}
		return s
	}

	v0 := lookup(t, s.Path(), names...)
	if v0["proxy.process.cache_total_hits"] != sum(v0) {
		t.Errorf("at start: total hits %v, parts sum %v", v0["proxy.process.cache_total_hits"], sum(v0))
	}
	for _, step := range []time.Duration{time.Second, 2 * time.Second, 1900 * time.Millisecond} {
		clock.Add(step)
		v := lookup(t, s.Path(), names...)
		if v["proxy.process.http.incoming_requests"] <= v0["proxy.process.http.incoming_requests"] ||
			v["proxy.process.http.2xx_responses"] <= v0["proxy.process.http.2xx_responses"] {
			t.Fatalf("raw counters did not move: %v → %v", v0, v)
		}
		for _, d := range derived {
			if v[d] != v0[d] {
				t.Errorf("%s changed between syncs: %v → %v", d, v0[d], v[d])
			}
		}
	}
	clock.Add(100 * time.Millisecond) // now exactly 5 s after start: sync
	v := lookup(t, s.Path(), names...)
	for _, d := range derived {
		if v[d] <= v0[d] {
			t.Errorf("%s did not change at the sync: %v → %v", d, v0[d], v[d])
		}
	}
	if v["proxy.process.cache_total_hits"] != sum(v) {
		t.Errorf("after sync: total hits %v, parts sum %v", v["proxy.process.cache_total_hits"], sum(v))
	}
	// A custom period.
	clock2 := newFakeClock()
	s2 := StartForTest(t, Options{Seed: 6, Clock: clock2.Now, SyncEvery: time.Second})
	a := lookup(t, s2.Path(), "proxy.process.cache_total_hits")
	clock2.Add(time.Second)
	if b := lookup(t, s2.Path(), "proxy.process.cache_total_hits"); b["proxy.process.cache_total_hits"] <= a["proxy.process.cache_total_hits"] {
		t.Error("SyncEvery=1s did not sync after 1s")
	}
}

func TestReset(t *testing.T) {
	clock := newFakeClock()
	s := StartForTest(t, Options{Seed: 7, Clock: clock.Now})
	names := []string{"proxy.process.http.incoming_requests", "proxy.process.cache_total_hits", "proxy.process.http.current_client_connections"}
	before := lookup(t, s.Path(), names...)
	if before["proxy.process.http.incoming_requests"] < 1e8 {
		t.Errorf("counters start small (%v): the simulated server should have been up for days", before)
	}
	s.ResetCounters()
	after := lookup(t, s.Path(), names...)
	if after["proxy.process.http.incoming_requests"] > 1000 {
		t.Errorf("after reset incoming_requests = %v", after["proxy.process.http.incoming_requests"])
	}
	if after["proxy.process.cache_total_hits"] != 0 {
		t.Errorf("derived stat not zero before the first sync after restart: %v", after["proxy.process.cache_total_hits"])
	}
	if after["proxy.process.http.current_client_connections"] >= before["proxy.process.http.current_client_connections"] {
		t.Errorf("connections did not drop at restart: %v → %v", before, after)
	}
	clock.Add(5 * time.Second)
	later := lookup(t, s.Path(), names...)
	if h := later["proxy.process.cache_total_hits"]; h <= 0 || h > later["proxy.process.http.incoming_requests"] {
		t.Errorf("after the first sync: %v", later)
	}
	if s.Resets() != 1 {
		t.Errorf("Resets() = %d", s.Resets())
	}

	// Periodic resets, roughly every ResetEvery.
	clock2 := newFakeClock()
	s2 := StartForTest(t, Options{Seed: 8, Clock: clock2.Now, ResetEvery: time.Minute})
	prev := lookup(t, s2.Path(), "proxy.process.http.incoming_requests")["proxy.process.http.incoming_requests"]
	drops := 0
	for range 600 { // 10 simulated minutes
		clock2.Add(time.Second)
		s2.mu.Lock()
		s2.model.advance(clock2.Now())
		v := s2.model.intValue(recordIndex["proxy.process.http.incoming_requests"], clock2.Now())
		s2.mu.Unlock()
		if v < prev {
			drops++
		}
		prev = v
	}
	if r := s2.Resets(); r < 7 || r > 13 || drops != r {
		t.Errorf("%d resets (%d counter drops) in 10 minutes with ResetEvery=1m", r, drops)
	}
	// Default: roughly every 10 minutes; NoReset: never.
	for _, tt := range []struct {
		every    time.Duration
		min, max int
	}{{0, 4, 8}, {NoReset, 0, 0}} {
		m := newModel(9, clock.Now(), DefaultSyncEvery, map[bool]time.Duration{true: DefaultResetEvery, false: 0}[tt.every == 0])
		m.advance(clock.Now().Add(time.Hour))
		if m.resets < tt.min || m.resets > tt.max {
			t.Errorf("ResetEvery %v: %d resets in an hour", tt.every, m.resets)
		}
	}
}

func TestClockJump(t *testing.T) {
	clock := newFakeClock()
	s := StartForTest(t, Options{Seed: 12, Clock: clock.Now, SyncEvery: time.Nanosecond, ResetEvery: time.Nanosecond})
	a := lookup(t, s.Path(), "proxy.process.http.incoming_requests")
	clock.Add(365 * 24 * time.Hour)
	begin := time.Now()
	b := lookup(t, s.Path(), "proxy.process.http.incoming_requests", "proxy.process.cache_total_hits")
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("a year's clock jump took %v to simulate", d)
	}
	if s.Resets() == 0 || b["proxy.process.cache_total_hits"] == 0 {
		t.Errorf("resets %d, values %v → %v", s.Resets(), a, b)
	}
	clock.Add(-time.Hour) // a clock going backwards is ignored
	lookup(t, s.Path(), "proxy.process.http.incoming_requests")
}

func TestDeterministic(t *testing.T) {
	run := func(seed int64) string {
		clock := newFakeClock()
		s := StartForTest(t, Options{Seed: seed, Clock: clock.Now})
		var out []string
		for range 3 {
			clock.Add(1500 * time.Millisecond)
			v := lookup(t, s.Path(), dashboardKeys...)
			out = append(out, fmt.Sprint(v))
		}
		return strings.Join(out, "\n")
	}
	a, b, c := run(11), run(11), run(12)
	if a != b {
		t.Error("same seed and clock gave different values")
	}
	if a == c {
		t.Error("different seeds gave the same values")
	}
}

// TestRealism runs the model for a simulated hour per host and checks the
// shapes the dashboard relies on.
func TestRealism(t *testing.T) {
	idx := func(n string) int { return recordIndex[n] }
	for seed := range int64(4) {
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		m := newModel(seed, t0, DefaultSyncEvery, 0)
		val := func(n string, now time.Time) float64 { return m.intValue(idx(n), now) }
		snap := func(now time.Time) map[string]float64 {
			out := map[string]float64{}
			for _, r := range records {
				if r.kind != kConst && r.kind != kConfig {
					out[r.name] = val(r.name, now)
				}
			}
			return out
		}
		now := t0
		prev := snap(now)
		var minRate, maxRate = 1e9, 0.0
		const step = 10 * time.Second
		for range 360 {
			now = now.Add(step)
			m.advance(now)
			cur := snap(now)
			d := func(n string) float64 { return cur[n] - prev[n] }
			rate := d("proxy.process.http.incoming_requests") / step.Seconds()
			minRate, maxRate = min(minRate, rate), max(maxRate, rate)
			if rate < 1500 || rate > 6000 {
				t.Fatalf("seed %d: %v req/s", seed, rate)
			}
			hits, misses := d("proxy.process.cache_total_hits"), d("proxy.process.cache_total_misses")
			if hr := hits / (hits + misses); hr < 0.72 || hr > 0.94 {
				t.Errorf("seed %d: hit rate %v", seed, hr)
			}
			if o := d("proxy.process.http.outgoing_requests") / d("proxy.process.http.incoming_requests"); o < 0.08 || o > 0.35 {
				t.Errorf("seed %d: origin/client %v", seed, o)
			}
			if l := d("proxy.process.http.transaction_totaltime.hit_fresh") / d("proxy.process.http.transaction_counts.hit_fresh"); l < 0.9 || l > 3.1 {
				t.Errorf("seed %d: hit latency %v ms", seed, l)
			}
			if l := d("proxy.process.http.transaction_totaltime.miss_cold") / d("proxy.process.http.transaction_counts.miss_cold"); l < 29 || l > 81 {
				t.Errorf("seed %d: miss latency %v ms", seed, l)
			}
			r2, r3, r4, r5 := d("proxy.process.http.2xx_responses"), d("proxy.process.http.3xx_responses"), d("proxy.process.http.4xx_responses"), d("proxy.process.http.5xx_responses")
			if !(r2 > 10*r3 && r3 > r4 && r4 > 0 && r5 >= 0) {
				t.Errorf("seed %d: responses 2xx %v 3xx %v 4xx %v 5xx %v", seed, r2, r3, r4, r5)
			}
			// user_agent_sessions counts sessions since start, as a real
			// 10.2's does: it rises with the successful handshakes.
			if s, hs := d("proxy.process.ssl.user_agent_sessions"), d("proxy.process.ssl.total_success_handshake_count_in"); s <= 0 || math.Abs(s-hs) > 0.05*hs+2 {
				t.Errorf("seed %d: %v new TLS sessions for %v handshakes", seed, s, hs)
			}
			for _, g := range []string{"proxy.process.http.current_client_connections", "proxy.process.http2.current_client_connections"} {
				if v := cur[g]; v < 100 || v > 5000 {
					t.Errorf("seed %d: %s = %v", seed, g, v)
				}
			}
			if v := cur["proxy.process.http.current_server_connections"]; v < 20 || v > 2000 {
				t.Errorf("seed %d: server connections %v", seed, v)
			}
			if d("proxy.process.ssl.total_success_handshake_count_in") <= 0 || d("proxy.process.http2.total_client_connections") <= 0 {
				t.Errorf("seed %d: no TLS/HTTP2 activity", seed)
			}
			if b := d("proxy.process.http.user_agent_total_response_bytes") / step.Seconds(); b < 20e6 || b > 300e6 {
				t.Errorf("seed %d: client response bytes/s %v", seed, b)
			}
			for n, v := range cur {
				if v < 0 || v != v {
					t.Fatalf("seed %d: %s = %v", seed, n, v)
				}
				if records[idx(n)].dt == dtCounter && records[idx(n)].kind != kGauge && v < prev[n] {
					t.Fatalf("seed %d: counter %s went backwards without a reset", seed, n)
				}
			}
			prev = cur
		}
		if maxRate-minRate < 500 {
			t.Errorf("seed %d: rate hardly varies (%v..%v)", seed, minRate, maxRate)
		}
	}
}

func TestFaultsRaw(t *testing.T) {
	s := StartForTest(t, Options{Seed: 10})
	req := []byte(`{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name_regex":"^(proxy\\.process\\.http\\.incoming_requests|proxy\\.process\\.nope)$"}],"id":"f1"}`)
	normal := exchange(t, s.Path(), req, false)
	uid, gid := os.Getuid(), os.Getgid()
	tests := []struct {
		fault Fault
		check func(t *testing.T, got []byte)
	}{
		{FaultCrash, func(t *testing.T, got []byte) {
			if len(got) != 0 {
				t.Errorf("got %q", got)
			}
		}},
		{FaultTruncate, func(t *testing.T, got []byte) {
			if len(got) == 0 || json.Valid(got) || !bytes.HasPrefix(normal, got[:len(got)-20]) {
				t.Errorf("got %q", got)
			}
		}},
		{FaultGarbage, func(t *testing.T, got []byte) {
			if !bytes.Equal(got, garbageReply) {
				t.Errorf("got %q", got)
			}
		}},
		{FaultErrorObject, func(t *testing.T, got []byte) {
			want := fmt.Sprintf(`{"jsonrpc": "2.0", "error": {"code": 10, "message": "Unauthorized action", "data": [{"code": 2, "message": "Denied privileged API access for uid=%d gid=%d"}]}, "id": "f1"}`, uid, gid)
			if string(got) != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		}},
		{FaultErrorList, func(t *testing.T, got []byte) {
			want := `{"jsonrpc": "2.0", "result": {"recordList": [], "errorList": [{"code": "2000", "message": "Record not found.", "record_name": "proxy.process.http.incoming_requests"}, {"code": "2000", "message": "Record not found.", "record_name": "proxy.process.nope"}]}, "id": "f1"}`
			if string(got) != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		}},
		{FaultOversize, func(t *testing.T, got []byte) {
			if len(got) <= 16<<20 || !bytes.HasPrefix(got, []byte(`{"jsonrpc": "2.0", "result": {"recordList": [{"record": `)) {
				t.Errorf("got %d bytes", len(got))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			s.SetFault(tt.fault)
			defer s.SetFault(FaultNone)
			tt.check(t, exchange(t, s.Path(), req, false))
		})
	}

	for _, f := range []Fault{FaultHang, FaultSlow} {
		t.Run(f.String(), func(t *testing.T) {
			s.SetFault(f)
			defer s.SetFault(FaultNone)
			c, err := net.Dial("unix", s.Path())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write(req)
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			var buf [16]byte
			n, err := c.Read(buf[:])
			var ne net.Error
			if n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("read %d bytes, err %v; want a timeout with the connection open", n, err)
			}
		})
	}
	if s.Requests() < int64(len(tests)+3) {
		t.Errorf("Requests() = %d", s.Requests())
	}
}

func TestCloseWithHungConnection(t *testing.T) {
	s, err := Start(Options{Seed: 11, ResetEvery: NoReset})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(s.Path())
	s.SetFault(FaultHang)
	c, err := net.Dial("unix", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(`{"jsonrpc":"2.0","method":"admin_lookup_records","params":[],"id":"1"}`))
	for s.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir %s still there: %v", dir, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if len(s.Path()) > 100 {
		t.Errorf("socket path %d bytes long", len(s.Path()))
	}
}

func TestStartInDir(t *testing.T) {
	dir := t.TempDir()
	if len(dir) > 80 {
		dir = shortTempDir(t)
	}
	s, err := Start(Options{Dir: dir, ResetEvery: NoReset})
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != filepath.Join(dir, SocketName) {
		t.Errorf("path %s", s.Path())
	}
	// A second server on the same dir replaces the (now stale) socket once
	// the first is gone; a regular file in the way is an error.
	s.Close()
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("caller's dir removed: %v", err)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
	os.WriteFile(filepath.Join(dir, SocketName), nil, 0o600)
	if _, err := Start(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("err = %v", err)
	}
}

func shortTempDir(t *testing.T) string {
	d, err := os.MkdirTemp("/tmp", "tgt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestAppendPyString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         `"plain"`,
		"q\"b\\":        `"q\"b\\"`,
		"\n\r\t\b\f":    `"\n\r\t\b\f"`,
		"\x00\x1f\x7f":  `"\u0000\u001f\u007f"`,
		"é€😀":           `"\u00e9\u20ac\ud83d\ude00"`,
		"bad\xffbyte":   `"bad\ufffdbyte"`,
		"</script>&amp": `"</script>&amp"`,
	} {
		if got := string(appendPyString(nil, in)); got != want {
			t.Errorf("appendPyString(%q) = %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal(appendPyString(nil, in), &back); err != nil {
			t.Errorf("%q: not valid JSON: %v", in, err)
		}
	}
}

func TestRecordNamesSorted(t *testing.T) {
	names := RecordNames()
	for _, k := range dashboardKeys {
		if !slices.Contains(names, k) {
			t.Errorf("dashboard key %s not simulated", k)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	s := StartForTest(b, Options{Seed: 1})
	quoted := make([]string, len(dashboardKeys))
	for i, n := range dashboardKeys {
		quoted[i] = regexp.QuoteMeta(n)
	}
	req, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "method": "admin_lookup_records", "id": "b",
		"params": []any{map[string]any{"record_name_regex": "^(" + strings.Join(quoted, "|") + ")$"}},
	})
	b.ReportAllocs()
	for b.Loop() {
		s.respond(req, lookupMode{})
	}
}

// Every simulated record is one a real ATS 10.2 has, with its type: the
// census in the shared samples lists every record of one, from a JSON-RPC
// lookup of all process metrics.
func TestRecordsMatchATS102Census(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "samples", "ats10", "census", "jsonrpc_lookup_all_process_metrics.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no ATS 10.2 census at %s: %v", path, err)
	}
	var reply struct {
		Result struct {
			RecordList []struct {
				Record struct {
					Name     string `json:"record_name"`
					DataType string `json:"data_type"`
				} `json:"record"`
			} `json:"recordList"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &reply); err != nil {
		t.Fatal(err)
	}
	real := map[string]string{}
	for _, r := range reply.Result.RecordList {
		real[r.Record.Name] = r.Record.DataType
	}
	if len(real) < 500 {
		t.Fatalf("the census has %d records; want the whole list", len(real))
	}
	for _, r := range records {
		if r.kind == kConfig {
			continue
		}
		if strings.HasPrefix(r.name, "plugin.remap_stats.") || strings.HasPrefix(r.name, "proxy.process.http.per_server.") {
			// Named by the deployment's remaps and origins, so not in
			// the census; both kinds are INT (remap_stats.cc, and the
			// connection tracker's TS_RECORDDATATYPE_INT).
			if r.dt != dtInt {
				t.Errorf("%s is simulated as %s, want INT", r.name, r.dt.name())
			}
			continue
		}
		dt, ok := real[r.name]
		switch {
		case !ok:
			t.Errorf("%s is simulated but not a record of ATS 10.2", r.name)
		case dt != r.dt.name():
			t.Errorf("%s is %s on ATS 10.2, simulated as %s", r.name, dt, r.dt.name())
		}
	}
}

// Remap and origin records appear some time after a start, the remaps'
// requests add up to the server's, and a restart loses them until they
// appear again.
func TestFamiliesAppearAndVanish(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(t0.UnixNano())
	s := StartForTest(t, Options{Seed: 3, ResetEvery: NoReset, Clock: func() time.Time { return time.Unix(0, now.Load()) }})
	count := func(prefix string) int {
		n := 0
		for name := range lookupRegex(t, s.Path(), "^"+regexp.QuoteMeta(prefix)) {
			if strings.HasPrefix(name, prefix) {
				n++
			}
		}
		return n
	}
	const remap, origin = "plugin.remap_stats.", "proxy.process.http.per_server.current_connection."
	if r, o := count(remap), count(origin); r != 2*len(remapStats) || o != 1 {
		t.Fatalf("at the start: %d remap records, %d origins; want %d, 1", r, o, 2*len(remapStats))
	}
	if v := lookupRegex(t, s.Path(), "^"+regexp.QuoteMeta(remap+"beta.example.com.status_2xx")+"$"); len(v) != 0 {
		t.Fatalf("beta.example.com before it appears: %v", v)
	}
	now.Store(t0.Add(2 * time.Minute).UnixNano())
	if r, o := count(remap), count(origin); r != len(remapRules)*len(remapStats) || o != len(originServers) {
		t.Fatalf("after 2 minutes: %d remap records, %d origins", r, o)
	}
	// The rules' requests are the server's (shares add up to 1).
	var share float64
	for _, r := range remapRules {
		share += r.share
	}
	if share < 0.999 || share > 1.001 {
		t.Errorf("remap shares add up to %v", share)
	}
	s.ResetCounters()
	if r := count(remap); r != 2*len(remapStats) {
		t.Errorf("after a restart: %d remap records, want only the two rules that are there from the start", r)
	}
}
