package collect

import (
	"context"
	"time"
)

// WithDefaultDeadline gives ctx a deadline d away unless it has one: every
// request a source makes must be bounded, even when a caller forgot.
func WithDefaultDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// ChunkBySize splits items into runs whose estimated size, overhead plus
// cost(item) each, stays under limit; an item bigger than limit on its own
// still gets a run of its own.
func ChunkBySize(items []string, overhead, limit int, cost func(string) int) [][]string {
	var chunks [][]string
	var cur []string
	size := overhead
	for _, it := range items {
		c := cost(it)
		if len(cur) > 0 && size+c > limit {
			chunks = append(chunks, cur)
			cur, size = nil, overhead
		}
		cur = append(cur, it)
		size += c
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// DefaultMaxReplyBytes bounds a JSON-RPC reply. A lookup of every process
// metric on ATS 10.2 is about 258 KB, so 16 MiB only ever trips on a broken
// or hostile peer.
const DefaultMaxReplyBytes = 16 << 20

// DefaultTimeout bounds a Fetch whose context carries no deadline.
const DefaultTimeout = 5 * time.Second
