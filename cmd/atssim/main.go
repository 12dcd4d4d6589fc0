// Command atssim serves the simulated Traffic Server that --demo uses, on a
// socket of your choice, so traffic_grapher (or traffic_ctl-like tools) can
// be tried, measured or developed against it from another process.
//
//	go run ./cmd/atssim --socket /tmp/ats1.sock --seed 1 --stats 127.0.0.1:8080 &
//	traffic_grapher unix:/tmp/ats1.sock
//	traffic_grapher prom+http://127.0.0.1:8080/_stats/prometheus_v2
//
//	go run ./cmd/atssim --fleet 60 --sick --dir /tmp/fleet &
//	traffic_grapher --hosts-file /tmp/fleet/hosts
//
// `atssim ctl --socket PATH {metric|config} get NAME...` is a stand-in for
// traffic_ctl that asks the simulator (or any ATS 10) at PATH and prints
// what traffic_ctl would (see ctl.go); tests put it in PATH as traffic_ctl.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "ctl" {
		os.Exit(runCtl(os.Args[2:], os.Stdout, os.Stderr))
	}
	socket := flag.String("socket", "", "where to create the JSON-RPC socket (required); its directory must exist")
	seed := flag.Int64("seed", 1, "traffic pattern; different seeds look like different hosts")
	noReset := flag.Bool("no-reset", false, "never simulate a restart (counters reset about every 10 minutes otherwise)")
	statsAddr := flag.String("stats", "", "also serve stats_over_http's /_stats, /_stats/prometheus and /_stats/prometheus_v2 on this address (127.0.0.1:8080)")
	fleet := flag.Int("fleet", 0, "serve this many hosts from this process instead, under --dir (edge01/jsonrpc20.sock, …), and write the lists DIR/hosts, DIR/hosts-stats and DIR/hosts-prom for traffic_grapher --hosts-file")
	dir := flag.String("dir", "", "with --fleet: the directory the hosts' sockets and lists go in")
	sick := flag.Bool("sick", false, "with --fleet (8 hosts or more): the last four are sick: rising 5xx, slow, restarting, down")
	fleetStats := flag.Bool("fleet-stats", false, "with --fleet: also serve each host's stats_over_http on a free loopback port")
	hang := flag.Bool("hang", false, "a hung traffic_server: take each request and never answer it, keeping the connection open")
	flag.Parse()
	if *fleet > 0 {
		os.Exit(runFleet(*fleet, *dir, *sick, *fleetStats))
	}
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "atssim: --socket is required")
		os.Exit(2)
	}
	// The simulator makes its socket in a private directory; it is then
	// moved into place, so several instances can share a directory.
	opts := simulator.Options{Seed: *seed}
	if *noReset {
		opts.ResetEvery = simulator.NoReset
	}
	srv, err := simulator.Start(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "atssim:", err)
		os.Exit(1)
	}
	if _, err := os.Stat(filepath.Dir(*socket)); err != nil {
		srv.Close()
		fmt.Fprintln(os.Stderr, "atssim:", err)
		os.Exit(1)
	}
	if srv.Path() != *socket {
		if err := os.Rename(srv.Path(), *socket); err != nil {
			srv.Close()
			fmt.Fprintln(os.Stderr, "atssim:", err)
			os.Exit(1)
		}
	}
	if *hang {
		srv.SetFault(simulator.FaultHang)
	}
	fmt.Fprintf(os.Stderr, "atssim: serving a simulated ATS 10 on %s (Ctrl-C stops)\n", *socket)
	if *statsAddr != "" {
		url, err := srv.StartStats(*statsAddr)
		if err != nil {
			srv.Close()
			fmt.Fprintln(os.Stderr, "atssim:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "atssim: stats_over_http at %s, %s/prometheus and %s/prometheus_v2\n", url, url, url)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	srv.Close()
	os.Remove(*socket)
}

// runFleet serves a fleet (simulator.StartFleet) until a signal.
func runFleet(n int, dir string, sick, stats bool) int {
	if dir == "" {
		fmt.Fprintln(os.Stderr, "atssim: --fleet needs --dir")
		return 2
	}
	o := simulator.FleetOptions{Dir: dir, Hosts: n, Sick: sick, Stats: stats}
	f, err := simulator.StartFleet(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "atssim:", err)
		return 1
	}
	defer f.Close()
	for _, l := range []struct{ file, form string }{{"hosts", "unix"}, {"hosts-stats", "stats"}, {"hosts-prom", "prom"}} {
		args := f.HostArgs(l.form)
		if len(args) == 0 {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, l.file), []byte(strings.Join(args, "\n")+"\n"), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "atssim:", err)
			return 1
		}
	}
	if stats {
		if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(prometheusConfig(f)), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "atssim:", err)
			return 1
		}
	}
	for i, name := range f.Names {
		if p := o.Personality(i); p != "" {
			fmt.Fprintf(os.Stderr, "atssim: %s is %s\n", name, p)
		}
	}
	fmt.Fprintf(os.Stderr, "atssim: serving %d simulated ATS 10 hosts under %s; traffic_grapher --hosts-file %s (Ctrl-C stops)\n",
		n, dir, filepath.Join(dir, "hosts"))
	if stats {
		fmt.Fprintf(os.Stderr, "atssim: a Prometheus with --config.file=%s scrapes them all (job ats, label host); then traffic_grapher 'promql+http://127.0.0.1:9090?label=host&targets=up{job=\"ats\"}'\n",
			filepath.Join(dir, "prometheus.yml"))
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return 0
}

// prometheusConfig is a prometheus.yml that scrapes every host of the
// fleet at /_stats/prometheus (the form named after the records) every
// second, each with a label host naming it as the fleet does. JSON is
// YAML, and quotes safely.
func prometheusConfig(f *simulator.Fleet) string {
	type static struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	var targets []static
	for i, u := range f.StatsURLs {
		addr := strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/_stats")
		targets = append(targets, static{Targets: []string{addr}, Labels: map[string]string{"host": f.Names[i]}})
	}
	ts, _ := json.Marshal(targets)
	return "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: ats\n    metrics_path: /_stats/prometheus\n    static_configs: " + string(ts) + "\n"
}
