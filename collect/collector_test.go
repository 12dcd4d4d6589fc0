package collect_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// funcSource adapts a function to Source.
type funcSource func(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error)

func (f funcSource) Fetch(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
	return f(ctx, keys)
}
func (f funcSource) String() string { return "func" }

// dashboardKeys are the keys of the original tool's four pages: the
// collector's tests are about timing, which a small request keeps sharp
// under the race detector on a loaded machine.
var dashboardKeys = func() []string {
	d := pages.Default()
	d.Pages = d.Pages[:4]
	return d.Keys()
}()

// slack is the allowed lateness of a deadline-bound call (race detector,
// loaded CI machines).
const slack = 750 * time.Millisecond

func TestCollectorTimeout(t *testing.T) {
	for _, tt := range []struct{ interval, want time.Duration }{
		{50 * time.Millisecond, 200 * time.Millisecond},
		{time.Second, time.Second},
		{2 * time.Second, 2 * time.Second},
		{10 * time.Second, 5 * time.Second},
		{0, time.Second},
	} {
		c := collect.NewCollector(nil, nil, tt.interval)
		if c.Timeout != tt.want {
			t.Errorf("interval %v: timeout %v, want %v", tt.interval, c.Timeout, tt.want)
		}
	}
}

func TestCollectorOnce(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 5})
	missing := filepath.Join(t.TempDir(), "jsonrpc20.sock")
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := collect.NewCollector([]collect.Host{
		{Name: "sim", Source: jsonrpc.NewJSONRPCSource(sim.Path())},
		{Name: "gone", Source: jsonrpc.NewJSONRPCSource(missing)},
		{Name: "warn", Source: funcSource(func(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
			return map[string]metrics.Sample{keys[0]: {Value: 1}}, []string{"not reported by server: x"}, nil
		})},
	}, dashboardKeys, time.Second)
	c.Now = func() time.Time { return fixed }
	res := c.Once(context.Background())
	if len(res) != 3 {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.Host != i {
			t.Errorf("result %d has Host %d", i, r.Host)
		}
		if !r.Snapshot.Time.Equal(fixed) {
			t.Errorf("result %d time %v", i, r.Snapshot.Time)
		}
	}
	if res[0].Err != nil || len(res[0].Snapshot.Values) != len(dashboardKeys) || res[0].Took <= 0 {
		t.Errorf("sim: %+v", res[0])
	}
	if !errors.Is(res[1].Err, collect.ErrConnect) || res[1].Snapshot.Values != nil {
		t.Errorf("missing socket: %+v", res[1])
	}
	if res[2].Err != nil || len(res[2].Warnings) != 1 {
		t.Errorf("warnings: %+v", res[2])
	}
}

// Results are stamped to the microsecond, as a recording keeps them, with
// the clock's monotonic reading kept: a replay derives the rates the live
// run did, and the live run's rates do not jump with the wall clock.
func TestCollectorStampsWholeMicroseconds(t *testing.T) {
	c := collect.NewCollector([]collect.Host{{Name: "a", Source: funcSource(func(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
		return map[string]metrics.Sample{keys[0]: {Value: 1}}, nil, nil
	})}}, dashboardKeys, time.Second)
	for _, clock := range []struct {
		name string
		now  func() time.Time
	}{
		{"time.Now", time.Now},
		{"a clock of its own", func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC) }},
	} {
		c.Now = clock.now
		got := c.Once(context.Background())[0].Snapshot.Time
		if got.Nanosecond()%1000 != 0 {
			t.Errorf("%s: stamped %v, not a whole microsecond", clock.name, got)
		}
		if want := clock.now().Truncate(time.Microsecond); clock.name != "time.Now" && !got.Equal(want) {
			t.Errorf("%s: stamped %v, want %v", clock.name, got, want)
		}
		if mono := strings.Contains(got.String(), " m="); mono != (clock.name == "time.Now") {
			t.Errorf("%s: stamped %v: monotonic reading %v", clock.name, got, mono)
		}
	}
}

// TestCollectorDeadHost: a host that never answers must not delay the
// results of a healthy one.
func TestCollectorDeadHost(t *testing.T) {
	healthy := simulator.StartForTest(t, simulator.Options{Seed: 6})
	dead := simulator.StartForTest(t, simulator.Options{Seed: 7})
	dead.SetFault(simulator.FaultHang)
	const interval = 20 * time.Millisecond
	c := collect.NewCollector([]collect.Host{
		{Name: "healthy", Source: jsonrpc.NewJSONRPCSource(healthy.Path())},
		{Name: "dead", Source: jsonrpc.NewJSONRPCSource(dead.Path())},
	}, dashboardKeys, interval)
	c.Timeout = time.Second // the dead host blocks a full second per attempt
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	var healthyBeforeDead int
	var deadResult *collect.Result
	for r := range c.Run(ctx) {
		if r.Host == 0 {
			if r.Err != nil {
				t.Fatalf("healthy host: %v", r.Err)
			}
			if deadResult == nil {
				healthyBeforeDead++
			}
			continue
		}
		deadResult = &r
		break
	}
	cancel()
	if deadResult == nil {
		t.Fatal("no result from the dead host")
	}
	if !errors.Is(deadResult.Err, collect.ErrTimeout) {
		t.Errorf("dead host: %v", deadResult.Err)
	}
	if deadResult.Took < 900*time.Millisecond || deadResult.Took > time.Second+slack {
		t.Errorf("dead host took %v, timeout 1s", deadResult.Took)
	}
	// About 50 intervals passed before the dead host timed out; demand a
	// fraction of that to stay robust on slow machines.
	if healthyBeforeDead < 10 {
		t.Errorf("healthy host delivered only %d results in %v while the other hung", healthyBeforeDead, time.Since(start))
	}
}

// TestCollectorNoPileUp: a fetch slower than the interval skips ticks
// instead of stacking requests.
func TestCollectorNoPileUp(t *testing.T) {
	var inflight, maxInflight, calls atomic.Int32
	src := funcSource(func(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
		calls.Add(1)
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			m := maxInflight.Load()
			if n <= m || maxInflight.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-time.After(60 * time.Millisecond):
			return map[string]metrics.Sample{}, nil, nil
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	})
	const interval = 10 * time.Millisecond
	c := collect.NewCollector([]collect.Host{{Name: "slow", Source: src}}, []string{"k"}, interval)
	c.Timeout = time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	out := c.Run(ctx)
	var got int
	var last time.Time
	for r := range out {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if !last.IsZero() {
			if gap := r.Snapshot.Time.Sub(last); gap < 55*time.Millisecond {
				t.Errorf("results %v apart: fetches overlapped or queued", gap)
			}
		}
		last = r.Snapshot.Time
		if got++; got == 6 {
			cancel()
		}
	}
	elapsed := time.Since(start)
	if m := maxInflight.Load(); m != 1 {
		t.Errorf("%d fetches in flight at once", m)
	}
	if n := int(calls.Load()); n > got+1 || n > int(elapsed/(60*time.Millisecond))+1 {
		t.Errorf("%d fetches started in %v for %d results", n, elapsed, got)
	}
}

// TestCollectorSlowConsumer: a consumer that stops reading loses the
// oldest results, never blocks collection, and gets the newest ones.
func TestCollectorSlowConsumer(t *testing.T) {
	var seq [2]atomic.Int64
	mk := func(h int) collect.Source {
		return funcSource(func(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
			return map[string]metrics.Sample{"n": {Value: float64(seq[h].Add(1))}}, nil, nil
		})
	}
	c := collect.NewCollector([]collect.Host{{Name: "a", Source: mk(0)}, {Name: "b", Source: mk(1)}}, []string{"n"}, time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := c.Run(ctx)
	// Do not read until results have been dropped.
	deadline := time.Now().Add(10 * time.Second)
	for c.Dropped() < 50 {
		if time.Now().After(deadline) {
			t.Fatalf("nothing dropped (%d fetched) with a stalled consumer", seq[0].Load()+seq[1].Load())
		}
		time.Sleep(time.Millisecond)
	}
	if n := len(out); n != cap(out) {
		t.Errorf("channel holds %d of %d", n, cap(out))
	}
	fetchedBefore := seq[0].Load() + seq[1].Load()
	var lastSeen [2]float64
	var got int
	for r := range out {
		v := r.Snapshot.Values["n"].Value
		if v <= lastSeen[r.Host] {
			t.Fatalf("host %d: result %v after %v (out of order)", r.Host, v, lastSeen[r.Host])
		}
		lastSeen[r.Host] = v
		if got++; got == cap(out)+20 {
			cancel()
		}
	}
	// The queued results were recent ones, not the first ones.
	if lastSeen[0] < 10 || lastSeen[1] < 10 {
		t.Errorf("latest values %v", lastSeen)
	}
	if c.Dropped() == 0 || fetchedBefore < int64(cap(out)) {
		t.Errorf("dropped %d, fetched %d", c.Dropped(), fetchedBefore)
	}
}

// TestCollectorStopsPromptly: cancelling Run closes the channel even while
// a fetch hangs.
func TestCollectorStopsPromptly(t *testing.T) {
	dead := simulator.StartForTest(t, simulator.Options{Seed: 8})
	dead.SetFault(simulator.FaultHang)
	healthy := simulator.StartForTest(t, simulator.Options{Seed: 9})
	c := collect.NewCollector([]collect.Host{
		{Name: "healthy", Source: jsonrpc.NewJSONRPCSource(healthy.Path())},
		{Name: "dead", Source: jsonrpc.NewJSONRPCSource(dead.Path())},
	}, dashboardKeys, time.Second)
	c.Timeout = 30 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	out := c.Run(ctx)
	r := <-out
	if r.Host != 0 || r.Err != nil {
		t.Fatalf("first result %+v", r)
	}
	for dead.Requests() == 0 {
		time.Sleep(time.Millisecond) // the dead host's request is in flight
	}
	start := time.Now()
	cancel()
	for r := range out {
		t.Errorf("result after cancel: %+v", r)
	}
	if d := time.Since(start); d > slack {
		t.Errorf("channel closed %v after cancel", d)
	}
}

// TestCollectorTicks: results keep coming at the interval, first one
// immediately.
func TestCollectorTicks(t *testing.T) {
	sim := simulator.StartForTest(t, simulator.Options{Seed: 10})
	const interval = 50 * time.Millisecond
	c := collect.NewCollector([]collect.Host{{Name: "a", Source: jsonrpc.NewJSONRPCSource(sim.Path())}}, dashboardKeys, interval)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	out := c.Run(ctx)
	first := <-out
	if d := time.Since(start); d > interval/2+slack/4 {
		t.Errorf("first result after %v", d)
	}
	if first.Err != nil {
		t.Fatal(first.Err)
	}
	times := []time.Time{first.Snapshot.Time}
	for r := range out {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if times = append(times, r.Snapshot.Time); len(times) == 6 {
			cancel()
		}
	}
	total := times[5].Sub(times[0])
	if total < 4*interval || total > 5*interval+slack {
		t.Errorf("5 intervals took %v", total)
	}
}

// slowFuncSource is a funcSource that asks for a longer deadline.
type slowFuncSource struct {
	funcSource
	min time.Duration
}

func (s slowFuncSource) MinTimeout() time.Duration { return s.min }

// TestCollectorSlowSourceGetsItsTimeout: a traffic_ctl-over-SSH host needs
// more than a short interval; it gets its MinTimeout, the others keep the
// interval's.
func TestCollectorSlowSourceGetsItsTimeout(t *testing.T) {
	deadlineIn := func(ctx context.Context) time.Duration {
		d, _ := ctx.Deadline()
		return time.Until(d)
	}
	var fast, slow time.Duration
	c := collect.NewCollector([]collect.Host{
		{Name: "fast", Source: funcSource(func(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
			fast = deadlineIn(ctx)
			return nil, nil, nil
		})},
		{Name: "slow", Source: slowFuncSource{funcSource(func(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
			slow = deadlineIn(ctx)
			return nil, nil, nil
		}), 3 * time.Second}},
	}, nil, 500*time.Millisecond)
	c.Once(context.Background())
	if fast > 500*time.Millisecond || slow < 2*time.Second || slow > 3*time.Second {
		t.Errorf("deadlines: fast %s (want ≤ 500ms), slow %s (want ~3s)", fast, slow)
	}
}

// panicSource is a source whose parser meets something nobody foresaw.
type panicSource struct{}

func (panicSource) Fetch(context.Context, []string) (map[string]metrics.Sample, []string, error) {
	var m map[string]int
	m["x"]++ // a nil map write: a runtime panic
	return nil, nil, nil
}
func (panicSource) String() string { return "panicky" }

// nonFiniteSource answers with values no chart can draw.
type nonFiniteSource struct{}

func (nonFiniteSource) Fetch(context.Context, []string) (map[string]metrics.Sample, []string, error) {
	return map[string]metrics.Sample{"a": {Value: math.Inf(1)}, "b": {Value: math.NaN()}, "c": {Value: 3}}, nil, nil
}
func (nonFiniteSource) String() string { return "nonfinite" }

func TestFetchSurvivesPanicsAndDropsNonFiniteValues(t *testing.T) {
	c := collect.NewCollector([]collect.Host{{Name: "p", Source: panicSource{}}, {Name: "n", Source: nonFiniteSource{}}}, []string{"a", "b", "c"}, time.Second)
	rs := c.Once(context.Background())
	if rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "internal error reading panicky") {
		t.Errorf("panicking source: err %v, want an internal error naming it", rs[0].Err)
	}
	if _, ok := rs[1].Snapshot.Values["a"]; ok || len(rs[1].Snapshot.Values) != 1 {
		t.Errorf("non-finite values kept: %v", rs[1].Snapshot.Values)
	}
	if len(rs[1].Warnings) != 1 || !strings.Contains(rs[1].Warnings[0], "a = +Inf") || !strings.Contains(rs[1].Warnings[0], "b = NaN") {
		t.Errorf("warnings %q, want one naming a = +Inf and b = NaN", rs[1].Warnings)
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		failures, hosts int
		interval        time.Duration
		want            int
	}{
		{0, 100, time.Second, 0},
		{1, 100, time.Second, 0}, // one failure: asked at the next tick
		{2, 100, time.Second, 1},
		{3, 100, time.Second, 3},
		{5, 100, time.Second, 15},
		{6, 100, time.Second, 24}, // the cap: 100 × 250 ms = 25 s
		{60, 100, time.Second, 24},
		{9, 1000, time.Second, 29}, // at most 30 s
		{9, 4, time.Second, 0},     // four hosts: every tick, as ever
		{3, 8, time.Second, 1},     // eight: at most every 2 s
		{4, 8, 100 * time.Millisecond, 7},
		{3, 8, 0, 0},
	} {
		if got := collect.Backoff(tc.failures, tc.hosts, tc.interval); got != tc.want {
			t.Errorf("Backoff(%d failures, %d hosts, %v) = %d, want %d", tc.failures, tc.hosts, tc.interval, got, tc.want)
		}
	}
}

// No more than MaxConcurrent fetches run at once, and every host is
// still asked.
func TestCollectorBoundsConcurrency(t *testing.T) {
	const limit, n = 8, 100
	var inflight, most, calls atomic.Int64
	full := make(chan struct{})
	var once atomic.Bool
	src := funcSource(func(ctx context.Context, _ []string) (map[string]metrics.Sample, []string, error) {
		calls.Add(1)
		now := inflight.Add(1)
		defer inflight.Add(-1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		if now == limit && once.CompareAndSwap(false, true) {
			close(full) // the first fetches wait until the bound is reached
		}
		select {
		case <-full:
		case <-ctx.Done():
		}
		return map[string]metrics.Sample{"x": {Value: 1}}, nil, nil
	})
	hosts := make([]collect.Host, n)
	for i := range hosts {
		hosts[i] = collect.Host{Name: "h", Source: src}
	}
	c := collect.NewCollector(hosts, []string{"x"}, time.Second)
	c.MaxConcurrent = limit
	c.Timeout = time.Minute
	for i, r := range c.Once(context.Background()) {
		if r.Err != nil {
			t.Fatalf("host %d: %v", i, r.Err)
		}
	}
	if most.Load() != limit || calls.Load() != n {
		t.Errorf("%d fetches at most at once (want %d), %d in all (want %d)", most.Load(), limit, calls.Load(), n)
	}
}

// Hosts that keep failing are asked less and less often, and say when
// they will be asked again; a host that answers is asked every tick.
func TestCollectorBacksOffDeadHosts(t *testing.T) {
	var live, dead atomic.Int64
	ok := funcSource(func(context.Context, []string) (map[string]metrics.Sample, []string, error) {
		live.Add(1)
		return map[string]metrics.Sample{"x": {Value: 1}}, nil, nil
	})
	down := funcSource(func(context.Context, []string) (map[string]metrics.Sample, []string, error) {
		dead.Add(1)
		return nil, nil, errors.New("connection refused")
	})
	hosts := []collect.Host{{Name: "live", Source: ok}}
	for range 7 {
		hosts = append(hosts, collect.Host{Name: "dead", Source: down})
	}
	const interval = 10 * time.Millisecond // a cap of 8 × 250 ms = 200 ticks
	c := collect.NewCollector(hosts, []string{"x"}, interval)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var retry time.Duration
	got := 0
	for r := range c.Run(ctx) {
		if r.Host == 0 {
			if got++; got == 64 {
				cancel()
			}
		} else if r.Err != nil {
			retry = max(retry, r.Retry)
		}
	}
	// In 64 ticks a dead host is asked at ticks 0, 1, 3, 7, 15, 31 and 63.
	if d := dead.Load(); d > 7*10 || d < 7*3 {
		t.Errorf("the 7 dead hosts were asked %d times in 64 ticks; want 21 to 70 (the live one: 64)", d)
	}
	if retry < 16*interval {
		t.Errorf("the longest retry said was %v; want at least %v", retry, 16*interval)
	}
}
