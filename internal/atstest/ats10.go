package atstest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
)

// ATS10 is a real Traffic Server 10.2 from the bundle in the shared
// directory beside the checkout (../shared/ats10: built from the release
// tag for this machine image; see its README). It runs on 127.0.0.1 with
// free ports, everything under a temporary directory, in front of an
// Origin, with stats_over_http at /_stats and TLS (HTTP/2) on TLSURL.
type ATS10 struct {
	PID      int
	Socket   string // the JSON-RPC socket
	Runroot  string // TS_RUNROOT for traffic_ctl
	Root     string // where the bundle is unpacked
	ProxyURL string // http://127.0.0.1:PORT
	TLSURL   string // https://127.0.0.1:PORT (self-signed)
	StatsURL string // http://127.0.0.1:PORT/_stats
	Origin   *Origin

	t                     testing.TB
	start                 string
	dir                   string
	proxy, tls, originPrt int
	curlPath              string
}

// ATS10Bundle is the bundle's start script, or "" when this checkout has no
// shared directory beside it (a user's clone).
func ATS10Bundle() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(d), "shared", "ats10", "start")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// StartATS10 starts Traffic Server 10.2, or skips the test, even under
// CI=true, when the bundle is not there: it comes with the shared
// directory of this project's development machines and CI, not with a
// clone. It is stopped when the test ends.
func StartATS10(t testing.TB) *ATS10 {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test starts Traffic Server 10.2")
	}
	start := ATS10Bundle()
	if start == "" {
		t.Skip("no Traffic Server 10.2 bundle at ../shared/ats10/start beside this checkout; these tests run where it is (development machines and CI)")
	}
	a := &ATS10{t: t, start: start, dir: testproc.ShortTempDir(t), Origin: NewOrigin(t, 2*time.Millisecond),
		curlPath: RequireProgram(t, "curl")}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(a.Origin.URL, "http://"))
	a.originPrt, _ = strconv.Atoi(port)
	t.Cleanup(a.Stop)
	var lastErr error
	for range 3 { // a free port can be taken before traffic_server binds it
		var err1, err2 error
		a.proxy, err1 = testproc.FreePort()
		a.tls, err2 = testproc.FreePort()
		if err1 != nil || err2 != nil || a.proxy == a.tls {
			continue
		}
		if lastErr = a.run(); lastErr == nil {
			a.ProxyURL = fmt.Sprintf("http://127.0.0.1:%d", a.proxy)
			a.TLSURL = fmt.Sprintf("https://127.0.0.1:%d", a.tls)
			a.StatsURL = a.ProxyURL + "/_stats"
			return a
		}
	}
	t.Fatalf("starting Traffic Server 10.2: %v", lastErr)
	return nil
}

// run starts traffic_server with the start script and reads its
// assignments (ATS_PID=… and so on).
func (a *ATS10) run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.start, a.dir, strconv.Itoa(a.proxy), strconv.Itoa(a.originPrt), strconv.Itoa(a.tls))
	cmd.Dir = a.dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	// Its own process group: traffic_server, started in the background by
	// the script, is stopped by its PID (Stop); a Ctrl-C in the terminal
	// goes to the test binary, whose cleanups then stop it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", a.start, err, strings.TrimSpace(stderr.String()))
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vars[k] = v
		}
	}
	a.PID, _ = strconv.Atoi(vars["ATS_PID"])
	a.Socket, a.Runroot, a.Root = vars["ATS_SOCKET"], vars["ATS_RUNROOT"], vars["ATS_ROOT"]
	if a.PID <= 0 || a.Socket == "" || a.Runroot == "" || a.Root == "" {
		return fmt.Errorf("%s printed no ATS_PID, ATS_SOCKET, ATS_RUNROOT and ATS_ROOT: %q", a.start, out)
	}
	return nil
}

// Stop stops traffic_server (SIGTERM, then SIGKILL after 15 s) and waits
// until it is gone. It may be called more than once.
func (a *ATS10) Stop() {
	if a.PID <= 0 {
		return
	}
	pid := a.PID
	a.PID = 0
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for testproc.Alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(time.Hour)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Restart stops traffic_server and starts it again on the same ports and
// directory (the same socket path), as an operator's restart would.
func (a *ATS10) Restart() {
	a.t.Helper()
	a.Stop()
	if err := a.run(); err != nil {
		a.t.Fatalf("restarting Traffic Server 10.2: %v", err)
	}
}

// TrafficCtl is the argv prefix of this instance's traffic_ctl; run it
// with Env.
func (a *ATS10) TrafficCtl() string { return filepath.Join(a.Root, "bin", "traffic_ctl") }

// Env is what traffic_ctl needs to find this instance and its libraries.
func (a *ATS10) Env() []string {
	return []string{"TS_RUNROOT=" + a.Runroot, "LD_LIBRARY_PATH=" + filepath.Join(a.Root, "lib")}
}

// Curl fetches each URL through the proxy (or TLS with HTTP/2 for https
// URLs, certificate not checked) with one curl process and returns how
// many got each status.
func (a *ATS10) Curl(t testing.TB, urls ...string) map[int]int {
	t.Helper()
	extra := []string{"-k"}
	if len(urls) > 0 && strings.HasPrefix(urls[0], "https:") {
		extra = append(extra, "--http2")
	}
	return curlCodes(t, a.curlPath, extra, urls)
}

// Mix is n requests of every kind the dashboard shows: cache hits and
// misses, 404s from the origin, 502s from an origin that drops the
// connection, uncacheable objects; tls of them over TLS with HTTP/2.
func (a *ATS10) Mix(t testing.TB, n, tls int) map[int]int {
	t.Helper()
	var urls []string
	for i := 0; i < n; i++ {
		switch i % 10 {
		case 0:
			urls = append(urls, fmt.Sprintf("%s/missing/%d-%d", a.ProxyURL, time.Now().UnixNano(), i))
		case 1:
			urls = append(urls, fmt.Sprintf("%s/broken/%d", a.ProxyURL, i))
		case 2:
			urls = append(urls, fmt.Sprintf("%s/cache/cold-%d-%d", a.ProxyURL, time.Now().UnixNano(), i))
		case 3:
			urls = append(urls, fmt.Sprintf("%s/nocache/%d", a.ProxyURL, i))
		default:
			urls = append(urls, fmt.Sprintf("%s/cache/hot-%d", a.ProxyURL, i%4))
		}
	}
	codes := a.Curl(t, urls...)
	if tls > 0 {
		var turls []string
		for i := 0; i < tls; i++ {
			turls = append(turls, fmt.Sprintf("%s/cache/hot-%d", a.TLSURL, i%4))
		}
		for c, k := range a.Curl(t, turls...) {
			codes[c] += k
		}
	}
	return codes
}

// Load sends traffic through the proxy until ctx ends, from one curl
// process at a time (a few hundred requests a second on loopback),
// whether or not Traffic Server is up: for tests that watch a dashboard
// through an outage.
func (a *ATS10) Load(ctx context.Context) {
	base := a.ProxyURL
	go func() {
		for ctx.Err() == nil {
			args := []string{"-s", "--noproxy", "*", "--connect-timeout", "1", "--max-time", "5"}
			for i := 0; i < 50; i++ {
				args = append(args, "-o", "/dev/null", fmt.Sprintf("%s/cache/hot-%d", base, i%4))
			}
			cmd := exec.CommandContext(ctx, a.curlPath, args...)
			cmd.WaitDelay = time.Second
			if cmd.Run() != nil && ctx.Err() == nil {
				// Down: try again shortly rather than spin.
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}()
}
