// Package atstest runs a real Apache Traffic Server 9.x (traffic_manager,
// which starts traffic_server) for integration tests: on 127.0.0.1 and a
// free port, with a private configuration, cache, logs and sockets under a
// temporary directory, the stats_over_http plugin loaded, and a local
// origin behind it. It is stopped by its process group when the test ends.
//
// Nothing of the system installation is written or read except the
// programs and plugins themselves: a runroot.yaml (TS_RUNROOT for
// traffic_ctl, --run-root for the programs) points every configuration,
// state, runtime, log and cache directory into the temporary directory, and
// no service is started or stopped. Traffic Server runs as the user running
// the test (proxy.config.admin.user_id #-1), root included.
//
// Like internal/sshtest it is meant for _test.go files: functions take the
// test's testing.TB and fail (or skip) it. A missing program or plugin
// skips the test with the Debian package to install, and fails it under
// CI=true. scripts/install-test-deps installs them.
package atstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
)

// debianPackages names the package to install for each program used here.
var debianPackages = map[string]string{
	"traffic_manager": "trafficserver",
	"traffic_server":  "trafficserver",
	"traffic_ctl":     "trafficserver",
	"curl":            "curl",
}

// RequireProgram returns the absolute path of the program name from PATH
// (or /usr/sbin, /usr/local/bin, /opt/ts/bin, ...: see
// testproc.RequireProgram). If it is not found the test is skipped, or
// failed under CI=true, naming the Debian package.
func RequireProgram(t testing.TB, name string) string {
	t.Helper()
	return testproc.RequireProgram(t, name, debianPackages[name])
}

// stopGrace is how long Traffic Server gets to exit after SIGTERM before
// its process group is killed. traffic_manager passes the signal on to
// traffic_server and exits within a second or two.
const stopGrace = 15 * time.Second

// errExited is waitReady's failure when the manager exits: it polls
// rather than watching output, so testproc's ErrExited does not apply.
var errExited = errors.New("traffic_manager exited")

// Options configures Start. The zero value is fine.
type Options struct {
	// Origin is the server "/" is mapped to; nil starts
	// NewOrigin(t, OriginDelay).
	Origin      *Origin
	OriginDelay time.Duration
	// CacheMB is the size of the cache file (sparse until written);
	// 0 means 128.
	CacheMB int
	// Records are more records.config lines ("CONFIG proxy.config.x INT
	// 1"), written after the built-in ones.
	Records []string
	// StartTimeout bounds the wait for readiness; 0 means 60 s. Expect
	// about 8 s.
	StartTimeout time.Duration
}

// ATS is a running Traffic Server 9.x (see Start).
type ATS struct {
	// ProxyURL is "http://127.0.0.1:PORT", the proxy port.
	ProxyURL string
	// StatsURL is the stats_over_http plugin's: ProxyURL + "/_stats".
	StatsURL string
	Port     int
	// Origin is the origin server behind the proxy.
	Origin *Origin
	// Dir is the runroot: runroot.yaml, etc/, var/, run/, log/, cache/.
	Dir string
	// TrafficCtlPath is the traffic_ctl to run (with Run, or TrafficCtl's
	// --run-root).
	TrafficCtlPath string
	// Version is what the server reports: "9.2.9".
	Version string
	// Started is how long Start took from launching traffic_manager to
	// ready.
	Started time.Duration

	t        testing.TB
	curlPath string
	log      *testproc.LogBuffer // traffic_manager's stdout and stderr
	proc     *testproc.Proc
	stopOnce sync.Once
	driven   atomic.Int64
}

// Start starts Traffic Server and returns once it serves: the
// stats_over_http plugin answers with the cache ready, and traffic_ctl
// reads a process metric through traffic_manager (about 8 s on a fresh
// 9.2 instance, most of it waiting for the manager's first sync). It is stopped when the test ends
// (see Stop); if the test failed, traffic_manager's output and the last of
// diags.log, manager.log and traffic.out are logged then.
func Start(t testing.TB, opts Options) *ATS {
	t.Helper()
	manager := RequireProgram(t, "traffic_manager")
	server := RequireProgram(t, "traffic_server")
	ctl := RequireProgram(t, "traffic_ctl")
	curl := RequireProgram(t, "curl")
	l := installedLayout(server)
	if _, err := os.Stat(filepath.Join(l.plugindir, "stats_over_http.so")); err != nil {
		testproc.Missing(t, "stats_over_http.so not found in %s (Debian package trafficserver)", l.plugindir)
	}
	if opts.CacheMB <= 0 {
		opts.CacheMB = 128
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.Origin == nil {
		opts.Origin = NewOrigin(t, opts.OriginDelay)
	}

	a := &ATS{Origin: opts.Origin, TrafficCtlPath: ctl, t: t, curlPath: curl, log: &testproc.LogBuffer{}}
	// A short path: traffic_manager's Unix sockets live in it
	// (run/mgmtapi.sock).
	a.Dir = testproc.ShortTempDir(t)
	// Cleanups run last-registered first: stop, then report.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Traffic Server in %s:\n%s", a.Dir, a.Logs())
		}
	})
	t.Cleanup(a.Stop)

	testproc.OnFreePort(t, "Traffic Server", func(port int) error {
		if err := writeConfig(a.Dir, l, port, opts.Origin.URL, opts); err != nil {
			t.Fatalf("writing the Traffic Server configuration: %v", err)
		}
		from := a.log.Len()
		err := a.start(manager, port, opts.StartTimeout)
		if out, _ := a.log.Since(from); err != nil && strings.Contains(out, "Unable to bind socket") {
			// Another process took the port between our probe and the
			// manager's bind: the manager exits; try another port.
			return fmt.Errorf("%w: %w", testproc.ErrBind, err)
		}
		return err
	})
	return a
}

func (a *ATS) start(manager string, port int, timeout time.Duration) error {
	a.Port = port
	a.ProxyURL = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	a.StatsURL = a.ProxyURL + "/_stats"
	begin := time.Now()
	// --nosyslog: the manager's own messages go to manager.log only.
	p, err := testproc.Start(testproc.Cmd{
		Path: manager,
		Args: []string{"--nosyslog"},
		// In the instance's directory: a core dump or any stray file lands
		// there, not in the package under test.
		Dir:       a.Dir,
		Env:       envWithout([]string{"TS_RUNROOT=" + a.Dir}),
		Log:       a.log,
		StopGrace: stopGrace,
	})
	if err != nil {
		return err
	}
	a.proc = p
	if err := a.waitReady(timeout); err != nil {
		a.proc.Stop()
		return err
	}
	a.Started = time.Since(begin)
	return nil
}

// waitReady polls until the instance serves, traffic_manager exits, or the
// deadline passes. Traffic Server announces readiness nowhere but in its
// log files; these probes are the same requests the tests then make.
func (a *ATS) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	var why string
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		why = a.probe(ctx, client)
		cancel()
		if why == "" {
			return nil
		}
		timer := time.NewTimer(min(wait, time.Until(deadline)))
		select {
		case <-a.proc.Exited():
			timer.Stop()
			return fmt.Errorf("%w (%v) before it was ready: %s", errExited, a.proc.Err(), lastLine(a.log.String()))
		case <-timer.C:
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("not ready within %s: %s", timeout, why)
		}
	}
}

// readyRecord is a process record traffic_ctl must know before Start
// returns.
const readyRecord = "proxy.process.http.incoming_requests"

// probe returns "" when ready, else what is not.
func (a *ATS) probe(ctx context.Context, client *http.Client) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.StatsURL, nil)
	resp, err := client.Do(req)
	if err != nil {
		return "stats_over_http: " + err.Error()
	}
	defer resp.Body.Close()
	var doc struct {
		Global map[string]any `json:"global"`
	}
	if resp.StatusCode != http.StatusOK {
		return "stats_over_http: " + resp.Status
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return "stats_over_http: " + err.Error()
	}
	if v, _ := doc.Global["proxy.node.restarts.proxy.cache_ready_time"].(string); v == "" || v == "0" {
		return "the cache is not ready"
	}
	a.Version, _ = doc.Global["proxy.process.version.server.short"].(string)
	// traffic_manager knows traffic_server's process records only after
	// their first sync, ~5 s after traffic_server serves (unless a
	// records.snap from an earlier run has them); until then traffic_ctl
	// answers "[11] Invalid parameters" for them, as for unknown records.
	out, err := a.Run(ctx, []string{a.TrafficCtlPath, "metric", "get", readyRecord})
	if err != nil {
		return "traffic_ctl: " + err.Error()
	}
	if f := strings.Fields(string(out)); len(f) != 2 || f[0] != readyRecord {
		return fmt.Sprintf("traffic_ctl: %q", out)
	}
	return ""
}

// Stop stops traffic_manager and everything it started (its process
// group: SIGTERM, which the manager passes on to traffic_server, then
// SIGKILL after 15 s or for whatever outlives the manager), and waits
// until they are gone, so the port and the files are free afterwards.
// Stopping twice does nothing.
func (a *ATS) Stop() {
	a.stopOnce.Do(func() {
		if a.proc != nil {
			a.proc.Stop()
		}
	})
}

// Logs returns traffic_manager's output and the end of each log file.
func (a *ATS) Logs() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- traffic_manager output ---\n%s\n", tail(a.log.String(), 8<<10))
	for _, name := range []string{"manager.log", "diags.log", "traffic.out", "error.log"} {
		data, err := os.ReadFile(filepath.Join(a.Dir, "log", name))
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "--- %s ---\n%s\n", name, tail(string(data), 16<<10))
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
