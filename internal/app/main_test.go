package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/internal/sshtest"
	"github.com/traffic-grapher/traffic_grapher/internal/textdiff"
	"github.com/traffic-grapher/traffic_grapher/pages"
	"github.com/traffic-grapher/traffic_grapher/record"
	"github.com/traffic-grapher/traffic_grapher/report"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, o *options)
	}{
		{name: "defaults", args: nil, check: func(t *testing.T, o *options) {
			if o.interval != time.Second || o.history != time.Minute || o.timezone != "UTC" || len(o.hosts) != 0 || o.pages != "" {
				t.Fatalf("%+v", o)
			}
		}},
		{name: "seconds as numbers", args: []string{"--interval", "0.5", "--history", "120"}, check: func(t *testing.T, o *options) {
			if o.interval != 500*time.Millisecond || o.history != 2*time.Minute || !o.historySet {
				t.Fatalf("%+v", o)
			}
		}},
		{name: "durations", args: []string{"--interval=250ms", "--history=1h", "--run-for", "30s"}, check: func(t *testing.T, o *options) {
			if o.interval != 250*time.Millisecond || o.history != time.Hour || o.runFor != 30*time.Second {
				t.Fatalf("%+v", o)
			}
		}},
		{name: "flags after hosts", args: []string{"edge1", "--once", "edge2", "-c", "d.yaml"}, check: func(t *testing.T, o *options) {
			if strings.Join(o.hosts, ",") != "edge1,edge2" || !o.once || o.config != "d.yaml" {
				t.Fatalf("%+v", o)
			}
		}},
		{name: "a fleet", args: []string{"a", "b", "c", "d", "e{1..3}"}, check: func(t *testing.T, o *options) {
			if strings.Join(o.hosts, ",") != "a,b,c,d,e1,e2,e3" {
				t.Fatalf("%+v", o)
			}
		}},
		{name: "bad interval", args: []string{"--interval", "fast"}, wantErr: `--interval "fast": want seconds`},
		{name: "interval too short", args: []string{"--interval", "10ms"}, wantErr: "too short"},
		{name: "history too short", args: []string{"--history", "5"}, wantErr: "out of range"},
		{name: "history under two intervals", args: []string{"--interval", "10", "--history", "15"}, wantErr: "at least twice"},
		{name: "unknown flag", args: []string{"--colour"}, wantErr: "unknown flag: --colour"},
		{name: "NaN interval", args: []string{"--interval", "NaN"}, wantErr: "not a usable number"},
		{name: "negative run-for", args: []string{"--run-for", "-1"}, wantErr: "positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseArgs(tc.args, &bytes.Buffer{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, o)
		})
	}
}

func TestRunExitStatusAndMessages(t *testing.T) {
	dir := t.TempDir()
	sshtest.TempHome(t) // never the user's own ssh files
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n          - {name: x, type: rate, key: a.b}\n"), 0o644)
	tests := []struct {
		name       string
		args       []string
		status     int
		stdout     string
		stderr     string
		noStdout   bool
		stderrNone bool
	}{
		{name: "version", args: []string{"--version"}, status: 0, stdout: "traffic_grapher "},
		{name: "help teaches", args: []string{"--help"}, status: 0, stdout: "--demo"},
		{name: "bad flag", args: []string{"--nope"}, status: 2, stderr: "Run 'traffic_grapher --help'", noStdout: true},
		{name: "bad config names file, line and field", args: []string{"--demo", "-c", bad, "--once"}, status: 2,
			stderr: "bad.yaml:6: pages[0].panels[0].metrics[0].type: unknown metric type \"rate\"", noStdout: true},
		{name: "missing config", args: []string{"--demo", "-c", filepath.Join(dir, "nope.yaml"), "--once"}, status: 2, stderr: "nope.yaml", noStdout: true},
		{name: "bad timezone", args: []string{"--demo", "--timezone", "Mars/Base", "--once"}, status: 2, stderr: `"Mars/Base"`, noStdout: true},
		{name: "remote host without keys", args: []string{"edge1.example.com", "--once"}, status: statusUnknown, stderr: "no usable SSH key for "},
		{name: "invalid host name", args: []string{"edge1;reboot", "--once"}, status: 2, stderr: "not a valid hostname", noStdout: true},
		{name: "missing socket", args: []string{"unix:" + filepath.Join(dir, "none.sock"), "--once", "--interval", "1", "--history", "10"}, status: statusUnknown, stderr: "none.sock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			status := run(tc.args, &out, &errb)
			if status != tc.status {
				t.Fatalf("status %d, want %d; stderr: %s", status, tc.status, errb.String())
			}
			if tc.stdout != "" && !strings.Contains(out.String(), tc.stdout) {
				t.Fatalf("stdout %q lacks %q", out.String(), tc.stdout)
			}
			if tc.stderr != "" && !strings.Contains(errb.String(), tc.stderr) {
				t.Fatalf("stderr %q lacks %q", errb.String(), tc.stderr)
			}
			if tc.noStdout && out.Len() > 0 {
				t.Fatalf("stdout not empty: %q", out.String())
			}
		})
	}
}

func TestOnceDemoPrintsEveryPanel(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of real sampling")
	}
	var out, errb bytes.Buffer
	status := run([]string{"--demo", "edge1", "edge2", "--once", "--interval", "0.5", "--history", "10"}, &out, &errb)
	if status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	text := out.String()
	if strings.Contains(text, "\x1b") {
		t.Fatal("snapshot contains escape codes")
	}
	for _, want := range []string{"Page 1 of 16: Traffic & Cache", "Requests/sec", "Cache Hit Rate %", "Page 4 of 16: Network & Errors", "Transaction Aborts/sec"} {
		if !strings.Contains(text, want) {
			t.Fatalf("snapshot lacks %q:\n%s", want, text)
		}
	}
	// Every metric line names the host and carries a number for the
	// busy demo metrics.
	for _, re := range []string{
		`(?m)^\s+Requests per second, Client, edge1: [0-9.]+( thousand)?, (rising|falling|steady)\. Min `,
		`(?m)^\s+Requests per second, Client, edge2: [0-9.]+( thousand)?, (rising|falling|steady)\. Min `,
		`(?m)^\s+Cache Hit Rate percent, Hit Rate, edge1: [0-9.]+ percent, `,
		`(?m)^\s+Latency in milliseconds, Cache Hit, edge2: [0-9.]+ milliseconds?, `,
		// A sum ATS refreshes every 5 s has no rate within --once's three
		// collections: it is said to be waiting.
		`(?m)^\s+Client Bytes per second, Read, edge1: waiting for the server's next update\.$`,
	} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Fatalf("snapshot lacks a line matching %s:\n%s", re, text)
		}
	}
}

// --print-pages writes a built-in dashboard as a file to copy: it parses
// back into the same pages; an unknown name is a usage error.
func TestPrintPages(t *testing.T) {
	var out, errb bytes.Buffer
	if status := run([]string{"--print-pages", "ats"}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	d, err := config.Parse("printed.yaml", out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if want := pages.Default(); len(d.Pages) != len(want.Pages) || d.Pages[4].Name != want.Pages[4].Name {
		t.Errorf("printed %d pages, want the %d built-in ones", len(d.Pages), len(want.Pages))
	}
	out.Reset()
	if status := run([]string{"--print-pages", "nope"}, &out, &errb); status != 2 || out.Len() != 0 || !strings.Contains(errb.String(), `no built-in pages "nope" (known: ats, node, node-promql)`) {
		t.Errorf("unknown name: status %d, stdout %q, stderr %q", status, out.String(), errb.String())
	}
}

// --record appends what a run collects: each run a segment, each host's
// every collection an entry with the records the dashboard reads.
func TestRecordOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.tgrec")
	for range 2 {
		var out, errb bytes.Buffer
		if status := run([]string{"--demo", "edge1", "edge2", "--once", "--interval", "1", "--record", path}, &out, &errb); status != 0 {
			t.Fatalf("status %d: %s", status, errb.String())
		}
	}
	perHost := map[int]int{}
	sum, err := record.ReadFile(path, func(e record.Entry) error {
		if e.Err != "" {
			t.Errorf("host %d failed: %s", e.Host, e.Err)
		}
		if v, ok := e.Values["proxy.process.http.incoming_requests"]; !ok || v.Value <= 0 {
			t.Errorf("host %d: incoming_requests %v, %v", e.Host, v, ok)
		}
		perHost[e.Host]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Segments != 2 || sum.Damaged != 0 || len(sum.Hosts) != 2 || sum.Hosts[0].Name != "edge1" || !strings.HasPrefix(sum.Hosts[1].Source, "jsonrpc ") {
		t.Errorf("summary %+v", sum)
	}
	if perHost[0] < 2 || perHost[0] != perHost[1] {
		t.Errorf("entries per host %v", perHost)
	}
}

func TestRecordFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args   []string
		status int
		msg    string
	}{
		{[]string{"--demo", "--once", "--record-max", "1GB"}, 2, "--record-max needs --record FILE"},
		{[]string{"--demo", "--once", "--record", filepath.Join(dir, "r"), "--record-max", "lots"}, 2, `--record-max "lots": want a size (100MB, 1GB) or an age (6h, 1d)`},
		{[]string{"--demo", "--once", "--record", filepath.Join(dir, "r"), "--record-max", "10s"}, 2, "rotate after a minute at the least"},
		{[]string{"--demo", "--once", "--record", dir}, 1, "recording: open " + dir + ": is a directory"},
		{[]string{"--demo", "--once", "--log-stats", filepath.Join(dir, "nope", "r")}, 1, "recording: open " + filepath.Join(dir, "nope", "r") + ": no such file or directory"},
	} {
		var out, errb bytes.Buffer
		if status := run(tc.args, &out, &errb); status != tc.status || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%q: status %d, stderr %q; want %d and %q", tc.args, status, errb.String(), tc.status, tc.msg)
		}
	}
}

// A recording replayed with --once says what the run that recorded it
// said with --once: the same values, derived the same way.
func TestReplayOnceMatchesTheRecordedRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.tgrec")
	var live, errb bytes.Buffer
	if status := run([]string{"--demo", "edge1", "edge2", "--once", "--interval", "1", "--record", path}, &live, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	var replayed bytes.Buffer
	errb.Reset()
	if status := run([]string{"replay", "--once", path}, &replayed, &errb); status != 0 {
		t.Fatalf("replay: status %d: %s", status, errb.String())
	}
	// The first line too: both are the snapshot of the last round, not
	// of when each was printed (a loaded machine printed the live one a
	// second later, and said "last 4 seconds" to the replay's 3). "Slow"
	// is how long a live fetch took (a loaded machine makes them slow),
	// which a recording does not keep: the replay cannot say it, nor put
	// a slow host first in the fleet's rows.
	slow := regexp.MustCompile(`, (\d+ )?slow\b`)
	body := func(b bytes.Buffer) string {
		text := strings.ReplaceAll(slow.ReplaceAllString(b.String(), ""), " hosts;", " hosts, ok;")
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "Fleet: ") {
				rows := lines[i+2:] // after the fleet's own line
				n := slices.IndexFunc(rows, func(l string) bool { return !strings.HasPrefix(l, "  ") })
				if n < 0 {
					n = len(rows)
				}
				slices.Sort(rows[:n])
				break
			}
		}
		return strings.Join(lines, "\n")
	}
	if a, b := body(live), body(replayed); a != b {
		t.Errorf("replayed --once differs from the run's:\n%s", textdiff.Lines(a, b))
	}
	if !strings.Contains(replayed.String(), "hosts: edge1, edge2") {
		t.Errorf("replay header: %s", firstLineOf(replayed.String()))
	}
}

func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	notRec := filepath.Join(dir, "x")
	os.WriteFile(notRec, []byte("hello"), 0o600)
	for _, tc := range []struct {
		args   []string
		status int
		msg    string
	}{
		{[]string{"replay"}, 2, "want one recording FILE"},
		{[]string{"replay", "--speed", "0", notRec}, 2, "--speed 0: want 1 to 3600"},
		{[]string{"replay", filepath.Join(dir, "nope")}, 1, "no such file or directory"},
		{[]string{"replay", notRec}, 1, `not a traffic_grapher recording (it does not start with "TGREC 1" or "TGREC 2")`},
	} {
		var out, errb bytes.Buffer
		if status := run(tc.args, &out, &errb); status != tc.status || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%q: status %d, stderr %q; want %d and %q", tc.args, status, errb.String(), tc.status, tc.msg)
		}
	}
}

func firstLineOf(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// --batch prints a line per round: JSON Lines every page's values, text
// columns of the first page under a header; --count stops it, --output
// writes a file.
func TestBatch(t *testing.T) {
	var out, errb bytes.Buffer
	if status := run([]string{"--demo", "edge1", "edge2", "--batch", "--format", "json", "--count", "3", "--interval", "1"}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out.String())
	}
	var last report.Readout
	for i, l := range lines {
		var r report.Readout
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, l)
		}
		if len(r.Hosts) != 2 || len(r.Pages) < 13 || r.Time.IsZero() || (i > 0 && !r.Time.After(last.Time)) {
			t.Fatalf("line %d: %d hosts, %d pages, time %v", i+1, len(r.Hosts), len(r.Pages), r.Time)
		}
		last = r
	}
	if v := last.Pages[0].Panels[0].Metrics[0].Readings[0].Value; v == nil || *v <= 0 {
		t.Errorf("no requests/s by the third round: %v", v)
	}

	path := filepath.Join(t.TempDir(), "out.txt")
	out.Reset()
	if status := run([]string{"--demo", "--batch", "--count", "3", "--interval", "1", "--output", path}, &out, &errb); status != 0 || out.Len() != 0 {
		t.Fatalf("status %d, stdout %q: %s", status, out.String(), errb.String())
	}
	b, _ := os.ReadFile(path)
	text := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(text) != 4 || !strings.HasPrefix(strings.TrimSpace(text[0]), "time  Requests/sec:Client") {
		t.Fatalf("text output:\n%s", b)
	}
	// Every row's cells stand under the header's.
	for _, l := range text[1:] {
		if len(strings.Fields(l)) != len(strings.Fields(text[0])) || len(l) != len(text[0]) {
			t.Errorf("row %q does not line up with the header %q", l, text[0])
		}
	}
}

func TestBatchFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--demo", "--batch", "--once"}, "--batch and --once: choose one"},
		{[]string{"--demo", "--count", "3"}, "--count needs --batch"},
		{[]string{"--demo", "--output", "x"}, "--output needs --batch"},
		{[]string{"--demo", "--batch", "--count", "-1"}, "--count -1: want a positive number"},
	} {
		var out, errb bytes.Buffer
		if status := run(tc.args, &out, &errb); status != 2 || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%q: status %d, stderr %q; want 2 and %q", tc.args, status, errb.String(), tc.msg)
		}
	}
}

// A host that does not answer is said once on stderr, not every round, and
// the exit status says no host answered.
func TestBatchDeadHost(t *testing.T) {
	var out, errb bytes.Buffer
	sock := filepath.Join(t.TempDir(), "none.sock")
	status := run([]string{"unix:" + sock, "--batch", "--count", "3", "--interval", "0.1"}, &out, &errb)
	if status != statusUnknown || strings.Count(errb.String(), "cannot connect") != 1 || strings.Count(out.String(), "\n") != 4 {
		t.Errorf("status %d, stderr %q, stdout:\n%s", status, errb.String(), out.String())
	}
}

// limitsDashboard is a one-page dashboard over the simulator's requests
// and connections with the given limits on requests/s.
func limitsDashboard(t *testing.T, limits string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "limits.yaml")
	src := "pages:\n  - name: Checks\n    panels:\n      - title: Requests/sec\n        metrics:\n" +
		"          - {name: Client, type: counter, key: proxy.process.http.incoming_requests" + limits + "}\n" +
		"      - title: Connections\n        metrics:\n" +
		"          - {name: Client, type: gauge, key: proxy.process.http.current_client_connections}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// --once and --batch exit as a check does: 2 while a series is over a
// critical limit, 1 over a warning one, 0 when none is; the JSON and the
// text say which series and why. (The simulator serves hundreds of
// requests a second.)
func TestOnceAndBatchExitAsChecks(t *testing.T) {
	for _, c := range []struct {
		name, limits string
		status       int
		state        string
	}{
		{"critical", ", warn: 1, crit: 2", statusCritical, "critical"},
		{"warning", ", warn: 1, crit: 1e12", statusWarning, "warning"},
		{"ok", ", warn: 1e12", statusOK, "ok"},
		{"below a floor", `, crit: "< 1e12"`, statusCritical, "critical"},
		{"not held long enough", ", crit: 2, for: 1m", statusOK, "ok"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dash := limitsDashboard(t, c.limits)
			var out, errb bytes.Buffer
			status := run([]string{"--demo", "-c", dash, "--once", "--format", "json", "--interval", "1"}, &out, &errb)
			if status != c.status {
				t.Fatalf("--once: status %d, want %d; stderr %s", status, c.status, errb.String())
			}
			var r report.Readout
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if r.Status != c.state || (c.state == "ok") != (len(r.Alerts) == 0) {
				t.Fatalf("status %q, alerts %+v; want %q", r.Status, r.Alerts, c.state)
			}
			if len(r.Alerts) > 0 {
				a := r.Alerts[0]
				if a.Host != "demo" || a.Panel != "Requests/sec" || a.Metric != "Client" || a.Level != c.state || a.Value <= 2 {
					t.Errorf("alert %+v", a)
				}
			}

			if c.name != "critical" && c.name != "ok" {
				return // the text and --batch are judged alike; two cases show it
			}
			out.Reset()
			status = run([]string{"--demo", "-c", dash, "--once", "--interval", "1"}, &out, &errb)
			first := strings.SplitN(out.String(), "\n", 3)[1]
			if status != c.status || !strings.HasPrefix(first, "Alerts: ") || (c.state == "ok") != (first == "Alerts: none.") {
				t.Errorf("--once text: status %d, second line %q", status, first)
			}

			out.Reset()
			status = run([]string{"--demo", "-c", dash, "--batch", "--count", "3", "--interval", "1"}, &out, &errb)
			if status != c.status {
				t.Errorf("--batch: status %d, want %d", status, c.status)
			}
		})
	}
	// A dashboard without limits says nothing of alerts.
	var out, errb bytes.Buffer
	if status := run([]string{"--demo", "-c", limitsDashboard(t, ""), "--once", "--interval", "1"}, &out, &errb); status != 0 || strings.Contains(out.String(), "Alerts") {
		t.Errorf("no limits: status %d, output:\n%s", status, out.String())
	}
}

// A metric taken from a histogram reports, besides its points' statistics,
// the window's quantiles over every request it holds: --batch's JSON has
// them, worked out from the buckets' increases as PromQL would.
func TestBatchQuantilesOverRequests(t *testing.T) {
	var scrapes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := scrapes.Add(1)
		fast, slow := 100*n, int64(0) // 100 fast requests a scrape; 5 slow ones before the third
		if n >= 3 {
			slow = 5
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# TYPE request_duration_seconds histogram\n"+
			"request_duration_seconds_bucket{le=\"0.01\"} %d\nrequest_duration_seconds_bucket{le=\"0.1\"} %d\n"+
			"request_duration_seconds_bucket{le=\"1\"} %d\nrequest_duration_seconds_bucket{le=\"+Inf\"} %d\n"+
			"request_duration_seconds_sum 1\nrequest_duration_seconds_count %d\n", fast, fast, fast+slow, fast+slow, fast+slow)
	}))
	t.Cleanup(srv.Close)
	dash := filepath.Join(t.TempDir(), "h.yaml")
	os.WriteFile(dash, []byte("pages:\n  - name: Latency\n    panels:\n      - title: Request time\n        metrics:\n"+
		"          - {name: p99, type: quantile, key: request_duration_seconds, key2: \"0.99\"}\n"), 0o600)
	var out, errb bytes.Buffer
	if status := run([]string{"prom+" + srv.URL + "/metrics", "--config", dash, "--batch", "--format", "json", "--count", "4", "--interval", "0.5"}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var r report.Readout
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatal(err)
	}
	rd := r.Pages[0].Panels[0].Metrics[0].Readings[0]
	// Four scrapes: 300 fast requests and 5 slow ones after the first.
	// The p99 (rank 301.95) lies among the slow ones in (0.1, 1].
	q := rd.Requests
	if q == nil || q.Count != 305 || math.Abs(q.P99-(0.1+0.9*1.95/5)) > 1e-9 || math.Abs(q.P50-0.01*152.5/300) > 1e-9 {
		t.Fatalf("requests %+v (%d scrapes), want 305 of them, p50 %g, p99 %g\n%s", q, scrapes.Load(), 0.01*152.5/300, 0.1+0.9*1.95/5, lines[len(lines)-1])
	}
}

// More hosts than a page overlays: --once's JSON carries the fleet table,
// a row per host, and its text says the fleet before the pages.
func TestOnceFleet(t *testing.T) {
	var out, errb bytes.Buffer
	if status := run([]string{"--demo", "edge{1..6}", "--once", "--format", "json", "--interval", "2"}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	var r report.Readout
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Fleet == nil || len(r.Fleet.Rows) != 6 || len(r.Fleet.Columns) != 6 || r.Fleet.Columns[0].Title != "Req/s" || r.Fleet.Group.Name != "all 6" {
		t.Fatalf("fleet %+v", r.Fleet)
	}
	for _, row := range r.Fleet.Rows {
		// Every host answers; on a loaded machine one may answer slowly.
		if (row.Status != "ok" && row.Status != "slow") || len(row.Cells) != 6 {
			t.Errorf("row %+v", row)
		}
	}
	out.Reset()
	if status := run([]string{"--demo", "edge{1..6}", "--once", "--interval", "2"}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	if !regexp.MustCompile(`\nFleet: 6 hosts, (ok|\d slow); sorted by condition, worst first\.\n  Fleet, all 6: Req per second `).MatchString(out.String()) {
		t.Fatalf("text:\n%.2000s", out.String())
	}
}

// A fleet of simulated hosts from one process, the last ones sick: one
// --once reads them all, and the fleet table puts the down one first and
// calls the slow one slow, while the others answer.
func TestOnceSimulatedFleet(t *testing.T) {
	// Polled every 2 s, a reply is slow past 1 s: the slow host takes
	// 1.3 s, well inside its deadline, and a loaded machine's healthy
	// host is not held that long.
	fl, err := simulator.StartFleet(simulator.FleetOptions{Dir: t.TempDir(), Hosts: 10, Sick: true, SlowDelay: 1300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fl.Close)
	list := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(list, []byte(strings.Join(fl.HostArgs("unix"), "\n")+"\n"), 0o600)
	var out, errb bytes.Buffer
	status := run([]string{"--hosts-file", list, "--once", "--format", "json", "--interval", "2"}, &out, &errb)
	var r report.Readout
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || status != 0 {
		t.Fatalf("status %d, %v: %s", status, err, errb.String())
	}
	if len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0], "edge10: ") || !strings.Contains(r.Errors[0], "connection refused") {
		t.Errorf("errors %q", r.Errors)
	}
	rows := r.Fleet.Rows
	if len(rows) != 10 || rows[0].Name != "edge10" || rows[0].Status != "down" {
		t.Fatalf("rows %+v", rows[:2])
	}
	for _, row := range rows[1:] {
		if row.Name == "edge08" && row.Status != "slow" || row.Cells[5].Value == nil {
			t.Errorf("%s: %s, connections %v", row.Name, row.Status, row.Cells[5].Value)
		}
	}
}
