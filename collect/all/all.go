// Package all registers every source kind: importing it (for its side
// effect) is how the program gets them all. A new source package is added
// here, and nowhere else.
package all

import (
	_ "github.com/traffic-grapher/traffic_grapher/collect/ats"  // jsonrpc, traffic_ctl: here or over SSH
	_ "github.com/traffic-grapher/traffic_grapher/collect/demo" // demo: the simulator
	_ "github.com/traffic-grapher/traffic_grapher/collect/prom" // prom, promql
	_ "github.com/traffic-grapher/traffic_grapher/collect/stats"
)
