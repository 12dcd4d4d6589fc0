package metrics

// UsedPercent is how full something is, from two gauges: 100 × (1 −
// available/total). It is what a filesystem panel (node_exporter's
// node_filesystem_avail_bytes and node_filesystem_size_bytes) and a memory
// panel (node_memory_MemAvailable_bytes, node_memory_MemTotal_bytes) need,
// and what no other type gives: counter, latency and hit_rate all work on
// increases, and gauges do not increase meaningfully.
//
// A total that is not positive (no swap configured, a filesystem that
// reports size 0) has no value rather than a division by zero. The result
// is clamped to 0..100: available can briefly exceed total while a
// filesystem is being resized, and a percentage beyond that says nothing
// useful.
type UsedPercent struct {
	AvailKey, TotalKey string
}

func (d *UsedPercent) Observe(s Snapshot) (float64, bool) {
	avail, ok1 := value(s, d.AvailKey)
	total, ok2 := value(s, d.TotalKey)
	if !ok1 || !ok2 || total <= 0 {
		return 0, false
	}
	used := 100 * (1 - avail/total)
	if !finite(used) {
		return 0, false
	}
	return min(max(used, 0), 100), true
}

// Reset is a no-op: the value depends on the current snapshot only.
func (d *UsedPercent) Reset() {}
