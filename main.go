// Command traffic_grapher graphs live Apache Traffic Server metrics as
// braille line charts in any terminal. See --help; the program itself is
// internal/app.
//
// The runtime's periodic check of the CPU limit (Go 1.25's updatemaxprocs)
// reads cgroup files and the CPU affinity every second: the largest part
// of what the program costs while it waits for its next tick. A dashboard
// is not resized by its orchestrator, so it keeps the GOMAXPROCS it
// started with.
//
//go:debug updatemaxprocs=0
package main

import (
	"os"

	"github.com/traffic-grapher/traffic_grapher/internal/app"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	app.Version = version
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}
