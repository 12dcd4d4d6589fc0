package collect_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

func TestRoundReadDelay(t *testing.T) {
	for _, c := range []struct{ interval, want time.Duration }{
		{time.Second, 50 * time.Millisecond},
		{10 * time.Second, 50 * time.Millisecond},
		{200 * time.Millisecond, 10 * time.Millisecond},
	} {
		if got := collect.RoundReadDelay(c.interval); got != c.want {
			t.Errorf("RoundReadDelay(%v) = %v, want %v", c.interval, got, c.want)
		}
	}
}

func TestAwaitRoundRead(t *testing.T) {
	if err := collect.AwaitRoundRead(context.Background()); err != nil {
		t.Errorf("no read time set: %v, want at once", err)
	}
	past := collect.WithRoundRead(context.Background(), time.Now().Add(-time.Hour))
	if err := collect.AwaitRoundRead(past); err != nil {
		t.Errorf("read time passed: %v", err)
	}
	at := time.Now().Add(30 * time.Millisecond)
	if err := collect.AwaitRoundRead(collect.WithRoundRead(context.Background(), at)); err != nil || time.Now().Before(at) {
		t.Errorf("returned %v before the read time", err)
	}
	// A deadline before the read time ends the wait: the fetch times out.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error)
	go func() { done <- collect.AwaitRoundRead(collect.WithRoundRead(ctx, time.Now().Add(time.Hour))) }()
	select {
	case err := <-done:
		if err != context.DeadlineExceeded {
			t.Errorf("deadline passed during the wait: %v, want %v", err, context.DeadlineExceeded)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the wait outlived its context")
	}
}

// Every host of a tick's round is given the same read time, the tick's
// plus RoundReadDelay; the first round, at start-up, none.
func TestCollectorReadsARoundsRepliesTogether(t *testing.T) {
	const interval = 100 * time.Millisecond
	type fetch struct{ at, called time.Time }
	var mu sync.Mutex
	rounds := map[int][]fetch{} // per round, each host's fetch
	asked := map[string]int{}
	source := func(name string) collect.Source {
		return funcSource(func(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
			at, ok := collect.RoundReadAt(ctx)
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			n := asked[name]
			asked[name]++
			switch {
			case ok:
				rounds[n] = append(rounds[n], fetch{at, now})
			case n > 0:
				t.Errorf("%s, round %d: no read time", name, n)
			}
			return map[string]metrics.Sample{"k": {Value: 1}}, nil, nil
		})
	}
	c := collect.NewCollector([]collect.Host{{Name: "a", Source: source("a")}, {Name: "b", Source: source("b")}}, []string{"k"}, interval)
	ctx, cancel := context.WithCancel(context.Background())
	out := c.Run(ctx)
	for range 8 { // four rounds of two hosts
		<-out
	}
	cancel()
	for range out {
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rounds[0]) != 0 {
		t.Errorf("the first round was given read times %v: want it read at once", rounds[0])
	}
	for n := 1; n < 4; n++ {
		fs := rounds[n]
		if len(fs) != 2 || !fs[0].at.Equal(fs[1].at) {
			t.Errorf("round %d: %v, want one read time for both hosts", n, fs)
			continue
		}
		// The tick came before the fetch, RoundReadDelay before the read.
		tick := fs[0].at.Add(-collect.RoundReadDelay(interval))
		for _, f := range fs {
			if f.called.Before(tick) || f.called.Sub(tick) > slack {
				t.Errorf("round %d: fetched at %v, read at %v: not %v after the tick", n, f.called, f.at, collect.RoundReadDelay(interval))
			}
		}
	}
}
