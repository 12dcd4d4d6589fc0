package jsonrpc

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// dashboardKeys are the keys the built-in dashboard reads.
// (Its wildcard keys are tested on their own: these are the exact names.)
var dashboardKeys = pages.Default().ExactKeys()

func TestBuildLookupRequest(t *testing.T) {
	keys := []string{"proxy.process.http.incoming_requests", "proxy.process.cache_total_hits"}
	got := string(BuildLookupRequest(keys, "tg-7"))
	want := `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name_regex":"^(proxy\\.process\\.http\\.incoming_requests|proxy\\.process\\.cache_total_hits)$","rec_types":["2","4","32"]}],"id":"tg-7"}`
	if got != want {
		t.Fatalf("request:\n got %s\nwant %s", got, want)
	}
	if strings.HasSuffix(got, "\n") {
		t.Error("request ends with a newline")
	}
	// The regex must match exactly the keys, case-insensitively as ATS does.
	var req struct {
		Params []struct {
			Regex string `json:"record_name_regex"`
		}
	}
	if err := json.Unmarshal([]byte(got), &req); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?i)" + req.Params[0].Regex)
	for _, s := range []string{"proxy.process.http.incoming_requests", "PROXY.process.cache_total_hits"} {
		if !re.MatchString(s) {
			t.Errorf("regex does not match %s", s)
		}
	}
	for _, s := range []string{"proxy.process.http.incoming_requests_x", "xproxy.process.cache_total_hits", "proxyXprocess.cache_total_hits"} {
		if re.MatchString(s) {
			t.Errorf("regex matches %s", s)
		}
	}
	// Names with regex metacharacters are quoted.
	odd := string(BuildLookupRequest([]string{"a.b(c)|d*"}, "1"))
	if !strings.Contains(odd, `^(a\\.b\\(c\\)\\|d\\*)$`) {
		t.Errorf("metacharacters not quoted: %s", odd)
	}

	byName := string(BuildNameLookupRequest(keys, "x"))
	wantByName := `{"jsonrpc":"2.0","method":"admin_lookup_records","params":[{"record_name":"proxy.process.http.incoming_requests","rec_types":["2","4","32"]},{"record_name":"proxy.process.cache_total_hits","rec_types":["2","4","32"]}],"id":"x"}`
	if byName != wantByName {
		t.Fatalf("name request:\n got %s\nwant %s", byName, wantByName)
	}
}

func TestChunkKeys(t *testing.T) {
	var keys []string
	for i := range 3000 {
		keys = append(keys, fmt.Sprintf("proxy.process.plugin.some_long_plugin_name.metric_number_%05d", i))
	}
	chunks := chunkKeys(keys, 1)
	if len(chunks) < 2 {
		t.Fatalf("got %d chunks for %d long keys", len(chunks), len(keys))
	}
	var all []string
	for _, c := range chunks {
		if n := len(BuildLookupRequest(c, "tg-123456789")); n > maxRequestBytes {
			t.Errorf("chunk request is %d bytes, limit %d", n, maxRequestBytes)
		}
		if n := len(BuildNameLookupRequest(c, "tg-123456789")); n > maxRequestBytes*3 {
			t.Errorf("name request unexpectedly large: %d", n)
		}
		all = append(all, c...)
	}
	if !slices.Equal(all, keys) {
		t.Error("chunks do not reassemble to the keys")
	}
	for _, c := range chunkKeys(keys, 60) {
		if n := len(BuildNameLookupRequest(c, "tg-123456789")); n > maxRequestBytes {
			t.Errorf("by-name chunk request is %d bytes, limit %d", n, maxRequestBytes)
		}
	}
	if got := chunkKeys(dashboardKeys, 1); len(got) != 1 {
		t.Errorf("dashboard keys split into %d requests", len(got))
	}
}

// captureExpect checks ParseLookupReply's answer for one capture.
type captureExpect func(t *testing.T, v map[string]metrics.Sample, w []string, err error)

func wantValues(want map[string]float64, wantWarnings ...string) captureExpect {
	return func(t *testing.T, v map[string]metrics.Sample, w []string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		for k, x := range want {
			s, ok := v[k]
			if !ok {
				t.Errorf("missing %s", k)
				continue
			}
			if s.Value != x || s.Float {
				t.Errorf("%s = %+v, want %v (integer)", k, s, x)
			}
		}
		if len(v) != len(want) {
			t.Errorf("got %d values, want %d: %v", len(v), len(want), v)
		}
		for _, ww := range wantWarnings {
			if !slices.Contains(w, ww) {
				t.Errorf("missing warning %q in %q", ww, w)
			}
		}
		if len(w) != len(wantWarnings) {
			t.Errorf("warnings %q, want %q", w, wantWarnings)
		}
	}
}

func wantRPCError(code int, msg string) captureExpect {
	return func(t *testing.T, v map[string]metrics.Sample, w []string, err error) {
		t.Helper()
		var re *collect.RPCError
		if !errors.As(err, &re) {
			t.Fatalf("err = %v, want RPCError %d", err, code)
		}
		if re.Code != code || re.Message != msg {
			t.Errorf("got %d %q, want %d %q", re.Code, re.Message, code, msg)
		}
		if want := fmt.Sprintf("jsonrpc error %d: %s", code, msg); err.Error() != want {
			t.Errorf("message %q, want %q", err.Error(), want)
		}
	}
}

func wantParseError(substr string) captureExpect {
	return func(t *testing.T, v map[string]metrics.Sample, w []string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), substr) {
			t.Fatalf("err = %v, want one containing %q", err, substr)
		}
		var re *collect.RPCError
		if errors.As(err, &re) {
			t.Errorf("malformed reply reported as RPC error: %v", err)
		}
	}
}

var twentyNames = map[string]float64{
	"proxy.process.http.incoming_requests":                  0,
	"proxy.process.http.outgoing_requests":                  0,
	"proxy.process.http.completed_requests":                 0,
	"proxy.process.http.incoming_responses":                 0,
	"proxy.process.http.current_client_connections":         0,
	"proxy.process.http.current_server_connections":         0,
	"proxy.process.http.total_client_connections":           0,
	"proxy.process.http.cache_hit_fresh":                    0,
	"proxy.process.http.cache_miss_cold":                    0,
	"proxy.process.http.2xx_responses":                      0,
	"proxy.process.http.4xx_responses":                      0,
	"proxy.process.http.5xx_responses":                      0,
	"proxy.process.http.200_responses":                      0,
	"proxy.process.http.404_responses":                      0,
	"proxy.process.http.user_agent_total_response_bytes":    0,
	"proxy.process.http.origin_server_total_response_bytes": 0,
	"proxy.process.net.connections_currently_open":          0,
	"proxy.process.cache.bytes_used":                        0,
	"proxy.process.cache.bytes_total":                       66985984,
}

const versionWarning = `not a number: proxy.process.version.server.short = "10.2.0" (STRING)`

var captureExpectations = map[string]captureExpect{
	"single_record.json": wantValues(map[string]float64{"proxy.process.http.incoming_requests": 0}),
	// Unanchored: 23 records for 20 names; the extra
	// total_client_connections_ipv4/ipv6/uds must be dropped.
	"regex_20_names.json":          wantValues(twentyNames, versionWarning),
	"regex_20_names_anchored.json": wantValues(twentyNames, versionWarning),
	"counters_moving.json": wantValues(map[string]float64{
		"proxy.process.http.cache_hit_fresh":                 0,
		"proxy.process.http.cache_miss_cold":                 54,
		"proxy.process.http.completed_requests":              55,
		"proxy.process.http.incoming_requests":               55,
		"proxy.process.http.2xx_responses":                   51,
		"proxy.process.http.4xx_responses":                   4,
		"proxy.process.http.total_client_connections_ipv4":   55,
		"proxy.process.http.user_agent_total_response_bytes": 66206,
	}),
	"invalid_regex.json": wantValues(nil,
		"error reading record: proxy.process.http.(incoming|outgoing_requests (2005)",
		"not reported by server: proxy.process.http.(incoming",
		"not reported by server: outgoing_requests"),
	"mixed_name_unknown_and_bad_param.json": wantValues(map[string]float64{"proxy.process.http.incoming_requests": 0},
		"record not found: proxy.process.no.such.metric (2000)",
		// The request's third key reads as a pattern now, and a pattern
		// that matches nothing is no warning: no remap rule yet.
		"invalid request data (2008)"),
	"unknown_method.json":                                      wantRPCError(-32601, "Method not found"),
	"malformed_json.json":                                      wantRPCError(-32700, "Parse error"),
	"malformed_not_json.json":                                  wantRPCError(-32600, "Invalid Request"),
	"notification_no_id.json":                                  wantRPCError(-32600, "Invalid Request"),
	"missing_jsonrpc_field.json":                               wantRPCError(3, "Missing version field"),
	"params_object_not_array.json":                             wantValues(nil, "invalid request data (2008)"),
	"no_trailing_newline_string_id.json":                       wantValues(map[string]float64{"proxy.process.http.current_client_connections": 0}),
	"config_record.json":                                       wantValues(nil, `not a number: proxy.config.http.server_ports = "18090:ip-in=127.0.0.1" (STRING)`),
	"batch_two_requests.json":                                  wantParseError("expected a JSON object"),
	"client_shutdown_wr.json":                                  wantParseError("empty reply"),
	"crash_unpatched_10.2.0_regex_matching_string_metric.json": wantParseError("empty reply"),
	"split_write_two_chunks.json#0.0":                          wantValues(map[string]float64{"proxy.process.http.incoming_requests": 0}),
	"split_write_two_chunks.json#0.05":                         wantRPCError(-32700, "Parse error"),
	"traffic_ctl_metric_get.txt#json":                          wantValues(map[string]float64{"proxy.process.http.incoming_requests": 34}),
	"traffic_ctl_metric_get.txt#rpc":                           wantValues(map[string]float64{"proxy.process.http.incoming_requests": 34}),
}

func TestParseLookupReplyCaptures(t *testing.T) {
	for _, dir := range captureDirs(t) {
		caps := loadCaptures(t, dir)
		if len(caps) < 10 {
			t.Fatalf("%s: only %d captures", dir, len(caps))
		}
		for _, c := range caps {
			t.Run(filepath.Base(filepath.Dir(dir))+"/"+c.name, func(t *testing.T) {
				names, id := requestedNames(t, c.request)
				if c.name == "traffic_ctl_metric_get.txt#json" {
					names = []string{"proxy.process.http.incoming_requests"}
				}
				v, w, err := ParseLookupReply(c.response, id, names)
				check, ok := captureExpectations[c.name]
				if !ok {
					t.Logf("no expectation for %s (parsed: %d values, %d warnings, err %v)", c.name, len(v), len(w), err)
					return
				}
				check(t, v, w, err)
			})
		}
	}
}

func TestParseLookupReplyCases(t *testing.T) {
	rec := func(name, dt, value string) string {
		return fmt.Sprintf(`{"record": {"record_name": %q, "record_type": "4", "data_type": %q, "current_value": %q, "default_value": "0"}}`, name, dt, value)
	}
	ok := func(id string, recs ...string) string {
		return `{"jsonrpc": "2.0", "result": {"recordList": [` + strings.Join(recs, ", ") + `], "errorList": []}, "id": "` + id + `"}`
	}
	tests := []struct {
		name     string
		body     string
		id       string
		keys     []string
		want     map[string]metrics.Sample
		warnings []string
		err      string
	}{
		{name: "counter", body: ok("1", rec("a.b", "COUNTER", "12345678901")), id: "1", keys: []string{"a.b"},
			want: map[string]metrics.Sample{"a.b": {Value: 12345678901}}},
		{name: "float type", body: ok("1", rec("a.b", "FLOAT", "2")), id: "1", keys: []string{"a.b"},
			want: map[string]metrics.Sample{"a.b": {Value: 2, Float: true}}},
		{name: "float value, unknown type", body: ok("1", rec("a.b", "", "0.048000")), id: "1", keys: []string{"a.b"},
			want: map[string]metrics.Sample{"a.b": {Value: 0.048, Float: true}}},
		{name: "exponent, unknown type", body: ok("1", rec("a.b", "", "1e3")), id: "1", keys: []string{"a.b"},
			want: map[string]metrics.Sample{"a.b": {Value: 1000, Float: true}}},
		{name: "INT with dot stays integral", body: ok("1", rec("a.b", "INT", "3.0")), id: "1", keys: []string{"a.b"},
			want: map[string]metrics.Sample{"a.b": {Value: 3}}},
		{name: "negative gauge", body: ok("1", rec("a.b", "INT", "-2")), id: "1", keys: []string{"a.b"},
			want: map[string]metrics.Sample{"a.b": {Value: -2}}},
		{name: "numbers not strings", body: `{"jsonrpc": "2.0", "result": {"recordList": [{"record": {"record_name": "a.b", "data_type": "INT", "current_value": 7}}], "errorList": []}, "id": "1"}`,
			id: "1", keys: []string{"a.b"}, want: map[string]metrics.Sample{"a.b": {Value: 7}}},
		{name: "case-insensitive extra dropped", body: ok("1", rec("A.B", "INT", "1"), rec("a.b", "INT", "2"), rec("a.bc", "INT", "3")), id: "1",
			keys: []string{"a.b"}, want: map[string]metrics.Sample{"a.b": {Value: 2}}},
		{name: "NaN is a warning", body: ok("1", rec("a.b", "FLOAT", "nan")), id: "1", keys: []string{"a.b"},
			want: map[string]metrics.Sample{}, warnings: []string{`not a number: a.b = "nan" (FLOAT)`}},
		{name: "missing key", body: ok("1"), id: "1", keys: []string{"a.b", "c.d"},
			want: map[string]metrics.Sample{}, warnings: []string{"not reported by server: a.b", "not reported by server: c.d"}},
		{name: "errorList codes", id: "1", keys: []string{"a.b", "c.d"},
			body:     `{"jsonrpc": "2.0", "result": {"recordList": [], "errorList": [{"code": "2000", "message": "Record not found.", "record_name": "a.b"}, {"code": 2007, "message": "Found record does not match the requested type", "record_name": "c.d"}, {"code": "9999", "message": "Something Odd.", "record_name": "x"}]}, "id": "1"}`,
			want:     map[string]metrics.Sample{},
			warnings: []string{"record not found: a.b (2000)", "record type mismatch: c.d (2007)", "something Odd: x (9999)"}},
		{name: "hostile text sanitized", id: "1", keys: []string{"a.b"},
			body:     `{"jsonrpc": "2.0", "result": {"recordList": [], "errorList": [{"code": "77\u001b[31m", "message": "bad\u001b]0;pwned\u0007", "record_name": "a.b"}]}, "id": "1"}`,
			want:     map[string]metrics.Sample{},
			warnings: []string{"bad?]0;pwned?: a.b (77?[31m)"}},
		{name: "errorList missing is tolerated", body: `{"jsonrpc": "2.0", "result": {"recordList": []}, "id": "1"}`, id: "1",
			keys: []string{"a.b"}, want: map[string]metrics.Sample{}, warnings: []string{"not reported by server: a.b"}},
		{name: "error object with data", body: `{"jsonrpc": "2.0", "error": {"code": 10, "message": "Unauthorized action", "data": [{"code": 2, "message": "Denied privileged API access for uid=1 gid=1"}]}, "id": "1"}`,
			id: "1", err: "jsonrpc error 10: Unauthorized action (Denied privileged API access for uid=1 gid=1)"},
		{name: "id mismatch", body: ok("2"), id: "1", err: `reply id "2" does not match request id "1"`},
		{name: "numeric id", body: `{"jsonrpc": "2.0", "result": {"recordList": [], "errorList": []}, "id": 1}`, id: "1", err: "reply id 1 is not a string"},
		{name: "no id", body: `{"jsonrpc": "2.0", "result": {"recordList": [], "errorList": []}}`, id: "1", err: "reply has no id"},
		{name: "id check skipped", body: ok("whatever"), id: "", keys: nil, want: map[string]metrics.Sample{}},
		{name: "no result", body: `{"jsonrpc": "2.0", "id": "1"}`, id: "1", err: "neither result nor error"},
		{name: "no recordList", body: `{"jsonrpc": "2.0", "result": {}, "id": "1"}`, id: "1", err: "no recordList"},
		{name: "recordList wrong type", body: `{"jsonrpc": "2.0", "result": {"recordList": "x"}, "id": "1"}`, id: "1", err: "unexpected string"},
		{name: "truncated", body: ok("1", rec("a.b", "INT", "1"))[:60], id: "1", err: "truncated JSON"},
		{name: "trailing garbage", body: ok("1") + "xx", id: "1", err: "invalid JSON"},
		{name: "garbage with escapes", body: "HTTP/1.1 400\r\n\x1b[31m", id: "1", err: `expected a JSON object, got "HTTP/1.1 400??`},
		{name: "empty", body: "", id: "1", err: "empty reply"},
		{name: "whitespace", body: " \n", id: "1", err: "empty reply"},
		{name: "array", body: "[]", id: "1", err: "expected a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, w, err := ParseLookupReply([]byte(tt.body), tt.id, tt.keys)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if strings.ContainsAny(err.Error(), "\x1b\x00\r\n\a") {
					t.Errorf("control characters in error: %q", err.Error())
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(v) != len(tt.want) {
				t.Errorf("values %v, want %v", v, tt.want)
			}
			for k, s := range tt.want {
				if v[k] != s {
					t.Errorf("%s = %+v, want %+v", k, v[k], s)
				}
			}
			if !slices.Equal(w, tt.warnings) {
				t.Errorf("warnings\n got %q\nwant %q", w, tt.warnings)
			}
		})
	}
}

// slack is the allowed lateness of a deadline-bound call (race detector,
// loaded CI machines).
const slack = 750 * time.Millisecond

func TestFetchSimulator(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 1})
	// Replies get a deadline a loaded race run keeps (one of 400 ms was
	// missed by healthy and malformed replies alike while other packages
	// started Traffic Servers); the slow and hanging server a short one,
	// which is what they test.
	const deadline, short = 10 * time.Second, 400 * time.Millisecond
	keys := append(slices.Clone(dashboardKeys), "proxy.process.no.such.metric")
	tests := []struct {
		fault    simulator.Fault
		deadline time.Duration // 0: deadline
		kind     error         // expected error kind, nil for success
		msg      string        // substring of the error
		warnings []string
	}{
		{fault: simulator.FaultNone, warnings: []string{"not reported by server: proxy.process.no.such.metric"}},
		{fault: simulator.FaultErrorList},
		{fault: simulator.FaultErrorObject, msg: "jsonrpc error 10: Unauthorized action (Denied privileged API access for uid="},
		{fault: simulator.FaultTruncate, kind: collect.ErrMalformed, msg: "malformed reply from " + sim.Path() + ": truncated JSON in \"{\\\"jsonrpc\\\": \\\"2.0\\\""},
		{fault: simulator.FaultGarbage, kind: collect.ErrMalformed, msg: "malformed reply from " + sim.Path() + `: expected a JSON object, got "HTTP/1.1 400 Bad Request??`},
		{fault: simulator.FaultOversize, deadline: 10 * time.Second, kind: collect.ErrTooLarge, msg: fmt.Sprintf("reply from %s larger than %s", sim.Path(), collect.FormatBytes(int64(256+8*(len(dashboardKeys)+1))<<10))}, // the limit: 256 KiB and 8 KiB per record asked for
		{fault: simulator.FaultSlow, deadline: short, kind: collect.ErrTimeout, msg: "no reply from " + sim.Path() + " within "},
		{fault: simulator.FaultHang, deadline: short, kind: collect.ErrTimeout, msg: "no reply from " + sim.Path() + " within "},
		{fault: simulator.FaultCrash, kind: collect.ErrNoReply, msg: sim.Path() + " closed the connection without replying"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			sim.SetFault(tt.fault)
			src := NewJSONRPCSource(sim.Path())
			deadline := cmp.Or(tt.deadline, deadline)
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			v, w, err := src.Fetch(ctx, keys)
			took := time.Since(start)
			if took > deadline+slack {
				t.Errorf("Fetch took %v with a %v deadline", took, deadline)
			}
			t.Logf("took %v", took)
			switch {
			case tt.fault == simulator.FaultNone:
				if err != nil {
					t.Fatal(err)
				}
				if len(v) != len(dashboardKeys) {
					t.Errorf("got %d values, want %d", len(v), len(dashboardKeys))
				}
				for k, s := range v {
					if s.Float || s.Value < 0 {
						t.Errorf("%s = %+v", k, s)
					}
				}
				if !slices.Equal(w, tt.warnings) {
					t.Errorf("warnings %q, want %q", w, tt.warnings)
				}
			case tt.fault == simulator.FaultErrorList:
				if err != nil {
					t.Fatal(err)
				}
				if len(v) != 0 || len(w) != len(keys) {
					t.Fatalf("got %d values and %d warnings, want 0 and %d", len(v), len(w), len(keys))
				}
				for i, k := range keys {
					if want := "record not found: " + k + " (2000)"; w[i] != want {
						t.Errorf("warning %q, want %q", w[i], want)
					}
				}
			default:
				if err == nil {
					t.Fatalf("no error (values %v)", v)
				}
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("error %q\nwant it to contain %q", err, tt.msg)
				}
				if tt.kind != nil && !errors.Is(err, tt.kind) {
					t.Errorf("error %v is not %v", err, tt.kind)
				}
				if v != nil || w != nil {
					t.Errorf("values/warnings returned with an error: %v %v", v, w)
				}
				if strings.ContainsAny(err.Error(), "\x1b\x00\r\n") {
					t.Errorf("control characters in error: %q", err)
				}
			}
		})
	}
	sim.SetFault(simulator.FaultNone)
}

func TestFetchByName(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 2, EmulateStringRegexCrash: true})
	src := NewJSONRPCSource(sim.Path())
	src.ByName = true
	keys := []string{"proxy.process.http.incoming_requests", "proxy.process.version.server.short", "proxy.process.nope"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v, w, err := src.Fetch(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v["proxy.process.http.incoming_requests"]; !ok || len(v) != 1 {
		t.Errorf("values %v", v)
	}
	want := []string{`not a number: proxy.process.version.server.short = "10.2.0" (STRING)`, "record not found: proxy.process.nope (2000)"}
	if !slices.Equal(w, want) {
		t.Errorf("warnings %q, want %q", w, want)
	}
	// The same keys through the regex lookup crash an unpatched 10.2.0.
	src.ByName = false
	_, _, err = src.Fetch(ctx, keys)
	if !errors.Is(err, collect.ErrNoReply) {
		t.Errorf("regex lookup of a STRING metric on emulated 10.2.0: err = %v, want ErrNoReply", err)
	}
}

func TestFetchConnectErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "jsonrpc20.sock")

	// A socket file nobody listens on: bind, then close without unlinking.
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()

	notSock := filepath.Join(dir, "plain.sock")
	if err := os.WriteFile(notSock, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		path, msg string
	}{
		{missing, "cannot connect to " + missing + ": no such file (is traffic_server running? use --socket)"},
		{stale, "cannot connect to " + stale + ": connection refused"},
		{notSock, "cannot connect to " + notSock + ": it is a regular file, not a socket"},
		{dir, "cannot connect to " + dir + ": it is a directory, not a socket"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, _, err := NewJSONRPCSource(tt.path).Fetch(ctx, dashboardKeys)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %q", err, tt.msg)
			}
			if !errors.Is(err, collect.ErrConnect) {
				t.Errorf("%v is not ErrConnect", err)
			}
		})
	}
}

// deafConn ignores deadlines, like an SSH channel.
type deafConn struct{ net.Conn }

func (deafConn) SetDeadline(time.Time) error      { return nil }
func (deafConn) SetReadDeadline(time.Time) error  { return nil }
func (deafConn) SetWriteDeadline(time.Time) error { return nil }

func TestFetchDeadlineWithoutConnDeadlines(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 3})
	sim.SetFault(simulator.FaultHang)
	src := NewJSONRPCSource(sim.Path())
	src.Dial = func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "unix", sim.Path())
		return deafConn{c}, err
	}
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	_, _, err := src.Fetch(ctx, dashboardKeys)
	if took := time.Since(start); took > deadline+slack {
		t.Errorf("Fetch took %v with a %v deadline on a conn ignoring deadlines", took, deadline)
	}
	if !errors.Is(err, collect.ErrTimeout) || !regexp.MustCompile(`^no reply from `+regexp.QuoteMeta(sim.Path())+` within \d+ms$`).MatchString(err.Error()) {
		t.Errorf("err = %v", err)
	}
}

func TestFetchCancelled(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 3})
	sim.SetFault(simulator.FaultHang)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	go func() {
		for sim.Requests() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, _, err := NewJSONRPCSource(sim.Path()).Fetch(ctx, dashboardKeys)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("err = %v, want a cancellation", err)
	}
}

func TestFetchNoDeadlineUsesDefault(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 3})
	v, _, err := NewJSONRPCSource(sim.Path()).Fetch(context.Background(), dashboardKeys[:2])
	if err != nil || len(v) != 2 {
		t.Fatalf("v=%v err=%v", v, err)
	}
}

func TestFetchManyKeysSplitsRequests(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 4})
	keys := slices.Clone(dashboardKeys)
	for i := range 1500 {
		keys = append(keys, fmt.Sprintf("proxy.process.plugin.some_long_plugin_name.metric_number_%05d", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	before := sim.Requests()
	v, w, err := NewJSONRPCSource(sim.Path()).Fetch(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if n := sim.Requests() - before; n < 2 {
		t.Errorf("%d requests for %d keys; the server rejects requests over 32000 bytes", n, len(keys))
	}
	if len(v) != len(dashboardKeys) || len(w) != 1500 {
		t.Errorf("got %d values, %d warnings", len(v), len(w))
	}
}

// TestSingleWriteNoHalfClose checks, with a bare listener, that the request
// arrives complete in one read and that the client does not shut down its
// write side while waiting for the reply (ATS then answers nothing).
func TestSingleWriteNoHalfClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	keys := dashboardKeys
	type report struct {
		firstRead []byte
		err       error
	}
	done := make(chan report, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- report{err: err}
			return
		}
		defer c.Close()
		buf := make([]byte, 64<<10)
		n, err := c.Read(buf)
		if err != nil {
			done <- report{err: err}
			return
		}
		r := report{firstRead: append([]byte(nil), buf[:n]...)}
		// Like ATS, keep reading for a while: EOF here means the client
		// half-closed; more data means it wrote twice.
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		m, err := c.Read(buf)
		var ne net.Error
		switch {
		case m > 0:
			r.err = fmt.Errorf("client wrote again: %q", buf[:m])
		case errors.As(err, &ne) && ne.Timeout():
			// good: the peer is silent but still open
		default:
			r.err = fmt.Errorf("client half-closed or left before the reply: %v", err)
		}
		var req struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r.firstRead, &req); err != nil && r.err == nil {
			r.err = fmt.Errorf("first read is not a whole request: %v", err)
		}
		c.Write([]byte(`{"jsonrpc": "2.0", "result": {"recordList": [{"record": {"record_name": "proxy.process.http.incoming_requests", "data_type": "COUNTER", "current_value": "42"}}], "errorList": []}, "id": "` + req.ID + `"}`))
		done <- r
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v, _, err := NewJSONRPCSource(path).Fetch(ctx, keys)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if v["proxy.process.http.incoming_requests"].Value != 42 {
		t.Errorf("values %v", v)
	}
	if !json.Valid(r.firstRead) || !strings.Contains(string(r.firstRead), `"method":"admin_lookup_records"`) {
		t.Errorf("request %q", r.firstRead)
	}
}

func TestSanitizeAndFormat(t *testing.T) {
	if got := collect.Sanitize("a\x1b[0mb\xffc\u2028d", 100); got != "a?[0mb?c?d" {
		t.Errorf("sanitize = %q", got)
	}
	if got := collect.Sanitize("evil‮txt.exe⁦", 100); got != "evil?txt.exe?" {
		t.Errorf("bidi overrides kept: %q", got)
	}
	if got := collect.Sanitize(strings.Repeat("x", 10), 4); got != "xxxx…" {
		t.Errorf("sanitize cut = %q", got)
	}
	for n, want := range map[int64]string{16 << 20: "16 MiB", 1536: "1.5 KiB", 100: "100 B", 3 << 19: "1.5 MiB"} {
		if got := collect.FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func BenchmarkJSONRPCFetch(b *testing.B) {
	sim := simulator.StartForTest(b, simulator.Options{Seed: 1})
	src := NewJSONRPCSource(sim.Path())
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		v, _, err := src.Fetch(ctx, dashboardKeys)
		cancel()
		if err != nil || len(v) != len(dashboardKeys) {
			b.Fatalf("v=%d err=%v", len(v), err)
		}
	}
}

// dashboardReply is a simulated server's reply (id "1") to a lookup of
// the built-in dashboard's keys.
func dashboardReply(tb testing.TB) []byte {
	sim := simulator.StartForTest(tb, simulator.Options{Seed: 1})
	c, err := net.Dial("unix", sim.Path())
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	c.Write(BuildLookupRequest(dashboardKeys, "1"))
	body, err := readAllConn(c)
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

func BenchmarkParseLookupReply(b *testing.B) {
	body := dashboardReply(b)
	// The reply as read, and as encoding/json read it before (the same
	// result: FuzzLookupReplyReader), with the wanted keys sorted once,
	// in the plan, as Fetch reads it.
	want := collect.WantedKeys(dashboardKeys)
	var records []replyRecord // the last reply's, as Fetch reads
	b.Run("one pass", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, _, err := parseLookupReply(body, "1", want, len(dashboardKeys), &records); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var r reply
			if err := json.Unmarshal(body, &r); err != nil || r.Result == nil || r.Result.RecordList == nil {
				b.Fatal(err)
			}
			r.Result.values(want, len(dashboardKeys))
		}
	})
}

func readAllConn(c net.Conn) ([]byte, error) {
	var out []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, nil
		}
	}
}

func FuzzParseLookupReply(f *testing.F) {
	for _, c := range loadCaptures(f, localCaptureDir) {
		f.Add(c.response, "1", "proxy.process.http.incoming_requests")
	}
	f.Add([]byte(`{"jsonrpc": "2.0", "result": {"recordList": [{"record": {"record_name": "a", "data_type": "FLOAT", "current_value": "1e308"}}], "errorList": [{"code": 1}]}, "id": "1"}`), "1", "a")
	f.Add([]byte(`{"error": {"code": 1.5}}`), "", "")
	f.Add([]byte(`{"error": {"code": "10", "data": [{"message": "\u001b"}]}}`), "", "x")
	f.Add([]byte(`{"result": {"recordList": [{"record": {"record_name": 1, "current_value": {}}}]}, "id": "1"}`), "1", "1")
	f.Fuzz(func(t *testing.T, body []byte, id string, key string) {
		keys := []string{key, "proxy.process.http.incoming_requests"}
		v, w, err := ParseLookupReply(body, id, keys)
		if err != nil {
			if v != nil || w != nil {
				t.Fatalf("values or warnings with an error")
			}
			if strings.ContainsAny(err.Error(), "\x1b\x00\r\n\a") {
				t.Fatalf("control characters in error %q", err)
			}
			return
		}
		for k, s := range v {
			if k != keys[0] && k != keys[1] {
				t.Fatalf("unrequested key %q", k)
			}
			if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
				t.Fatalf("non-finite value %v", s.Value)
			}
		}
		for _, x := range w {
			if strings.ContainsAny(x, "\x1b\x00\r\n\a") {
				t.Fatalf("control characters in warning %q", x)
			}
		}
	})
}

// A server that answers the dashboard's small question with 17 MiB must
// cost one short read, not 16 MiB (and twice that in buffer growth) every
// tick.
func TestOversizeReplyCostsLittleMemory(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 1})
	sim.SetFault(simulator.FaultOversize)
	src := NewJSONRPCSource(sim.Path())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, _, err := src.Fetch(ctx, dashboardKeys)
		cancel()
		if !errors.Is(err, collect.ErrTooLarge) {
			t.Fatalf("err %v, want ErrTooLarge", err)
		}
	}
	runtime.ReadMemStats(&after)
	perFetch := (after.TotalAlloc - before.TotalAlloc) / 3
	t.Logf("allocated %d KiB per oversize fetch", perFetch>>10)
	// Reading up to the limit costs the limit and a buffer's doubling (the
	// race detector's allocator about twice that); reading the whole
	// 17 MiB would cost twice the 17 MiB.
	limit := uint64(src.replyLimit(len(dashboardKeys)))
	if perFetch > 6*limit+1<<20 {
		t.Errorf("an oversize reply allocated %d KiB per fetch; want at most 6 × the limit for %d records (%d KiB) and 1 MiB",
			perFetch>>10, len(dashboardKeys), limit>>10)
	}
}

// Keys with a wildcard ask for every match, by the regex lookup and by
// name alike, and a pattern that may match a STRING record is never sent:
// the emulated 10.2.0 would crash on it.
func TestFetchPatterns(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(start.UnixNano())
	sim := simulator.StartForTest(t, simulator.Options{Seed: 2, EmulateStringRegexCrash: true, Clock: func() time.Time { return time.Unix(0, now.Load()) }})
	keys := []string{
		"proxy.process.http.incoming_requests",
		"plugin.remap_stats.*.status_5xx",
		"proxy.process.http.per_server.current_connection.*",
		"proxy.process.version.*",     // matches the STRING records
		"proxy.process.*.connections", // may: its fixed start is version's
	}
	for _, byName := range []bool{false, true} {
		t.Run(fmt.Sprintf("byName=%v", byName), func(t *testing.T) {
			now.Store(start.Add(2 * time.Minute).UnixNano()) // every remap and origin there
			src := NewJSONRPCSource(sim.Path())
			src.ByName = byName
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			v, w, err := src.Fetch(ctx, keys)
			if err != nil {
				t.Fatalf("Fetch: %v (the server crashed?)", err)
			}
			var remaps, origins []string
			for name := range v {
				switch {
				case strings.HasPrefix(name, "plugin.remap_stats."):
					if !strings.HasSuffix(name, ".status_5xx") {
						t.Errorf("%s does not match the pattern", name)
					}
					remaps = append(remaps, name)
				case strings.HasPrefix(name, "proxy.process.http.per_server.current_connection."):
					origins = append(origins, name)
				case name != "proxy.process.http.incoming_requests":
					t.Errorf("unexpected record %s", name)
				}
			}
			if len(remaps) != 6 || len(origins) != 4 {
				t.Errorf("%d remaps, %d origins; want 6 and 4: %v %v", len(remaps), len(origins), remaps, origins)
			}
			if len(w) != 2 || !strings.Contains(w[0], "proxy.process.version.*: not asked for") || !strings.Contains(w[1], "crashes Traffic Server 10.2.0") {
				t.Errorf("warnings %q", w)
			}
		})
	}
	// The regex sent names exactly the patterns' matches.
	re := regexp.MustCompile("(?i)" + LookupRegex([]string{"plugin.remap_stats.*.status_5xx"}))
	for name, want := range map[string]bool{
		"plugin.remap_stats.a.b.status_5xx": true, "plugin.remap_stats..status_5xx": false,
		"plugin.remap_stats.a.status_5xx.x": false, "xplugin.remap_stats.a.status_5xx": false,
	} {
		if re.MatchString(name) != want {
			t.Errorf("regex %s matches %s: %v", re, name, !want)
		}
	}
}

// A source asked other keys than last time asks for those: the lookup
// worked out for the last keys is not reused.
func TestFetchOtherKeysThanLastTime(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 3})
	src := NewJSONRPCSource(sim.Path())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, keys := range [][]string{
		{"proxy.process.http.incoming_requests"},
		{"proxy.process.http.incoming_requests"},
		{"proxy.process.http.outgoing_requests", "proxy.process.http.2xx_responses"},
		{"proxy.process.http.incoming_requests"},
	} {
		v, _, err := src.Fetch(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != len(keys) {
			t.Fatalf("asked %v, got %v", keys, v)
		}
		for _, k := range keys {
			if _, ok := v[k]; !ok {
				t.Errorf("asked %v, no %s in %v", keys, k, v)
			}
		}
	}
}

// A tick's request is the plan's, encoded once, with the tick's id put in:
// the same bytes as encoding the whole request again.
func TestRequestWithIDIsTheEncodedRequest(t *testing.T) {
	keys := []string{"proxy.process.http.incoming_requests", "proxy.process.http.remap.*.requests", `odd"name\`}
	for _, id := range []string{"tg-1", "tg-18446744073709551615"} {
		if got, want := appendRequestWithID(nil, BuildNameLookupRequest(keys, ""), id), BuildNameLookupRequest(keys, id); string(got) != string(want) {
			t.Errorf("by name: %s\nwant %s", got, want)
		}
		if got, want := appendRequestWithID(nil, BuildLookupRequest(keys, ""), id), BuildLookupRequest(keys, id); string(got) != string(want) {
			t.Errorf("by regex: %s\nwant %s", got, want)
		}
	}
}

// A reply read every second by every host allocates little more than the
// string of each record's value: no copies of the metadata, of the data
// types, of the names asked for, of the record list.
func TestParseLookupReplyAllocations(t *testing.T) {
	body := dashboardReply(t)
	want := collect.WantedKeys(dashboardKeys)
	var records []replyRecord // as Fetch reads: the last reply's list
	values, _, err := parseLookupReply(body, "1", want, len(dashboardKeys), &records)
	if err != nil || len(values) < 100 {
		t.Fatalf("%d values, %v", len(values), err)
	}
	allocs := testing.AllocsPerRun(20, func() { parseLookupReply(body, "1", want, len(dashboardKeys), &records) })
	if limit := float64(len(values) + 16); allocs > limit {
		t.Errorf("%.0f allocations to read %d records, want at most %.0f", allocs, len(values), limit)
	}
}

// A fetch of a round read together (collect.WithRoundRead) sends its
// request, then reads the reply at the round's read time: not before it,
// and not after its deadline, even when the reply is larger than the
// socket holds (the server waits for it).
func TestFetchReadsWithItsRound(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 1})
	src := NewJSONRPCSource(sim.Path())
	for _, tt := range []struct {
		fault    simulator.Fault
		wait     time.Duration // read time after now
		deadline time.Duration
		kind     error
	}{
		{fault: simulator.FaultNone, wait: 80 * time.Millisecond, deadline: 10 * time.Second},
		{fault: simulator.FaultOversize, wait: 80 * time.Millisecond, deadline: 10 * time.Second, kind: collect.ErrTooLarge},
		{fault: simulator.FaultNone, wait: time.Hour, deadline: 100 * time.Millisecond, kind: collect.ErrTimeout},
	} {
		t.Run(fmt.Sprintf("%v read in %v", tt.fault, tt.wait), func(t *testing.T) {
			sim.SetFault(tt.fault)
			ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
			defer cancel()
			at := time.Now().Add(tt.wait)
			values, _, err := src.Fetch(collect.WithRoundRead(ctx, at), dashboardKeys)
			switch {
			case tt.kind != nil && !errors.Is(err, tt.kind):
				t.Fatalf("err %v, want %v", err, tt.kind)
			case tt.kind == nil && (err != nil || len(values) != len(dashboardKeys)):
				t.Fatalf("%d values, err %v", len(values), err)
			case tt.kind != collect.ErrTimeout && time.Now().Before(at):
				t.Errorf("read before the round's read time")
			case tt.kind == collect.ErrTimeout && time.Now().After(at):
				t.Errorf("waited for the read time past the deadline")
			}
		})
	}
}

// A tick's reply is read into room for about the last one: grown by
// doubling from 32 KB, a buffer held a 67 KB reply in 130 KB, for every
// host, for as long as the program ran. The scratches are shared by the
// hosts, so one is not made smaller for a small reply either.
func TestReplyBufferFitsTheReply(t *testing.T) {
	// The whole dashboard of a server up for two minutes, its remap rules
	// and origins all there: a 67 KB reply.
	var up atomic.Int64
	start := time.Now()
	clock := func() time.Time { return start.Add(time.Duration(up.Load())) }
	sim := simulator.StartForTest(t, simulator.Options{Seed: 1, Clock: clock})
	up.Store(int64(2 * time.Minute))
	src := NewJSONRPCSource(sim.Path())
	for range 3 {
		if _, _, err := src.Fetch(context.Background(), pages.Default().Keys()); err != nil {
			t.Fatal(err)
		}
	}
	size := src.replySize.Load()
	if size < 64<<10 {
		t.Fatalf("reply of %d bytes: too small to tell", size)
	}
	// Another host's small reply, read into a scratch the large one grew:
	// the memory is used as it is, not made smaller (and grown again by
	// the next large reply it is handed to).
	small := NewJSONRPCSource(sim.Path())
	if _, _, err := small.Fetch(context.Background(), dashboardKeys[:2]); err != nil {
		t.Fatal(err)
	}
	for kept := true; kept; {
		select {
		case sc := <-replyScratches:
			if c := int64(cap(sc.body)); c < size || c > size+size/2 {
				t.Errorf("a %d-byte reply kept in a %d-byte buffer", size, c)
			}
		default:
			kept = false
		}
	}
}
