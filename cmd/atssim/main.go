// Command atssim serves the simulated Traffic Server that --demo uses, on a
// socket of your choice, so traffic_grapher (or traffic_ctl-like tools) can
// be tried, measured or developed against it from another process.
//
//	go run ./cmd/atssim --socket /tmp/ats1.sock --seed 1 --stats 127.0.0.1:8080 &
//	traffic_grapher unix:/tmp/ats1.sock
//	traffic_grapher prom+http://127.0.0.1:8080/_stats/prometheus_v2
//
// `atssim ctl --socket PATH {metric|config} get NAME...` is a stand-in for
// traffic_ctl that asks the simulator (or any ATS 10) at PATH and prints
// what traffic_ctl would (see ctl.go); tests put it in PATH as traffic_ctl.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
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
	flag.Parse()
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
