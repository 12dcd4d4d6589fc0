package record

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// budget24h is the most a day of the built-in dashboard at 1 s for four
// hosts may take: 205 records a sample from a simulated server with six
// remap rules, four origins and a volume: 40 MB, as the recording was
// first asked to take (format 1 took 46.2 MB; format 2 measures 39.5 MB).
const budget24h = 40_000_000

// A day of the built-in dashboard's records from four simulated servers
// (every remap rule, origin and volume there, restarts every ten minutes
// or so), one sample a second each, on a simulated clock: the recording
// stays within budget24h, and reads back whole.
func TestRecording24hBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("records a simulated day: too slow for -short and -race")
	}
	clock := newSimClock(t0)
	sims := make([]*simulator.Server, 4)
	recHosts := make([]Host, len(sims))
	for i := range sims {
		sims[i] = simulator.StartForTest(t, clock.options(int64(i+1)))
		recHosts[i] = Host{Name: "edge" + strconv.Itoa(i+1), Source: "jsonrpc " + sims[i].Path()}
	}
	path := filepath.Join(t.TempDir(), "day.tgrec")
	w, err := Create(path, recHosts, Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * 60 * 60
	if s := os.Getenv("TG_RECORD_SECONDS"); s != "" {
		day, _ = strconv.Atoi(s)
	}
	began := time.Now()
	values := map[string]metrics.Sample{}
	records := 0
	for sec := range day {
		at := t0.Add(time.Duration(sec) * time.Second)
		clock.set(at)
		for h, s := range sims {
			dashboardValues(s, values)
			records += len(values)
			// A host answers some 40 ms into the second, as over a network.
			if err := w.Sample(h, at.Add(time.Duration(40+h*7)*time.Millisecond), values); err != nil {
				t.Fatal(err)
			}
		}

	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	if keep := os.Getenv("TG_RECORD_KEEP"); keep != "" {
		// For measuring what reads it (scripts/bench-replay).
		if b, err := os.ReadFile(path); err == nil {
			os.WriteFile(keep, b, 0o600)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a day at 1 s for 4 hosts: %d samples of %.0f records each on average: %.1f MB (%.2f bytes a record, %.1f MB an hour); written in %v",
		day*len(sims), float64(records)/float64(day*len(sims)), float64(fi.Size())/1e6, float64(fi.Size())/float64(records), float64(fi.Size())/24e6, took.Round(time.Second))
	if fi.Size()*int64(24*60*60/day) > budget24h {
		t.Errorf("a day takes %d bytes; the budget is %d", fi.Size(), budget24h)
	}
	n := 0
	sum, err := ReadFile(path, func(e Entry) error { n++; return nil })
	if err != nil || n != day*len(sims) || sum.Damaged != 0 {
		t.Errorf("read back %d entries of %d: %+v, %v", n, day*len(sims), sum, err)
	}
}
