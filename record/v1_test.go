package record

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// v1Entries is what testdata/v1.tgrec holds: entries() and then a few
// minutes of busy counters, gauges and periodic sums, enough to take the
// first format's coder through each of its predictions.
func v1Entries() []Entry {
	out := entries()
	r := rand.New(rand.NewPCG(1, 2))
	var req, bytes, sum float64
	for i := range 300 {
		req += float64(2000 + r.IntN(300))
		bytes += float64(50_000_000 + r.IntN(1_000_000))
		if i%5 == 0 {
			sum = bytes
		}
		v := map[string]metrics.Sample{
			"proxy.process.http.incoming_requests":                       {Value: req},
			"proxy.process.http.user_agent_total_response_bytes":         {Value: sum},
			"proxy.process.http.user_agent_response_document_total_size": {Value: bytes},
			"proxy.process.cache.volume_0.bytes_used":                    {Value: bytes},
			"proxy.process.http.current_client_connections":              {Value: float64(800 + r.IntN(40))},
			"proxy.process.http.5xx_responses":                           {Value: float64(i / 50)},
			"proxy.process.net.float":                                    {Value: float64(i) / 3, Float: true},
		}
		out = append(out, Entry{Host: i % 2, Time: t0.Add(time.Minute + time.Duration(i)*time.Second/2), Values: v})
	}
	return out
}

// Recordings in the first format (written by the commit before format 2,
// kept in testdata) still read: their entries come back as
// they were written.
func TestReadsFormat1(t *testing.T) {
	path := filepath.Join("testdata", "v1.tgrec")
	got, sum := readAll(t, path)
	if err := same(got, v1Entries()); err != nil {
		t.Fatal(err)
	}
	if sum.Damaged != 0 || sum.Segments != 1 {
		t.Errorf("summary %+v", sum)
	}
}
