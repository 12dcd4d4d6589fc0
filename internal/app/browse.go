package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

const browseUsage = `traffic_grapher metrics: list the metrics a source offers, to write dashboards.

Usage:
  traffic_grapher metrics [flags] SOURCE [REGEX]

SOURCE is a host as for the dashboard (localhost, unix:/path.sock, edge1,
ctl:edge1, stats+http://..., prom+http://..., promql+http://...). REGEX
filters names (case-insensitive, unanchored). Prints name, type and current
value, one per line, sorted by name.

Examples:
  traffic_grapher metrics localhost 'http\.[0-9]xx'
  traffic_grapher metrics prom+http://127.0.0.1:9100/metrics node_network

Flags:
`

// skipper is a Lister that leaves some records out on purpose and says
// which (collect.JSONRPCSource: the STRING version records).
type skipper interface {
	Skipped(pattern string) (names []string, why string)
}

// runMetrics is the `metrics` subcommand: the metric browser. ctx ends at
// a signal (the stopper's).
func runMetrics(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("traffic_grapher metrics", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var socket, trafficCtl string
	var acceptNew, help bool
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	fs.StringVar(&socket, "socket", "", "JSON-RPC socket path (else discovered)")
	fs.StringVar(&trafficCtl, "traffic-ctl", "", "the traffic_ctl to run (else PATH, then the usual prefixes)")
	fs.BoolVar(&acceptNew, "accept-new-host-keys", false, "record the SSH host key of a host not yet in known_hosts")
	fs.BoolVarP(&help, "help", "h", false, "show this help")
	err := fs.Parse(args)
	if help || errors.Is(err, pflag.ErrHelp) {
		fmt.Fprint(stdout, browseUsage+fs.FlagUsages())
		return 0
	}
	if err == nil && (fs.NArg() < 1 || fs.NArg() > 2) {
		err = errors.New("want SOURCE and an optional REGEX")
	}
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher metrics: %v\nRun 'traffic_grapher metrics --help' for usage.\n", err)
		return 2
	}
	ep, err := collect.ParseEndpoint(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher metrics: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	opened, err := collect.Open(ctx, ep, openEnv(acceptNew, socket, trafficCtl))
	if opened.Close != nil {
		defer opened.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher metrics: %v\n", err)
		return 1
	}
	lister, ok := opened.Source.(collect.Lister)
	if !ok {
		fmt.Fprintf(stderr, "traffic_grapher metrics: %s sources cannot list their metrics\n", ep.Kind)
		return 1
	}
	infos, err := lister.List(ctx, fs.Arg(1))
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher metrics: %s: %v\n", ep.Arg, err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, m := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name, m.Type, m.Value)
	}
	tw.Flush()
	skipped := 0
	if sk, ok := lister.(skipper); ok {
		if names, why := sk.Skipped(fs.Arg(1)); len(names) > 0 {
			skipped = len(names)
			fmt.Fprintf(stderr, "traffic_grapher metrics: %d matching record(s) not listed (%s, …): %s\n", len(names), names[0], why)
		}
	}
	if len(infos) == 0 && skipped == 0 {
		fmt.Fprintf(stderr, "traffic_grapher metrics: no metric matches %q\n", fs.Arg(1))
		return 1
	}
	return 0
}
