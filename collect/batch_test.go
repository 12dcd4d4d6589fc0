package collect_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// fakeBatch answers for its members in one call: member m's value of "x"
// is m, except that member gone has no data and down fails the batch.
type fakeBatch struct {
	members int
	gone    int
	down    atomic.Bool
	calls   atomic.Int64
}

func (b *fakeBatch) FetchBatch(_ context.Context, keys [][]string) ([]collect.Reply, error) {
	b.calls.Add(1)
	if b.down.Load() {
		return nil, errors.New("connection refused")
	}
	out := make([]collect.Reply, b.members)
	for m := range out {
		if m == b.gone {
			out[m].Err = errors.New("no data")
			continue
		}
		if keys[m] == nil {
			continue // not asked
		}
		out[m].Values = map[string]metrics.Sample{}
		for _, k := range keys[m] {
			out[m].Values[k] = metrics.Sample{Value: float64(m)}
		}
	}
	return out, nil
}

func (b *fakeBatch) String() string { return "fake batch" }

// batchMember is one host of a fakeBatch; alone it cannot answer.
type batchMember struct {
	b *fakeBatch
	m int
}

func (s batchMember) Fetch(context.Context, []string) (map[string]metrics.Sample, []string, error) {
	return nil, nil, errors.New("asked alone")
}
func (s batchMember) String() string              { return fmt.Sprintf("member %d", s.m) }
func (s batchMember) Batch() (collect.Batch, int) { return s.b, s.m }

func TestCollectorAsksABatchOncePerTick(t *testing.T) {
	b := &fakeBatch{members: 50, gone: 7}
	var alone atomic.Int64
	hosts := []collect.Host{{Name: "alone", Source: funcSource(func(context.Context, []string) (map[string]metrics.Sample, []string, error) {
		alone.Add(1)
		return map[string]metrics.Sample{"x": {Value: -1}}, nil, nil
	})}}
	// Members given out of order: results still go to the right hosts.
	for m := b.members - 1; m >= 0; m-- {
		hosts = append(hosts, collect.Host{Name: fmt.Sprint("m", m), Source: batchMember{b, m}})
	}
	hostOf := func(m int) int { return b.members - m }

	c := collect.NewCollector(hosts, []string{"x"}, 20*time.Millisecond)
	rs := c.Once(context.Background())
	if n := b.calls.Load(); n != 1 {
		t.Fatalf("one round asked the batch %d times; want 1", n)
	}
	for m := range b.members {
		r := rs[hostOf(m)]
		switch {
		case r.Host != hostOf(m):
			t.Errorf("member %d: result for host %d, want %d", m, r.Host, hostOf(m))
		case m == b.gone && r.Err == nil:
			t.Errorf("member %d has no data but no error", m)
		case m != b.gone && (r.Err != nil || r.Snapshot.Values["x"].Value != float64(m)):
			t.Errorf("member %d: %v, err %v; want x = %d", m, r.Snapshot.Values, r.Err, m)
		}
	}
	if rs[0].Snapshot.Values["x"].Value != -1 {
		t.Errorf("the host alone: %+v", rs[0])
	}

	// Run: one call per tick, one result per member per call.
	b.calls.Store(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	perHost := map[int]int{}
	for r := range c.Run(ctx) {
		if perHost[r.Host]++; r.Host == hostOf(0) && perHost[r.Host] == 5 {
			cancel()
		}
	}
	calls := b.calls.Load()
	if calls < 5 || calls > 6 {
		t.Errorf("5 ticks asked the batch %d times; want 5 (6 if cancelled mid-tick)", calls)
	}
	for m := range b.members {
		if n := perHost[hostOf(m)]; int64(n) < calls-1 || int64(n) > calls {
			t.Errorf("member %d got %d results from %d calls", m, n, calls)
		}
	}
}

func TestCollectorBacksOffADownBatchAsOneHost(t *testing.T) {
	b := &fakeBatch{members: 100, gone: -1}
	b.down.Store(true)
	hosts := []collect.Host{{Name: "live", Source: funcSource(func(context.Context, []string) (map[string]metrics.Sample, []string, error) {
		return map[string]metrics.Sample{"x": {Value: 1}}, nil, nil
	})}}
	for m := range b.members {
		hosts = append(hosts, collect.Host{Name: fmt.Sprint("m", m), Source: batchMember{b, m}})
	}
	// Two units (the live host and the batch): a backoff cap of 2 × 250 ms
	// = 25 ticks, whatever the number of members.
	const interval = 10 * time.Millisecond
	c := collect.NewCollector(hosts, []string{"x"}, interval)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got, failed := 0, 0
	var retry time.Duration
	for r := range c.Run(ctx) {
		switch {
		case r.Host == 0:
			if got++; got == 64 {
				cancel()
			}
		case r.Err != nil:
			failed++
			retry = max(retry, r.Retry)
		}
	}
	// Asked at ticks 0, 1, 3, 7, 15, then every 25: 6 to 8 calls.
	if n := b.calls.Load(); n < 4 || n > 9 {
		t.Errorf("a down batch was asked %d times in 64 ticks; want about 7", n)
	}
	// Each call fails every member (the last may be cut short by the end).
	if n := b.calls.Load(); failed != int(n)*b.members && failed != int(n-1)*b.members {
		t.Errorf("%d failures delivered for %d calls of %d members", failed, n, b.members)
	}
	if retry < 8*interval {
		t.Errorf("the longest retry said was %v; want at least %v", retry, 8*interval)
	}
}

// With Brief keys, hosts out of focus are asked those only, alone or in
// a batch, and a change of focus holds from the next fetch.
func TestCollectorAsksHostsOutOfFocusTheBriefKeys(t *testing.T) {
	b := &fakeBatch{members: 3, gone: -1}
	hosts := []collect.Host{{Name: "alone", Source: funcSource(func(_ context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
		out := map[string]metrics.Sample{}
		for _, k := range keys {
			out[k] = metrics.Sample{Value: 1}
		}
		return out, nil, nil
	})}}
	for m := range b.members {
		hosts = append(hosts, collect.Host{Name: fmt.Sprint("m", m), Source: batchMember{b, m}})
	}
	c := collect.NewCollector(hosts, []string{"x", "y", "z"}, time.Second)
	c.Brief([]string{"x"})
	asked := func() string {
		var out []string
		for _, r := range c.Once(context.Background()) {
			keys := make([]string, 0, len(r.Snapshot.Values))
			for k := range r.Snapshot.Values {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			out = append(out, strings.Join(keys, ""))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		focus []int
		want  string
	}{
		{nil, "x x x x"},
		{[]int{0, 2}, "xyz x xyz x"},
		{[]int{3}, "x x x xyz"},
	} {
		if tc.focus != nil {
			c.Focus(tc.focus)
		}
		if got := asked(); got != tc.want {
			t.Errorf("focus %v: hosts were asked %q; want %q", tc.focus, got, tc.want)
		}
	}
	c.Brief(nil)
	if got := asked(); got != "xyz xyz xyz xyz" {
		t.Errorf("without Brief, hosts were asked %q; want every key", got)
	}
}
