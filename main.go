// Command traffic_grapher graphs live Apache Traffic Server metrics as
// braille line charts in any terminal. See --help; the program itself is
// internal/app.
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
