package atstest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
)

// statsValue reads one record from the stats_over_http plugin.
func statsValue(t *testing.T, a *ATS, name string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.StatsURL, nil)
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct{ Global map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseInt(doc.Global[name], 10, 64)
	if err != nil {
		t.Fatalf("%s = %q: %v", name, doc.Global[name], err)
	}
	return v
}

func TestStartDriveStop(t *testing.T) {
	a := Start(t, Options{})
	t.Logf("Traffic Server %s ready in %v on %s", a.Version, a.Started.Round(time.Millisecond), a.ProxyURL)
	if !strings.HasPrefix(a.Version, "9.") {
		t.Errorf("version %q, want 9.x", a.Version)
	}

	// Everything it writes is under Dir: its sockets and logs are there.
	for _, f := range []string{"run/mgmtapi.sock", "log/diags.log", "log/manager.log", "cache"} {
		if _, err := os.Stat(filepath.Join(a.Dir, f)); err != nil {
			t.Errorf("%v", err)
		}
	}

	codes := a.Drive(t, 40)
	if codes[200] != 32 || codes[404] != 8 || len(codes) != 2 {
		t.Errorf("codes %s, want 200×32 404×8", CodesString(codes))
	}
	// 8 404s, 4 cold and 4 uncacheable objects reach the origin, and the
	// first requests of the 4 hot objects: the other 20 are cache hits.
	// Allow 4 more misses: a hot object asked again before its cache
	// write has finished may be fetched once more.
	if n := a.Origin.Requests(); n < 16 || n > 24 {
		t.Errorf("origin saw %d requests, want 16 to 24 (the rest cache hits)", n)
	}

	// traffic_ctl through the runner, and its errors as traffic_ctl says
	// them (not the runroot NOTE traffic_ctl prints first).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := a.Run(ctx, []string{a.TrafficCtlPath, "metric", "get", "proxy.node.restarts.proxy.start_time"})
	if err != nil || !strings.HasPrefix(string(out), "proxy.node.restarts.proxy.start_time ") {
		t.Errorf("traffic_ctl metric get: %q, %v", out, err)
	}
	_, err = a.Run(ctx, []string{a.TrafficCtlPath, "metric", "get", "proxy.process.no_such_record"})
	if err == nil || !strings.Contains(err.Error(), "failed to fetch proxy.process.no_such_record: [11]") {
		t.Errorf("unknown record: %v", err)
	}
	// The argv form works without TS_RUNROOT in the environment.
	argv := append(a.TrafficCtl(), "metric", "get", "proxy.process.http.incoming_requests")
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = envWithout(nil)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "\nproxy.process.http.incoming_requests ") {
		t.Errorf("%q: %q, %v", argv, out, err)
	}

	pg := a.proc.PID() // the process group's ID too
	a.Stop()
	if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port)), time.Second); err == nil {
		c.Close()
		t.Error("the proxy port still accepts connections after Stop")
	}
	if m := testproc.GroupMembers(pg); len(m) != 0 {
		t.Errorf("processes %v of group %d alive after Stop", m, pg)
	}
	a.Stop() // twice is fine
}

func TestConfigStaysInDir(t *testing.T) {
	dir := t.TempDir()
	l := layout{bindir: "/usr/bin", libdir: "/usr/lib/trafficserver", plugindir: "/usr/lib/trafficserver/modules"}
	if err := writeConfig(dir, l, 8080, "http://127.0.0.1:9/", Options{CacheMB: 64}); err != nil {
		t.Fatal(err)
	}
	rr, err := os.ReadFile(filepath.Join(dir, "runroot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(rr)), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "bindir", "sbindir", "exec_prefix", "libdir", "libexecdir":
			// the installed programs and plugins, read only
		default:
			if !strings.HasPrefix(v, dir+"/") && v != dir {
				t.Errorf("runroot %s = %s, outside %s", k, v, dir)
			}
		}
	}
	rec, _ := os.ReadFile(filepath.Join(dir, "etc", "records.config"))
	for _, want := range []string{"proxy.config.admin.user_id STRING #-1", "8080:ipv4:ip-in=127.0.0.1", "crash_log_helper STRING NULL"} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("records.config lacks %q", want)
		}
	}
	if s, _ := os.ReadFile(filepath.Join(dir, "etc", "storage.config")); string(s) != filepath.Join(dir, "cache")+" 64M\n" {
		t.Errorf("storage.config %q", s)
	}
}

func TestDrivePathMix(t *testing.T) {
	kinds := map[string]int{}
	for k := range 20 {
		p := drivePath(k)
		kinds[strings.SplitN(p, "/", 3)[1]]++
	}
	if kinds["missing"] != 4 || kinds["nocache"] != 2 || kinds["cache"] != 14 {
		t.Errorf("mix %v", kinds)
	}
}

func TestRequireProgramMissingSkips(t *testing.T) {
	t.Setenv("CI", "")
	var skipped bool
	t.Run("missing", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		RequireProgram(t, "traffic_grapher-no-such-program")
		t.Error("RequireProgram returned for a missing program")
	})
	if !skipped {
		t.Error("a missing program did not skip the test")
	}
}
