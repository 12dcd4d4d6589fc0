package atstest

import (
	"context"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// Run runs argv (normally a.TrafficCtlPath and its arguments) with
// TS_RUNROOT pointing at this instance, and returns its standard output.
// Its signature is collect.CommandRunner's and it behaves like
// collect.ExecRunner: the output is returned even when the command fails,
// and the error carries stderr's first line (and the next one when the
// first ends in ':', as traffic_ctl 10's "Error found:" does).
//
// traffic_ctl 9.2 prints "NOTE: using the environment
// variable TS_RUNROOT" (or "... command line path as RUNROOT") on stderr
// before anything else whenever a runroot is in use. Those lines are
// skipped, so the first line is traffic_ctl's own message, as on a
// machine without a runroot ("Traffic Server: failed to fetch NAME: [11]
// ...", which TrafficCtlSource needs to see).
func (a *ATS) Run(ctx context.Context, argv []string) ([]byte, error) {
	return collect.ExecRunnerWithEnv("TS_RUNROOT="+a.Dir)(ctx, argv)
}

// TrafficCtl returns the argv prefix that runs this instance's traffic_ctl
// from any environment: the program and its --run-root option. Add the
// command: append(a.TrafficCtl(), "metric", "get", NAME).
func (a *ATS) TrafficCtl() []string {
	return []string{a.TrafficCtlPath, "--run-root=" + a.Dir}
}
