package app

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/promtest"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// queryCounter is a proxy in front of a Prometheus server that counts
// the instant queries it passes.
type queryCounter struct {
	*httptest.Server
	queries atomic.Int64
}

func newQueryCounter(t *testing.T, target string) *queryCounter {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	q := &queryCounter{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	q.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/query" {
			q.queries.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(q.Close)
	return q
}

// A fleet of 100 simulated Traffic Servers, each scraped by a real
// Prometheus at its /_stats/prometheus and named by a label of its own
// (host) and grouped by another (pop), read through Prometheus: every
// host is in the fleet table, the down one is down, each POP has its
// line, and the queries per round do not grow with the hosts.
func TestPromQLFleetOfAHundredThroughPrometheus(t *testing.T) {
	const hosts = 100
	fl, err := simulator.StartFleet(simulator.FleetOptions{Dir: t.TempDir(), Hosts: hosts, Sick: true, Stats: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fl.Close)
	job := promtest.Scrape{Job: "ats", Path: "/_stats/prometheus"}
	for i, s := range fl.StatsURLs {
		u, _ := url.Parse(s)
		job.Targets = append(job.Targets, u.Host)
		pop := "ams"
		if i >= hosts/2 {
			pop = "fra"
		}
		job.Labels = append(job.Labels, map[string]string{"host": fl.Names[i], "pop": pop})
	}
	prom := promtest.StartPrometheusWith(t, job)
	// Every answering host scraped twice (a rate), the down one failed.
	prom.WaitForData(fmt.Sprintf(`count(rate(proxy_process_http_incoming_requests[10s])) >= %d`, hosts-1))
	prom.WaitForData(`up{host="edge100"} == 0`)
	counter := newQueryCounter(t, prom.URL)

	// Rates need two values that differ, and a loaded machine (a race run
	// beside other packages' tests) slows Prometheus's scrapes and the
	// 2 MB answer: rounds every 3 s, judged by the best.
	const rounds = 4
	var out, errb bytes.Buffer
	arg := "promql+" + counter.URL + `?label=host&group=pop&targets=up{job="ats"}`
	status := run([]string{arg, "--batch", "--format", "json", "--count", fmt.Sprint(rounds), "--interval", "3"}, &out, &errb)
	if status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	var best report.Readout
	bestAnswered, lines := -1, 0
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 64<<20) // a line has every page of 100 hosts
	for ; sc.Scan(); lines++ {
		var r report.Readout
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Fleet == nil {
			t.Fatalf("line %d: %v, fleet %v", lines+1, err, r.Fleet != nil)
		}
		rows := r.Fleet.Rows
		if len(rows) != hosts || r.Fleet.Total != hosts {
			t.Fatalf("line %d: %d rows of %d hosts; want %d", lines+1, len(rows), r.Fleet.Total, hosts)
		}
		if g := r.Fleet.Groups; len(g) != 2 || g[0].Name != "ams 50" || g[1].Name != "fra 50" {
			t.Errorf("line %d: groups by the pop label: %+v", lines+1, g)
		}
		// Columns 0 and 5 are requests/s and connections.
		answered := 0
		for _, row := range rows[1:] {
			if row.Status != "down" && row.Cells[0].Value != nil && *row.Cells[0].Value > 0 && row.Cells[5].Value != nil {
				answered++
			}
		}
		if answered > bestAnswered {
			best, bestAnswered = r, answered
		}
	}
	if lines != rounds {
		t.Fatalf("%d lines; stderr %s", lines, errb.String())
	}
	// The restarting host may be between lives, and on a loaded machine
	// Prometheus misses some scrapes (those hosts have no series for a
	// while); the others answer.
	if bestAnswered < hosts*9/10 {
		for _, row := range best.Fleet.Rows {
			t.Logf("%s: %s %q %v", row.Name, row.Status, row.Error, row.Cells[0].Value)
		}
		t.Errorf("at best %d hosts with requests/s and connections; want %d or more", bestAnswered, hosts*9/10)
	}
	// The down host is down, worst first, saying why.
	if r := best.Fleet.Rows[0]; r.Name != "edge100" || r.Status != "down" || !strings.Contains(r.Error, `no series with host="edge100"`) {
		t.Errorf("first row %s %s %q; want edge100 down, with why", r.Name, r.Status, r.Error)
	}
	if g := best.Fleet.Groups; !strings.Contains(g[1].Status, "down") {
		t.Errorf("fra's line does not count its down host: %+v", g[1])
	}
	if g := best.Fleet.Groups; g[0].Cells[5].Value == nil || g[1].Cells[5].Value == nil {
		t.Errorf("group lines without connections: %+v", g)
	}
	// Two queries at start (the targets, and whether they are Traffic
	// Servers), then ONE per round for every record of the dashboard,
	// whatever the number of hosts.
	if n := counter.queries.Load(); n != 2+rounds {
		t.Errorf("%d queries for %d rounds of %d hosts; want %d", n, rounds, hosts, 2+rounds)
	}
}
