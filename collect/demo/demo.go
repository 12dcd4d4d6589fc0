package demo

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
)

// The simulated Traffic Server of --demo, one per host, each a real
// JSON-RPC server on a temporary socket: a source kind like any other.
func init() {
	collect.Register(collect.Kind{
		Name:     "demo",
		Pages:    "ats",
		Describe: "a built-in simulated ATS 10 (--demo NAME...), on a temporary JSON-RPC socket",
		Open:     openDemo,
	})
}

// openDemo starts a simulator for ep; each name gets its own traffic, the
// same on every run ("localhost", the lone --demo host, gets the first).
func openDemo(_ context.Context, ep collect.Endpoint, _ collect.Env) (collect.Opened, error) {
	seed := int64(1)
	if ep.Arg != "localhost" {
		h := fnv.New32a()
		h.Write([]byte(ep.Arg))
		seed = int64(h.Sum32()%1000) + 2
	}
	sim, err := simulator.Start(simulator.Options{Seed: seed})
	if err != nil {
		return collect.Opened{}, fmt.Errorf("starting the demo simulator: %w", err)
	}
	return collect.Opened{Source: jsonrpc.NewJSONRPCSource(sim.Path()), Close: func() { sim.Close() }}, nil
}
