// Package all registers every source kind: importing it (for its side
// effect) is how the program gets them all. A new source package is added
// here, and nowhere else.
package all

import (
	// Sources in packages of their own; the others still live in collect.
	_ "github.com/traffic-grapher/traffic_grapher/collect/prom"
	_ "github.com/traffic-grapher/traffic_grapher/collect/stats"
)
