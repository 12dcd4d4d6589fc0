package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
)

func startSim(t *testing.T) *simulator.Server {
	t.Helper()
	s, err := simulator.Start(simulator.Options{Seed: 1, ResetEvery: simulator.NoReset})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ctl(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = runCtl(args, &out, &errOut)
	return out.String(), errOut.String(), status
}

func TestCtlMetricGet(t *testing.T) {
	sim := startSim(t)
	names := []string{
		"proxy.process.http.incoming_requests",
		"proxy.process.no.such.metric",
		"proxy.process.http.2xx_responses",
		"proxy.process.http.transaction_totaltime.hit_fresh",
	}
	out, errOut, status := ctl(t, append([]string{"--socket", sim.Path(), "metric", "get"}, names...)...)
	if status != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
	// As traffic_ctl 10.2 (shared/samples/ats10/traffic_ctl_metric_get.txt):
	// "name value" per found record in request order, nothing for the
	// unknown one.
	want := regexp.MustCompile(`^proxy\.process\.http\.incoming_requests \d+\n` +
		`proxy\.process\.http\.2xx_responses \d+\n` +
		`proxy\.process\.http\.transaction_totaltime\.hit_fresh \d+\n$`)
	if !want.MatchString(out) {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestCtlMetricGetUnknownOnly(t *testing.T) {
	sim := startSim(t)
	// The capture: no output at all, status 0.
	out, errOut, status := ctl(t, "--socket", sim.Path(), "metric", "get", "proxy.process.no.such.metric")
	if out != "" || errOut != "" || status != 0 {
		t.Errorf("stdout %q, stderr %q, status %d", out, errOut, status)
	}
}

func TestCtlConfigGet(t *testing.T) {
	sim := startSim(t)
	out, errOut, status := ctl(t, "--socket", sim.Path(), "config", "get", "proxy.config.local_state_dir")
	want := "proxy.config.local_state_dir: " + filepath.Dir(sim.Path()) + "\n"
	if out != want || errOut != "" || status != 0 {
		t.Errorf("stdout %q (want %q), stderr %q, status %d", out, want, errOut, status)
	}

	out, _, status = ctl(t, "--socket", sim.Path(), "config", "get", "proxy.config.http.server_ports", "proxy.config.nope")
	want = "proxy.config.http.server_ports: 8080 8080:ipv6\n" +
		"------------ Errors ----------\n" +
		"Record Name     : proxy.config.nope\n" +
		"Code            : 2000\n" +
		"Message         : Record not found.\n"
	if out != want || status != exitError {
		t.Errorf("status %d, stdout:\n%s\nwant:\n%s", status, out, want)
	}
}

func TestCtlSocketMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jsonrpc20.sock")
	out, errOut, status := ctl(t, "--socket", path, "metric", "get", "proxy.process.http.incoming_requests")
	want := "Error found:\nRPC Node Error: connect(attempts=1/100): Couldn't open connection with " + path +
		". Last error: No such file or directory(2)\n"
	if status != exitError || out != "" || errOut != want {
		t.Errorf("status %d, stdout %q, stderr %q (want %q)", status, out, errOut, want)
	}
}

func TestCtlServerFaults(t *testing.T) {
	sim := startSim(t)
	sim.SetFault(simulator.FaultErrorObject)
	out, _, status := ctl(t, "--socket", sim.Path(), "metric", "get", "proxy.process.http.incoming_requests")
	if status != exitError || !strings.HasPrefix(out, "Server Error found:\n[10] ") {
		t.Errorf("error object: status %d, stdout %q", status, out)
	}
	sim.SetFault(simulator.FaultCrash)
	out, errOut, status := ctl(t, "--socket", sim.Path(), "metric", "get", "proxy.process.http.incoming_requests")
	if status != exitError || out != "" || errOut != "Error found:\nSomething happened, we can't read the response\n" {
		t.Errorf("crash: status %d, stdout %q, stderr %q", status, out, errOut)
	}
}

func TestCtlUsage(t *testing.T) {
	for _, args := range [][]string{
		{"metric", "get", "x"},                        // no --socket
		{"--socket", "/nonexistent", "metric", "get"}, // no names
		{"--socket", "/nonexistent", "metric", "match", "x"},
		{"--bogus"},
	} {
		out, errOut, status := ctl(t, args...)
		if status != exitError || out != "" || !strings.Contains(errOut, "usage: atssim ctl") {
			t.Errorf("%q: status %d, stdout %q, stderr %q", args, status, out, errOut)
		}
	}
}
