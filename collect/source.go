// Package collect reads record values from Traffic Server (and, later, other
// sources) and delivers one snapshot per host per tick.
package collect

import (
	"context"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Source fetches the current values of a set of records from one host in a
// single request. Implementations must honour ctx's deadline and must never
// block past it, whatever the peer does.
type Source interface {
	// Fetch returns the values found. Records the server reports as missing
	// or unreadable come back as warnings, not errors; err is for a failed
	// request as a whole (unreachable, timed out, garbage, server error).
	Fetch(ctx context.Context, keys []string) (values map[string]metrics.Sample, warnings []string, err error)
	// String describes the source for status lines: "jsonrpc /run/ts/jsonrpc20.sock".
	String() string
}
