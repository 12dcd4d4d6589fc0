package collect

import (
	"context"
	"fmt"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// A Batch answers for several hosts in one request: a query engine that
// already holds every host's values (a Prometheus server) is asked once a
// tick for the whole fleet, not once per host, so that the cost of a tick
// grows with the size of the answers only.
//
// Each host of a batch is still a Host of its own, with a Source that is
// Batched: the Collector gives the batch's members one worker, one
// deadline and one backoff (they share a server), and delivers one Result
// per member, so hosts are shown, judged stale and recorded exactly as if
// each had been asked alone.
type Batch interface {
	// FetchBatch fetches keys[m] for each member m at once (a member
	// whose keys are nil is not asked: it is not collected); the reply for
	// member m is at index m. err fails the whole batch (the server is
	// down); a member's own failure (no series for it) is its Reply.Err.
	// Members usually share one key list (the very same slice), or a few:
	// the hosts shown on the pages are asked more than the rest of a
	// fleet (Collector.Brief).
	FetchBatch(ctx context.Context, keys [][]string) ([]Reply, error)
	// String describes the batch for messages: "promql http://prom:9090".
	String() string
}

// Reply is one member's part of a batch's answer.
type Reply struct {
	Values   map[string]metrics.Sample
	Warnings []string
	Err      error
}

// Batched is a Source that is member Member of Batch. Its own Fetch
// still works alone (for `traffic_grapher metrics`, say).
type Batched interface {
	Source
	Batch() (b Batch, member int)
}

// unit is what one collection worker asks: one host, or every member of
// a batch (hosts[m] is the host index of member m).
type unit struct {
	batch Batch
	hosts []int
}

// first is the unit's first host.
func (u unit) first() int {
	for _, i := range u.hosts {
		if i >= 0 {
			return i
		}
	}
	return 0 // not reached: units makes no empty unit
}

// each calls f with every member that is collected and its host.
func (u unit) each(f func(member, host int)) {
	for m, i := range u.hosts {
		if i >= 0 {
			f(m, i)
		}
	}
}

// units groups the hosts: one unit per batch (its members in member
// order), one per other host.
func units(hosts []Host) []unit {
	var out []unit
	byBatch := map[Batch]int{}
	for i, h := range hosts {
		var batch Batch
		m := 0
		if b, ok := h.Source.(Batched); ok {
			batch, m = b.Batch()
		}
		if batch == nil {
			out = append(out, unit{hosts: []int{i}})
			continue
		}
		u, seen := byBatch[batch]
		if !seen {
			u = len(out)
			byBatch[batch] = u
			out = append(out, unit{batch: batch})
		}
		for len(out[u].hosts) <= m {
			out[u].hosts = append(out[u].hosts, -1)
		}
		out[u].hosts[m] = i
	}
	return out
}

// safeFetchBatch is safeFetch for a batch.
func safeFetchBatch(ctx context.Context, b Batch, keys [][]string) (replies []Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			replies = nil
			err = fmt.Errorf("internal error reading %s: %v (please report it)", b, p)
		}
	}()
	return b.FetchBatch(ctx, keys)
}
