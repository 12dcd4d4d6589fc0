package trafficctl

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

var ctlCaptureDir = filepath.Join("testdata")

// ctlPromptSlack is how late past its deadline a Fetch may return.
const ctlPromptSlack = 500 * time.Millisecond

func ctlFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ctlCaptureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ctlRecords reads a `name value` capture into a map of value texts.
func ctlRecords(t testing.TB, name string) map[string]string {
	t.Helper()
	recs := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(ctlFixture(t, name)))
	for sc.Scan() {
		n, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("%s: bad line %q", name, sc.Text())
		}
		recs[n] = v
	}
	return recs
}

// ctlSessionOutputs splits the ATS 10 session capture into the stdout of
// each command, keyed by the command line.
func ctlSessionOutputs(t testing.TB) map[string][]byte {
	t.Helper()
	outs := map[string][]byte{}
	var cmd string
	var buf bytes.Buffer
	for _, line := range strings.Split(string(ctlFixture(t, "ats10_session.txt")), "\n") {
		switch {
		case strings.HasPrefix(line, "$ "):
			cmd = strings.TrimPrefix(line, "$ ")
			buf.Reset()
		case strings.HasPrefix(line, "rc="):
			outs[cmd] = bytes.Clone(buf.Bytes())
		default:
			buf.WriteString(line + "\n")
		}
	}
	return outs
}

const (
	ctlIncoming      = "proxy.process.http.incoming_requests"
	ctlTotalMiss     = "proxy.process.http.transaction_totaltime.miss_cold"
	ctlCountMiss     = "proxy.process.http.transaction_counts.miss_cold"
	ctlConnFail      = "proxy.process.http.err_connect_fail_count"
	ctlConnFailStat  = "proxy.process.http.err_connect_fail_count_stat"
	ctlNoSuch        = "proxy.process.no.such.metric"
	ctl9Unknown      = "exit status 2: Traffic Server: failed to fetch %s: [11] Invalid parameters passed into function call."
	ctl9NoManager    = "exit status 2: Traffic Server: failed to fetch %s: [5] Error establishing socket connection."
	ctlNotFoundHint  = "not found: is Traffic Server installed on this host? give the full path to traffic_ctl)"
	ctlNotRunningTip = "(is traffic_server running?)"
)

func TestParseTrafficCtlOutputCaptures(t *testing.T) {
	t.Run("ats92 metric get", func(t *testing.T) {
		recs := ctlRecords(t, "ats92_metric_get.txt")
		keys := slices.Sorted(maps.Keys(recs))
		v, w, err := ParseTrafficCtlOutput(ctlFixture(t, "ats92_metric_get.txt"), keys)
		if err != nil || len(w) != 0 || len(v) != len(keys) {
			t.Fatalf("got %d values, %q, %v; want %d values", len(v), w, err, len(keys))
		}
		want := map[string]metrics.Sample{
			ctlIncoming:  {Value: 621},
			ctlTotalMiss: {Value: 19.827999, Float: true},
			ctlCountMiss: {Value: 285},
			"proxy.process.http.transaction_totaltime.hit_fresh": {Value: 0.048, Float: true},
			"proxy.process.http.user_agent_total_response_bytes": {Value: 1351881},
			"proxy.process.http.current_client_connections":      {Value: 0},
		}
		for k, s := range want {
			if v[k] != s {
				t.Errorf("%s = %+v, want %+v", k, v[k], s)
			}
		}
	})

	t.Run("ats92 metric match", func(t *testing.T) {
		// The unanchored match also printed http2.* and https.*: other
		// records, silently skipped.
		keys := []string{ctlIncoming, ctlTotalMiss, ctlConnFail, "proxy.process.http.tcp_hit_count", ctlNoSuch,
			"proxy.process.http.transaction_totaltime.errors.pre_accept_hangups"}
		v, w, err := ParseTrafficCtlOutput(ctlFixture(t, "ats92_metric_match_http.txt"), keys)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]metrics.Sample{
			ctlIncoming:                        {Value: 621},
			ctlTotalMiss:                       {Value: 19.827999, Float: true},
			ctlConnFail:                        {Value: 0},   // from ..._count_stat
			"proxy.process.http.tcp_hit_count": {Value: 326}, // from tcp_hit_count_stat
			"proxy.process.http.transaction_totaltime.errors.pre_accept_hangups": {Value: 0, Float: true},
		}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("values = %v\nwant     %v", v, want)
		}
		if !slices.Equal(w, []string{"record not found: " + ctlNoSuch}) {
			t.Errorf("warnings = %q", w)
		}
	})

	t.Run("ats10 metric get", func(t *testing.T) {
		outs := ctlSessionOutputs(t)
		out, ok := outs["traffic_ctl metric get proxy.process.http.incoming_requests proxy.process.http.2xx_responses proxy.process.http.404_responses proxy.process.no.such.metric"]
		if !ok {
			t.Fatalf("command not in capture; have %q", slices.Sorted(maps.Keys(outs)))
		}
		keys := []string{ctlIncoming, "proxy.process.http.2xx_responses", "proxy.process.http.404_responses", ctlNoSuch}
		v, w, err := ParseTrafficCtlOutput(out, keys)
		want := map[string]metrics.Sample{ctlIncoming: {Value: 34}, "proxy.process.http.2xx_responses": {Value: 31}, "proxy.process.http.404_responses": {Value: 3}}
		if err != nil || !reflect.DeepEqual(v, want) || !slices.Equal(w, []string{"record not found: " + ctlNoSuch}) {
			t.Errorf("got %v, %q, %v", v, w, err)
		}
		// 10.x prints nothing at all for an unknown name, and exits 0.
		out = outs["traffic_ctl metric get proxy.process.no.such.metric"]
		if v, w, err := ParseTrafficCtlOutput(out, []string{ctlNoSuch}); err != nil || len(v) != 0 || len(w) != 1 {
			t.Errorf("unknown only: %v, %q, %v", v, w, err)
		}
	})

	t.Run("ats10 whole session as noise", func(t *testing.T) {
		// Prompts, rc= lines and JSON are not records: ignored with one
		// warning because a requested record was found. The last
		// incoming_requests line (34) wins over the first (0).
		v, w, err := ParseTrafficCtlOutput(ctlFixture(t, "ats10_session.txt"), []string{ctlIncoming, "proxy.process.http.4xx_responses"})
		if err != nil || v[ctlIncoming] != (metrics.Sample{Value: 34}) || v["proxy.process.http.4xx_responses"] != (metrics.Sample{Value: 3}) {
			t.Fatalf("got %v, %q, %v", v, w, err)
		}
		if len(w) != 1 || !strings.HasPrefix(w[0], "ignored ") || !strings.Contains(w[0], `first at line 1: "$ traffic_ctl metric get`) {
			t.Errorf("warnings = %q", w)
		}
	})
}

func TestParseTrafficCtlOutputCases(t *testing.T) {
	type S = metrics.Sample
	for _, tc := range []struct {
		name     string
		out      string
		keys     []string
		want     map[string]S
		warnings []string
		err      string // substring; the error must match ErrMalformed
	}{
		{name: "integers and 9.x float seconds", out: "a.b 621\na.t 19.827999\na.z 0.000000\n", keys: []string{"a.b", "a.t", "a.z"},
			want: map[string]S{"a.b": {Value: 621}, "a.t": {Value: 19.827999, Float: true}, "a.z": {Float: true}}},
		{name: "CRLF", out: "a.b 1\r\na.c 2.5\r\n", keys: []string{"a.b", "a.c"},
			want: map[string]S{"a.b": {Value: 1}, "a.c": {Value: 2.5, Float: true}}},
		{name: "blanks and tabs", out: "\n  a.b 1   \t\n\ta.c\t\t2  \n\n", keys: []string{"a.b", "a.c"},
			want: map[string]S{"a.b": {Value: 1}, "a.c": {Value: 2}}},
		{name: "no final newline", out: "a.b 7", keys: []string{"a.b"}, want: map[string]S{"a.b": {Value: 7}}},
		{name: "duplicate line: last wins", out: "a.b 1\na.b 2\n", keys: []string{"a.b"}, want: map[string]S{"a.b": {Value: 2}}},
		{name: "duplicate keys", out: "a.b 1\n", keys: []string{"a.b", "a.b", ""}, want: map[string]S{"a.b": {Value: 1}}},
		{name: "a bad line then a good one", out: "a.b nan\na.b 3\n", keys: []string{"a.b"}, want: map[string]S{"a.b": {Value: 3}}},
		{name: "unrequested records ignored", out: "x.y 1\na.b 2\nproxy.process.http2.foo 3\n", keys: []string{"a.b"},
			want: map[string]S{"a.b": {Value: 2}}},
		{name: "missing keys", out: "a.b 1\n", keys: []string{"a.b", "a.c"}, want: map[string]S{"a.b": {Value: 1}},
			warnings: []string{"record not found: a.c"}},
		{name: "empty output", out: "", keys: []string{"a.b"}, want: map[string]S{}, warnings: []string{"record not found: a.b"}},
		{name: "only blank lines", out: "\r\n\n  \n", keys: []string{"a.b"}, want: map[string]S{}, warnings: []string{"record not found: a.b"}},
		{name: "odd numbers", out: "a.neg -5\na.negzero -0\na.plus +7\na.exp 1e3\na.big 18446744073709551615\na.lead 007\na.dot .5\n",
			keys: []string{"a.neg", "a.negzero", "a.plus", "a.exp", "a.big", "a.lead", "a.dot"},
			want: map[string]S{"a.neg": {Value: -5}, "a.negzero": {}, "a.plus": {Value: 7}, "a.exp": {Value: 1000, Float: true},
				"a.big": {Value: 18446744073709551615}, "a.lead": {Value: 7}, "a.dot": {Value: 0.5, Float: true}}},
		{name: "not numbers", out: "a.nan nan\na.mnan -nan\na.inf inf\na.empty \"\"\na.str Apache Traffic Server - 9.2.9\na.hex 0x10\na.huge 1" +
			strings.Repeat("0", 400) + "\na.exp 1e\na.dots 1.2.3\na.under 1_000\n",
			keys: []string{"a.nan", "a.mnan", "a.inf", "a.empty", "a.str", "a.hex", "a.huge", "a.exp", "a.dots", "a.under"},
			want: map[string]S{},
			warnings: []string{`not a number: a.nan = "nan"`, `not a number: a.mnan = "-nan"`, `not a number: a.inf = "inf"`,
				`not a number: a.empty = "\"\""`, `not a number: a.str = "Apache Traffic Server - 9.2.9"`, `not a number: a.hex = "0x10"`,
				`not a number: a.huge = "1000000000000000000000000000000000000000…"`, `not a number: a.exp = "1e"`,
				`not a number: a.dots = "1.2.3"`, `not a number: a.under = "1_000"`}},
		{name: "name without value", out: "a.c 1\na.b\n", keys: []string{"a.b", "a.c"}, want: map[string]S{"a.c": {Value: 1}},
			warnings: []string{"no value for a.b (line 2)"}},
		{name: "9.x name answers for the 10.x key", out: ctlConnFailStat + " 12\n", keys: []string{ctlConnFail},
			want: map[string]S{ctlConnFail: {Value: 12}}},
		{name: "10.x name answers for the 9.x key", out: ctlConnFail + " 12\n", keys: []string{ctlConnFailStat},
			want: map[string]S{ctlConnFailStat: {Value: 12}}},
		{name: "own name preferred over alias", out: ctlConnFailStat + " 1\n" + ctlConnFail + " 2\n", keys: []string{ctlConnFail},
			want: map[string]S{ctlConnFail: {Value: 2}}},
		{name: "both names requested", out: ctlConnFailStat + " 1\n", keys: []string{ctlConnFail, ctlConnFailStat},
			want: map[string]S{ctlConnFail: {Value: 1}, ctlConnFailStat: {Value: 1}}},
		{name: "login banner among records", out: "Welcome to edge1\nLast login: Mon Nov 3 from 10.0.0.1\na.b 1\n", keys: []string{"a.b"},
			want: map[string]S{"a.b": {Value: 1}}, warnings: []string{`ignored 2 unexpected lines in traffic_ctl output (first at line 1: "Welcome to edge1")`}},
		{name: "one foreign line", out: "a.b 1\nrc=0\n", keys: []string{"a.b"},
			want: map[string]S{"a.b": {Value: 1}}, warnings: []string{`ignored 1 unexpected line in traffic_ctl output (line 2: "rc=0")`}},
		{name: "only garbage", out: "\nUsage: traffic_ctl [OPTIONS] CMD [ARGS ...]\n", keys: []string{"a.b"},
			err: `unexpected traffic_ctl output at line 2: "Usage: traffic_ctl [OPTIONS] CMD [ARGS ...]"`},
		{name: "garbage with control characters", out: "\x1b[31mboom\x00\n", keys: []string{"a.b"},
			err: `line 1: "?[31mboom?"`},
		{name: "invalid UTF-8", out: "\xff\xfe 1\n", keys: []string{"a.b"}, err: `line 1: "?? 1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, w, err := ParseTrafficCtlOutput([]byte(tc.out), tc.keys)
			if tc.err != "" {
				if !errors.Is(err, collect.ErrMalformed) || !strings.Contains(err.Error(), tc.err) || v != nil || w != nil {
					t.Fatalf("got %v, %q, %v; want error containing %q", v, w, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v, tc.want) {
				t.Errorf("values = %v\nwant     %v", v, tc.want)
			}
			if !slices.Equal(w, tc.warnings) {
				t.Errorf("warnings = %q\nwant       %q", w, tc.warnings)
			}
		})
	}
}

// TestTrafficCtlLatencyUnits feeds two snapshots of each generation's
// output through the latency derivation: both must come out in ms.
func TestTrafficCtlLatencyUnits(t *testing.T) {
	keys := []string{ctlTotalMiss, ctlCountMiss}
	for _, tc := range []struct {
		name          string
		before, after string
	}{
		// 9.2: float seconds. The after sample is the real capture.
		{"ats92 float seconds", ctlTotalMiss + " 9.827999\n" + ctlCountMiss + " 185\n", string(ctlFixture(t, "ats92_metric_get.txt"))},
		// 10.x: integer milliseconds.
		{"ats10 integer ms", ctlTotalMiss + " 9828\n" + ctlCountMiss + " 185\n", ctlTotalMiss + " 19828\n" + ctlCountMiss + " 285\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &metrics.LatencyFromTotals{TotalKey: ctlTotalMiss, CountKey: ctlCountMiss, Unit: metrics.LatencyUnitAuto}
			t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, out := range []string{tc.before, tc.after} {
				v, w, err := ParseTrafficCtlOutput([]byte(out), keys)
				if err != nil || len(w) != 0 {
					t.Fatalf("parse: %q, %v", w, err)
				}
				lat, ok := d.Observe(metrics.Snapshot{Time: t0.Add(time.Duration(i) * time.Second), Values: v})
				if i == 0 {
					continue
				}
				// 10 s (or 10000 ms) over 100 transactions: 100 ms each.
				if !ok || math.Abs(lat-100) > 1e-6 {
					t.Errorf("latency = %v, %v; want 100 ms", lat, ok)
				}
			}
		})
	}
}

func TestTrafficCtlRecordAliases(t *testing.T) {
	if got := RecordAliases(ctlConnFail); !slices.Equal(got, []string{ctlConnFailStat}) {
		t.Errorf("RecordAliases(%s) = %q", ctlConnFail, got)
	}
	if got := RecordAliases(ctlConnFailStat); !slices.Equal(got, []string{ctlConnFail}) {
		t.Errorf("RecordAliases(%s) = %q", ctlConnFailStat, got)
	}
	if got := RecordAliases(ctlIncoming); got != nil {
		t.Errorf("RecordAliases(%s) = %q", ctlIncoming, got)
	}
	// Every 9.x name in the table is a real 9.2 record, and every
	// proxy.process.http.*_stat record of 9.2 is in the table.
	recs := ctlRecords(t, "ats92_metric_match_http.txt")
	n := 0
	for name := range statSuffixAliases {
		if strings.HasSuffix(name, "_stat") {
			n++
			if _, ok := recs[name]; !ok {
				t.Errorf("alias %s is not a 9.2 record", name)
			}
		}
	}
	for name := range recs {
		if strings.HasPrefix(name, "proxy.process.http.") && strings.HasSuffix(name, "_stat") && RecordAliases(name) == nil {
			t.Errorf("9.2 record %s has no alias", name)
		}
	}
	if n != 38 {
		t.Errorf("%d aliases, want 38", n)
	}
}

func TestParseTrafficCtlValue(t *testing.T) {
	for in, want := range map[string]metrics.Sample{
		"0": {}, "42": {Value: 42}, "-1": {Value: -1}, "0.000000": {Float: true}, "19.827999": {Value: 19.827999, Float: true},
		"1.": {Value: 1, Float: true}, "2E2": {Value: 200, Float: true}, "1e-3": {Value: 0.001, Float: true}, " 5 ": {Value: 5},
	} {
		if got, ok := ParseTrafficCtlValue(in); !ok || got != want {
			t.Errorf("ParseTrafficCtlValue(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", "+", ".", "e5", "nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999", "0x1p4", "1 2", `""`, "١٢"} {
		if got, ok := ParseTrafficCtlValue(in); ok {
			t.Errorf("ParseTrafficCtlValue(%q) = %+v, want not a number", in, got)
		}
	}
}

// ctlFake emulates traffic_ctl metric get. v9 selects the 9.x behaviour
// (stop at the first unknown name, exit 2) over 10.x's (skip it, exit 0).
type ctlFake struct {
	mu      sync.Mutex
	records map[string]string
	v9      bool
	banner  string
	calls   [][]string
}

func (f *ctlFake) run(ctx context.Context, argv []string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, slices.Clone(argv))
	if len(argv) == 4 && argv[1] == "metric" && argv[2] == "match" {
		// Unanchored, case-insensitive, as traffic_ctl matches.
		re, err := regexp.Compile("(?i)" + argv[3])
		if err != nil {
			return nil, fmt.Errorf("exit status 1: bad regex")
		}
		var b bytes.Buffer
		for _, n := range slices.Sorted(maps.Keys(f.records)) {
			if re.MatchString(n) {
				fmt.Fprintf(&b, "%s %s\n", n, f.records[n])
			}
		}
		return b.Bytes(), nil
	}
	if len(argv) < 4 || argv[1] != "metric" || argv[2] != "get" {
		return nil, fmt.Errorf("exit status 64: Error: at least one argument expected by get")
	}
	var b bytes.Buffer
	b.WriteString(f.banner)
	for _, n := range argv[3:] {
		v, ok := f.records[n]
		if !ok {
			if f.v9 {
				return b.Bytes(), fmt.Errorf(ctl9Unknown, n)
			}
			continue
		}
		fmt.Fprintf(&b, "%s %s\n", n, v)
	}
	return b.Bytes(), nil
}

func (f *ctlFake) takeCalls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func ctlCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestTrafficCtlFetch9x(t *testing.T) {
	fake := &ctlFake{records: ctlRecords(t, "ats92_metric_match_http.txt"), v9: true}
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	src := &TrafficCtlSource{Run: fake.run, Bin: "/opt/ts/bin/traffic_ctl", now: func() time.Time { return clock }}
	keys := []string{ctlIncoming, ctlNoSuch, ctlTotalMiss, ctlConnFail, ctlCountMiss, ctlIncoming}
	want := map[string]metrics.Sample{
		ctlIncoming:  {Value: 621},
		ctlTotalMiss: {Value: 19.827999, Float: true},
		ctlConnFail:  {Value: 0},
		ctlCountMiss: {Value: 285},
	}
	wantWarn := []string{"record not found: " + ctlNoSuch}
	bin := src.Bin

	// First Fetch: stops at no.such (warning), again after it, stops at
	// err_connect_fail_count, then asks its 9.x name.
	v, w, err := src.Fetch(ctlCtx(t), keys)
	if err != nil || !reflect.DeepEqual(v, want) || !slices.Equal(w, wantWarn) {
		t.Fatalf("got %v, %q, %v", v, w, err)
	}
	calls := fake.takeCalls()
	wantCalls := [][]string{
		{bin, "metric", "get", ctlIncoming, ctlNoSuch, ctlTotalMiss, ctlConnFail, ctlCountMiss},
		{bin, "metric", "get", ctlTotalMiss, ctlConnFail, ctlCountMiss},
		{bin, "metric", "get", ctlConnFailStat, ctlCountMiss},
	}
	if !reflect.DeepEqual(calls, wantCalls) {
		t.Errorf("calls:\n%q\nwant\n%q", calls, wantCalls)
	}

	// Second Fetch: one command, with the 9.x name, without no.such.
	v, w, err = src.Fetch(ctlCtx(t), keys)
	if err != nil || !reflect.DeepEqual(v, want) || !slices.Equal(w, wantWarn) {
		t.Fatalf("second: got %v, %q, %v", v, w, err)
	}
	if calls := fake.takeCalls(); !reflect.DeepEqual(calls, [][]string{{bin, "metric", "get", ctlIncoming, ctlTotalMiss, ctlConnFailStat, ctlCountMiss}}) {
		t.Errorf("second fetch calls: %q", calls)
	}

	// After ctlAbsentTTL the missing record is asked for again.
	clock = clock.Add(ctlAbsentTTL)
	if _, w, err := src.Fetch(ctlCtx(t), keys); err != nil || !slices.Equal(w, wantWarn) {
		t.Fatalf("after TTL: %q, %v", w, err)
	}
	if calls := fake.takeCalls(); len(calls) != 2 || !slices.Contains(calls[0], ctlNoSuch) {
		t.Errorf("after TTL calls: %q", calls)
	}

	// The host is upgraded to 10.x: the remembered 9.x name is gone, and
	// the key's own name answers.
	fake.mu.Lock()
	fake.v9 = false
	fake.records[ctlConnFail] = "7"
	delete(fake.records, ctlConnFailStat)
	fake.mu.Unlock()
	v, _, err = src.Fetch(ctlCtx(t), keys)
	if err != nil || v[ctlConnFail] != (metrics.Sample{Value: 7}) {
		t.Fatalf("after upgrade: %v, %v", v, err)
	}
	fake.takeCalls()
	src.Fetch(ctlCtx(t), keys)
	if calls := fake.takeCalls(); len(calls) != 1 || !slices.Contains(calls[0], ctlConnFail) || slices.Contains(calls[0], ctlConnFailStat) {
		t.Errorf("after upgrade calls: %q", calls)
	}
}

func TestTrafficCtlFetch10x(t *testing.T) {
	recs := ctlRecords(t, "ats92_metric_match_http.txt")
	// Rename to 10.x names and make latency totals integer ms.
	for n, v := range recs {
		if a := RecordAliases(n); a != nil && strings.HasSuffix(n, "_stat") {
			delete(recs, n)
			recs[a[0]] = v
		}
	}
	recs[ctlTotalMiss] = "19828"
	fake := &ctlFake{records: recs}
	src := &TrafficCtlSource{Run: fake.run}
	// A dashboard written for 9.x (…_stat) against a 10.x host.
	keys := []string{ctlIncoming, ctlConnFailStat, ctlNoSuch, ctlTotalMiss}
	want := map[string]metrics.Sample{ctlIncoming: {Value: 621}, ctlConnFailStat: {Value: 0}, ctlTotalMiss: {Value: 19828}}
	for round, wantCalls := range []int{2, 1} {
		v, w, err := src.Fetch(ctlCtx(t), keys)
		if err != nil || !reflect.DeepEqual(v, want) || !slices.Equal(w, []string{"record not found: " + ctlNoSuch}) {
			t.Fatalf("round %d: got %v, %q, %v", round, v, w, err)
		}
		// 10.x skips unknown names: nothing is remembered as absent, so
		// no.such is asked for every time, in the same command.
		if calls := fake.takeCalls(); len(calls) != wantCalls || !slices.Contains(calls[0], ctlNoSuch) {
			t.Errorf("round %d: calls %q", round, calls)
		}
	}
}

func TestTrafficCtlFetchExecRunner(t *testing.T) {
	// A shell script standing in for 9.x traffic_ctl, run through the real
	// ExecRunner: checks that the records printed before the failure
	// reach the parser along with the error.
	dir := t.TempDir()
	script := filepath.Join(dir, "traffic_ctl")
	body := `#!/bin/sh
[ "$1 $2" = "metric get" ] || { echo "bad usage" >&2; exit 64; }
shift 2
for n in "$@"; do
  case "$n" in
    ` + ctlIncoming + `) echo "$n 621";;
    ` + ctlTotalMiss + `) echo "$n 19.827999";;
    ` + ctlConnFailStat + `) printf '%s 3\r\n' "$n";;
    *) echo "Traffic Server: failed to fetch $n: [11] Invalid parameters passed into function call." >&2; exit 2;;
  esac
done
`
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	src := &TrafficCtlSource{Bin: script}
	v, w, err := src.Fetch(ctlCtx(t), []string{ctlIncoming, ctlNoSuch, ctlConnFail, ctlTotalMiss})
	want := map[string]metrics.Sample{ctlIncoming: {Value: 621}, ctlConnFail: {Value: 3}, ctlTotalMiss: {Value: 19.827999, Float: true}}
	if err != nil || !reflect.DeepEqual(v, want) || !slices.Equal(w, []string{"record not found: " + ctlNoSuch}) {
		t.Errorf("got %v, %q, %v", v, w, err)
	}
	if got := src.String(); got != "traffic_ctl "+script {
		t.Errorf("String() = %q", got)
	}

	// A script that never answers: killed at the deadline.
	slow := filepath.Join(dir, "slow")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nsleep 10\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = (&TrafficCtlSource{Bin: slow}).Fetch(ctx, []string{ctlIncoming})
	if took := time.Since(start); took > 300*time.Millisecond+ctlPromptSlack {
		t.Errorf("took %v", took)
	}
	// The budget said is what was left when the fetch began: 300ms, or a
	// little less on a busy machine.
	within := regexp.MustCompile(`^` + regexp.QuoteMeta(slow) + ` metric get: no answer within (300|2[0-9]0)ms$`)
	if !errors.Is(err, collect.ErrTimeout) || !within.MatchString(err.Error()) {
		t.Errorf("err = %v", err)
	}

	// Not executable.
	noexec := filepath.Join(dir, "noexec")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = (&TrafficCtlSource{Bin: noexec}).Fetch(ctlCtx(t), []string{ctlIncoming})
	if !errors.Is(err, collect.ErrConnect) || !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "cannot execute "+noexec) {
		t.Errorf("not executable: %v", err)
	}
}

// ctlSSHExit mimics golang.org/x/crypto/ssh.ExitError.
type ctlSSHExit struct{ status int }

func (e ctlSSHExit) Error() string   { return fmt.Sprintf("Process exited with status %d", e.status) }
func (e ctlSSHExit) ExitStatus() int { return e.status }

func TestTrafficCtlFetchErrors(t *testing.T) {
	missing := "traffic_ctl_tg_test_missing"
	for _, tc := range []struct {
		name string
		src  *TrafficCtlSource
		kind error
		msg  string // the whole message, or a substring if it starts with "…"
		is   error  // optional: the cause must match too
	}{
		{name: "9.x without traffic_manager",
			src:  &TrafficCtlSource{Run: func(context.Context, []string) ([]byte, error) { return nil, fmt.Errorf(ctl9NoManager, ctlIncoming) }},
			kind: collect.ErrConnect,
			msg:  "traffic_ctl metric get: " + fmt.Sprintf(ctl9NoManager, ctlIncoming) + " " + ctlNotRunningTip},
		{name: "9.x connection lost after some records",
			src: &TrafficCtlSource{Run: func(context.Context, []string) ([]byte, error) {
				return []byte(ctlIncoming + " 1\n"), fmt.Errorf("exit status 2: traffic_ctl: failed to fetch %s: [8] Reached socket EOF.", ctlTotalMiss)
			}},
			kind: collect.ErrConnect, msg: "…[8] Reached socket EOF. " + ctlNotRunningTip},
		{name: "10.x without traffic_server",
			src:  &TrafficCtlSource{Run: func(context.Context, []string) ([]byte, error) { return nil, errors.New("exit status 2: Error found:") }},
			kind: collect.ErrConnect, msg: "traffic_ctl metric get: exit status 2: Error found: " + ctlNotRunningTip},
		{name: "9.x permission denied",
			src: &TrafficCtlSource{Run: func(context.Context, []string) ([]byte, error) {
				return nil, errors.New("exit status 2: traffic_ctl: failed to fetch a.b: [13] Permission denied.")
			}},
			kind: collect.ErrConnect, msg: "…[13] Permission denied. (run as the Traffic Server user or root)"},
		{name: "not in PATH", src: &TrafficCtlSource{Bin: missing}, kind: collect.ErrConnect, is: exec.ErrNotFound,
			msg: "…executable file not found in $PATH (" + missing + " " + ctlNotFoundHint},
		{name: "no such path", src: &TrafficCtlSource{Bin: "/nonexistent/traffic_ctl"}, kind: collect.ErrConnect, is: fs.ErrNotExist,
			msg: "…/nonexistent/traffic_ctl " + ctlNotFoundHint},
		{name: "remote shell: command not found",
			src: &TrafficCtlSource{Label: "traffic_ctl over ssh edge1", Run: func(context.Context, []string) ([]byte, error) {
				return nil, errors.New("Process exited with status 127: bash: line 1: traffic_ctl: command not found")
			}},
			kind: collect.ErrConnect, msg: "traffic_ctl metric get: Process exited with status 127: bash: line 1: traffic_ctl: command not found (traffic_ctl " + ctlNotFoundHint},
		{name: "remote exit status type",
			src:  &TrafficCtlSource{Run: func(context.Context, []string) ([]byte, error) { return nil, fmt.Errorf("ssh: %w", ctlSSHExit{127}) }},
			kind: collect.ErrConnect, msg: "…(traffic_ctl " + ctlNotFoundHint},
		{name: "usage error: no hint",
			src:  &TrafficCtlSource{Run: func(context.Context, []string) ([]byte, error) { return nil, errors.New("exit status 64: Error: bad") }},
			kind: collect.ErrConnect, msg: "traffic_ctl metric get: exit status 64: Error: bad"},
		{name: "garbage output",
			src: &TrafficCtlSource{Run: func(context.Context, []string) ([]byte, error) {
				return []byte("\nThis account is currently not available.\n"), nil
			}},
			kind: collect.ErrMalformed, msg: `traffic_ctl metric get: unexpected output at line 2: "This account is currently not available." (expected "name value" lines for the requested records)`},
		{name: "output too large",
			src: &TrafficCtlSource{MaxOutputBytes: 100, Run: func(context.Context, []string) ([]byte, error) {
				return bytes.Repeat([]byte(ctlIncoming+" 1\n"), 10), nil
			}},
			kind: collect.ErrTooLarge, msg: "traffic_ctl metric get: output larger than 100 B"},
		{name: "control characters from the runner",
			src: &TrafficCtlSource{Run: func(context.Context, []string) ([]byte, error) {
				return nil, errors.New("exit status 3: \x1b]0;pwned\x07")
			}},
			kind: collect.ErrConnect, msg: "traffic_ctl metric get: exit status 3: ?]0;pwned?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, w, err := tc.src.Fetch(ctlCtx(t), []string{ctlIncoming, ctlTotalMiss})
			if err == nil || v != nil || w != nil {
				t.Fatalf("got %v, %q, %v; want an error", v, w, err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want kind %v", err, tc.kind)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.is)
			}
			if sub, ok := strings.CutPrefix(tc.msg, "…"); ok {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("err = %q\nwant it to contain %q", err, sub)
				}
			} else if err.Error() != tc.msg {
				t.Errorf("err = %q\nwant   %q", err, tc.msg)
			}
		})
	}
}

func TestTrafficCtlFetchBanner(t *testing.T) {
	// A login shell's banner over SSH: tolerated, reported once.
	fake := &ctlFake{records: ctlRecords(t, "ats92_metric_get.txt"), v9: true, banner: "Welcome to edge1\r\n"}
	src := &TrafficCtlSource{Run: fake.run}
	// The first name is unknown, so the first command prints only the
	// banner before failing: that must not count as garbage output.
	v, w, err := src.Fetch(ctlCtx(t), []string{ctlNoSuch, ctlIncoming})
	if err != nil || v[ctlIncoming] != (metrics.Sample{Value: 621}) {
		t.Fatalf("got %v, %q, %v", v, w, err)
	}
	want := []string{"record not found: " + ctlNoSuch, `ignored 2 unexpected lines in traffic_ctl output (first at line 1: "Welcome to edge1")`}
	if !slices.Equal(w, want) {
		t.Errorf("warnings = %q\nwant       %q", w, want)
	}
}

func TestTrafficCtlFetchInvalidKeys(t *testing.T) {
	fake := &ctlFake{records: map[string]string{"a.b": "1"}}
	src := &TrafficCtlSource{Run: fake.run}
	v, w, err := src.Fetch(ctlCtx(t), []string{"-h", "a.b", "a b", "x\ny", "", "--help"})
	if err != nil || !reflect.DeepEqual(v, map[string]metrics.Sample{"a.b": {Value: 1}}) {
		t.Fatalf("got %v, %v", v, err)
	}
	want := []string{`invalid record name: "-h"`, `invalid record name: "a b"`, `invalid record name: "x?y"`, `invalid record name: "--help"`}
	if !slices.Equal(w, want) {
		t.Errorf("warnings = %q", w)
	}
	if calls := fake.takeCalls(); !reflect.DeepEqual(calls, [][]string{{"traffic_ctl", "metric", "get", "a.b"}}) {
		t.Errorf("calls = %q", calls)
	}

	// Nothing valid to ask: no command at all.
	v, w, err = src.Fetch(ctlCtx(t), []string{"-x"})
	if err != nil || len(v) != 0 || len(w) != 1 || len(fake.takeCalls()) != 0 {
		t.Errorf("only invalid: %v, %q, %v", v, w, err)
	}
	v, w, err = src.Fetch(ctlCtx(t), nil)
	if err != nil || v == nil || len(v) != 0 || w != nil || len(fake.takeCalls()) != 0 {
		t.Errorf("no keys: %v, %q, %v", v, w, err)
	}
}

func TestTrafficCtlFetchChunks(t *testing.T) {
	recs := map[string]string{}
	var keys []string
	for i := range 5000 {
		k := fmt.Sprintf("plugin.some_long_plugin_name.with_a_longer_metric_name_%05d", i)
		keys = append(keys, k)
		recs[k] = strconv.Itoa(i)
	}
	keys = append(keys, "plugin.quote'd.name")
	recs["plugin.quote'd.name"] = "1"
	fake := &ctlFake{records: recs}
	src := &TrafficCtlSource{Run: fake.run}
	v, w, err := src.Fetch(ctlCtx(t), keys)
	if err != nil || len(w) != 0 || len(v) != len(keys) {
		t.Fatalf("got %d values, %q, %v", len(v), w, err)
	}
	calls := fake.takeCalls()
	if len(calls) < 3 {
		t.Errorf("%d commands for %d keys, want several", len(calls), len(keys))
	}
	var asked []string
	for _, c := range calls {
		size := 0
		for _, a := range c {
			size += len(a) + 3 + 3*strings.Count(a, "'")
		}
		if size > maxCtlArgvBytes {
			t.Errorf("command line of %d bytes", size)
		}
		asked = append(asked, c[3:]...)
	}
	if !slices.Equal(asked, keys) {
		t.Errorf("asked for %d names, want each of %d once, in order", len(asked), len(keys))
	}
}

func TestTrafficCtlFetchDeadlines(t *testing.T) {
	const deadline = 200 * time.Millisecond
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	for _, tc := range []struct {
		name string
		run  collect.CommandRunner
		msg  string
	}{
		{"runner honours ctx", func(ctx context.Context, _ []string) ([]byte, error) {
			<-ctx.Done()
			return nil, fmt.Errorf("signal: killed")
		}, "traffic_ctl metric get: no answer within 200ms"},
		{"runner returns partial output", func(ctx context.Context, _ []string) ([]byte, error) {
			<-ctx.Done()
			return []byte("proxy.process.http.incoming"), ctx.Err()
		}, "traffic_ctl metric get: incomplete output within 200ms (27 bytes received)|traffic_ctl metric get: no answer within 200ms"},
		{"runner ignores ctx", func(context.Context, []string) ([]byte, error) {
			<-release
			return nil, nil
		}, "traffic_ctl metric get: no answer within 200ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			v, w, err := (&TrafficCtlSource{Run: tc.run}).Fetch(ctx, []string{ctlIncoming})
			if took := time.Since(start); took > deadline+ctlPromptSlack {
				t.Errorf("Fetch took %v with a %v deadline", took, deadline)
			}
			// The partial output is reported if the runner returns within
			// runGuardGrace, which a loaded machine may miss.
			// The budget said is what was left when Fetch began: 200ms,
			// or a little less on a busy machine.
			said := regexp.MustCompile(`within 1?[0-9]0ms`).ReplaceAllString(err.Error(), "within 200ms")
			if !errors.Is(err, collect.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !slices.Contains(strings.Split(tc.msg, "|"), said) || v != nil || w != nil {
				t.Errorf("got %v, %q, %v; want %q", v, w, err, tc.msg)
			}
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		run := func(ctx context.Context, _ []string) ([]byte, error) {
			cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		_, _, err := (&TrafficCtlSource{Run: run}).Fetch(ctx, []string{ctlIncoming})
		if !errors.Is(err, collect.ErrTimeout) || !errors.Is(err, context.Canceled) || err.Error() != "traffic_ctl metric get: cancelled" {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("no deadline gets the default", func(t *testing.T) {
		var got time.Duration
		run := func(ctx context.Context, _ []string) ([]byte, error) {
			d, ok := ctx.Deadline()
			if ok {
				got = time.Until(d)
			}
			return []byte(ctlIncoming + " 1\n"), nil
		}
		if _, _, err := (&TrafficCtlSource{Run: run}).Fetch(context.Background(), []string{ctlIncoming}); err != nil {
			t.Fatal(err)
		}
		if got <= collect.DefaultTimeout/2 || got > collect.DefaultTimeout {
			t.Errorf("runner deadline in %v, want about %v", got, collect.DefaultTimeout)
		}
	})

	t.Run("answer just in time wins", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		run := func(context.Context, []string) ([]byte, error) {
			cancel()
			return []byte(ctlIncoming + " 5\n"), nil
		}
		v, _, err := (&TrafficCtlSource{Run: run}).Fetch(ctx, []string{ctlIncoming})
		// Either outcome is acceptable in a race; an answer is never
		// turned into garbage.
		if err == nil && v[ctlIncoming] != (metrics.Sample{Value: 5}) {
			t.Errorf("got %v", v)
		}
		if err != nil && !errors.Is(err, collect.ErrTimeout) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestTrafficCtlFetchConcurrent(t *testing.T) {
	fake := &ctlFake{records: ctlRecords(t, "ats92_metric_match_http.txt"), v9: true}
	src := &TrafficCtlSource{Run: fake.run}
	keys := []string{ctlIncoming, ctlNoSuch, ctlConnFail, ctlTotalMiss, "proxy.process.http.tcp_miss_count"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				v, w, err := src.Fetch(ctlCtx(t), keys)
				if err != nil || len(v) != 4 || len(w) != 1 {
					t.Errorf("got %v, %q, %v", v, w, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestTrafficCtlStringVia(t *testing.T) {
	for _, tc := range []struct {
		src  *TrafficCtlSource
		want string
	}{
		{&TrafficCtlSource{}, "traffic_ctl"},
		{&TrafficCtlSource{Bin: "traffic_ctl"}, "traffic_ctl"},
		{&TrafficCtlSource{Bin: "/usr/local/bin/traffic_ctl"}, "traffic_ctl /usr/local/bin/traffic_ctl"},
		{&TrafficCtlSource{Bin: "/x/traffic_ctl", Label: "traffic_ctl over ssh edge1"}, "traffic_ctl over ssh edge1"},
	} {
		if got := tc.src.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
		if got := tc.src.Via(); got != "traffic_ctl" {
			t.Errorf("Via() = %q", got)
		}
	}
	var _ collect.Source = (*TrafficCtlSource)(nil)
}

// ctlFormat renders a parsed sample the way traffic_ctl could have
// printed it, for the round-trip check.
func ctlFormat(s metrics.Sample) string {
	if !s.Float {
		return strconv.FormatFloat(s.Value, 'f', -1, 64)
	}
	f := strconv.FormatFloat(s.Value, 'g', -1, 64)
	if !strings.ContainsAny(f, ".e") {
		f += ".0"
	}
	return f
}

func FuzzParseTrafficCtlOutput(f *testing.F) {
	for _, name := range []string{"ats92_metric_get.txt", "ats92_metric_match_http.txt", "ats10_session.txt"} {
		f.Add(ctlFixture(f, name), ctlIncoming)
	}
	f.Add([]byte(ctlConnFailStat+" 12\r\n"), ctlConnFail)
	f.Add([]byte("a.b 1e308\na.b -nan\n"), "a.b")
	f.Add([]byte("Welcome\n\x00\xff\x1b[2J a.b\n"), "a.b")
	f.Add([]byte("a.b\t\t-0.0000001e-320\n"), "a.b")
	f.Fuzz(func(t *testing.T, out []byte, key string) {
		keys := []string{key, ctlIncoming}
		v, w, err := ParseTrafficCtlOutput(out, keys)
		if err != nil {
			if !errors.Is(err, collect.ErrMalformed) || v != nil || w != nil {
				t.Fatalf("error %v with values or of the wrong kind", err)
			}
			if strings.ContainsAny(err.Error(), "\x1b\x00\r\n\a") {
				t.Fatalf("control characters in error %q", err)
			}
			return
		}
		for _, x := range w {
			if strings.ContainsAny(x, "\x1b\x00\r\n\a") {
				t.Fatalf("control characters in warning %q", x)
			}
		}
		for k, s := range v {
			if k != keys[0] && k != keys[1] {
				t.Fatalf("unrequested key %q", k)
			}
			if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
				t.Fatalf("non-finite value %v", s.Value)
			}
			// Printing the value back and parsing it again gives the same
			// sample (a value can only come from a name-value line).
			line := k + " " + ctlFormat(s) + "\n"
			v2, _, err := ParseTrafficCtlOutput([]byte(line), []string{k})
			if err != nil || v2[k] != s {
				t.Fatalf("round trip of %+v via %q: %+v, %v", s, line, v2[k], err)
			}
		}
	})
}

// A key with a wildcard is one anchored traffic_ctl metric match; what
// matches only without the anchors, or without case, is left out.
func TestTrafficCtlFetchPatterns(t *testing.T) {
	fake := &ctlFake{records: map[string]string{
		ctlIncoming: "621",
		"plugin.remap_stats.www.example.com.status_5xx": "7",
		"plugin.remap_stats.api.example.com.status_5xx": "41",
		"plugin.remap_stats.api.example.com.status_2xx": "900",
		"x.plugin.remap_stats.a.status_5xx":             "1",
		"PLUGIN.remap_stats.b.status_5xx":               "1",
		"plugin.remap_stats.c.status_5xx":               "not-a-number",
	}}
	src := &TrafficCtlSource{Run: fake.run}
	v, w, err := src.Fetch(ctlCtx(t), []string{ctlIncoming, "plugin.remap_stats.*.status_5xx", "proxy.process.version.*"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]metrics.Sample{ctlIncoming: {Value: 621},
		"plugin.remap_stats.www.example.com.status_5xx": {Value: 7}, "plugin.remap_stats.api.example.com.status_5xx": {Value: 41}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("values %v", v)
	}
	if len(w) != 1 || !strings.Contains(w[0], "proxy.process.version.*: not asked for") {
		t.Errorf("warnings %q", w)
	}
	calls := fake.takeCalls()
	if len(calls) != 2 || calls[1][2] != "match" || calls[1][3] != `^plugin\.remap_stats\..+\.status_5xx$` {
		t.Errorf("calls %q", calls)
	}
}
