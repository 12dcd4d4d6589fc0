package simulator

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A fleet's hosts answer from one process, each its own traffic, and its
// last four are sick as they say.
func TestFleet(t *testing.T) {
	var now atomic.Int64
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	now.Store(t0.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	o := FleetOptions{Dir: t.TempDir(), Hosts: 10, Sick: true, Stats: true, SlowDelay: 150 * time.Millisecond, Clock: clock}
	f, err := StartFleet(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	if len(f.Names) != 10 || f.Names[0] != "edge01" || f.Names[9] != "edge10" || len(f.HostArgs("unix")) != 10 || len(f.HostArgs("prom")) != 10 {
		t.Fatalf("names %v, args %v", f.Names, f.HostArgs("prom"))
	}
	want := map[int]string{6: "rising 5xx", 7: "slow", 8: "restarting", 9: "down"}
	for i := range 10 {
		if got := o.Personality(i); got != want[i] {
			t.Errorf("host %d is %q, want %q", i, got, want[i])
		}
	}
	// The down host refuses, on its socket and its HTTP port.
	if _, err := net.Dial("unix", f.Sockets[9]); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("the down host's socket: %v, want connection refused", err)
	}
	if _, err := http.Get(f.StatsURLs[9]); err == nil {
		t.Error("the down host's stats_over_http answered")
	}
	// The slow host holds its replies.
	began := time.Now()
	resp, err := http.Get(f.StatsURLs[7])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if took := time.Since(began); took < 150*time.Millisecond {
		t.Errorf("the slow host answered in %v", took)
	}
	// Ten minutes on, the rising host's 5xx are 8 % of its requests and
	// the restarting one has restarted.
	v0 := func(s *Server, k string) float64 {
		x, _ := strconv.ParseFloat(s.Values(func(n string) bool { return n == k })[k], 64)
		return x
	}
	now.Store(t0.Add(10 * time.Minute).UnixNano())
	before5, beforeReq := v0(f.Servers[6], "proxy.process.http.5xx_responses"), v0(f.Servers[6], "proxy.process.http.incoming_requests")
	now.Store(t0.Add(11 * time.Minute).UnixNano())
	d5 := v0(f.Servers[6], "proxy.process.http.5xx_responses") - before5
	dReq := v0(f.Servers[6], "proxy.process.http.incoming_requests") - beforeReq
	if r := d5 / dReq; r < 0.07 || r > 0.2 {
		t.Errorf("the rising host's 5xx share after ten minutes: %.3f, want about 0.08", r)
	}
	v0(f.Servers[8], "proxy.process.http.incoming_requests") // brings it to the clock
	if f.Servers[8].Resets() == 0 {
		t.Error("the restarting host never restarted in eleven minutes")
	}
}
